import { randomBytes } from "node:crypto";

import { z } from "zod";

import type { EmulatorEnv } from "../http/context.js";
import { ApiError } from "../model/errors.js";
import type { Organization, Runner, RunnerScope } from "../model/types.js";

/**
 * Body of `generate-jitconfig`. GitHub requires a name, a group id and 1 to 100 labels. The name
 * pattern is the emulator's own: it keeps quotes and spaces out of the flat JIT config JSON.
 */
export const jitConfigSchema = z.object({
  name: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9._-]+$/),
  runner_group_id: z.number().int().positive(),
  labels: z.array(z.string().min(1).max(256)).min(1).max(100),
  work_folder: z.string().default("_work"),
});

export type JitConfigInput = z.output<typeof jitConfigSchema>;

export interface IssuedJitConfig {
  runner: Runner;
  encodedJitConfig: string;
}

/**
 * Registers a JIT runner and returns its encoded config: base64 of a flat JSON object
 * `{"url":...,"runnerName":...,"token":...}` that the stand-in runner reads with `sed`.
 */
export function issueJitConfig(
  env: Pick<EmulatorEnv, "store" | "runnerBaseUrl">,
  scope: RunnerScope,
  org: Organization | undefined,
  input: JitConfigInput,
  now: number,
  counted = true,
): IssuedJitConfig {
  const { store } = env;
  const group = store.runnerGroups.get(input.runner_group_id);
  const groupFits =
    group !== undefined &&
    (scope.kind === "org" ? group.orgId === scope.orgId : group.orgId === org?.id);
  if (!groupFits) throw new ApiError(404, `Runner group ${input.runner_group_id} not found`);

  for (const existing of store.runners.values()) {
    if (
      sameScope(existing.scope, scope) &&
      existing.name.toLowerCase() === input.name.toLowerCase()
    ) {
      throw new ApiError(
        409,
        `Already exists - A runner with the name ${input.name} already exists.`,
      );
    }
  }

  const runner: Runner = {
    id: store.nextId("runner"),
    name: input.name,
    scope,
    groupId: input.runner_group_id,
    labels: [...input.labels],
    os: "Linux",
    ephemeral: true,
    assigned: false,
    token: randomBytes(24).toString("hex"),
    connection: "never",
    jobId: null,
    lastSeenAt: now,
    createdAt: now,
  };
  store.runners.set(runner.id, runner);
  if (counted) store.jitConfigsIssued += 1;
  const config = JSON.stringify({
    url: env.runnerBaseUrl,
    runnerName: runner.name,
    token: runner.token,
  });
  return { runner, encodedJitConfig: Buffer.from(config).toString("base64") };
}

function sameScope(a: RunnerScope, b: RunnerScope): boolean {
  if (a.kind === "org" && b.kind === "org") return a.orgId === b.orgId;
  if (a.kind === "repo" && b.kind === "repo") return a.repoId === b.repoId;
  return false;
}
