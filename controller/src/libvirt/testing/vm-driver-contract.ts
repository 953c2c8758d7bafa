import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";

import type { VmDriver, VmInfo, VmMetadata } from "../driver.js";
import { LibvirtNotFoundError } from "../errors.js";

/**
 * The contract every {@link VmDriver} passes: the virsh driver on libvirt's test driver with
 * simulated guests (unit suite), and on `qemu:///system` with a real guest (e2e suite).
 */

/** Driver under test and its settings, as the contract suite needs them. */
export interface VmDriverHarness {
  driver: VmDriver;
  /** A fresh VM name with the driver's prefix, unique within the run. */
  newVmName(): string;
  /** Boot timeout long enough for this driver's guest, in ms. */
  bootTimeoutMs: number;
  /** Time the guest may take to power off after its config is delivered, in ms. */
  powerOffTimeoutMs: number;
  /** Removes what the harness created besides the VMs; runs after the driver is closed. */
  cleanup(): Promise<void>;
}

/** A JIT config line that no runner accepts; every guest powers off after reading it anyway. */
const UNUSABLE_JIT_CONFIG = Buffer.from(
  '{"url":"http://10.0.2.2:9","runnerName":"x","token":"t"}',
).toString("base64");

function metadata(jobId: number | null, state: VmMetadata["state"]): VmMetadata {
  return { jobId, state, createdAt: "2026-12-04T15:00:00.000Z" };
}

async function findVm(driver: VmDriver, name: string): Promise<VmInfo | undefined> {
  const vms = await driver.listVms();
  return vms.find((vm) => vm.name === name);
}

/** Polls until the VM's domain state is `state` or `timeoutMs` passes; returns the last state. */
async function waitForDomainState(
  driver: VmDriver,
  name: string,
  state: string,
  timeoutMs: number,
): Promise<string | undefined> {
  const deadline = Date.now() + timeoutMs;
  let current = (await findVm(driver, name))?.domainState;
  while (current !== state && Date.now() < deadline) {
    await sleep(250);
    current = (await findVm(driver, name))?.domainState;
  }
  return current;
}

/** Declares the contract suite for the driver that `createHarness` builds. */
export function describeVmDriverContract(
  title: string,
  createHarness: () => Promise<VmDriverHarness>,
): void {
  describe(`${title}: VmDriver contract`, () => {
    let harness: VmDriverHarness;
    let driver: VmDriver;
    const created: string[] = [];

    async function createVm(jobId: number | null = null): Promise<string> {
      const name = harness.newVmName();
      created.push(name);
      await driver.createVm({ name, metadata: metadata(jobId, "booting") });
      return name;
    }

    beforeAll(async () => {
      harness = await createHarness();
      driver = harness.driver;
    });

    // Each test's VMs go at its end, so real guests do not pile up on the host's CPUs.
    afterEach(async () => {
      for (const name of created.splice(0)) {
        await driver.destroyVm(name).catch(() => undefined);
      }
    });

    afterAll(async () => {
      if (harness === undefined) {
        return;
      }
      await driver.close();
      await harness.cleanup();
    });

    it("lists a created VM as running", async () => {
      const name = await createVm(41);
      const vm = await findVm(driver, name);
      expect(vm?.domainState).toBe("running");
      expect(vm?.metadata).toEqual(metadata(41, "booting"));
    });

    it("lists the overlay of a created VM", async () => {
      const name = await createVm();
      expect(await driver.listOverlays()).toContain(name);
    });

    it("replaces metadata of a running VM", async () => {
      const name = await createVm();
      await driver.setMetadata(name, metadata(7, "assigned"));
      const vm = await findVm(driver, name);
      expect(vm?.metadata).toEqual(metadata(7, "assigned"));
    });

    it("rejects creating an existing VM", async () => {
      const name = await createVm(3);
      await expect(driver.createVm({ name, metadata: metadata(4, "booting") })).rejects.toThrow(
        /already exists/,
      );
      const vm = await findVm(driver, name);
      expect(vm?.metadata.jobId).toBe(3);
      expect(await driver.listOverlays()).toContain(name);
    });

    it("boots, reads its config, powers off", async () => {
      const name = await createVm(11);
      await driver.waitForBoot(name, harness.bootTimeoutMs);
      await driver.deliverJitConfig(name, UNUSABLE_JIT_CONFIG);
      const state = await waitForDomainState(driver, name, "shut off", harness.powerOffTimeoutMs);
      expect(state).toBe("shut off");
    });

    it("keeps metadata of a powered-off VM", async () => {
      const name = await createVm(12);
      await driver.setMetadata(name, metadata(12, "running"));
      await driver.waitForBoot(name, harness.bootTimeoutMs);
      await driver.deliverJitConfig(name, UNUSABLE_JIT_CONFIG);
      await waitForDomainState(driver, name, "shut off", harness.powerOffTimeoutMs);
      await driver.setMetadata(name, metadata(12, "stopping"));
      const vm = await findVm(driver, name);
      expect(vm?.metadata).toEqual(metadata(12, "stopping"));
    });

    it("rejects a JIT config with a newline", async () => {
      const name = await createVm();
      await expect(driver.deliverJitConfig(name, "abc\ndef")).rejects.toThrow(/line break/);
    });

    it("destroys a VM and its overlay", async () => {
      const name = await createVm();
      await driver.destroyVm(name);
      expect(await findVm(driver, name)).toBeUndefined();
      expect(await driver.listOverlays()).not.toContain(name);
    });

    it("destroys a missing VM without error", async () => {
      const name = await createVm();
      await driver.destroyVm(name);
      await expect(driver.destroyVm(name)).resolves.toBeUndefined();
    });

    it("deletes an overlay and ignores missing", async () => {
      const name = await createVm();
      await driver.destroyVm(name);
      await expect(driver.deleteOverlay(name)).resolves.toBeUndefined();
      expect(await driver.listOverlays()).not.toContain(name);
    });

    it("rejects boot wait on missing VM", async () => {
      const name = harness.newVmName();
      await expect(driver.waitForBoot(name, 1_000)).rejects.toBeInstanceOf(LibvirtNotFoundError);
    });

    it("rejects a name without prefix", async () => {
      await expect(
        driver.createVm({ name: "other-vm", metadata: metadata(null, "booting") }),
      ).rejects.toThrow(/invalid VM name/);
    });
  });
}
