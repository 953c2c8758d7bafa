import { ACTORS } from "./github-world.js";
import { describeRouting, openAndRoute } from "./pull-requests.js";
import type { StartedPullRequest } from "./pull-requests.js";
import type { CheckResult, ScenarioContext } from "./scenario-types.js";
import { cancelMidRun, followTrustedJob } from "./trusted-jobs.js";
import type { TrustedJobOutcome } from "./trusted-jobs.js";

/** Results of the scenarios whose jobs run on our VMs. */
export interface TrustedResults {
  trustedRouting: CheckResult;
  ephemeral: CheckResult;
  failedCleanup: CheckResult;
  /** The guest's runner exits non-zero after a good job. Absent when not run. */
  runnerExit?: CheckResult;
  outcomes: TrustedJobOutcome[];
}

// Each step reports to the emulator, so a cancel is read within a second or so of landing.
const LONG_JOB_STEPS = Array.from({ length: 60 }, () => "sleep 1");
const FAILING_STEPS = ["echo 'installing'", "echo '1 test failed' >&2; exit 1"];
// The stand-in runner exits with the status a step writes to this file, after the job completed.
const RUNNER_EXIT_STATUS = 3;
const RUNNER_EXIT_STEPS = [
  "echo 'tests pass'",
  `echo ${RUNNER_EXIT_STATUS} > "$TR_RUNNER_EXIT_STATUS_FILE"`,
];

function ranOnOurs(context: ScenarioContext, outcome: TrustedJobOutcome): boolean {
  return outcome.runnerName?.startsWith(context.env.prefix) === true;
}

function describe(outcome: TrustedJobOutcome): string {
  const exit =
    outcome.guestRunnerExitStatus === null
      ? ""
      : `, guest runner exited ${outcome.guestRunnerExitStatus}`;
  return `${outcome.label}: ${outcome.status}/${outcome.conclusion ?? "none"} on ${outcome.runnerName ?? "no runner"}, ${outcome.jobsOnRunner} job(s) on it, ${outcome.cleanedUp ? "VM and registration gone" : "NOT cleaned up"}${exit}`;
}

// NOTE: the controller destroys a VM as soon as GitHub reports its job completed, which often
// comes before the guest's bootstrap logs the runner's exit status on the console. A status
// that was logged must be the requested one, and a missing one is not a failure.
function exitStatusConsistent(outcome: TrustedJobOutcome): boolean {
  const status = outcome.guestRunnerExitStatus;
  return status === null || status === RUNNER_EXIT_STATUS;
}

function follow(
  context: ScenarioContext,
  pull: StartedPullRequest,
  prLabel: string,
): Promise<TrustedJobOutcome>[] {
  return pull.routing.jobs.map((job, index) =>
    followTrustedJob(
      context,
      `${prLabel} #${pull.number} ${job.name}`,
      pull.jobIds[index]!,
      pull.queuedAt,
    ),
  );
}

/**
 * Runs, all at once, a member's pull request (every pr-ci job), one trusted job that fails, one
 * cancelled mid-run and, when requested, one whose runner exits non-zero after the job
 * succeeded. The controller runs them within its VM limit.
 */
export async function runTrustedScenarios(
  context: ScenarioContext,
  options: { runnerExit: boolean },
): Promise<TrustedResults> {
  const { env, workflow, progress } = context;
  const firstJob = { pickJobs: <T>(jobs: T[]) => jobs.slice(0, 1) };
  const member = await openAndRoute(env.github, workflow, { author: ACTORS.member });
  progress(`member PR #${member.number}: ${describeRouting(member)}`);
  const failing = await openAndRoute(
    env.github,
    workflow,
    { author: ACTORS.member },
    {
      ...firstJob,
      steps: FAILING_STEPS,
    },
  );
  progress(`member PR #${failing.number} (failing tests): ${describeRouting(failing)}`);
  const cancelled = await openAndRoute(
    env.github,
    workflow,
    { author: ACTORS.member },
    {
      ...firstJob,
      steps: LONG_JOB_STEPS,
    },
  );
  progress(`member PR #${cancelled.number} (to be cancelled): ${describeRouting(cancelled)}`);
  const exiting = options.runnerExit
    ? await openAndRoute(
        env.github,
        workflow,
        { author: ACTORS.member },
        {
          ...firstJob,
          steps: RUNNER_EXIT_STEPS,
        },
      )
    : null;
  if (exiting !== null) {
    progress(
      `member PR #${exiting.number} (runner exits 3 after the job): ${describeRouting(exiting)}`,
    );
  }

  const cancelling = cancelMidRun(context, "cancelled job", cancelled.jobIds[0]!, cancelled.runId);
  const [memberOutcomes, failingOutcomes, cancelledOutcomes, exitingOutcomes] = await Promise.all([
    Promise.all(follow(context, member, "member PR")),
    Promise.all(follow(context, failing, "failing PR")),
    Promise.all(follow(context, cancelled, "cancelled PR")),
    exiting === null
      ? Promise.resolve([])
      : Promise.all(follow(context, exiting, "runner-exit PR")),
    cancelling,
  ]);

  const labels = env.github.labels.join(",");
  const routedTrusted =
    member.routing.decision.trusted &&
    member.routing.jobs.every(
      (job) => Array.isArray(job.runsOn) && job.runsOn.join(",") === labels,
    );
  const trustedRouting: CheckResult = {
    passed:
      routedTrusted &&
      memberOutcomes.every(
        (outcome) => outcome.conclusion === "success" && ranOnOurs(context, outcome),
      ),
    details: [
      `member PR #${member.number}: ${describeRouting(member)}`,
      ...memberOutcomes.map(describe),
    ],
  };
  const runnerNames = new Set(memberOutcomes.map((outcome) => outcome.runnerName));
  const ephemeral: CheckResult = {
    passed:
      runnerNames.size === memberOutcomes.length &&
      memberOutcomes.every(
        (outcome) => ranOnOurs(context, outcome) && outcome.jobsOnRunner === 1 && outcome.cleanedUp,
      ),
    details: memberOutcomes.map(describe),
  };
  const failedOutcome = failingOutcomes[0]!;
  const cancelledOutcome = cancelledOutcomes[0]!;
  const failedCleanup: CheckResult = {
    passed:
      failedOutcome.conclusion === "failure" &&
      cancelledOutcome.conclusion === "cancelled" &&
      [failedOutcome, cancelledOutcome].every(
        (outcome) => ranOnOurs(context, outcome) && outcome.cleanedUp,
      ),
    details: [describe(failedOutcome), describe(cancelledOutcome)],
  };
  const exitingOutcome = exitingOutcomes[0];
  const runnerExit: CheckResult | undefined =
    exitingOutcome === undefined
      ? undefined
      : {
          passed:
            exitingOutcome.conclusion === "success" &&
            exitStatusConsistent(exitingOutcome) &&
            ranOnOurs(context, exitingOutcome) &&
            exitingOutcome.cleanedUp,
          details: [describe(exitingOutcome)],
        };
  return {
    trustedRouting,
    ephemeral,
    failedCleanup,
    ...(runnerExit === undefined ? {} : { runnerExit }),
    outcomes: [...memberOutcomes, ...failingOutcomes, ...cancelledOutcomes, ...exitingOutcomes],
  };
}
