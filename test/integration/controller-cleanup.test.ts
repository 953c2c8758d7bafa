import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import { createHarness, waitUntil } from "./controller-harness.js";
import type { Harness } from "./controller-harness.js";

describe("controller cleanup", () => {
  let harness: Harness | undefined;
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  it("job cancelled before boot leaves nothing", async () => {
    harness = await createHarness({ guests: { bootDelayMs: 800 } });
    const controller = await harness.start();
    const { runId, jobId } = await harness.queueJob();
    expect(await waitUntil(async () => controller.store.vms().length === 1)).toBe(true);
    expect(controller.store.vms()[0]?.state).not.toBe("booted");

    await harness.control.cancelRun({ runId });
    expect(await harness.driveUntil(() => harness!.noLeftovers())).toBe(true);
    await controller.idle();
    expect(controller.store.vms()).toEqual([]);
    expect(controller.store.getJob(jobId)?.status).toBe("completed");
    expect((await harness.control.state()).jitConfigsIssued).toBe(0);
  });

  it("JIT config 5xx then success", async () => {
    harness = await createHarness();
    await harness.control.addFault({
      kind: "error",
      status: 502,
      method: "POST",
      path: "generate-jitconfig",
      count: 4,
    });
    const controller = await harness.start();
    const { jobId } = await harness.queueJob();

    expect(await harness.driveUntil(() => harness!.jobCompleted(jobId))).toBe(true);
    const faults = (await harness.control.state()).faults;
    expect(faults[0]?.hits).toBe(4);
    expect(await harness.driveUntil(() => harness!.noLeftovers())).toBe(true);
    expect(controller.store.vms()).toEqual([]);
  });

  it("JIT config 409 resolved without leak", async () => {
    harness = await createHarness();
    const strays: number[] = [];
    await harness.start({
      beforeStep: async (step, vmName) => {
        // A registration of the same name appears just before the request, as after a crash.
        if (step === "runnerRecorded" && strays.length === 0) {
          strays.push(await harness!.registerStrayRunner(vmName));
        }
      },
    });
    const { jobId } = await harness.queueJob();

    expect(await harness.driveUntil(() => harness!.jobCompleted(jobId))).toBe(true);
    expect(strays).toHaveLength(1);
    expect(await harness.driveUntil(() => harness!.noLeftovers())).toBe(true);
  });

  it("VM destroyed behind our back", async () => {
    let first: string | undefined;
    harness = await createHarness({
      guests: {
        fault: (vmName) => {
          first ??= vmName;
          return vmName === first ? "runner-never-connects" : "none";
        },
      },
    });
    const controller = await harness.start();
    const { jobId } = await harness.queueJob();
    const registered = () => controller.store.vms().find((vm) => vm.state === "registered");
    expect(await waitUntil(async () => registered() !== undefined)).toBe(true);
    const lost = registered()!;

    await harness.driver.destroyVm(lost.name);
    await controller.reconcile();

    const runners = (await harness.control.state()).runners.map((runner) => runner.name);
    expect(runners).not.toContain(lost.name);
    expect(controller.store.getVm(lost.name)).toBeUndefined();
    expect(await harness.driveUntil(() => harness!.jobCompleted(jobId))).toBe(true);
    expect(await harness.driveUntil(() => harness!.noLeftovers())).toBe(true);
  });

  it("orphan registration deleted after grace", async () => {
    harness = await createHarness();
    await harness.registerStrayRunner("tr-orphan");
    const controller = await harness.start();
    await controller.reconcile();
    expect((await harness.leftovers()).runners).toEqual(["tr-orphan"]);

    await sleep(1100);
    await controller.reconcile();
    expect((await harness.leftovers()).runners).toEqual([]);
    const metrics = await controller.metrics.registry.getSingleMetricAsString(
      "tr_leaked_resources_cleaned_total",
    );
    expect(metrics).toContain('kind="registration"} 1');
  });

  it("VM that never boots is retried", async () => {
    harness = await createHarness({
      guests: { fault: "never-boots" },
      config: (input) => {
        input.timeouts = { ...input.timeouts, bootSeconds: 1, bootAttempts: 2 };
      },
    });
    const created: string[] = [];
    const controller = await harness.start({
      beforeStep: (step, vmName) => {
        if (step === "vmRecorded") created.push(vmName);
      },
    });
    const { jobId } = await harness.queueJob();

    expect(
      await harness.driveUntil(async () => controller.store.getJob(jobId)?.abandoned === true),
    ).toBe(true);
    expect(created).toHaveLength(2);
    expect(controller.store.getJob(jobId)?.bootAttempts).toBe(2);
    expect(await harness.driveUntil(() => harness!.noLeftovers())).toBe(true);
    expect((await harness.jobState(jobId))?.status).toBe("queued");
  });

  it("runner that never connects is replaced", async () => {
    let first: string | undefined;
    harness = await createHarness({
      guests: {
        fault: (vmName) => {
          first ??= vmName;
          return vmName === first ? "runner-never-connects" : "none";
        },
      },
      config: (input) => {
        input.timeouts = { ...input.timeouts, bootSeconds: 1 };
      },
    });
    const controller = await harness.start();
    const { jobId } = await harness.queueJob();

    expect(await harness.driveUntil(() => harness!.jobCompleted(jobId))).toBe(true);
    expect((await harness.jobState(jobId))?.runnerName).not.toBe(first);
    expect(controller.store.getJob(jobId)?.bootAttempts).toBe(1);
    expect(await harness.driveUntil(() => harness!.noLeftovers())).toBe(true);
  });

  it("job past its timeout is stopped", async () => {
    harness = await createHarness({
      guests: { stepMode: "run" },
      config: (input) => {
        input.timeouts = { ...input.timeouts, jobSeconds: 1 };
      },
    });
    const controller = await harness.start();
    const { jobId } = await harness.queueJob({ steps: ["sleep 20"] });
    expect(await waitUntil(async () => controller.store.getJob(jobId)?.jobStartedAt != null)).toBe(
      true,
    );

    const stopped = async () =>
      controller.store.vms().length === 0 && (await harness!.driver.listVms()).length === 0;
    expect(await harness.driveUntil(stopped)).toBe(true);
    const destroyed =
      await controller.metrics.registry.getSingleMetricAsString("tr_vms_destroyed_total");
    expect(destroyed).toContain('reason="job_timeout"} 1');
    expect((await harness.jobState(jobId))?.conclusion).not.toBe("success");
    expect(await harness.driveUntil(() => harness!.noLeftovers())).toBe(true);
  });
});
