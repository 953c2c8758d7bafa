import { afterEach, describe, expect, it } from "vitest";
import { createHarness } from "./controller-harness.js";
import type { Harness } from "./controller-harness.js";

describe("controller trust re-check", () => {
  let harness: Harness | undefined;
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  it("untrusted pull requests get no runner", async () => {
    harness = await createHarness();
    const { control } = harness;
    await control.createRepo({ owner: "mallory", name: "app", fork: true });
    await control.createUser({ login: "renovate[bot]", type: "Bot" });
    const controller = await harness.start();

    const fork = await harness.queueJob({ author: "mallory", headRepo: "mallory/app" });
    const bot = await harness.queueJob({ author: "renovate[bot]" });
    const outsider = await harness.queueJob({ author: "eve" });
    const jobIds = [fork.jobId, bot.jobId, outsider.jobId];
    const allRefused = async () =>
      jobIds.every((jobId) => controller.store.getJob(jobId)?.trust === "refused");

    expect(await harness.driveUntil(allRefused)).toBe(true);
    // GitHub lists no pull request on a run from a fork, so the re-check finds none.
    expect(controller.store.getJob(fork.jobId)?.reasons).toContain("pull-request-missing");
    expect(controller.store.getJob(bot.jobId)?.reasons).toContain("author-bot");
    expect(controller.store.getJob(outsider.jobId)?.reasons).toContain(
      "author-association-untrusted",
    );
    expect((await control.state()).jitConfigsIssued).toBe(0);
    expect(controller.store.vms()).toEqual([]);
    const refused =
      await controller.metrics.registry.getSingleMetricAsString("tr_jobs_refused_total");
    expect(refused).toContain('reason="author-bot"} 1');

    // The refusal is stored before the run is cancelled, so wait for the cancels too.
    const conclusions = async () =>
      (await control.state()).jobs
        .filter((job) => jobIds.includes(job.id))
        .map((job) => job.conclusion);
    const allCancelled = async () => (await conclusions()).every((c) => c === "cancelled");
    expect(await harness.driveUntil(allCancelled)).toBe(true);
    const cancelled = await controller.metrics.registry.getSingleMetricAsString(
      "tr_rejected_runs_cancelled_total",
    );
    expect(cancelled).toContain("tr_rejected_runs_cancelled_total 3");
  });

  it("repository outside runner group refused", async () => {
    harness = await createHarness();
    const { control } = harness;
    await control.setRunnerGroupRepositories({
      groupId: harness.config.github.runnerGroupId,
      repositories: [],
    });
    const controller = await harness.start();

    const job = await harness.queueJob();
    const refused = async () => controller.store.getJob(job.jobId)?.trust === "refused";

    expect(await harness.driveUntil(refused)).toBe(true);
    expect(controller.store.getJob(job.jobId)?.reasons).toEqual(["repository-not-in-runner-group"]);
    expect((await control.state()).jitConfigsIssued).toBe(0);
    expect(controller.store.vms()).toEqual([]);
  });

  it("private member contributor is confirmed", async () => {
    harness = await createHarness();
    await harness.control.addMember({ org: "acme", login: "carol", public: false });
    await harness.start();
    const pull = await harness.control.openPullRequest({
      repo: "acme/app",
      author: "carol",
      authorAssociation: "CONTRIBUTOR",
    });
    const run = await harness.control.createWorkflowRun({
      repo: "acme/app",
      pullRequest: pull.number,
      jobs: [{ labels: harness.config.github.labels, steps: ["true"] }],
    });
    const jobId = run.jobIds[0]!;

    expect(await harness.driveUntil(() => harness!.jobCompleted(jobId))).toBe(true);
    expect(harness.controller?.store.getJob(jobId)?.trust).toBe("trusted");
  });

  it("untrusted job on our runner is stopped", async () => {
    harness = await createHarness({ guests: { stepMode: "run" } });
    const controller = await harness.start();
    // Asks only for `self-hosted`, which our runners cover, so GitHub may give it to them.
    const untrusted = await harness.queueJob({
      author: "eve",
      labels: ["self-hosted"],
      steps: ["sleep 20"],
    });
    const trusted = await harness.queueJob();

    expect(await harness.driveUntil(() => harness!.jobCompleted(trusted.jobId))).toBe(true);
    const stolen = await harness.jobState(untrusted.jobId);
    expect(stolen?.runnerName?.startsWith("tr-")).toBe(true);
    // The runner died with its VM, so the job cannot report; it never succeeds.
    expect(stolen?.conclusion).not.toBe("success");
    expect(controller.store.getJob(untrusted.jobId)?.trust).toBe("refused");
    const stopped = await controller.metrics.registry.getSingleMetricAsString(
      "tr_untrusted_jobs_stopped_total",
    );
    expect(stopped).toContain("tr_untrusted_jobs_stopped_total 1");
    await harness.driveUntil(() => harness!.noLeftovers(), 3000);
    expect(await harness.leftovers()).toEqual({ domains: [], overlays: [], runners: [] });
  });
});
