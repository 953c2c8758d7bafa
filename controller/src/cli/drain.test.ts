import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Store } from "../store/store.js";
import { runCli } from "./dispatch.js";

describe("drain and status commands", () => {
  let dir: string;
  let configFile: string;
  let output: string[];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "tr-cli-"));
    configFile = join(dir, "controller.json");
    const config = {
      github: {
        appId: 1,
        installationId: 2,
        organization: "acme",
        repositories: [{ owner: "acme", name: "app", id: 3 }],
        runnerGroupId: 4,
        labels: ["self-hosted", "linux", "x64", "chem-trusted-pr"],
      },
      libvirt: { uri: "test:///default", network: { type: "user" }, pool: "p", baseVolume: "b" },
      vm: { vcpus: 1, memoryMiB: 256, diskGiB: 1 },
      capacity: { warmPool: 0, maxVms: 1, maxVcpus: 1, maxMemoryMiB: 256 },
      server: { listen: "127.0.0.1:0" },
      stateDir: join(dir, "state"),
    };
    writeFileSync(configFile, JSON.stringify(config));
    output = [];
    vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
      output.push(String(chunk));
      return true;
    });
  });
  afterEach(() => {
    vi.restoreAllMocks();
    rmSync(dir, { recursive: true, force: true });
  });

  it("drain sets the flag", async () => {
    expect(await runCli(["drain", "--config", configFile])).toBe(0);
    const store = new Store(join(dir, "state"));
    expect(store.isDraining()).toBe(true);
    store.close();
  });

  it("status prints the drain flag", async () => {
    await runCli(["drain", "--config", configFile]);
    output = [];
    expect(await runCli(["status", "--config", configFile])).toBe(0);
    const status = JSON.parse(output.join("")) as { draining: boolean; counts: { vms: number } };
    expect(status.draining).toBe(true);
    expect(status.counts.vms).toBe(0);
  });

  it("drain resume clears the flag", async () => {
    await runCli(["drain", "--config", configFile]);
    expect(await runCli(["drain", "--config", configFile, "--resume"])).toBe(0);
    const store = new Store(join(dir, "state"));
    expect(store.isDraining()).toBe(false);
    store.close();
  });

  it("unusable state folder is one line", async () => {
    const stderr: string[] = [];
    vi.spyOn(process.stderr, "write").mockImplementation((chunk) => {
      stderr.push(String(chunk));
      return true;
    });
    // A state folder below a regular file cannot be created.
    const config = JSON.parse(readFileSync(configFile, "utf8")) as { stateDir: string };
    config.stateDir = join(configFile, "state");
    writeFileSync(configFile, JSON.stringify(config));
    expect(await runCli(["status", "--config", configFile])).toBe(2);
    expect(stderr).toEqual([
      `trusted-runners status: config file ${configFile}: stateDir ` +
        `${JSON.stringify(config.stateDir)} cannot be opened: ENOTDIR; ` +
        "set stateDir to a folder the controller can write\n",
    ]);
  });

  it("missing config is a usage error", async () => {
    vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    expect(await runCli(["status"])).toBe(2);
  });
});
