import { ROUTING_VARIABLE } from "../routing/index.js";
import { ACTORS, ORG, REPO, REPO_FULL_NAME } from "./github-world.js";
import { runHostedScenarios } from "./hosted-jobs.js";
import { emulatorJob, emulatorState } from "./observe.js";
import { describeRouting, openAndRoute } from "./pull-requests.js";
import type { CheckResult, ScenarioContext } from "./scenario-types.js";
import { SandboxTimeoutError } from "./waits.js";

/** Time the controller gets to act on the job after the hard rollback: trust check and boot. */
const HARD_ROLLBACK_OBSERVE_MS = 100_000;
/** Long polls an idle runner of ours gets after it came online, to show no job reaches it. */
const IDLE_RUNNER_GRACE_MS = 6000;

async function setRoutingVariable(context: ScenarioContext, value: string): Promise<void> {
  await context.env.github.world.octokit.rest.actions.updateRepoVariable({
    owner: ORG,
    repo: REPO,
    name: ROUTING_VARIABLE,
    value,
  });
}

/** Immediate rollback: the routing variable becomes `false` and a member's PR runs hosted. */
export async function runVariableRollback(context: ScenarioContext): Promise<CheckResult> {
  await setRoutingVariable(context, "false");
  context.progress(`${ROUTING_VARIABLE} set to false through the API`);
  return runHostedScenarios(context, [
    { label: "member PR after rollback", spec: { author: ACTORS.member } },
  ]);
}

async function groupRepositories(context: ScenarioContext): Promise<string[]> {
  const { data } = await context.env.github.world.octokit.request(
    "GET /orgs/{org}/actions/runner-groups/{runner_group_id}/repositories",
    { org: ORG, runner_group_id: context.env.github.runnerGroupId },
  );
  return data.repositories.map((repository) => repository.full_name);
}

/**
 * Hard rollback: removes the repository from the runner group through the API, as the Pulumi
 * program does with repository access off, and turns routing back on so the workflow requests
 * the trusted labels again. The job must get no runner of ours, whatever the controller does.
 */
export async function runHardRollback(context: ScenarioContext): Promise<CheckResult> {
  const { env, wait, progress } = context;
  const details: string[] = [];
  await env.github.world.octokit.request(
    "DELETE /orgs/{org}/actions/runner-groups/{runner_group_id}/repositories/{repository_id}",
    { org: ORG, runner_group_id: env.github.runnerGroupId, repository_id: env.github.world.repoId },
  );
  await setRoutingVariable(context, "true");
  const repositories = await groupRepositories(context);
  const removed = !repositories.includes(REPO_FULL_NAME);
  details.push(`runner group lists: [${repositories.join(", ")}]`);
  progress(
    `${REPO_FULL_NAME} removed from the runner group through the API; routing variable true`,
  );

  const pull = await openAndRoute(
    env.github,
    context.workflow,
    { author: ACTORS.member },
    {
      pickJobs: (jobs) => jobs.slice(0, 1),
    },
  );
  const label = `member PR after hard rollback #${pull.number}`;
  progress(`${label}: ${describeRouting(pull)}`);
  const jobId = pull.jobIds[0]!;
  const asksTrusted = pull.routing.decision.trusted;

  // The controller may still boot a VM for the job. Its runner then waits without a job, because
  // the group no longer serves the repository. The wait ends once that is visible, or once the
  // controller rejected the job.
  let idleSince: number | null = null;
  try {
    await wait.until(
      `${label}: the controller to act`,
      async () => {
        const tracked = env.controller.store.getJob(jobId);
        const job = await emulatorJob(env, jobId);
        if (job.runnerName !== null) return true;
        const idleOurs = (await emulatorState(env)).runners.some(
          (runner) => runner.name.startsWith(env.prefix) && runner.idle,
        );
        if (idleOurs) idleSince ??= Date.now();
        if (idleSince !== null) return Date.now() - idleSince > IDLE_RUNNER_GRACE_MS;
        return tracked?.trust === "refused";
      },
      HARD_ROLLBACK_OBSERVE_MS,
    );
  } catch (error) {
    if (!(error instanceof SandboxTimeoutError)) throw error;
    details.push(`observation window ended: ${error.message}`);
  }
  const job = await emulatorJob(env, jobId);
  const noRunner = job.runnerName === null;
  const reasons = env.controller.store.getJob(jobId)?.reasons ?? [];
  details.push(
    `job ${jobId}: ${job.status}, runner ${job.runnerName ?? "none"}${idleSince === null ? "" : "; an idle runner of ours got no job"}`,
  );
  if (reasons.length > 0) details.push(`controller rejected it: ${reasons.join(", ")}`);
  progress(
    `${label}: ${noRunner ? "no runner of ours took the job" : `TAKEN by ${job.runnerName}`}`,
  );

  // The controller cancels a run it rejects; otherwise cancel it here, since no runner serves it.
  if (job.status !== "completed") {
    await env.github.world.octokit.rest.actions.cancelWorkflowRun({
      owner: ORG,
      repo: REPO,
      run_id: pull.runId,
    });
  }
  progress(`${label}: run cancelled; the job would run hosted once routing is off`);
  return { passed: removed && asksTrusted && noRunner, details };
}
