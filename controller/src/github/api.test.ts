import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestWorld } from "../../../emulator/src/test-support.js";
import type { TestWorld } from "../../../emulator/src/test-support.js";
import { GithubApi } from "./api.js";
import { RunnerNameTakenError } from "./errors.js";
import { createGithubClient } from "./octokit.js";
import { RateLimitGate } from "./rate-limit-gate.js";

const LABELS = ["self-hosted", "linux", "x64", "chem-trusted-pr"];
const REPO = { owner: "acme", name: "app" };

describe("GithubApi against the emulator", () => {
  let world: TestWorld;
  let api: GithubApi;
  let groupId: number;

  beforeAll(async () => {
    world = await createTestWorld();
    const group = await world.emulator.control.createRunnerGroup({
      org: "acme",
      name: "trusted",
      selectedRepositories: ["acme/app"],
    });
    groupId = group.id;
    const config = {
      apiUrl: world.emulator.apiUrl,
      appId: world.appId,
      installationId: world.installationId,
      organization: "acme",
      repositories: [{ owner: "acme", name: "app", id: world.repoId }],
      runnerGroupId: groupId,
      labels: LABELS,
      minWriteIntervalMs: 0,
    };
    const logger = pino({ level: "silent" });
    const gate = new RateLimitGate();
    const client = createGithubClient({
      config,
      privateKey: world.privateKey,
      gate,
      logger,
      retries: 0,
    });
    api = new GithubApi({ client, gate, config, callTimeoutMs: 10_000, logger });
  });
  afterAll(async () => {
    await world.emulator.close();
  });

  it("unknown job is undefined", async () => {
    expect(await api.getJob(REPO, 999_999)).toBeUndefined();
  });

  it("unset variable is undefined", async () => {
    expect(await api.getVariable(REPO, "NOT_SET")).toBeUndefined();
  });

  it("private member is confirmed", async () => {
    await world.emulator.control.addMember({ org: "acme", login: "pat", public: false });
    expect(await api.isOrgMember("pat")).toBe(true);
  });

  it("non-member is not confirmed", async () => {
    expect(await api.isOrgMember("stranger")).toBe(false);
  });

  it("taken runner name raises", async () => {
    await api.generateJitConfig("tr-taken");
    await expect(api.generateJitConfig("tr-taken")).rejects.toBeInstanceOf(RunnerNameTakenError);
  });

  it("runners are listed by prefix", async () => {
    await api.generateJitConfig("tr-listed");
    await api.generateJitConfig("other-runner");
    const names = (await api.listRunners("tr-")).map((runner) => runner.name);
    expect(names).toContain("tr-listed");
    expect(names).not.toContain("other-runner");
  });

  it("deleted runner is gone afterwards", async () => {
    const { runnerId } = await api.generateJitConfig("tr-deleted");
    expect(await api.deleteRunner(runnerId)).toBe("deleted");
    expect(await api.deleteRunner(runnerId)).toBe("gone");
  });

  it("queued job is listed", async () => {
    const pull = await world.emulator.control.openPullRequest({ repo: "acme/app", author: "pat" });
    const run = await world.emulator.control.createWorkflowRun({
      repo: "acme/app",
      pullRequest: pull.number,
      jobs: [{ labels: ["no-such-runner"], steps: ["true"] }],
    });
    const ids = (await api.listQueuedJobs(REPO)).map((job) => job.id);
    expect(ids).toContain(run.jobIds[0]);
  });

  it("completed run cannot be cancelled", async () => {
    const pull = await world.emulator.control.openPullRequest({ repo: "acme/app", author: "pat" });
    const run = await world.emulator.control.createWorkflowRun({
      repo: "acme/app",
      pullRequest: pull.number,
      jobs: [{ labels: ["no-such-runner"], steps: ["true"] }],
    });
    expect(await api.cancelRun(REPO, run.id)).toBe(true);
    expect(await api.cancelRun(REPO, run.id)).toBe(false);
  });
});
