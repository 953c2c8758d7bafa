import { afterEach, describe, expect, it } from "vitest";
import { createHarness, waitUntil } from "./controller-harness.js";
import type { Harness } from "./controller-harness.js";

describe("controller warm pool", () => {
  let harness: Harness | undefined;
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  it("warm VM taken and pool refilled", async () => {
    harness = await createHarness({
      config: (input) => {
        input.capacity = { ...input.capacity, warmPool: 1 };
      },
    });
    const booted: string[] = [];
    const controller = await harness.start({
      beforeStep: (step, vmName) => {
        if (step === "vmBooted") booted.push(vmName);
      },
    });
    const warmReady = () =>
      controller.store.vms().some((vm) => vm.jobId === null && vm.state === "booted");
    expect(await waitUntil(async () => warmReady())).toBe(true);
    const warm = controller.store.vms()[0]!.name;

    const { jobId } = await harness.queueJob();
    expect(await harness.driveUntil(() => harness!.jobCompleted(jobId))).toBe(true);
    expect((await harness.jobState(jobId))?.runnerName).toBe(warm);
    expect(await harness.driveUntil(async () => warmReady())).toBe(true);
    expect(controller.store.vms()).toHaveLength(1);
    expect(controller.store.vms()[0]?.name).not.toBe(warm);
  });

  it("burst never exceeds max VMs", async () => {
    harness = await createHarness({
      config: (input) => {
        input.capacity = { ...input.capacity, maxVms: 2 };
      },
    });
    const controller = await harness.start();
    let peak = 0;
    const jobs: { runId: number; jobId: number }[] = [];
    for (let index = 0; index < 5; index += 1) jobs.push(await harness.queueJob());
    const allDone = async () => {
      peak = Math.max(
        peak,
        (await harness!.driver.listVms()).length,
        controller.store.vms().length,
      );
      const states = await Promise.all(jobs.map((job) => harness!.jobCompleted(job.jobId)));
      return states.every(Boolean);
    };

    expect(await harness.driveUntil(allDone, 25_000)).toBe(true);
    expect(peak).toBeLessThanOrEqual(2);
    expect(await harness.driveUntil(() => harness!.noLeftovers())).toBe(true);
  });

  it("drain empties the pool", async () => {
    harness = await createHarness({
      config: (input) => {
        input.capacity = { ...input.capacity, warmPool: 2 };
      },
    });
    const controller = await harness.start();
    expect(await waitUntil(async () => controller.store.vms().length === 2)).toBe(true);

    controller.drain();
    expect(await harness.driveUntil(() => harness!.noLeftovers())).toBe(true);
    const { jobId } = await harness.queueJob();
    await controller.poll();
    await controller.reconcile();
    expect(controller.store.getJob(jobId)?.status).toBe("queued");
    expect(controller.store.vms()).toEqual([]);
  });
});
