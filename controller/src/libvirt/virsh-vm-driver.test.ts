import { describe, expect, it } from "vitest";

import { controllerConfigSchema } from "../config/schema.js";
import type { ControllerConfig } from "../config/schema.js";
import { createLogger } from "../log.js";
import { createVmDriver } from "./create-vm-driver.js";
import type { SimulatedGuestOptions } from "./guests/simulated-guests.js";
import { describeVmDriverContract } from "./testing/vm-driver-contract.js";
import { VmStoppedError } from "./errors.js";
import type { GuestChannels } from "./guests/guest-channels.js";
import { ensureTestDriverStorage } from "./test-driver.js";
import { VirshSession } from "./virsh-session.js";
import { VirshVmDriver } from "./virsh-vm-driver.js";

const logger = createLogger({ level: "silent" });

/** Builds a configuration on libvirt's test driver, with a pool of our own next to `default-pool`. */
function testDriverConfig(): ControllerConfig {
  return controllerConfigSchema.parse({
    github: {
      appId: 1,
      installationId: 1,
      organization: "acme",
      repositories: [{ owner: "acme", name: "app", id: 1 }],
      runnerGroupId: 1,
      labels: ["self-hosted", "linux", "x64", "chem-trusted-pr"],
    },
    libvirt: {
      uri: "test:///default",
      network: { type: "user" },
      pool: "tr-test-pool",
      baseVolume: "base.qcow2",
      channelDir: "/nonexistent/channels",
    },
    vm: { vcpus: 1, memoryMiB: 256, diskGiB: 2 },
    capacity: { warmPool: 0, maxVms: 4, maxVcpus: 4, maxMemoryMiB: 1024 },
    server: { listen: "127.0.0.1:0" },
  });
}

let counter = 0;

describeVmDriverContract("virsh on test:///default", async () => {
  const driver = await createVmDriver(testDriverConfig(), {
    logger,
    simulatedGuests: { bootDelayMs: 10 },
  });
  return {
    driver,
    newVmName: () => `tr-contract-${++counter}`,
    bootTimeoutMs: 5_000,
    powerOffTimeoutMs: 10_000,
    cleanup: async () => undefined,
  };
});

async function driverWith(guests: SimulatedGuestOptions) {
  const session = new VirshSession({ uri: "test:///default", logger });
  const driver = await createVmDriver(testDriverConfig(), {
    logger,
    session,
    simulatedGuests: guests,
  });
  return { session, driver };
}

describe("VirshVmDriver on the test driver", () => {
  it("times out a never-booting guest", async () => {
    const { session, driver } = await driverWith({ fault: "never-boots" });
    await driver.createVm({
      name: "tr-never",
      metadata: { jobId: 1, state: "booting", createdAt: "2026-12-04T15:00:00.000Z" },
    });
    await expect(driver.waitForBoot("tr-never", 100)).rejects.toThrow(/did not report ready/);
    await driver.close();
    await session.close();
  });

  it("stops waiting when domain stops", async () => {
    const { session, driver } = await driverWith({ fault: "never-boots" });
    const metadata = { jobId: 1, state: "booting" as const, createdAt: "2026-12-04T15:00:00.000Z" };
    await driver.createVm({ name: "tr-stops", metadata });
    const waiting = driver.waitForBoot("tr-stops", 25_000);
    await driver.powerOff("tr-stops");
    await expect(waiting).rejects.toBeInstanceOf(VmStoppedError);
    await driver.close();
    await session.close();
  });

  it("picks the fault by VM name", async () => {
    const { session, driver } = await driverWith({
      fault: (name) => (name.endsWith("-1") ? "never-boots" : "none"),
    });
    const metadata = { jobId: 2, state: "booting" as const, createdAt: "2026-12-04T15:00:00.000Z" };
    await driver.createVm({ name: "tr-pick-1", metadata });
    await driver.createVm({ name: "tr-pick-2", metadata });
    await expect(driver.waitForBoot("tr-pick-1", 100)).rejects.toThrow(/did not report ready/);
    await expect(driver.waitForBoot("tr-pick-2", 5_000)).resolves.toBeUndefined();
    await driver.close();
    await session.close();
  });

  it("leaves a shared session open", async () => {
    const { session, driver } = await driverWith({});
    await driver.close();
    expect(await session.run(["echo", "open"])).toBe("open");
    await session.close();
  });

  it("rolls back after a failed start", async () => {
    const session = new VirshSession({ uri: "test:///default", logger });
    await ensureTestDriverStorage(session, "tr-test-pool", "base.qcow2");
    const failingGuests: GuestChannels = {
      prepare: async () => {
        throw new Error("channel folder not writable");
      },
      waitForReady: async () => undefined,
      deliver: async () => undefined,
      forget: () => undefined,
      close: async () => undefined,
    };
    const driver = new VirshVmDriver({
      session,
      ownsSession: true,
      guests: failingGuests,
      logger,
      pool: "tr-test-pool",
      baseVolume: "base.qcow2",
      namePrefix: "tr-",
      channelDir: "/nonexistent/channels",
      domainType: "qemu",
      boot: { type: "disk" },
      network: { type: "user" },
      vcpus: 1,
      memoryMiB: 256,
      diskGiB: 1,
    });
    const metadata = { jobId: 5, state: "booting" as const, createdAt: "2026-12-04T15:00:00.000Z" };
    await expect(driver.createVm({ name: "tr-rollback", metadata })).rejects.toThrow(
      /not writable/,
    );
    const domains = await session.run(["list", "--all", "--name"]);
    expect(domains.split("\n")).not.toContain("tr-rollback");
    expect(await driver.listOverlays()).not.toContain("tr-rollback");
    await driver.close();
  });

  it("replaces an overlay left without domain", async () => {
    const { session, driver } = await driverWith({});
    await session.run([
      "vol-create-as",
      "--pool",
      "tr-test-pool",
      "--name",
      "tr-leftover",
      "--capacity",
      "1G",
      "--format",
      "raw",
    ]);
    const metadata = { jobId: 6, state: "booting" as const, createdAt: "2026-12-04T15:00:00.000Z" };
    await driver.createVm({ name: "tr-leftover", metadata });
    const volume = await session.run([
      "vol-dumpxml",
      "--pool",
      "tr-test-pool",
      "--vol",
      "tr-leftover",
    ]);
    expect(volume).toContain("<backingStore>");
    await driver.close();
    await session.close();
  });

  it("skips domains without our metadata", async () => {
    const { session, driver } = await driverWith({});
    const xml =
      "<domain type='test'><name>tr-foreign</name><memory>65536</memory><os><type>hvm</type></os></domain>";
    await session.runWithFile(xml, (path) => ["define", "--file", path]);
    const names = (await driver.listVms()).map((vm) => vm.name);
    expect(names).not.toContain("tr-foreign");
    await driver.close();
    await session.close();
  });
});
