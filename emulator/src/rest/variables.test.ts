import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { createTestWorld } from "../test-support.js";
import type { TestWorld } from "../test-support.js";

describe("repository variables", () => {
  let world: TestWorld;
  const repo = { owner: "acme", repo: "app" };

  beforeAll(async () => {
    world = await createTestWorld();
  });
  afterAll(async () => {
    await world.emulator.close();
  });

  it("created variable reads back uppercase", async () => {
    await world.octokit.rest.actions.createRepoVariable({
      ...repo,
      name: "ci_self_hosted_trusted_routing",
      value: "true",
    });
    const { data } = await world.octokit.rest.actions.getRepoVariable({
      ...repo,
      name: "CI_SELF_HOSTED_TRUSTED_ROUTING",
    });
    expect(data).toMatchObject({ name: "CI_SELF_HOSTED_TRUSTED_ROUTING", value: "true" });
  });

  it("duplicate variable conflicts", async () => {
    await expect(
      world.octokit.rest.actions.createRepoVariable({
        ...repo,
        name: "CI_SELF_HOSTED_TRUSTED_ROUTING",
        value: "x",
      }),
    ).rejects.toMatchObject({ status: 409 });
  });

  it("update changes value", async () => {
    await world.octokit.rest.actions.updateRepoVariable({
      ...repo,
      name: "CI_SELF_HOSTED_TRUSTED_ROUTING",
      value: "false",
    });
    const { data } = await world.octokit.rest.actions.getRepoVariable({
      ...repo,
      name: "CI_SELF_HOSTED_TRUSTED_ROUTING",
    });
    expect(data.value).toBe("false");
  });

  it("control variable appears in list", async () => {
    await world.emulator.control.setVariable({ repo: "acme/app", name: "OTHER", value: "1" });
    const { data } = await world.octokit.rest.actions.listRepoVariables(repo);
    expect(data.variables.map((variable) => variable.name)).toEqual([
      "CI_SELF_HOSTED_TRUSTED_ROUTING",
      "OTHER",
    ]);
  });

  it("invalid name is unprocessable", async () => {
    await expect(
      world.octokit.rest.actions.createRepoVariable({ ...repo, name: "GITHUB_TOKEN", value: "x" }),
    ).rejects.toMatchObject({ status: 422 });
  });

  it("deleted variable is not found", async () => {
    await world.octokit.rest.actions.deleteRepoVariable({ ...repo, name: "OTHER" });
    await expect(
      world.octokit.rest.actions.getRepoVariable({ ...repo, name: "OTHER" }),
    ).rejects.toMatchObject({
      status: 404,
    });
  });
});
