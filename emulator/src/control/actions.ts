import { randomBytes } from "node:crypto";

import { z } from "zod";

import { ensureUser } from "./accounts.js";
import { defineOperation } from "./define.js";
import type { ControlEnv } from "./define.js";
import { ApiError, notFound } from "../model/errors.js";
import type { Job, PullRequest, Repository, WorkflowRun } from "../model/types.js";
import { issueJitConfig, jitConfigSchema } from "../rest/jit-config.js";
import { createRunnerGroup, runnerGroupCreateSchema } from "../rest/runner-groups.js";

const fullName = z.string().regex(/^[^/\s]+\/[^/\s]+$/);
const id = z.number().int().positive();

/** A step is a shell script, or a name and a script; bare scripts are named `Step n`. */
const stepsSchema = z
  .array(z.union([z.string(), z.object({ name: z.string().min(1), script: z.string() })]))
  .transform((steps) =>
    steps.map((step, index) =>
      typeof step === "string" ? { name: `Step ${index + 1}`, script: step } : step,
    ),
  );

const jobSchema = z.object({
  name: z.string().min(1).default("build"),
  labels: z.array(z.string().min(1)).min(1),
  /** Shell scripts, one per step, run in order by the runner. */
  steps: stepsSchema.default([]),
  /** Environment that needs approval: the job waits until `approveJob`. */
  environment: z.string().min(1).optional(),
});

const runSchema = z.object({
  repo: fullName,
  event: z.string().min(1).default("pull_request"),
  /** Pull request number in `repo`; supplies head, actor and branch defaults. */
  pullRequest: z.number().int().positive().optional(),
  actor: z.string().min(1).optional(),
  triggeringActor: z.string().min(1).optional(),
  name: z.string().min(1).default("CI"),
  headBranch: z.string().min(1).optional(),
  headSha: z
    .string()
    .regex(/^[0-9a-f]{40}$/)
    .optional(),
  jobs: z.array(jobSchema).min(1),
});

function findPull(env: ControlEnv, repo: Repository, number: number): PullRequest {
  for (const pull of env.store.pulls.values()) {
    if (pull.repoId === repo.id && pull.number === number) return pull;
  }
  throw new ApiError(404, `Pull request ${number} not found in ${env.store.fullName(repo)}`);
}

function createRun(env: ControlEnv, input: z.output<typeof runSchema>): WorkflowRun {
  const { store } = env;
  const repo = store.requireRepoByFullName(input.repo);
  const pull = input.pullRequest === undefined ? undefined : findPull(env, repo, input.pullRequest);
  const actorLogin =
    input.actor ?? (pull === undefined ? undefined : store.users.get(pull.authorId)?.login);
  if (actorLogin === undefined)
    throw new ApiError(422, "actor is required for a run without a pull request");
  const actor = ensureUser(env, actorLogin);
  const triggeringActor =
    input.triggeringActor === undefined ? actor : ensureUser(env, input.triggeringActor);
  const now = Date.now();

  const run: WorkflowRun = {
    id: store.nextId("run"),
    repoId: repo.id,
    name: input.name,
    event: input.event,
    actorId: actor.id,
    triggeringActorId: triggeringActor.id,
    headBranch: input.headBranch ?? pull?.headRef ?? repo.defaultBranch,
    headSha: input.headSha ?? pull?.headSha ?? randomBytes(20).toString("hex"),
    headRepoId: pull === undefined ? repo.id : pull.headRepoId,
    pullRequestNumber: pull?.number ?? null,
    jobIds: [],
    cancelRequested: false,
    startAnnounced: false,
    createdAt: now,
    updatedAt: now,
  };
  for (const spec of input.jobs) {
    const job: Job = {
      id: store.nextId("job"),
      runId: run.id,
      repoId: repo.id,
      name: spec.name,
      labels: [...spec.labels],
      steps: spec.steps.map((step, index) => ({
        number: index + 1,
        name: step.name,
        script: step.script,
        status: "queued",
        conclusion: null,
        startedAt: null,
        completedAt: null,
      })),
      status: spec.environment === undefined ? "queued" : "waiting",
      conclusion: null,
      environment: spec.environment ?? null,
      runnerId: null,
      runnerName: null,
      runnerGroupId: null,
      runnerGroupName: null,
      cancelRequested: false,
      createdAt: now,
      startedAt: null,
      completedAt: null,
    };
    store.jobs.set(job.id, job);
    run.jobIds.push(job.id);
  }
  store.runs.set(run.id, run);
  return run;
}

