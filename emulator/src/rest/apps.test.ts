import { generateKeyPairSync } from "node:crypto";

import { createAppAuth } from "@octokit/auth-app";
import { Octokit } from "@octokit/rest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { createOctokit, createTestWorld, silentLog } from "../test-support.js";
import type { TestWorld } from "../test-support.js";

describe("app installation tokens", () => {
  let world: TestWorld;

  beforeAll(async () => {
    world = await createTestWorld({ tokenTtlMs: 60 * 60 * 1000 });
  });
  afterAll(async () => {
    await world.emulator.close();
  });

  it("installation token reaches repository", async () => {
    const { data } = await world.octokit.rest.repos.get({ owner: "acme", repo: "app" });
    expect(data.full_name).toBe("acme/app");
  });

  it("access token expires in an hour", async () => {
    const auth = createAppAuth({
      appId: world.appId,
      privateKey: world.privateKey,
      request: new Octokit({ baseUrl: world.emulator.apiUrl }).request,
    });
    const token = await auth({ type: "installation", installationId: world.installationId });
    const lifetime = Date.parse(token.expiresAt) - Date.now();
    expect(lifetime).toBeGreaterThan(59 * 60 * 1000);
  });

  it("JWT from another key is rejected", async () => {
    const { privateKey } = generateKeyPairSync("rsa", {
      modulusLength: 2048,
      privateKeyEncoding: { type: "pkcs8", format: "pem" },
      publicKeyEncoding: { type: "spki", format: "pem" },
    });
    const octokit = createOctokit(world.emulator, {
      appId: world.appId,
      privateKey,
      installationId: world.installationId,
    });
    await expect(octokit.rest.repos.get({ owner: "acme", repo: "app" })).rejects.toMatchObject({
      status: 401,
    });
  });

  it("unknown installation is not found", async () => {
    const octokit = createOctokit(world.emulator, {
      appId: world.appId,
      privateKey: world.privateKey,
      installationId: 1,
    });
    await expect(octokit.rest.repos.get({ owner: "acme", repo: "app" })).rejects.toMatchObject({
      status: 404,
    });
  });

  it("request without token is unauthorized", async () => {
    const anonymous = new Octokit({ baseUrl: world.emulator.apiUrl, log: silentLog });
    await expect(anonymous.rest.repos.get({ owner: "acme", repo: "app" })).rejects.toMatchObject({
      status: 401,
    });
  });

  it("expired token is rejected", async () => {
    const { token } = await world.emulator.control.createToken({ ttlMs: 1 });
    await new Promise((resolve) => setTimeout(resolve, 5));
    const octokit = new Octokit({ baseUrl: world.emulator.apiUrl, auth: token, log: silentLog });
    await expect(octokit.rest.repos.get({ owner: "acme", repo: "app" })).rejects.toMatchObject({
      status: 401,
    });
  });

  it("App JWT lists its installations", async () => {
    const octokit = new Octokit({
      baseUrl: world.emulator.apiUrl,
      authStrategy: createAppAuth,
      auth: { appId: world.appId, privateKey: world.privateKey },
    });
    const { data } = await octokit.rest.apps.listInstallations();
    expect(data.map((installation) => installation.id)).toEqual([world.installationId]);
  });

  it("installation of another organisation is hidden", async () => {
    await world.emulator.control.createOrg({ login: "other" });
    await world.emulator.control.createRepo({ owner: "other", name: "secret" });
    await expect(
      world.octokit.rest.repos.get({ owner: "other", repo: "secret" }),
    ).rejects.toMatchObject({
      status: 404,
    });
  });
});
