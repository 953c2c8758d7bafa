import { readFile } from "node:fs/promises";
import { join } from "node:path";

import { ORG, REPO } from "./github-world.js";
import { emulatorJob, emulatorState, vmAndRunnerGone } from "./observe.js";
import type { ScenarioContext, JobTiming } from "./scenario-types.js";
import { SandboxTimeoutError } from "./waits.js";

/** Time a trusted job may take from queue to completion, boots included. */
const JOB_TIMEOUT_MS = 150_000;
/** Time the controller has to destroy a finished job's VM and delete its registration. */
const CLEANUP_TIMEOUT_MS = 60_000;

/** The end state of one trusted job and whether everything made for it is gone. */
export interface TrustedJobOutcome {
  label: string;
  jobId: number;
  status: string;
  conclusion: string | null;
  /** The runner that ran the job: one of ours when it starts with the run's prefix. */
  runnerName: string | null;
  /** Number of jobs the emulator records for that runner, 1 for an ephemeral runner. */
  jobsOnRunner: number;
  /** Domain, overlay and registration named after the runner are all gone. */
  cleanedUp: boolean;
  /** Exit status of the guest's runner from its console log; null without a real guest. */
  guestRunnerExitStatus: number | null;
  timing: JobTiming;
}

function secondsBetween(from: number, to: number | null): number | null {
  return to === null ? null : Math.max(0, (to - from) / 1000);
}

/** Reads the controller's timeline for a job, relative to when the sandbox queued it. */
export function jobTiming(
  context: ScenarioContext,
  label: string,
  jobId: number,
  queuedAt: number,
): JobTiming {
  const job = context.env.controller.store.getJob(jobId);
  return {
    label,
    jobId,
    vmBootedSeconds: secondsBetween(queuedAt, job?.vmBootedAt ?? null),
    jobStartedSeconds: secondsBetween(queuedAt, job?.jobStartedAt ?? null),
    vmDestroyedSeconds: secondsBetween(queuedAt, job?.vmDestroyedAt ?? null),
  };
}

/**
 * Follows a trusted job to completion, then waits until its VM, overlay and registration are
 * gone. A timeout becomes a failed outcome, not an error, so the other checks still report.
 */
export async function followTrustedJob(
  context: ScenarioContext,
  label: string,
  jobId: number,
  queuedAt: number,
): Promise<TrustedJobOutcome> {
  const { env, wait, progress } = context;
  let started = false;
  try {
    await wait.until(
      `${label} to complete`,
      async () => {
        const job = await emulatorJob(env, jobId);
        if (!started && job.status !== "queued" && job.runnerName !== null) {
          started = true;
          progress(`${label}: started on runner ${job.runnerName}`);
        }
        return job.status === "completed";
      },
      JOB_TIMEOUT_MS,
    );
  } catch (error) {
    if (!(error instanceof SandboxTimeoutError)) throw error;
    progress(`${label}: ${error.message}`);
  }
  const job = await emulatorJob(env, jobId);
  const runnerName = job.runnerName;
  let cleanedUp = false;
  if (job.status === "completed" && runnerName?.startsWith(env.prefix) === true) {
    progress(`${label}: completed ${job.conclusion ?? "?"}, waiting for VM ${runnerName} to go`);
    try {
      await wait.until(
        `VM and runner ${runnerName} to be removed`,
        async () =>
          (await vmAndRunnerGone(env, runnerName)) && !(await overlayExists(context, runnerName)),
        CLEANUP_TIMEOUT_MS,
      );
      cleanedUp = true;
    } catch (error) {
      if (!(error instanceof SandboxTimeoutError)) throw error;
      progress(`${label}: ${error.message}`);
    }
  }
  const guestRunnerExitStatus =
    runnerName === null ? null : await readRunnerExitStatus(env.consoleLogDir, runnerName);
  const state = await emulatorState(env);
  const jobsOnRunner = state.jobs.filter((other) => other.runnerName === runnerName).length;
  progress(`${label}: ${cleanedUp ? "VM destroyed and registration gone" : "NOT cleaned up"}`);
  return {
    label,
    jobId,
    status: job.status,
    conclusion: job.conclusion,
    runnerName,
    jobsOnRunner,
    cleanedUp,
    guestRunnerExitStatus,
    timing: jobTiming(context, label, jobId, queuedAt),
  };
}

/** Reads the status the guest's bootstrap logged on its console when the runner exited. */
async function readRunnerExitStatus(
  consoleLogDir: string | null,
  vmName: string,
): Promise<number | null> {
  if (consoleLogDir === null) return null;
  const log = await readFile(join(consoleLogDir, `${vmName}.log`), "utf8").catch(() => "");
  const match = /jit-bootstrap: runner exited with status (\d+)/.exec(log);
  return match === null ? null : Number(match[1]);
}

async function overlayExists(context: ScenarioContext, name: string): Promise<boolean> {
  const overlays = await context.env.driver.listOverlays();
  return overlays.some((overlay) => overlay.startsWith(name));
}

/**
 * Cancels a run through the REST API once its job has finished at least one step, so the
 * cancellation lands while the job runs on its VM.
 */
export async function cancelMidRun(
  context: ScenarioContext,
  label: string,
  jobId: number,
  runId: number,
): Promise<void> {
  const { env, wait, progress } = context;
  await wait.until(
    `${label} to finish its first step`,
    async () => {
      const job = await emulatorJob(env, jobId);
      return job.status === "completed" || job.steps.some((step) => step.status === "completed");
    },
    JOB_TIMEOUT_MS,
  );
  await env.github.world.octokit.rest.actions.cancelWorkflowRun({
    owner: ORG,
    repo: REPO,
    run_id: runId,
  });
  progress(`${label}: run ${runId} cancelled through the API while its job runs`);
}