function requireJob(env: ControlEnv, jobId: number): Job {
  return env.store.jobs.get(jobId) ?? throwNotFound();
}

function throwNotFound(): never {
  throw notFound();
}

export const actionOperations = {
  /**
   * Creates a workflow run for a pull request or a push, with its jobs. Jobs without an
   * environment are queued at once and may be dispatched before this returns.
   */
  createWorkflowRun: defineOperation(runSchema, (env, input) => {
    const run = createRun(env, input);
    env.dispatcher.startRun(run);
    return { id: run.id, jobIds: [...run.jobIds] };
  }),

  approveJob: defineOperation(z.object({ jobId: id }), (env, input) => {
    env.dispatcher.approve(requireJob(env, input.jobId));
    return {};
  }),

  cancelRun: defineOperation(z.object({ runId: id }), (env, input) => {
    env.dispatcher.cancelRun(env.store.runs.get(input.runId) ?? throwNotFound());
    return {};
  }),

  setVariable: defineOperation(
    z.object({ repo: fullName, name: z.string().min(1), value: z.string() }),
    (env, input) => {
      const repo = env.store.requireRepoByFullName(input.repo);
      const key = input.name.toUpperCase();
      const now = Date.now();
      const existing = repo.variables.get(key);
      repo.variables.set(key, {
        name: key,
        value: input.value,
        createdAt: existing?.createdAt ?? now,
        updatedAt: now,
      });
      return {};
    },
  ),

  deleteVariable: defineOperation(
    z.object({ repo: fullName, name: z.string().min(1) }),
    (env, input) => {
      env.store.requireRepoByFullName(input.repo).variables.delete(input.name.toUpperCase());
      return {};
    },
  ),

  /** Creates an organisation runner group; `selectedRepositories` are full names. */
  createRunnerGroup: defineOperation(
    z.object({
      org: z.string().min(1),
      name: z.string().min(1),
      visibility: z.enum(["all", "selected", "private"]).default("selected"),
      selectedRepositories: z.array(fullName).default([]),
      allowsPublicRepositories: z.boolean().default(false),
    }),
    (env, input) => {
      const org = env.store.requireOrg(input.org);
      const group = createRunnerGroup(
        { env },
        org,
        runnerGroupCreateSchema.parse({
          name: input.name,
          visibility: input.visibility,
          selected_repository_ids: input.selectedRepositories.map(
            (name) => env.store.requireRepoByFullName(name).id,
          ),
          allows_public_repositories: input.allowsPublicRepositories,
        }),
      );
      return { id: group.id };
    },
  ),

  setRunnerGroupRepositories: defineOperation(
    z.object({ groupId: id, repositories: z.array(fullName) }),
    (env, input) => {
      const group = env.store.runnerGroups.get(input.groupId) ?? throwNotFound();
      group.selectedRepoIds = new Set(
        input.repositories.map((name) => env.store.requireRepoByFullName(name).id),
      );
      return {};
    },
  ),

  /**
   * Registers a JIT runner without going through the REST API, for tests that drive runners
   * themselves. It is not counted in `jitConfigsIssued`.
   */
  registerRunner: defineOperation(
    z.object({ org: z.string().min(1).optional(), repo: fullName.optional() }).and(jitConfigSchema),
    (env, input) => {
      const repo =
        input.repo === undefined ? undefined : env.store.requireRepoByFullName(input.repo);
      const org =
        repo === undefined ? env.store.requireOrg(input.org ?? "") : env.store.repoOrg(repo);
      const scope =
        repo === undefined
          ? { kind: "org" as const, orgId: org?.id ?? 0 }
          : { kind: "repo" as const, repoId: repo.id };
      const issued = issueJitConfig(env, scope, org, input, Date.now(), false);
      return { runnerId: issued.runner.id, encodedJitConfig: issued.encodedJitConfig };
    },
  ),

  /** Takes a runner offline as if its process died; a job it held fails. */
  disconnectRunner: defineOperation(z.object({ runnerId: id }), (env, input) => {
    env.dispatcher.disconnect(env.store.runners.get(input.runnerId) ?? throwNotFound(), Date.now());
    return {};
  }),
};
