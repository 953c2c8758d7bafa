import { afterEach, describe, expect, it } from "vitest";
import { signBody } from "../../emulator/src/index.js";
import { createHarness, waitUntil, WEBHOOK_SECRET } from "./controller-harness.js";
import type { Harness } from "./controller-harness.js";

describe("controller signals", () => {
  let harness: Harness | undefined;
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  it("runs job queued while down", async () => {
    harness = await createHarness();
    const { jobId } = await harness.queueJob();
    await harness.start();

    expect(await harness.driveUntil(() => harness!.jobCompleted(jobId))).toBe(true);
    expect((await harness.jobState(jobId))?.conclusion).toBe("success");
    expect(await harness.driveUntil(() => harness!.noLeftovers())).toBe(true);
    const controller = harness.controller!;
    await controller.idle();
    const timeline =
      await controller.metrics.registry.getSingleMetricAsString("tr_job_phase_seconds");
    expect(timeline).toContain('tr_job_phase_seconds_count{phase="queued_to_vm_destroyed"} 1');
  });

  it("poller runs job after dropped webhook", async () => {
    harness = await createHarness();
    await harness.start();
    await harness.control.addFault({
      kind: "webhook-drop",
      event: "workflow_job",
      action: "queued",
    });
    const { jobId } = await harness.queueJob();
    await harness.control.webhooksSettled();
    const state = await harness.control.state();
    expect(state.deliveries.some((delivery) => delivery.status === "dropped")).toBe(true);

    expect(await harness.driveUntil(() => harness!.jobCompleted(jobId))).toBe(true);
    expect(await harness.driveUntil(() => harness!.noLeftovers())).toBe(true);
  });

  it("poller alone runs a two-job run", async () => {
    harness = await createHarness({
      webhooks: false,
      config: (input) => {
        input.capacity = { ...input.capacity, maxVms: 1 };
      },
    });
    await harness.start();
    const pull = await harness.control.openPullRequest({ repo: "acme/app", author: "alice" });
    const labels = harness.config.github.labels;
    const run = await harness.control.createWorkflowRun({
      repo: "acme/app",
      pullRequest: pull.number,
      jobs: [
        { name: "first", labels, steps: ["true"] },
        { name: "second", labels, steps: ["true"] },
      ],
    });
    const bothDone = async () =>
      (await harness!.jobCompleted(run.jobIds[0]!)) &&
      (await harness!.jobCompleted(run.jobIds[1]!));

    expect(await harness.driveUntil(bothDone)).toBe(true);
    expect(await harness.driveUntil(() => harness!.noLeftovers())).toBe(true);
  });

  it("webhook alone runs the job", async () => {
    harness = await createHarness();
    const controller = await harness.start();
    const { jobId } = await harness.queueJob();
    const finished = async () =>
      (await harness!.jobCompleted(jobId)) && controller.store.vms().length === 0;

    expect(await waitUntil(finished)).toBe(true);
    expect(controller.store.getJob(jobId)?.status).toBe("completed");
  });

  it("duplicate deliveries boot one VM", async () => {
    harness = await createHarness();
    const created: string[] = [];
    const controller = await harness.start({
      beforeStep: (step, vmName) => {
        if (step === "vmRecorded") created.push(vmName);
      },
    });
    await harness.control.addFault({
      kind: "webhook-duplicate",
      event: "workflow_job",
      action: "queued",
    });
    const { jobId } = await harness.queueJob();
    await harness.control.webhooksSettled();
    const state = await harness.control.state();
    const queued = state.deliveries.find((delivery) => delivery.action === "queued");
    await harness.control.redeliver({ deliveryId: queued!.id });

    // A second delivery for the same job with its own delivery id.
    const response = await fetch(`${controller.url}/webhook`, {
      method: "POST",
      headers: {
        "x-github-event": "workflow_job",
        "x-github-delivery": "another-delivery-id",
        "x-hub-signature-256": signBody(WEBHOOK_SECRET, queued?.body ?? ""),
        "content-type": "application/json",
      },
      body: queued?.body ?? "",
    });
    expect(response.status).toBe(200);

    expect(await harness.driveUntil(() => harness!.jobCompleted(jobId))).toBe(true);
    expect(created).toHaveLength(1);
    expect((await harness.control.state()).jitConfigsIssued).toBe(1);
    expect(await harness.driveUntil(() => harness!.noLeftovers())).toBe(true);
  });

  it("waiting job gets no VM", async () => {
    harness = await createHarness();
    const controller = await harness.start();
    const { jobId } = await harness.queueJob({ environment: "production" });
    await harness.control.webhooksSettled();
    await controller.poll();
    await controller.reconcile();
    expect(controller.store.getJob(jobId)?.status).toBe("waiting");
    expect(controller.store.vms()).toEqual([]);
    expect(await harness.leftovers()).toEqual({ domains: [], overlays: [], runners: [] });

    await harness.control.approveJob({ jobId });
    expect(await harness.driveUntil(() => harness!.jobCompleted(jobId))).toBe(true);
    expect(await harness.driveUntil(() => harness!.noLeftovers())).toBe(true);
  });
});
