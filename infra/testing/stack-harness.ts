import { generateKeyPairSync, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";

import { CONFIG_NAMESPACE } from "../config/errors.js";
import { parseStackConfig } from "../config/parse.js";
import { readStackConfig } from "../config/read.js";
import { declareFleet } from "../program.js";
import type { FleetOutputs } from "../program.js";

/**
 * Test support: loads a stack file, runs the program under Pulumi mocks and records every
 * declared resource with its inputs. Secret inputs appear as Pulumi's secret envelope objects.
 */

/** Runner group id the mocks assign. */
export const MOCK_RUNNER_GROUP_ID = "4242";

/** One declared resource as the mock engine received it. */
export interface DeclaredResource {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
}

/** Stack config as Pulumi passes it to a program: a flat map of strings and the secret keys. */
export interface StackFileConfig {
  values: Record<string, string>;
  secretKeys: string[];
}

const repositoryRoot = fileURLToPath(new URL("../../", import.meta.url));

/** Stand-in secrets for the stack files' placeholders, made fresh for each test run. */
export const TEST_SECRETS: Record<string, string> = {
  githubAppPrivateKey: generateKeyPairSync("rsa", { modulusLength: 2048 })
    .privateKey.export({ type: "pkcs8", format: "pem" })
    .toString(),
  webhookSecret: randomBytes(32).toString("hex"),
  sshPrivateKey: generateKeyPairSync("ed25519")
    .privateKey.export({ type: "pkcs8", format: "pem" })
    .toString(),
};

/** Reads `Pulumi.<stack>.yaml`, with each `secure:` placeholder replaced by its test secret. */
export function loadStackFile(stack: string): StackFileConfig {
  const text = readFileSync(`${repositoryRoot}Pulumi.${stack}.yaml`, "utf8");
  const document = parse(text) as { config: Record<string, unknown> };
  const values: Record<string, string> = {};
  const secretKeys: string[] = [];

  for (const [fullKey, value] of Object.entries(document.config)) {
    const key = fullKey.slice(`${CONFIG_NAMESPACE}:`.length);
    if (value !== null && typeof value === "object" && "secure" in value) {
      const secret = TEST_SECRETS[key];
      if (secret === undefined) {
        throw new Error(`no test secret for ${fullKey}`);
      }
      values[fullKey] = secret;
      secretKeys.push(fullKey);
    } else {
      values[fullKey] = typeof value === "string" ? value : JSON.stringify(value);
    }
  }
  return { values, secretKeys };
}

/** Returns a copy of the config with keys set (JSON-encoded unless a string) or removed. */
export function withConfig(
  config: StackFileConfig,
  changes: Record<string, unknown>,
): StackFileConfig {
  const values = { ...config.values };
  for (const [key, value] of Object.entries(changes)) {
    const fullKey = `${CONFIG_NAMESPACE}:${key}`;
    if (value === undefined) {
      delete values[fullKey];
    } else {
      values[fullKey] = typeof value === "string" ? value : JSON.stringify(value);
    }
  }
  return { values, secretKeys: config.secretKeys.filter((key) => key in values) };
}

/** Resolved stack outputs. */
export type ResolvedOutputs = { [K in keyof FleetOutputs]: string };

/** Resources and outputs of one mocked run. */
export interface ProgramRun {
  resources: DeclaredResource[];
  outputs: ResolvedOutputs;
  /** Output objects before resolution, for secrecy checks. */
  rawOutputs: FleetOutputs;
}

function resolve(output: pulumi.Output<string>): Promise<string> {
  return new Promise((done) => output.apply((value) => done(value)));
}

/**
 * Waits until no resource has been registered for five ticks of 20 ms, at most 5 s. Registrations
 * that wait on other resources' outputs, such as the controller's config file, arrive late.
 */
async function waitForRegistrations(resources: DeclaredResource[]): Promise<void> {
  let stableTicks = 0;
  let lastCount = -1;
  for (let tick = 0; tick < 250 && stableTicks < 5; tick += 1) {
    await new Promise((done) => setTimeout(done, 20));
    stableTicks = resources.length === lastCount ? stableTicks + 1 : 0;
    lastCount = resources.length;
  }
}

/**
 * Runs config reading, validation and the program under mocks, as `pulumi up` would. Declared
 * resources go to `resources`, which a caller passes to inspect them after a failed run.
 */
export async function runProgram(
  config: StackFileConfig,
  stack = "test",
  resources: DeclaredResource[] = [],
): Promise<ProgramRun> {
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        resources.push({ type: args.type, name: args.name, inputs: args.inputs });
        const isGroup = args.type === "github:index/actionsRunnerGroup:ActionsRunnerGroup";
        return { id: isGroup ? MOCK_RUNNER_GROUP_ID : `${args.name}-id`, state: args.inputs };
      },
      call: (args) => args.inputs,
    },
    "trusted-runners",
    stack,
    false,
  );
  pulumi.runtime.setAllConfig(config.values, config.secretKeys);

  const parsed = parseStackConfig(readStackConfig(new pulumi.Config(CONFIG_NAMESPACE)));
  const rawOutputs = declareFleet(parsed, {
    path: `${repositoryRoot}controller/scripts/build.ts`,
    sha256: "0".repeat(64),
    nativeAddon: { path: `${repositoryRoot}package.json`, sha256: "1".repeat(64) },
  });

  const entries = await Promise.all(
    Object.entries(rawOutputs).map(async ([key, output]) => [key, await resolve(output)] as const),
  );
  await waitForRegistrations(resources);
  return { resources, outputs: Object.fromEntries(entries) as ResolvedOutputs, rawOutputs };
}

/** Finds the one resource of a type whose name ends with the suffix. */
export function findResource(
  resources: DeclaredResource[],
  type: string,
  nameSuffix = "",
): DeclaredResource {
  const matches = resources.filter((r) => r.type === type && r.name.endsWith(nameSuffix));
  if (matches.length !== 1) {
    throw new Error(`expected one ${type} named *${nameSuffix}, found ${matches.length}`);
  }
  return matches[0] as DeclaredResource;
}

const SECRET_SIG = "4dabf18193072939515e22adb298388d";

/** Returns whether a recorded input is wrapped as a Pulumi secret. */
export function isSecretInput(value: unknown): boolean {
  return value !== null && typeof value === "object" && SECRET_SIG in value;
}

/** Returns the plain value of a recorded input, secret or not. */
export function plainInput(value: unknown): unknown {
  return isSecretInput(value) ? (value as { value: unknown }).value : value;
}
