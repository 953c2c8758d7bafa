import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { afterAll, describe, expect, test } from "vitest";

import { renderNetworkXml } from "../../controller/src/libvirt/xml/network.js";
import {
  NON_PUBLIC_IPV4_CIDRS,
  renderGuestFilterXml,
} from "../../controller/src/libvirt/xml/nwfilter.js";
import { renderPoolXml } from "../../controller/src/libvirt/xml/pool.js";
import { stableMac, stableUuid } from "../../infra/host/stable-ids.js";
import {
  renderBaseImageDeleteScript,
  renderBaseImageEnsureScript,
} from "../../infra/libvirt/base-image-script.js";
import { renderDeleteScript, renderEnsureScript } from "../../infra/libvirt/virsh-scripts.js";
import type { ObjectKind } from "../../infra/libvirt/virsh-scripts.js";
import { runScript } from "../../infra/testing/run-script.js";

// The host scripts of the Pulumi program against a real libvirtd: define, run again with no
// change, update, delete. Every object name carries a random suffix, so parallel runs never meet.
const URI = "qemu:///system";
const suffix = randomBytes(3).toString("hex");
const prefix = `tr-infra-${suffix}`;
const workDir = mkdtempSync(join(tmpdir(), "tr-infra-e2e-"));

const names = {
  filter: `${prefix}-guard`,
  network: `${prefix}-net`,
  // Linux bridge names have at most 15 characters.
  bridge: `trinf${suffix}`,
  pool: `${prefix}-pool`,
  volume: `${prefix}-base.qcow2`,
};

afterAll(() => {
  const cleanups = [
    renderBaseImageDeleteScript(imageSpec("", "")),
    renderDeleteScript({ kind: "pool", uri: URI, name: names.pool }),
    renderDeleteScript({ kind: "network", uri: URI, name: names.network }),
    renderDeleteScript({ kind: "nwfilter", uri: URI, name: names.filter }),
  ];
  for (const script of cleanups) {
    runScript(script);
  }
  rmSync(workDir, { recursive: true, force: true });
});

function ensure(kind: ObjectKind, name: string, xml: string): string {
  const result = runScript(renderEnsureScript({ kind, uri: URI, name, xml }));
  expect(result.stderr).toBe("");
  expect(result.status).toBe(0);
  return result.stdout;
}

function remove(kind: ObjectKind, name: string): string {
  const result = runScript(renderDeleteScript({ kind, uri: URI, name }));
  expect(result.stderr).toBe("");
  expect(result.status).toBe(0);
  return result.stdout;
}

function filterXml(extraBlocked: string[]): string {
  return renderGuestFilterXml({
    name: names.filter,
    uuid: stableUuid("nwfilter", names.filter),
    gateway: "192.168.253.1",
    blockedCidrs: [...NON_PUBLIC_IPV4_CIDRS, ...extraBlocked],
  });
}

function networkXml(gateway: string): string {
  // No forwarding, DHCP or DNS: such a network needs neither dnsmasq nor firewall rules, which
  // CI machines may lack, and still exercises define, start, redefine and delete.
  return renderNetworkXml({
    name: names.network,
    uuid: stableUuid("network", names.network),
    bridge: names.bridge,
    mac: stableMac(names.network),
    gateway,
    prefixLength: 24,
    forward: "none",
    dns: false,
  });
}

function poolXml(mode: string): string {
  return renderPoolXml({
    name: names.pool,
    uuid: stableUuid("pool", names.pool),
    path: join(workDir, "pool"),
    mode,
    uid: 0,
    gid: 0,
  });
}

function imageSpec(path: string, sha256: string) {
  return {
    uri: URI,
    pool: names.pool,
    name: names.volume,
    url: `file://${path}`,
    sha256,
  };
}

function writeImage(name: string, content: string): { path: string; sha256: string } {
  const path = join(workDir, name);
  writeFileSync(path, content);
  return { path, sha256: createHash("sha256").update(content).digest("hex") };
}

describe("nwfilter on libvirtd", () => {
  test("define, rerun, update, delete", () => {
    expect(ensure("nwfilter", names.filter, filterXml([]))).toBe(
      `nwfilter ${names.filter}: defined\n`,
    );
    expect(ensure("nwfilter", names.filter, filterXml([]))).toBe(
      `nwfilter ${names.filter}: unchanged\n`,
    );
    expect(ensure("nwfilter", names.filter, filterXml(["203.0.113.10/32"]))).toBe(
      `nwfilter ${names.filter}: redefined\n`,
    );
    expect(remove("nwfilter", names.filter)).toBe(`nwfilter ${names.filter}: deleted\n`);
    expect(remove("nwfilter", names.filter)).toBe(
      `nwfilter ${names.filter}: not found, nothing to delete\n`,
    );
  });
});

describe("network on libvirtd", () => {
  test("define, rerun, update, delete", () => {
    const first = networkXml("192.168.253.1");
    expect(ensure("network", names.network, first)).toBe(`network ${names.network}: defined\n`);
    expect(ensure("network", names.network, first)).toBe(`network ${names.network}: unchanged\n`);
    expect(ensure("network", names.network, networkXml("192.168.254.1"))).toBe(
      `network ${names.network}: redefined\n`,
    );

    const info = runScript(`virsh -c ${URI} net-dumpxml ${names.network}`);
    expect(info.stdout).toContain("192.168.254.1");

    expect(remove("network", names.network)).toBe(`network ${names.network}: deleted\n`);
    expect(remove("network", names.network)).toBe(
      `network ${names.network}: not found, nothing to delete\n`,
    );
  });
});

describe("pool and base image on libvirtd", () => {
  test("define, rerun, update, delete", () => {
    expect(ensure("pool", names.pool, poolXml("0711"))).toBe(`pool ${names.pool}: defined\n`);
    expect(ensure("pool", names.pool, poolXml("0711"))).toBe(`pool ${names.pool}: unchanged\n`);
    expect(ensure("pool", names.pool, poolXml("0755"))).toBe(`pool ${names.pool}: redefined\n`);

    const first = writeImage("first.qcow2", "first stand-in image\n");
    const imported = runScript(renderBaseImageEnsureScript(imageSpec(first.path, first.sha256)));
    expect(imported.stderr).toBe("");
    expect(imported.stdout).toBe(`volume ${names.volume}: imported, sha256 ${first.sha256}\n`);

    const again = runScript(renderBaseImageEnsureScript(imageSpec(first.path, first.sha256)));
    expect(again.stdout).toBe(`volume ${names.volume}: unchanged\n`);

    const wrongDigest = runScript(
      renderBaseImageEnsureScript(imageSpec(first.path, "0".repeat(64))),
    );
    expect(wrongDigest.status).toBe(1);
    const kept = runScript(renderBaseImageEnsureScript(imageSpec(first.path, first.sha256)));
    expect(kept.stdout).toBe(`volume ${names.volume}: unchanged\n`);

    const second = writeImage("second.qcow2", "second stand-in image\n");
    const updated = runScript(renderBaseImageEnsureScript(imageSpec(second.path, second.sha256)));
    expect(updated.stderr).toBe("");
    expect(updated.stdout).toContain(`imported, sha256 ${second.sha256}`);

    const deleted = runScript(renderBaseImageDeleteScript(imageSpec(second.path, second.sha256)));
    expect(deleted.stdout).toBe(`volume ${names.volume}: deleted\n`);
    expect(remove("pool", names.pool)).toBe(`pool ${names.pool}: deleted\n`);
    expect(remove("pool", names.pool)).toBe(`pool ${names.pool}: not found, nothing to delete\n`);
  });
});
