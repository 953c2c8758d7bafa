import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { createTestWorld } from "../test-support.js";
import type { TestWorld } from "../test-support.js";

describe("repositories, membership and pull requests", () => {
  let world: TestWorld;

  beforeAll(async () => {
    world = await createTestWorld();
    const { control } = world.emulator;
    await control.addMember({ org: "acme", login: "alice", public: true });
    await control.addMember({ org: "acme", login: "bob", public: false });
    await control.createUser({ login: "mallory" });
    await control.createRepo({ owner: "mallory", name: "app", fork: true, private: false });
    await control.createRepo({ owner: "mallory", name: "gone", fork: true, private: false });
  });
  afterAll(async () => {
    await world.emulator.close();
  });

  it("repository has GitHub's shape", async () => {
    const { data } = await world.octokit.rest.repos.get({ owner: "acme", repo: "app" });
    expect(data).toMatchObject({
      id: world.repoId,
      private: true,
      owner: { login: "acme", type: "Organization" },
    });
  });

  it("public member is a member", async () => {
    const response = await world.octokit.rest.orgs.checkMembershipForUser({
      org: "acme",
      username: "alice",
    });
    expect(response.status).toBe(204);
  });

  it("private member is visible to App", async () => {
    const response = await world.octokit.rest.orgs.checkMembershipForUser({
      org: "acme",
      username: "bob",
    });
    expect(response.status).toBe(204);
  });

  it("private member is not public", async () => {
    await expect(
      world.octokit.rest.orgs.checkPublicMembershipForUser({ org: "acme", username: "bob" }),
    ).rejects.toMatchObject({ status: 404 });
  });

  it("non-member check is not found", async () => {
    await expect(
      world.octokit.rest.orgs.checkMembershipForUser({ org: "acme", username: "mallory" }),
    ).rejects.toMatchObject({ status: 404 });
  });

  it("membership returns role and state", async () => {
    const { data } = await world.octokit.rest.orgs.getMembershipForUser({
      org: "acme",
      username: "bob",
    });
    expect(data).toMatchObject({ state: "active", role: "member", user: { login: "bob" } });
  });

  it("same-repository pull request", async () => {
    const { number } = await world.emulator.control.openPullRequest({
      repo: "acme/app",
      author: "alice",
    });
    const { data } = await world.octokit.rest.pulls.get({
      owner: "acme",
      repo: "app",
      pull_number: number,
    });
    expect(data.author_association).toBe("MEMBER");
    expect(data.head.repo?.full_name).toBe("acme/app");
    expect(data.base.repo.full_name).toBe("acme/app");
    expect(data.user?.type).toBe("User");
  });

  it("private member shows as contributor", async () => {
    const { number } = await world.emulator.control.openPullRequest({
      repo: "acme/app",
      author: "bob",
    });
    const { data } = await world.octokit.rest.pulls.get({
      owner: "acme",
      repo: "app",
      pull_number: number,
    });
    expect(data.author_association).toBe("CONTRIBUTOR");
  });

  it("fork pull request names fork", async () => {
    const { number } = await world.emulator.control.openPullRequest({
      repo: "acme/app",
      author: "mallory",
      headRepo: "mallory/app",
    });
    const { data } = await world.octokit.rest.pulls.get({
      owner: "acme",
      repo: "app",
      pull_number: number,
    });
    expect(data.head.repo?.full_name).toBe("mallory/app");
    expect(data.head.repo?.fork).toBe(true);
    expect(data.author_association).toBe("NONE");
  });

  it("deleted fork leaves null head", async () => {
    const { number } = await world.emulator.control.openPullRequest({
      repo: "acme/app",
      author: "mallory",
      headRepo: "mallory/gone",
    });
    await world.emulator.control.deleteRepo({ repo: "mallory/gone" });
    const { data } = await world.octokit.rest.pulls.get({
      owner: "acme",
      repo: "app",
      pull_number: number,
    });
    expect(data.head.repo).toBeNull();
  });

  it("bot author has Bot type", async () => {
    const { number } = await world.emulator.control.openPullRequest({
      repo: "acme/app",
      author: "dependabot[bot]",
    });
    const { data } = await world.octokit.rest.pulls.get({
      owner: "acme",
      repo: "app",
      pull_number: number,
    });
    expect(data.user?.type).toBe("Bot");
  });

  it("explicit association overrides inference", async () => {
    const { number } = await world.emulator.control.openPullRequest({
      repo: "acme/app",
      author: "mallory",
      authorAssociation: "COLLABORATOR",
    });
    const { data } = await world.octokit.rest.pulls.get({
      owner: "acme",
      repo: "app",
      pull_number: number,
    });
    expect(data.author_association).toBe("COLLABORATOR");
  });

  it("unknown pull request is not found", async () => {
    await expect(
      world.octokit.rest.pulls.get({ owner: "acme", repo: "app", pull_number: 999 }),
    ).rejects.toMatchObject({ status: 404 });
  });
});
