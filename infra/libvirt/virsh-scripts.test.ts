import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { afterAll, describe, expect, test } from "vitest";

import { renderNetworkXml } from "../../controller/src/libvirt/xml/network.js";
import { renderPoolXml } from "../../controller/src/libvirt/xml/pool.js";
import { renderVolumeXml } from "../../controller/src/libvirt/xml/volume.js";
import { stableMac, stableUuid } from "../host/stable-ids.js";
import { runScript } from "../testing/run-script.js";
import { renderDeleteScript, renderEnsureScript } from "./virsh-scripts.js";

// libvirt's test driver starts every connection from the same built-in state, so each script run
// sees a fresh host with only the "default" network and "default-pool" pool.
const URI = "test:///default";
const workDir = mkdtempSync(join(tmpdir(), "tr-virsh-scripts-"));

afterAll(() => rmSync(workDir, { recursive: true, force: true }));

function networkXml(name: string): string {
  return renderNetworkXml({
    name,
    uuid: stableUuid("network", name),
    bridge: "trunit0",
    mac: stableMac(name),
    gateway: "192.168.150.1",
    prefixLength: 24,
    forward: "nat",
    dhcpRange: { start: "192.168.150.2", end: "192.168.150.254" },
    dns: true,
  });
}

function poolXml(name: string): string {
  return renderPoolXml({
    name,
    uuid: stableUuid("pool", name),
    path: join(workDir, name),
    mode: "0711",
    uid: 0,
    gid: 0,
  });
}

describe("network scripts on test driver", () => {
  test("ensure defines missing network", () => {
    const xml = networkXml("tr-unit-net");
    const result = runScript(
      renderEnsureScript({ kind: "network", uri: URI, name: "tr-unit-net", xml }),
    );
    expect(result.stderr).toBe("");
    expect(result.stdout).toBe("network tr-unit-net: defined\n");
    expect(result.status).toBe(0);
  });

  test("delete of missing network", () => {
    const result = runScript(
      renderDeleteScript({ kind: "network", uri: URI, name: "tr-unit-net" }),
    );
    expect(result.stdout).toBe("network tr-unit-net: not found, nothing to delete\n");
    expect(result.status).toBe(0);
  });

  test("delete removes built-in network", () => {
    const result = runScript(renderDeleteScript({ kind: "network", uri: URI, name: "default" }));
    expect(result.stdout).toBe("network default: deleted\n");
    expect(result.status).toBe(0);
  });
});

describe("pool scripts on test driver", () => {
  test("ensure defines missing pool", () => {
    const xml = poolXml("tr-unit-pool");
    const result = runScript(
      renderEnsureScript({ kind: "pool", uri: URI, name: "tr-unit-pool", xml }),
    );
    expect(result.stderr).toBe("");
    expect(result.stdout).toBe("pool tr-unit-pool: defined\n");
    expect(result.status).toBe(0);
  });

  test("delete of missing pool", () => {
    const result = runScript(renderDeleteScript({ kind: "pool", uri: URI, name: "tr-unit-pool" }));
    expect(result.stdout).toBe("pool tr-unit-pool: not found, nothing to delete\n");
    expect(result.status).toBe(0);
  });

  test("volume XML accepted by pool", () => {
    const volumePath = join(workDir, "volume.xml");
    const script = [
      "set -euo pipefail",
      `cat >${join(workDir, "pool.xml")} <<'EOF'\n${poolXml("tr-unit-vols")}\nEOF`,
      `cat >${volumePath} <<'EOF'`,
      renderVolumeXml({ name: "tr-unit.qcow2", capacityBytes: 1048576, format: "qcow2" }),
      "EOF",
      `virsh -q -c ${URI} "pool-define ${join(workDir, "pool.xml")}; pool-start tr-unit-vols; ` +
        `vol-create tr-unit-vols ${volumePath}; vol-list tr-unit-vols"`,
    ].join("\n");
    const result = runScript(script);
    expect(result.stderr).toBe("");
    expect(result.stdout).toMatch(/tr-unit\.qcow2/);
  });
});

describe("nwfilter scripts on test driver", () => {
  // The test driver has no nwfilter support; the e2e suite defines filters on a real libvirtd.
  test("delete of missing filter", () => {
    const result = runScript(
      renderDeleteScript({ kind: "nwfilter", uri: URI, name: "tr-unit-guard" }),
    );
    expect(result.stdout).toBe("nwfilter tr-unit-guard: not found, nothing to delete\n");
    expect(result.status).toBe(0);
  });
});
