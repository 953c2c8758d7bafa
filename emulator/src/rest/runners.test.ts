import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { RunnerClient } from "../runner/client.js";
import { createTestWorld } from "../test-support.js";
import type { TestWorld } from "../test-support.js";

const LABELS = ["self-hosted", "linux", "x64", "chem-trusted-pr"];

describe("runner groups, runners and JIT configs", () => {
  let world: TestWorld;
  let groupId: number;

  beforeAll(async () => {
    world = await createTestWorld();
    const group = await world.octokit.request("POST /orgs/{org}/actions/runner-groups", {
      org: "acme",
      name: "trusted",
      visibility: "selected",
      selected_repository_ids: [world.repoId],
    });
    groupId = (group.data as { id: number }).id;
  });
  afterAll(async () => {
    await world.emulator.close();
  });

  it("group lists selected repository", async () => {
    const { data } = await world.octokit.request(
      "GET /orgs/{org}/actions/runner-groups/{runner_group_id}/repositories",
      { org: "acme", runner_group_id: groupId },
    );
    const names = (data as { repositories: { full_name: string }[] }).repositories.map(
      (repo) => repo.full_name,
    );
    expect(names).toEqual(["acme/app"]);
  });

  it("group removal empties selection", async () => {
    const path = "/orgs/{org}/actions/runner-groups/{runner_group_id}/repositories";
    await world.octokit.request(`DELETE ${path}/{repository_id}`, {
      org: "acme",
      runner_group_id: groupId,
      repository_id: world.repoId,
    });
    const { data } = await world.octokit.request(`GET ${path}`, {
      org: "acme",
      runner_group_id: groupId,
    });
    await world.octokit.rest.actions.addRepoAccessToSelfHostedRunnerGroupInOrg({
      org: "acme",
      runner_group_id: groupId,
      repository_id: world.repoId,
    });
    expect((data as { total_count: number }).total_count).toBe(0);
  });

  it("org groups include default", async () => {
    const { data } = await world.octokit.request("GET /orgs/{org}/actions/runner-groups", {
      org: "acme",
    });
    const groups = (data as { runner_groups: { name: string; visibility: string }[] })
      .runner_groups;
    expect(groups.map((group) => [group.name, group.visibility])).toEqual([
      ["Default", "all"],
      ["trusted", "selected"],
    ]);
  });

  it("org JIT config registers offline runner", async () => {
    const { status, data } = await world.octokit.rest.actions.generateRunnerJitconfigForOrg({
      org: "acme",
      name: "tr-jit-1",
      runner_group_id: groupId,
      labels: LABELS,
    });
    expect(status).toBe(201);
    expect(data.runner).toMatchObject({
      name: "tr-jit-1",
      status: "offline",
      busy: false,
      ephemeral: true,
    });
    expect(new RunnerClient(data.encoded_jit_config).name).toBe("tr-jit-1");
  });

  it("existing runner name conflicts", async () => {
    await expect(
      world.octokit.rest.actions.generateRunnerJitconfigForOrg({
        org: "acme",
        name: "tr-jit-1",
        runner_group_id: groupId,
        labels: LABELS,
      }),
    ).rejects.toMatchObject({ status: 409 });
  });

  it("empty labels are unprocessable", async () => {
    await expect(
      world.octokit.rest.actions.generateRunnerJitconfigForOrg({
        org: "acme",
        name: "tr-jit-2",
        runner_group_id: groupId,
        labels: [],
      }),
    ).rejects.toMatchObject({ status: 422 });
  });

  it("unknown group is not found", async () => {
    await expect(
      world.octokit.rest.actions.generateRunnerJitconfigForOrg({
        org: "acme",
        name: "tr-jit-3",
        runner_group_id: 4242,
        labels: LABELS,
      }),
    ).rejects.toMatchObject({ status: 404 });
  });

  it("repository JIT config is repository scoped", async () => {
    await world.octokit.rest.actions.generateRunnerJitconfigForRepo({
      owner: "acme",
      repo: "app",
      name: "tr-repo-1",
      runner_group_id: world.defaultGroupId,
      labels: LABELS,
    });
    const { data } = await world.octokit.rest.actions.listSelfHostedRunnersForRepo({
      owner: "acme",
      repo: "app",
    });
    expect(data.runners.map((runner) => runner.name)).toEqual(["tr-repo-1"]);
  });

  it("runner list paginates with links", async () => {
    for (const name of ["tr-page-1", "tr-page-2", "tr-page-3"]) {
      await world.emulator.control.registerRunner({
        org: "acme",
        name,
        runner_group_id: groupId,
        labels: LABELS,
      });
    }
    const first = await world.octokit.rest.actions.listSelfHostedRunnersForOrg({
      org: "acme",
      per_page: 2,
    });
    expect(first.headers.link).toContain('rel="next"');
    const all = await world.octokit.paginate(
      world.octokit.rest.actions.listSelfHostedRunnersForOrg,
      {
        org: "acme",
        per_page: 2,
      },
    );
    expect(all.map((runner) => runner.name)).toEqual([
      "tr-jit-1",
      "tr-page-1",
      "tr-page-2",
      "tr-page-3",
    ]);
  });

  it("label ids match across runners", async () => {
    const { data } = await world.octokit.rest.actions.listSelfHostedRunnersForOrg({ org: "acme" });
    const ids = data.runners.map(
      (runner) => runner.labels.find((label) => label.name === "x64")?.id,
    );
    expect(new Set(ids).size).toBe(1);
    expect(data.runners[0]?.labels[0]?.type).toBe("read-only");
  });

  it("name filter finds one runner", async () => {
    const { data } = await world.octokit.rest.actions.listSelfHostedRunnersForOrg({
      org: "acme",
      name: "tr-page-2",
    });
    expect(data.runners.map((runner) => runner.name)).toEqual(["tr-page-2"]);
  });

  it("get and delete runner", async () => {
    const { data } = await world.octokit.rest.actions.listSelfHostedRunnersForOrg({
      org: "acme",
      name: "tr-page-3",
    });
    const runnerId = data.runners[0]?.id ?? 0;
    const got = await world.octokit.rest.actions.getSelfHostedRunnerForOrg({
      org: "acme",
      runner_id: runnerId,
    });
    expect(got.data.name).toBe("tr-page-3");
    const deleted = await world.octokit.rest.actions.deleteSelfHostedRunnerFromOrg({
      org: "acme",
      runner_id: runnerId,
    });
    expect(deleted.status).toBe(204);
    await expect(
      world.octokit.rest.actions.deleteSelfHostedRunnerFromOrg({
        org: "acme",
        runner_id: runnerId,
      }),
    ).rejects.toMatchObject({ status: 404 });
  });

  it("busy runner cannot be deleted", async () => {
    const { encodedJitConfig, runnerId } = await world.emulator.control.registerRunner({
      org: "acme",
      name: "tr-busy",
      runner_group_id: groupId,
      labels: LABELS,
    });
    await world.emulator.control.createWorkflowRun({
      repo: "acme/app",
      event: "push",
      actor: "octocat",
      jobs: [{ labels: LABELS, steps: ["true"] }],
    });
    const runner = new RunnerClient(encodedJitConfig);
    await runner.connect();
    await runner.acquire();
    await expect(
      world.octokit.rest.actions.deleteSelfHostedRunnerFromOrg({
        org: "acme",
        runner_id: runnerId,
      }),
    ).rejects.toMatchObject({ status: 422 });
  });

  it("JIT configs issued are counted", async () => {
    const state = await world.emulator.control.state();
    expect(state.jitConfigsIssued).toBe(2);
  });
});
