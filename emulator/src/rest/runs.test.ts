import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { createTestWorld } from "../test-support.js";
import type { TestWorld } from "../test-support.js";

const LABELS = ["self-hosted", "linux", "x64", "chem-trusted-pr"];

describe("workflow runs and jobs", () => {
  let world: TestWorld;
  let pullRun: { id: number; jobIds: number[] };
  let pushRun: { id: number; jobIds: number[] };

  beforeAll(async () => {
    world = await createTestWorld();
    const { control } = world.emulator;
    await control.addMember({ org: "acme", login: "alice" });
    await control.createUser({ login: "bob" });
    const pull = await control.openPullRequest({ repo: "acme/app", author: "alice" });
    pullRun = await control.createWorkflowRun({
      repo: "acme/app",
      pullRequest: pull.number,
      triggeringActor: "bob",
      jobs: [{ name: "test", labels: LABELS, steps: ["true"] }],
    });
    pushRun = await control.createWorkflowRun({
      repo: "acme/app",
      event: "push",
      actor: "alice",
      jobs: [
        { name: "build", labels: LABELS },
        { name: "deploy", labels: LABELS, environment: "production" },
      ],
    });
  });
  afterAll(async () => {
    await world.emulator.close();
  });

  it("queued filter lists queued runs", async () => {
    const { data } = await world.octokit.rest.actions.listWorkflowRunsForRepo({
      owner: "acme",
      repo: "app",
      status: "queued",
    });
    expect(data.workflow_runs.map((run) => run.id).sort()).toEqual([pullRun.id, pushRun.id].sort());
  });

  it("pull request run has actors", async () => {
    const { data } = await world.octokit.rest.actions.getWorkflowRun({
      owner: "acme",
      repo: "app",
      run_id: pullRun.id,
    });
    expect(data.event).toBe("pull_request");
    expect(data.actor?.login).toBe("alice");
    expect(data.triggering_actor?.login).toBe("bob");
    expect(data.head_repository.full_name).toBe("acme/app");
    expect(data.repository.full_name).toBe("acme/app");
    expect(data.pull_requests?.length).toBe(1);
  });

  it("push run lists no pull requests", async () => {
    const { data } = await world.octokit.rest.actions.getWorkflowRun({
      owner: "acme",
      repo: "app",
      run_id: pushRun.id,
    });
    expect(data.event).toBe("push");
    expect(data.pull_requests).toEqual([]);
  });

  it("run jobs carry labels", async () => {
    const { data } = await world.octokit.rest.actions.listJobsForWorkflowRun({
      owner: "acme",
      repo: "app",
      run_id: pushRun.id,
    });
    expect(data.jobs.map((job) => job.status)).toEqual(["queued", "waiting"]);
    expect(data.jobs[0]?.labels).toEqual(LABELS);
  });

  it("job has run id and no runner", async () => {
    const jobId = pullRun.jobIds[0] ?? 0;
    const { data } = await world.octokit.rest.actions.getJobForWorkflowRun({
      owner: "acme",
      repo: "app",
      job_id: jobId,
    });
    expect(data).toMatchObject({
      id: jobId,
      run_id: pullRun.id,
      status: "queued",
      runner_id: null,
    });
  });

  it("cancel completes queued jobs", async () => {
    const run = await world.emulator.control.createWorkflowRun({
      repo: "acme/app",
      event: "push",
      actor: "alice",
      jobs: [{ labels: LABELS }],
    });
    const response = await world.octokit.rest.actions.cancelWorkflowRun({
      owner: "acme",
      repo: "app",
      run_id: run.id,
    });
    expect(response.status).toBe(202);
    const { data } = await world.octokit.rest.actions.getJobForWorkflowRun({
      owner: "acme",
      repo: "app",
      job_id: run.jobIds[0] ?? 0,
    });
    expect(data.conclusion).toBe("cancelled");
  });

  it("cancel of completed run conflicts", async () => {
    const run = await world.emulator.control.createWorkflowRun({
      repo: "acme/app",
      event: "push",
      actor: "alice",
      jobs: [{ labels: LABELS }],
    });
    await world.emulator.control.cancelRun({ runId: run.id });
    await expect(
      world.octokit.rest.actions.cancelWorkflowRun({ owner: "acme", repo: "app", run_id: run.id }),
    ).rejects.toMatchObject({ status: 409 });
  });

  it("fork run has no pull requests", async () => {
    const { control } = world.emulator;
    await control.createRepo({ owner: "mallory", name: "app", fork: true, private: false });
    const pull = await control.openPullRequest({
      repo: "acme/app",
      author: "mallory",
      headRepo: "mallory/app",
    });
    const run = await control.createWorkflowRun({
      repo: "acme/app",
      pullRequest: pull.number,
      jobs: [{ labels: LABELS }],
    });
    const { data } = await world.octokit.rest.actions.getWorkflowRun({
      owner: "acme",
      repo: "app",
      run_id: run.id,
    });
    expect(data.head_repository.full_name).toBe("mallory/app");
    expect(data.pull_requests).toEqual([]);
  });

  it("waiting job is queued after approval", async () => {
    const jobId = pushRun.jobIds[1] ?? 0;
    await world.emulator.control.approveJob({ jobId });
    const { data } = await world.octokit.rest.actions.getJobForWorkflowRun({
      owner: "acme",
      repo: "app",
      job_id: jobId,
    });
    expect(data.status).toBe("queued");
  });
});
