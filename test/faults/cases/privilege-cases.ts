import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { FaultWorld } from "../support/fault-world.js";
import { suiteRecord } from "../support/suite-record.js";
import { jobTrust, startTestDriverController } from "../support/test-driver-controller.js";
import type { TestDriverController } from "../support/test-driver-controller.js";
import { waitFor } from "../support/waits.js";

/** Untrusted authors asking for the trusted labels, and a job that steals a trusted runner. */
export function describePrivilegeCases(): void {
  describe("privilege attempts", () => {
    const prefix = `trp${process.pid.toString(36)}-`;
    let world: FaultWorld;
    let controller: TestDriverController;

    beforeAll(async () => {
      world = await FaultWorld.create({ runnerLostAfterMs: 1500 });
      await world.control.createRepo({ owner: "mallory", name: "app", fork: true });
      await world.control.createUser({ login: "renovate[bot]", type: "Bot" });
      await world.control.createUser({ login: "dependabot[bot]", type: "Bot" });
      controller = await startTestDriverController(
        world,
        suiteRecord.folder("privilege"),
        prefix,
        "privilege",
      );
    });

    afterAll(async () => {
      await controller?.process.stop();
      await world?.close();
    });

    it("gives untrusted authors no JIT config", async () => {
      const attempts: { name: string; queue: () => Promise<number> }[] = [
        {
          name: "fork",
          queue: async () =>
            (await world.queueJob({ author: "mallory", headRepo: "mallory/app" })).jobId,
        },
        {
          name: "member's fork",
          queue: async () =>
            (await world.queueJob({ author: "alice", headRepo: "mallory/app" })).jobId,
        },
        {
          name: "bot",
          queue: async () => (await world.queueJob({ author: "renovate[bot]" })).jobId,
        },
        {
          name: "dependabot",
          queue: async () => (await world.queueJob({ author: "dependabot[bot]" })).jobId,
        },
        { name: "NONE", queue: async () => (await world.queueJob({ author: "eve" })).jobId },
        {
          name: "FIRST_TIME_CONTRIBUTOR",
          queue: () => queueWithAssociation(world, "frank", "FIRST_TIME_CONTRIBUTOR"),
        },
        { name: "CONTRIBUTOR", queue: () => queueWithAssociation(world, "grace", "CONTRIBUTOR") },
      ];
      const jobIds: number[] = [];
      for (const attempt of attempts) {
        jobIds.push(await attempt.queue());
        suiteRecord.add("privilege", { cases: 1 });
        suiteRecord.detail("privilege", attempt.name);
      }

      const allRejected = await waitFor(() => {
        const trust = jobTrust(controller.stateDir);
        return jobIds.every((id) => trust.get(id) === "refused");
      }, 30_000);
      expect(allRejected).toBe(true);
      const state = await world.control.state({ deliveryBodies: false });
      expect(state.jitConfigsIssued).toBe(0);
      expect(state.runners).toEqual([]);

      // The controller cancels the runs of rejected jobs, so none stays queued to take the next
      // runner made for a trusted job. The next case then has exactly one thief.
      const allCancelled = await waitFor(async () => {
        const jobs = (await world.control.state({ deliveryBodies: false })).jobs;
        return jobs
          .filter((job) => jobIds.includes(job.id))
          .every((job) => job.conclusion === "cancelled");
      }, 30_000);
      expect(allCancelled).toBe(true);
    });

    it("stops untrusted job on trusted runner", async () => {
      const before = (await world.control.state({ deliveryBodies: false })).jitConfigsIssued;
      // Asks only for `self-hosted`, which our runners cover, so the emulator may hand it to one.
      const stolen = await world.queueJob({
        author: "eve",
        labels: ["self-hosted"],
        steps: ["sleep 20"],
      });
      const trusted = await world.queueJob();
      suiteRecord.add("privilege", { cases: 1 });
      suiteRecord.detail("privilege", "runner grabbed by untrusted job");

      const settled = await waitFor(
        async () => {
          const jobs = await world.jobs();
          return (
            jobs.get(trusted.jobId)?.status === "completed" &&
            jobs.get(stolen.jobId)?.status === "completed"
          );
        },
        60_000,
        500,
      );
      expect(settled).toBe(true);
      const state = await world.control.state({ deliveryBodies: false });
      const stolenJob = state.jobs.find((job) => job.id === stolen.jobId);
      expect(stolenJob?.runnerName?.startsWith(prefix)).toBe(true);
      expect(stolenJob?.conclusion).not.toBe("success");
      expect(state.runs.find((run) => run.id === stolen.runId)?.conclusion).toBe("cancelled");
      expect(jobTrust(controller.stateDir).get(stolen.jobId)).toBe("refused");
      // One config for the trusted job's first VM, which the untrusted job took, and one more.
      expect(state.jitConfigsIssued - before).toBeLessThanOrEqual(2);

      const clean = await waitFor(
        async () => (await world.runnersWithPrefix(prefix)).length === 0,
        20_000,
      );
      suiteRecord.add("privilege", { leaks: (await world.runnersWithPrefix(prefix)).length });
      expect(clean).toBe(true);
    });
  });
}

async function queueWithAssociation(
  world: FaultWorld,
  author: string,
  association: "FIRST_TIME_CONTRIBUTOR" | "FIRST_TIMER" | "CONTRIBUTOR",
): Promise<number> {
  const pull = await world.control.openPullRequest({
    repo: "acme/app",
    author,
    authorAssociation: association,
  });
  const run = await world.control.createWorkflowRun({
    repo: "acme/app",
    pullRequest: pull.number,
    jobs: [{ labels: ["self-hosted", "linux", "x64", "chem-trusted-pr"], steps: ["true"] }],
  });
  return run.jobIds[0]!;
}
