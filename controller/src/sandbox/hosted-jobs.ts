import { HOSTED_RUNS_ON } from "../routing/index.js";
import { openAndRoute, describeRouting } from "./pull-requests.js";
import type { PullRequestSpec, StartedPullRequest } from "./pull-requests.js";
import { emulatorState, liveDomains } from "./observe.js";
import type { CheckResult, ScenarioContext } from "./scenario-types.js";

/** Time the controller gets to act on hosted jobs, which it must ignore. */
const SETTLE_MS = 3000;

/**
 * Opens pull requests that must run on GitHub-hosted runners while no trusted job runs. Checks
 * that every job was routed to `ubuntu-latest`, that no runner took a job, and that the
 * controller issued no JIT config and created no VM. No hosted runner exists here, so the
 * sandbox cancels those runs afterwards and nothing stays queued.
 */
export async function runHostedScenarios(
  context: ScenarioContext,
  pulls: { label: string; spec: PullRequestSpec }[],
): Promise<CheckResult> {
  const { env, wait, progress, workflow } = context;
  const before = await emulatorState(env);
  const started: { label: string; pull: StartedPullRequest }[] = [];
  for (const { label, spec } of pulls) {
    const pull = await openAndRoute(env.github, workflow, spec);
    progress(`${label} #${pull.number}: ${describeRouting(pull)}`);
    started.push({ label, pull });
  }

  // A poll, a reconcile and a pause give the controller every chance to act on the jobs.
  await env.controller.poll();
  await env.controller.reconcile();
  await wait.pause(SETTLE_MS);
  const after = await emulatorState(env);
  const domains = await liveDomains(env);

  const details: string[] = [];
  for (const { label, pull } of started) {
    const hosted = pull.routing.jobs.every((job) => job.runsOn === HOSTED_RUNS_ON);
    const untaken = pull.jobIds.every((id) => {
      const job = after.jobs.find((candidate) => candidate.id === id);
      return job !== undefined && job.status === "queued" && job.runnerName === null;
    });
    const noVm = pull.jobIds.every((id) => env.controller.store.getJob(id) === undefined);
    details.push(
      `${label}: ${hosted ? "ubuntu-latest" : "NOT hosted"}, ${untaken ? "no runner of ours" : "TAKEN by a runner"}, ${noVm ? "ignored by the controller" : "TRACKED by the controller"}`,
    );
    if (!hosted || !untaken || !noVm) details.push(`${label}: failed`);
  }
  const jitIssued = after.jitConfigsIssued - before.jitConfigsIssued;
  details.push(`JIT configs issued meanwhile: ${jitIssued}, VMs: ${domains.length}`);
  for (const { label, pull } of started) {
    await env.github.world.emulator.control.cancelRun({ runId: pull.runId });
    progress(
      `${label} #${pull.number}: hosted jobs stood in for; run closed, no VM, no JIT config`,
    );
  }
  const passed =
    jitIssued === 0 && domains.length === 0 && !details.some((line) => line.endsWith("failed"));
  return { passed, details };
}
