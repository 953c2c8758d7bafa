import { startSandboxEnvironment } from "./environment.js";
import type { SandboxDriver, SandboxEnvironment } from "./environment.js";
import { ACTORS, REPO } from "./github-world.js";
import { runHostedScenarios } from "./hosted-jobs.js";
import { emulatorState, liveDomains, liveRunners } from "./observe.js";
import { loadPrWorkflow } from "./pr-workflow.js";
import { runHardRollback, runVariableRollback } from "./rollback.js";
import { listLibvirtLeftovers } from "./sandbox-libvirt.js";
import type { CheckResult, JobTiming, ScenarioContext } from "./scenario-types.js";
import { CHECK_NAMES, formatReport } from "./summary.js";
import type { CheckName, SandboxSummary } from "./summary.js";
import { runTrustedScenarios } from "./trusted-scenarios.js";
import { SandboxAbortedError, SandboxTimeoutError, Waiter } from "./waits.js";

/** Options of {@link runSandbox}. */
export interface SandboxOptions {
  driver: SandboxDriver;
  /** Bound of the whole run in ms, set-up and scenarios; teardown runs after it. */
  timeoutMs: number;
  /** Also run a job whose guest runner exits non-zero after the job succeeded (real guests). */
  runnerExitScenario?: boolean;
  /** Interrupts the run; teardown still happens. */
  signal?: AbortSignal;
  /** Receives one line per step as the run goes. */
  progress?: (line: string) => void;
}

/** Everything a sandbox run found. */
export interface SandboxResult {
  summary: SandboxSummary;
  checks: Partial<Record<CheckName, CheckResult>>;
  runnerExit?: CheckResult;
  timings: JobTiming[];
  /** The checklist and timings, for the terminal. */
  report: string[];
  logFile: string | null;
}

/** Time the controller gets at the end to remove every VM, overlay and registration. */
const FINAL_CLEANUP_MS = 60_000;

function emptySummary(): SandboxSummary {
  const checks = Object.fromEntries(CHECK_NAMES.map((name) => [name, false])) as Record<
    CheckName,
    boolean
  >;
  return { checks, vmsBooted: 0, leakedVms: 0, leakedRunners: 0, leakedVolumes: 0 };
}

/** Runs one phase. An error other than an interruption fails the phase's checks, and the run
 * continues. */
async function phase<T>(
  progress: (line: string) => void,
  name: string,
  body: () => Promise<T>,
): Promise<T | null> {
  try {
    return await body();
  } catch (error) {
    if (error instanceof SandboxAbortedError) throw error;
    progress(`${name} failed: ${error instanceof Error ? error.message : String(error)}`);
    return null;
  }
}

async function awaitNoLeftovers(context: ScenarioContext): Promise<void> {
  const { env, wait } = context;
  try {
    await wait.until(
      "every VM, overlay and registration of this run to be removed",
      async () =>
        (await liveDomains(env)).length === 0 &&
        (await env.driver.listOverlays()).length === 0 &&
        (await liveRunners(env)).length === 0,
      FINAL_CLEANUP_MS,
    );
  } catch (error) {
    if (!(error instanceof SandboxTimeoutError)) throw error;
    context.progress(error.message);
  }
}

/** Counts what the run left behind, from virsh and the emulator rather than the controller. */
async function countLeaks(env: SandboxEnvironment, summary: SandboxSummary): Promise<void> {
  const pool = env.config.libvirt.pool;
  const left = await listLibvirtLeftovers(env.session, pool, env.prefix);
  summary.leakedVms = left.domains.length;
  summary.leakedVolumes = left.volumes.length;
  summary.leakedRunners = (await liveRunners(env)).length;
  // The controller requests a JIT config only after a guest wrote `ready`, so each config the
  // emulator issued is one booted VM. The sandbox runs no warm VMs.
  summary.vmsBooted = (await emulatorState(env)).jitConfigsIssued;
}

/**
 * Runs the sandbox on this host's libvirt: the emulator, the controller and every scenario.
 * Leftovers are counted from libvirt and the emulator, and everything is torn down, also after
 * a failure or an interrupt.
 */
export async function runSandbox(options: SandboxOptions): Promise<SandboxResult> {
  const progress = options.progress ?? (() => undefined);
  const signal = options.signal ?? new AbortController().signal;
  const wait = new Waiter(Date.now() + options.timeoutMs, signal);
  const summary = emptySummary();
  const checks: Partial<Record<CheckName, CheckResult>> = {};
  let runnerExit: CheckResult | undefined;
  let timings: JobTiming[] = [];

  const workflow = await loadPrWorkflow();
  const env = await startSandboxEnvironment({ driver: options.driver, progress });
  const context: ScenarioContext = { env, workflow, wait, progress };
  try {
    if (options.driver === "test") {
      progress("libvirt test driver: no guest boots; simulated guests speak the runner protocol");
    }
    const untrusted = await phase(progress, "untrusted pull requests", () =>
      runHostedScenarios(context, [
        {
          label: "fork PR",
          spec: { author: ACTORS.forkOwner, headRepo: `${ACTORS.forkOwner}/${REPO}` },
        },
        { label: "bot PR", spec: { author: ACTORS.bot } },
        {
          label: "CONTRIBUTOR PR",
          spec: { author: ACTORS.contributor, authorAssociation: "CONTRIBUTOR" },
        },
      ]),
    );
    if (untrusted !== null) checks.untrustedRoutesHosted = untrusted;

    const trusted = await phase(progress, "trusted pull requests", () =>
      runTrustedScenarios(context, { runnerExit: options.runnerExitScenario === true }),
    );
    if (trusted !== null) {
      checks.trustedRoutesSelfHosted = trusted.trustedRouting;
      checks.ephemeralRunner = trusted.ephemeral;
      checks.failedJobCleanedUp = trusted.failedCleanup;
      runnerExit = trusted.runnerExit;
      timings = trusted.outcomes.map((outcome) => outcome.timing);
    }

    const rollback = await phase(progress, "routing rollback", () => runVariableRollback(context));
    if (rollback !== null) checks.rollbackRoutesHosted = rollback;
    const hard = await phase(progress, "hard rollback", () => runHardRollback(context));
    if (hard !== null) checks.hardRollbackRemovesAccess = hard;

    await awaitNoLeftovers(context);
  } catch (error) {
    progress(`run interrupted: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    await countLeaks(env, summary).catch((error: unknown) => {
      progress(`counting leftovers failed: ${String(error)}; counting everything as leaked`);
      summary.leakedVms = summary.leakedVolumes = summary.leakedRunners = -1;
    });
    const leftovers = summary.leakedVms + summary.leakedVolumes + summary.leakedRunners;
    if (leftovers > 0)
      progress(`${leftovers} leftover(s) counted as leaked; teardown removes them`);
    progress("tearing down: controller, emulator, pool and run folder");
    await env.close();
  }
  for (const name of CHECK_NAMES) summary.checks[name] = checks[name]?.passed === true;
  const extra =
    runnerExit === undefined
      ? []
      : [
          {
            title: "runner exits non-zero after a good job: VM destroyed, job succeeded",
            result: runnerExit,
          },
        ];
  return {
    summary,
    checks,
    ...(runnerExit === undefined ? {} : { runnerExit }),
    timings,
    report: formatReport(checks, timings, extra),
    logFile: env.logFile,
  };
}
