import { afterEach, describe, expect, it } from "vitest";
import { createHarness, waitUntil } from "./controller-harness.js";
import type { Harness } from "./controller-harness.js";

describe("controller rate limits", () => {
  let harness: Harness | undefined;
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  it("waits for the reset", async () => {
    harness = await createHarness();
    let issuedAt = 0;
    const controller = await harness.start({
      beforeStep: (step) => {
        if (step === "jitIssued") issuedAt = Date.now();
      },
    });
    const limitedAt = Date.now();
    await harness.control.addFault({
      kind: "rate-limit",
      status: 403,
      resetAfterSeconds: 1,
      method: "POST",
      path: "generate-jitconfig",
      count: 1,
    });
    const { jobId } = await harness.queueJob();

    const done = async () =>
      (await harness!.jobCompleted(jobId)) && controller.store.vms().length === 0;
    expect(await waitUntil(done)).toBe(true);
    const [fault] = (await harness.control.state()).faults;
    expect(fault?.hits).toBe(1);
    // The reset is at least one second after the fault was added, counted in whole seconds.
    expect(issuedAt - limitedAt).toBeGreaterThanOrEqual(900);
  });

  it("scale-up keeps priority over housekeeping", async () => {
    harness = await createHarness({
      rateLimit: 60,
      config: (input) => {
        input.timeouts = { ...input.timeouts, callSeconds: 3, orphanGraceSeconds: 0 };
      },
    });
    await harness.registerStrayRunner("tr-orphan");
    // With 60 requests an hour and 59 kept for scale-up, housekeeping stops after the first call.
    const controller = await harness.start({ rateLimitReserve: 59 });
    // Its runner listing waits behind the reserve until it times out, so the orphan stays.
    const reconciling = controller.reconcile();
    const { jobId } = await harness.queueJob();

    const done = async () =>
      (await harness!.jobCompleted(jobId)) && controller.store.vms().length === 0;
    expect(await waitUntil(done)).toBe(true);
    await reconciling;
    expect((await harness.leftovers()).runners).toContain("tr-orphan");
    const remaining = await controller.metrics.registry.getSingleMetricAsString(
      "tr_github_rate_limit_remaining",
    );
    const value = Number(/tr_github_rate_limit_remaining (\d+)/.exec(remaining)?.[1]);
    expect(value).toBeLessThanOrEqual(59);
  });
});
