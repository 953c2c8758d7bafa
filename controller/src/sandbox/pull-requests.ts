import { HOSTED_RUNS_ON, ROUTING_VARIABLE } from "../routing/index.js";
import type { SandboxGithub } from "./github-world.js";
import { ORG, REPO, REPO_FULL_NAME } from "./github-world.js";
import { routePullRequest } from "./pr-workflow.js";
import type { PrWorkflow, RoutedPrJob, RoutedPullRequest } from "./pr-workflow.js";

/** The author and head of a pull request a scenario opens. */
export interface PullRequestSpec {
  author: string;
  /** Fork that contains the head branch. The base repository contains it when this is absent. */
  headRepo?: string;
  authorAssociation?: "OWNER" | "MEMBER" | "COLLABORATOR" | "CONTRIBUTOR" | "NONE";
}

/** A pull request whose workflow run was created, with where each job was routed. */
export interface StartedPullRequest {
  number: number;
  routing: RoutedPullRequest;
  runId: number;
  /** Emulator job ids in the order of `routing.jobs`. */
  jobIds: number[];
  /** Epoch ms when the run was created: the jobs' queue time. */
  queuedAt: number;
}

/** Reads the routing variable through the REST API. Returns undefined when it is not set. */
export async function readRoutingVariable(github: SandboxGithub): Promise<string | undefined> {
  try {
    const { data } = await github.world.octokit.rest.actions.getRepoVariable({
      owner: ORG,
      repo: REPO,
      name: ROUTING_VARIABLE,
    });
    return data.value;
  } catch (error) {
    if ((error as { status?: unknown }).status === 404) return undefined;
    throw error;
  }
}

/**
 * Builds the `pull_request` event payload GitHub would send for a newly opened pull request,
 * from the pull request and repository as the REST API returns them.
 */
async function pullRequestPayload(
  github: SandboxGithub,
  number: number,
): Promise<{ number: number }> {
  const { octokit } = github.world;
  const { data: pull } = await octokit.rest.pulls.get({
    owner: ORG,
    repo: REPO,
    pull_number: number,
  });
  const { data: repository } = await octokit.rest.repos.get({ owner: ORG, repo: REPO });
  return { action: "opened", number, pull_request: pull, repository, sender: pull.user } as {
    number: number;
  };
}

/**
 * Opens a pull request, routes it through pr-ci.yml and the routing policy, and creates its
 * workflow run, in which each job requests the labels its `runs-on` returned. `pickJobs` narrows the jobs and
 * `steps` replaces their steps, for scenarios that need one job with a given outcome.
 */
export async function openAndRoute(
  github: SandboxGithub,
  workflow: PrWorkflow,
  spec: PullRequestSpec,
  overrides: { pickJobs?: (jobs: RoutedPrJob[]) => RoutedPrJob[]; steps?: string[] } = {},
): Promise<StartedPullRequest> {
  const { control } = github.world.emulator;
  const pull = await control.openPullRequest({
    repo: REPO_FULL_NAME,
    author: spec.author,
    ...(spec.headRepo === undefined ? {} : { headRepo: spec.headRepo }),
    ...(spec.authorAssociation === undefined ? {} : { authorAssociation: spec.authorAssociation }),
  });
  const payload = await pullRequestPayload(github, pull.number);
  const routing = routePullRequest(workflow, payload, await readRoutingVariable(github));
  const jobs = overrides.pickJobs?.(routing.jobs) ?? routing.jobs;
  const run = await control.createWorkflowRun({
    repo: REPO_FULL_NAME,
    pullRequest: pull.number,
    name: workflow.name,
    jobs: jobs.map((job) => ({
      name: job.name,
      labels: job.runsOn === HOSTED_RUNS_ON ? [HOSTED_RUNS_ON] : job.runsOn,
      steps: overrides.steps ?? job.steps,
    })),
  });
  return {
    number: pull.number,
    routing: { ...routing, jobs },
    runId: run.id,
    jobIds: run.jobIds,
    queuedAt: Date.now(),
  };
}

/** Describes where a routed pull request's jobs run, for progress lines. */
export function describeRouting(started: StartedPullRequest): string {
  const targets = new Set(
    started.routing.jobs.map((job) =>
      job.runsOn === HOSTED_RUNS_ON ? HOSTED_RUNS_ON : job.runsOn.join(","),
    ),
  );
  const reasons = started.routing.decision.reasons.map((reason) => reason.code).join(", ");
  return `${started.routing.jobs.length} job(s) on ${[...targets].join(" | ")} (${reasons})`;
}
