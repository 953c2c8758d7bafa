import { request } from "node:http";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { decodeJitConfig, RunnerClient, RunnerProtocolError } from "./client.js";
import { createTestWorld } from "../test-support.js";
import type { TestWorld } from "../test-support.js";

const LABELS = ["self-hosted", "linux", "x64", "chem-trusted-pr"];

describe("job dispatch to runners", () => {
  let world: TestWorld;
  let groupId: number;
  let counter = 0;

  async function newRunner(
    labels = LABELS,
    group = groupId,
  ): Promise<{ client: RunnerClient; runnerId: number }> {
    counter += 1;
    const issued = await world.emulator.control.registerRunner({
      org: "acme",
      name: `tr-dispatch-${counter}`,
      runner_group_id: group,
      labels,
    });
    return { client: new RunnerClient(issued.encodedJitConfig), runnerId: issued.runnerId };
  }

  async function queueJob(
    labels = LABELS,
    steps: string[] = ["echo one", "echo two"],
  ): Promise<{ runId: number; jobId: number }> {
    const run = await world.emulator.control.createWorkflowRun({
      repo: "acme/app",
      event: "push",
      actor: "alice",
      jobs: [{ labels, steps }],
    });
    return { runId: run.id, jobId: run.jobIds[0] ?? 0 };
  }

  async function jobState(jobId: number) {
    const state = await world.emulator.control.state();
    return state.jobs.find((job) => job.id === jobId);
  }

  beforeAll(async () => {
    world = await createTestWorld({ acquireWaitMs: 200 });
    const group = await world.emulator.control.createRunnerGroup({
      org: "acme",
      name: "trusted",
      selectedRepositories: ["acme/app"],
    });
    groupId = group.id;
  });
  afterAll(async () => {
    await world.emulator.close();
  });

  it("job goes to another idle runner", async () => {
    const intended = await newRunner();
    const other = await newRunner();
    await other.client.connect();
    const polling = other.client.acquire();
    const { jobId } = await queueJob();
    const assigned = await polling;
    expect(assigned?.jobId).toBe(jobId);
    expect((await jobState(jobId))?.runnerId).toBe(other.runnerId);
    await other.client.complete(jobId, "success");
    await world.octokit.rest.actions.deleteSelfHostedRunnerFromOrg({
      org: "acme",
      runner_id: intended.runnerId,
    });
  });

  it("unconnected registration stays offline", async () => {
    const { runnerId } = await newRunner();
    const { jobId, runId } = await queueJob();
    const { data } = await world.octokit.rest.actions.getSelfHostedRunnerForOrg({
      org: "acme",
      runner_id: runnerId,
    });
    expect(data.status).toBe("offline");
    expect((await jobState(jobId))?.status).toBe("queued");
    await world.emulator.control.cancelRun({ runId });
    await world.octokit.rest.actions.deleteSelfHostedRunnerFromOrg({
      org: "acme",
      runner_id: runnerId,
    });
  });

  it("JIT runner runs one job", async () => {
    const { client, runnerId } = await newRunner();
    await client.connect();
    const { jobId } = await queueJob();
    const assigned = await client.acquire();
    expect(await client.stepScript(jobId, 1)).toBe("echo one");
    expect(await client.reportStep(jobId, 1, "success")).toBe("continue");
    await client.complete(jobId, "success");
    expect(assigned?.steps).toBe(2);
    expect((await jobState(jobId))?.conclusion).toBe("success");
    await expect(
      world.octokit.rest.actions.getSelfHostedRunnerForOrg({ org: "acme", runner_id: runnerId }),
    ).rejects.toMatchObject({ status: 404 });
    await expect(client.connect()).rejects.toMatchObject({ status: 410 });
  });

  it("unfinished steps are skipped", async () => {
    const { client } = await newRunner();
    await client.connect();
    const { jobId } = await queueJob();
    await client.acquire();
    await client.reportStep(jobId, 1, "failure");
    await client.complete(jobId, "failure");
    const job = await jobState(jobId);
    expect(job?.steps.map((step) => step.conclusion)).toEqual(["failure", "skipped"]);
  });

  it("group without repository gets nothing", async () => {
    const closed = await world.emulator.control.createRunnerGroup({ org: "acme", name: "closed" });
    const { client } = await newRunner(LABELS, closed.id);
    await client.connect();
    const { jobId } = await queueJob();
    expect(await client.acquire()).toBeUndefined();
    await world.emulator.control.setRunnerGroupRepositories({
      groupId: closed.id,
      repositories: ["acme/app"],
    });
    expect((await client.acquire())?.jobId).toBe(jobId);
    await client.complete(jobId, "success");
  });

  it("default group rejects public repository", async () => {
    await world.emulator.control.createRepo({ owner: "acme", name: "public", private: false });
    const { client } = await newRunner(LABELS, world.defaultGroupId);
    await client.connect();
    const run = await world.emulator.control.createWorkflowRun({
      repo: "acme/public",
      event: "push",
      actor: "alice",
      jobs: [{ labels: LABELS }],
    });
    expect(await client.acquire()).toBeUndefined();
    await world.emulator.control.cancelRun({ runId: run.id });
  });

  it("missing label gets nothing", async () => {
    const { client } = await newRunner(["self-hosted", "linux"]);
    await client.connect();
    const { runId } = await queueJob();
    expect(await client.acquire()).toBeUndefined();
    await world.emulator.control.cancelRun({ runId });
  });

  it("labels match ignoring case", async () => {
    const { client } = await newRunner(LABELS.map((label) => label.toUpperCase()));
    await client.connect();
    const { jobId } = await queueJob();
    expect((await client.acquire())?.jobId).toBe(jobId);
    await client.complete(jobId, "success");
  });

  it("waiting job needs approval first", async () => {
    const { client } = await newRunner();
    await client.connect();
    const run = await world.emulator.control.createWorkflowRun({
      repo: "acme/app",
      event: "push",
      actor: "alice",
      jobs: [{ labels: LABELS, environment: "trusted" }],
    });
    const jobId = run.jobIds[0] ?? 0;
    expect(await client.acquire()).toBeUndefined();
    await world.emulator.control.approveJob({ jobId });
    expect((await client.acquire())?.jobId).toBe(jobId);
    await client.complete(jobId, "success");
  });

  it("cancel reaches running runner", async () => {
    const { client } = await newRunner();
    await client.connect();
    const { jobId, runId } = await queueJob();
    await client.acquire();
    await world.octokit.rest.actions.cancelWorkflowRun({
      owner: "acme",
      repo: "app",
      run_id: runId,
    });
    expect(await client.reportStep(jobId, 1, "success")).toBe("cancel");
    await client.complete(jobId, "cancelled");
    const { data } = await world.octokit.rest.actions.getWorkflowRun({
      owner: "acme",
      repo: "app",
      run_id: runId,
    });
    expect(data.conclusion).toBe("cancelled");
  });

  it("force cancel frees busy runner", async () => {
    const { client, runnerId } = await newRunner();
    await client.connect();
    const { jobId, runId } = await queueJob();
    await client.acquire();
    await world.octokit.request("POST /repos/{owner}/{repo}/actions/runs/{run_id}/force-cancel", {
      owner: "acme",
      repo: "app",
      run_id: runId,
    });
    expect((await jobState(jobId))?.conclusion).toBe("cancelled");
    const deleted = await world.octokit.rest.actions.deleteSelfHostedRunnerFromOrg({
      org: "acme",
      runner_id: runnerId,
    });
    expect(deleted.status).toBe(204);
  });

  it("released JIT runner gets no second job", async () => {
    const { client, runnerId } = await newRunner();
    await client.connect();
    const first = await queueJob();
    await client.acquire();
    await world.emulator.control.disconnectRunner({ runnerId });
    const second = await queueJob();
    expect(await client.acquire()).toBeUndefined();
    expect((await jobState(second.jobId))?.status).toBe("queued");
    expect((await jobState(first.jobId))?.conclusion).toBe("failure");
    await world.emulator.control.cancelRun({ runId: second.runId });
  });

  it("lost runner fails its job", async () => {
    const { client, runnerId } = await newRunner();
    await client.connect();
    const { jobId } = await queueJob();
    await client.acquire();
    await world.emulator.control.disconnectRunner({ runnerId });
    expect((await jobState(jobId))?.conclusion).toBe("failure");
    const { data } = await world.octokit.rest.actions.getSelfHostedRunnerForOrg({
      org: "acme",
      runner_id: runnerId,
    });
    expect(data.status).toBe("offline");
  });

  it("aborted long poll gets no job", async () => {
    const { client } = await newRunner();
    await client.connect();
    const aborting = await world.emulator.control.registerRunner({
      org: "acme",
      name: "tr-abort",
      runner_group_id: groupId,
      labels: LABELS,
    });
    const { token } = decodeJitConfig(aborting.encodedJitConfig);
    // The aborted poll is older than the live one, so it would win if it were still listening.
    await new Promise<void>((resolve) => {
      const outgoing = request(`${world.emulator.url}/_runner/acquire`, {
        method: "POST",
        agent: false,
        headers: { authorization: `Bearer ${token}` },
      });
      outgoing.on("error", () => undefined);
      outgoing.end();
      setTimeout(() => {
        outgoing.destroy();
        resolve();
      }, 50);
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    const polling = client.acquire();
    const { jobId } = await queueJob();
    expect((await polling)?.jobId).toBe(jobId);
    await client.complete(jobId, "success");
  });

  it("unknown token is unauthorized", async () => {
    const stranger = new RunnerClient(
      Buffer.from(
        JSON.stringify({ url: world.emulator.url, runnerName: "x", token: "nope" }),
      ).toString("base64"),
    );
    await expect(stranger.connect()).rejects.toBeInstanceOf(RunnerProtocolError);
  });
});
