import { Octokit } from "@octokit/rest";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";

import { createOctokit, createTestWorld, silentLog } from "../test-support.js";
import type { TestOctokit, TestWorld } from "../test-support.js";

describe("injected HTTP faults", () => {
  let world: TestWorld;
  let throttled: TestOctokit;
  let limits: { kind: string; retryAfter: number }[] = [];
  const repo = { owner: "acme", repo: "app" };

  beforeAll(async () => {
    world = await createTestWorld();
    throttled = createOctokit(
      world.emulator,
      { appId: world.appId, privateKey: world.privateKey, installationId: world.installationId },
      (kind, retryAfter) => limits.push({ kind, retryAfter }),
    );
    await throttled.rest.repos.get(repo);
  });
  beforeEach(async () => {
    await world.emulator.control.clearFaults();
    limits = [];
  });
  afterAll(async () => {
    await world.emulator.close();
  });

  async function faultHits(): Promise<number | undefined> {
    return (await world.emulator.control.state()).faults.at(-1)?.hits;
  }

  it("server errors are retried by Octokit", async () => {
    await world.emulator.control.addFault({
      kind: "error",
      status: 502,
      count: 2,
      path: "^/repos/acme/app$",
    });
    const { status } = await world.octokit.rest.repos.get(repo);
    expect(status).toBe(200);
    expect(await faultHits()).toBe(2);
  });

  it("persistent server error reaches caller", async () => {
    await world.emulator.control.addFault({ kind: "error", status: 503, count: 10 });
    await expect(world.octokit.rest.repos.get(repo)).rejects.toMatchObject({ status: 503 });
  });

  it("fault matches method and path", async () => {
    await world.emulator.control.addFault({
      kind: "error",
      method: "POST",
      path: "/actions/runners/generate-jitconfig$",
    });
    await world.octokit.rest.repos.get(repo);
    expect(await faultHits()).toBe(0);
  });

  it("JIT config succeeds after 5xx", async () => {
    await world.emulator.control.addFault({
      kind: "error",
      method: "POST",
      path: "generate-jitconfig",
    });
    const { status } = await world.octokit.rest.actions.generateRunnerJitconfigForOrg({
      org: "acme",
      name: "tr-fault-1",
      runner_group_id: world.defaultGroupId,
      labels: ["self-hosted"],
    });
    expect(status).toBe(201);
    expect((await world.emulator.control.state()).jitConfigsIssued).toBe(1);
  });

  it("secondary limit waits for retry-after", async () => {
    await world.emulator.control.addFault({ kind: "secondary-rate-limit", retryAfterSeconds: 1 });
    const { status } = await throttled.rest.repos.get(repo);
    expect(status).toBe(200);
    expect(limits).toEqual([{ kind: "secondary", retryAfter: 1 }]);
  });

  it("429 secondary limit is retried", async () => {
    await world.emulator.control.addFault({
      kind: "secondary-rate-limit",
      status: 429,
      retryAfterSeconds: 1,
    });
    // NOTE: @octokit/plugin-retry 8.1 retries a 429 itself, so the throttling callback may not run.
    const { status } = await throttled.rest.repos.get(repo);
    expect(status).toBe(200);
    expect(await faultHits()).toBe(1);
  });

  it("primary limit waits for reset", async () => {
    await world.emulator.control.addFault({ kind: "rate-limit", resetAfterSeconds: 0 });
    const { status } = await throttled.rest.repos.get(repo);
    expect(status).toBe(200);
    expect(limits.map((limit) => limit.kind)).toEqual(["primary"]);
  });

  it("primary limit sends reset headers", async () => {
    await world.emulator.control.addFault({ kind: "rate-limit", resetAfterSeconds: 30 });
    const error = await world.octokit.rest.repos.get(repo).catch((caught: unknown) => caught);
    const headers = (error as { response: { headers: Record<string, string> } }).response.headers;
    expect(headers["x-ratelimit-remaining"]).toBe("0");
    expect(Number(headers["x-ratelimit-reset"])).toBeGreaterThan(Date.now() / 1000 + 20);
  });

  it("slow response finishes after fast", async () => {
    await world.emulator.control.addFault({ kind: "delay", delayMs: 300, path: "/pulls$" });
    const order: string[] = [];
    const slow = world.octokit.rest.pulls.list(repo).then(() => order.push("slow"));
    const fast = world.octokit.rest.repos.get(repo).then(() => order.push("fast"));
    await Promise.all([slow, fast]);
    expect(order).toEqual(["fast", "slow"]);
  });

  it("every response has rate headers", async () => {
    const error = await world.octokit.rest.pulls
      .get({ ...repo, pull_number: 404 })
      .catch((caught: unknown) => caught);
    const headers = (error as { response: { headers: Record<string, string> } }).response.headers;
    for (const name of [
      "x-ratelimit-limit",
      "x-ratelimit-remaining",
      "x-ratelimit-reset",
      "x-ratelimit-used",
    ]) {
      expect(headers[name], name).toMatch(/^\d+$/);
    }
    expect(headers["x-ratelimit-resource"]).toBe("core");
  });
});

describe("primary rate limit", () => {
  it("exhausted limit returns 403", async () => {
    const world = await createTestWorld({ rateLimit: 2 });
    const { token } = await world.emulator.control.createToken({});
    const octokit = new Octokit({ baseUrl: world.emulator.apiUrl, auth: token, log: silentLog });
    await octokit.rest.repos.get({ owner: "acme", repo: "app" });
    await octokit.rest.repos.get({ owner: "acme", repo: "app" });
    const error = await octokit.rest.repos
      .get({ owner: "acme", repo: "app" })
      .catch((caught: unknown) => caught);
    await world.emulator.close();
    expect(error).toMatchObject({
      status: 403,
      response: { headers: { "x-ratelimit-remaining": "0" } },
    });
  });
});
