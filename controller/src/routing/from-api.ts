import { z } from "zod";

import { actionsEquals } from "./actions-strings.js";
import { describeZodError, RoutingInputError } from "./errors.js";
import type { Account, RoutingFacts } from "./facts.js";

const accountSchema = z.object({ login: z.string().min(1), type: z.string().optional() });
const repoSchema = z.object({ full_name: z.string().min(1) });

/** The fields of `GET /repos/{owner}/{repo}/actions/runs/{run_id}` the policy reads. */
const workflowRunSchema = z.object({
  event: z.string().min(1),
  repository: repoSchema,
  head_repository: repoSchema.nullable(),
  actor: accountSchema,
  triggering_actor: accountSchema.nullable().optional(),
});

/** The fields of `GET /repos/{owner}/{repo}/pulls/{pull_number}` the policy reads. */
const pullRequestSchema = z.object({
  user: accountSchema,
  author_association: z.string().min(1),
  head: z.object({ repo: repoSchema.nullable() }),
  base: z.object({ repo: repoSchema }),
});

/** GitHub API records behind one queued job, as the controller fetches them. */
export interface RoutingApiRecords {
  /** The workflow run the job belongs to. */
  workflowRun: unknown;
  /** The run's pull request, or null when the run has none (a `push` or `workflow_dispatch` run). */
  pullRequest: unknown;
  /** Value of `CI_SELF_HOSTED_TRUSTED_ROUTING` from the variables API, or undefined if unset. */
  routingVariable: string | undefined;
}

/**
 * Reads routing facts from GitHub's own records instead of a webhook payload, so a job whose
 * workflow was edited to ask for trusted labels is still judged on what GitHub recorded.
 * Throws {@link RoutingInputError} when a record lacks a field or the two records disagree on
 * the repository.
 */
export function routingFactsFromApiRecords(records: RoutingApiRecords): RoutingFacts {
  const run = parseRecord(workflowRunSchema, records.workflowRun, "workflow run");
  const pull =
    records.pullRequest === null
      ? null
      : parseRecord(pullRequestSchema, records.pullRequest, "pull request");
  const base = run.repository.full_name;

  if (pull !== null && !actionsEquals(pull.base.repo.full_name, base)) {
    throw new RoutingInputError(
      `pull request: base.repo.full_name: ${pull.base.repo.full_name} is not the workflow run's repository ${base}`,
    );
  }

  return {
    eventName: run.event,
    baseRepoFullName: base,
    pullRequest:
      pull === null
        ? null
        : {
            headRepoFullName: agreedHeadRepo(
              base,
              run.head_repository?.full_name ?? null,
              pull.head.repo?.full_name ?? null,
            ),
            author: toAccount(pull.user),
            authorAssociation: pull.author_association,
          },
    actor: toAccount(run.actor),
    triggeringActor:
      run.triggering_actor === null || run.triggering_actor === undefined
        ? null
        : toAccount(run.triggering_actor),
    routingVariable: records.routingVariable,
  };
}

// Both records name the head repository. The pair counts as the base repository only when both
// are present and both are the base repository. Otherwise the missing or foreign one is returned.
function agreedHeadRepo(
  base: string,
  fromRun: string | null,
  fromPull: string | null,
): string | null {
  if (fromRun === null || fromPull === null) {
    return null;
  }
  const foreign = [fromRun, fromPull].find((name) => !actionsEquals(name, base));
  return foreign ?? fromPull;
}

function toAccount(account: { login: string; type?: string | undefined }): Account {
  return { login: account.login, type: account.type };
}

function parseRecord<T>(schema: z.ZodType<T>, value: unknown, source: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw new RoutingInputError(describeZodError(source, parsed.error));
  }
  return parsed.data;
}
