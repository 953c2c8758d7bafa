import { generateKeyPairSync } from "node:crypto";

import { createAppAuth } from "@octokit/auth-app";
import { retry } from "@octokit/plugin-retry";
import { throttling } from "@octokit/plugin-throttling";
import { Octokit } from "@octokit/rest";

import { startEmulator } from "./emulator.js";
import type { Emulator, EmulatorOptions } from "./emulator.js";

const AppOctokit = Octokit.plugin(retry, throttling);
export type TestOctokit = InstanceType<typeof AppOctokit>;

/** An emulator with one organisation, one repository and an installed App, for tests. */
export interface TestWorld {
  emulator: Emulator;
  org: string;
  repo: string;
  repoId: number;
  defaultGroupId: number;
  appId: number;
  installationId: number;
  privateKey: string;
  /** An Octokit with the retry and throttling plugins, authenticated as the installation. */
  octokit: TestOctokit;
}

/** Octokit logs every failed request; tests that expect failures keep the output clean. */
export const silentLog = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

export function createOctokit(
  emulator: Emulator,
  auth: { appId: number; privateKey: string; installationId: number },
  onLimit?: (kind: "primary" | "secondary", retryAfter: number) => void,
): TestOctokit {
  return new AppOctokit({
    baseUrl: emulator.apiUrl,
    authStrategy: createAppAuth,
    auth,
    log: silentLog,
    retry: { retryAfterBaseValue: 10 },
    // The throttling plugin spaces writes one second apart; only rate-limit tests need it.
    throttle: {
      enabled: onLimit !== undefined,
      onRateLimit: (
        retryAfter: number,
        _options: unknown,
        _octokit: unknown,
        retryCount: number,
      ) => {
        onLimit?.("primary", retryAfter);
        return retryCount < 2;
      },
      onSecondaryRateLimit: (
        retryAfter: number,
        _options: unknown,
        _octokit: unknown,
        retryCount: number,
      ) => {
        onLimit?.("secondary", retryAfter);
        return retryCount < 2;
      },
    },
  });
}

/** Starts an emulator with organisation `acme`, private repository `acme/app` and an App. */
export async function createTestWorld(options: EmulatorOptions = {}): Promise<TestWorld> {
  const emulator = await startEmulator(options);
  const { privateKey, publicKey } = generateKeyPairSync("rsa", {
    modulusLength: 2048,
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
    publicKeyEncoding: { type: "spki", format: "pem" },
  });
  const { control } = emulator;
  const org = await control.createOrg({ login: "acme" });
  const repo = await control.createRepo({ owner: "acme", name: "app" });
  const app = await control.registerApp({ publicKey, installOn: ["acme"] });
  const installationId = app.installations[0]?.id ?? 0;
  return {
    emulator,
    org: "acme",
    repo: "app",
    repoId: repo.id,
    defaultGroupId: org.defaultRunnerGroupId,
    appId: app.appId,
    installationId,
    privateKey,
    octokit: createOctokit(emulator, { appId: app.appId, privateKey, installationId }),
  };
}

/**
 * Prepares a {@link TestWorld} for trusted runs: a runner group `trusted` that selects
 * `acme/app`, the routing variable set to `true`, and `member` as an organisation member.
 * Returns the runner group's id.
 */
export async function enableTrustedRouting(world: TestWorld, member = "alice"): Promise<number> {
  const { control } = world.emulator;
  const repo = `${world.org}/${world.repo}`;
  const group = await control.createRunnerGroup({
    org: world.org,
    name: "trusted",
    selectedRepositories: [repo],
  });
  await control.setVariable({ repo, name: "CI_SELF_HOSTED_TRUSTED_ROUTING", value: "true" });
  await control.addMember({ org: world.org, login: member });
  return group.id;
}
