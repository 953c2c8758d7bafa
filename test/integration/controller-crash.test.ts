import { afterEach, describe, expect, it } from "vitest";
import type { LifecycleStep } from "../../controller/src/executor/context.js";
import { createHarness, waitUntil } from "./controller-harness.js";
import type { Harness } from "./controller-harness.js";

const STEPS: LifecycleStep[] = [
  "vmRecorded",
  "vmCreated",
  "vmBooted",
  "runnerRecorded",
  "jitIssued",
  "jitDelivered",
  "destroyRecorded",
  "vmDestroyed",
  "runnerDeleted",
];

describe("controller crash recovery", () => {
  let harness: Harness | undefined;
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  for (const step of STEPS) {
    it(`converges after crash at ${step}`, async () => {
      harness = await createHarness();
      let crashed = false;
      const first = await harness.start({
        // The step never returns, as if the process died there; nothing after it runs.
        beforeStep: (reached) => {
          if (reached !== step || crashed) return;
          crashed = true;
          return new Promise<void>(() => undefined);
        },
      });
      const { jobId } = await harness.queueJob();
      expect(await waitUntil(async () => crashed)).toBe(true);
      await first.kill();

      const second = await harness.start();
      const converged = async () =>
        (await harness!.jobCompleted(jobId)) &&
        (await harness!.noLeftovers()) &&
        second.store.vms().length === 0;

      expect(await harness.driveUntil(converged)).toBe(true);
      expect((await harness.jobState(jobId))?.conclusion).toBe("success");
      expect(await waitUntil(async () => (await harness!.leftovers()).runners.length === 0)).toBe(
        true,
      );
    });
  }
});
