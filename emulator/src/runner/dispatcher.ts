import type { Logger } from "pino";

import { runnerCanTake } from "./matching.js";
import { runStatus } from "./run-status.js";
import { ApiError } from "../model/errors.js";
import type { Store } from "../model/store.js";
import type { Job, JobConclusion, Runner, WorkflowRun } from "../model/types.js";
import type { LifecycleEvents } from "../webhooks/events.js";

export interface DispatcherOptions {
  /** Maximum wait of an `acquire` long poll for a job, in milliseconds. */
  acquireWaitMs: number;
  /** Silence after which an online runner counts as lost, in milliseconds (GitHub: about 10 min). */
  runnerLostAfterMs: number;
}

/** Outcome of a long poll: a job, nothing in time, or the registration is gone. */
export type AcquireResult = { kind: "job"; job: Job } | { kind: "empty" } | { kind: "gone" };

interface Waiter {
  timer: NodeJS.Timeout;
  resolve: (result: AcquireResult) => void;
}

/**
 * Moves jobs through their lifecycle and hands queued jobs to runners. Like GitHub, it gives a
 * job to any idle online runner that may take it, which need not be the runner created for it.
 * A runner is idle while it waits in an `acquire` long poll.
 */
export class Dispatcher {
  /** Ids of queued jobs, oldest first. */
  private readonly queued = new Set<number>();
  private readonly waiters = new Map<number, Waiter>();

  constructor(
    private readonly store: Store,
    private readonly events: LifecycleEvents,
    private readonly options: DispatcherOptions,
    private readonly logger: Logger,
  ) {}

  /** Announces a new run and queues its jobs, except those waiting for environment approval. */
  startRun(run: WorkflowRun): void {
    this.events.workflowRun(run, "requested");
    for (const job of this.store.runJobs(run)) {
      if (job.status === "waiting") {
        this.events.workflowJob(job, "waiting");
      } else {
        this.queue(job);
      }
    }
  }

  /** Approves the environment of a waiting job, which queues it. */
  approve(job: Job): void {
    if (job.status !== "waiting") {
      throw new ApiError(422, `Job ${job.id} is ${job.status}, not waiting for approval`);
    }
    this.queue(job);
  }

  /**
   * Cancels a run: queued and waiting jobs complete as cancelled at once, and runners holding a
   * job read `cancel` at their next step report.
   */
  cancelRun(run: WorkflowRun): void {
    if (runStatus(this.store, run).status === "completed") {
      throw new ApiError(409, "Cannot cancel a workflow run that is completed.");
    }
    run.cancelRequested = true;
    for (const job of this.store.runJobs(run)) {
      if (job.status === "queued" || job.status === "waiting") {
        this.queued.delete(job.id);
        this.finishJob(job, "cancelled");
      } else if (job.status === "in_progress") {
        job.cancelRequested = true;
      }
    }
    this.finishRunIfDone(run);
  }

  /**
   * Force-cancels a run as GitHub's `force-cancel` does: every unfinished job completes as
   * cancelled at once, and runners holding one are released without being asked. A JIT runner
   * released this way stays registered until deleted.
   */
  forceCancelRun(run: WorkflowRun): void {
    if (runStatus(this.store, run).status === "completed") {
      throw new ApiError(409, "Cannot cancel a workflow run that is completed.");
    }
    run.cancelRequested = true;
    for (const job of this.store.runJobs(run)) {
      if (job.status === "completed") continue;
      this.queued.delete(job.id);
      const runner = job.runnerId === null ? undefined : this.store.runners.get(job.runnerId);
      if (runner !== undefined && runner.jobId === job.id) runner.jobId = null;
      this.finishJob(job, "cancelled");
    }
    this.finishRunIfDone(run);
  }

  connect(runner: Runner, now: number): void {
    runner.connection = "online";
    runner.lastSeenAt = now;
  }

  /** Long-polls for a job; resolves at once when one is already assigned or queued. */
  acquire(runner: Runner, now: number): Promise<AcquireResult> {
    runner.lastSeenAt = now;
    if (runner.connection !== "online") runner.connection = "online";
    const assigned = runner.jobId === null ? undefined : this.store.jobs.get(runner.jobId);
    if (assigned !== undefined) return Promise.resolve({ kind: "job", job: assigned });

    for (const jobId of this.queued) {
      const job = this.store.jobs.get(jobId);
      if (job !== undefined && this.eligible(runner, job)) {
        this.assign(job, runner);
        return Promise.resolve({ kind: "job", job });
      }
    }

    this.release(runner.id, { kind: "empty" });
    return new Promise((resolve) => {
      const timer = setTimeout(
        () => this.release(runner.id, { kind: "empty" }),
        this.options.acquireWaitMs,
      );
      this.waiters.set(runner.id, { timer, resolve });
    });
  }

  /** Ends a runner's long poll early, for example when its connection closed. */
  abandon(runnerId: number): void {
    this.release(runnerId, { kind: "empty" });
  }

  /** Marks a step as started and returns its script. */
  stepScript(runner: Runner, job: Job, number: number, now: number): string {
    runner.lastSeenAt = now;
    const step = job.steps[number - 1];
    if (step === undefined) throw new ApiError(404, `Job ${job.id} has no step ${number}`);
    if (step.status === "queued") {
      step.status = "in_progress";
      step.startedAt = now;
    }
    return step.script;
  }

  /** Records a step's conclusion and returns whether the runner should go on. */
  reportStep(
    runner: Runner,
    job: Job,
    number: number,
    conclusion: JobConclusion,
    now: number,
  ): "continue" | "cancel" {
    runner.lastSeenAt = now;
    const step = job.steps[number - 1];
    if (step === undefined) throw new ApiError(404, `Job ${job.id} has no step ${number}`);
    step.status = "completed";
    step.conclusion = conclusion;
    step.startedAt ??= now;
    step.completedAt = now;
    return job.cancelRequested ? "cancel" : "continue";
  }

  /** Completes the runner's job; a JIT runner is then removed, as after its one job on GitHub. */
  complete(runner: Runner, job: Job, conclusion: JobConclusion): void {
    this.finishJob(job, job.cancelRequested ? "cancelled" : conclusion);
    runner.jobId = null;
    if (runner.ephemeral) this.remove(runner);
    const run = this.store.runs.get(job.runId);
    if (run !== undefined) this.finishRunIfDone(run);
  }

  /** Deletes a registration. GitHub rejects this with 422 while the runner runs a job. */
  deleteRunner(runner: Runner): void {
    if (runner.jobId !== null) {
      throw new ApiError(422, `Bad request - Runner "${runner.name}" is still running a job"`);
    }
    this.remove(runner);
  }

  /**
   * Takes a runner offline as if its process died: a job it held fails, and the registration
   * stays, offline, until someone deletes it.
   */
  disconnect(runner: Runner, now: number): void {
    this.release(runner.id, { kind: "empty" });
    runner.connection = "offline";
    runner.lastSeenAt = now;
    const job = runner.jobId === null ? undefined : this.store.jobs.get(runner.jobId);
    runner.jobId = null;
    if (job === undefined) return;
    this.logger.info({ runnerId: runner.id, jobId: job.id }, "runner lost while running a job");
    this.finishJob(job, job.cancelRequested ? "cancelled" : "failure");
    const run = this.store.runs.get(job.runId);
    if (run !== undefined) this.finishRunIfDone(run);
  }

  /**
   * Takes offline every online runner that has been silent longer than `runnerLostAfterMs`.
   * NOTE: the runner protocol has no heartbeat, so a step that runs longer than that limit
   * without a call counts as silence too.
   */
  sweep(now: number): void {
    for (const runner of this.store.runners.values()) {
      if (runner.connection !== "online" || this.waiters.has(runner.id)) continue;
      if (now - runner.lastSeenAt > this.options.runnerLostAfterMs) this.disconnect(runner, now);
    }
  }

  isIdle(runner: Runner): boolean {
    return this.waiters.has(runner.id);
  }

  queuedJobIds(): number[] {
    return [...this.queued];
  }

  close(): void {
    for (const runnerId of [...this.waiters.keys()]) this.release(runnerId, { kind: "empty" });
  }

  private queue(job: Job): void {
    job.status = "queued";
    this.events.workflowJob(job, "queued");
    for (const runnerId of this.waiters.keys()) {
      const runner = this.store.runners.get(runnerId);
      if (runner !== undefined && this.eligible(runner, job)) {
        this.assign(job, runner);
        return;
      }
    }
    this.queued.add(job.id);
  }

  private eligible(runner: Runner, job: Job): boolean {
    if (runner.ephemeral && runner.assigned) return false;
    return runnerCanTake(this.store, runner, job);
  }

  private assign(job: Job, runner: Runner): void {
    const now = Date.now();
    const group = this.store.runnerGroups.get(runner.groupId);
    this.queued.delete(job.id);
    job.status = "in_progress";
    job.startedAt = now;
    job.runnerId = runner.id;
    job.runnerName = runner.name;
    job.runnerGroupId = runner.groupId;
    job.runnerGroupName = group?.name ?? "Default";
    runner.jobId = job.id;
    runner.assigned = true;
    this.release(runner.id, { kind: "job", job });
    this.events.workflowJob(job, "in_progress");

    const run = this.store.runs.get(job.runId);
    if (run !== undefined && !run.startAnnounced) {
      run.startAnnounced = true;
      run.updatedAt = now;
      this.events.workflowRun(run, "in_progress");
    }
  }

  private finishJob(job: Job, conclusion: JobConclusion): void {
    const now = Date.now();
    job.status = "completed";
    job.conclusion = conclusion;
    job.completedAt = now;
    job.startedAt ??= now;
    for (const step of job.steps) {
      if (step.status === "completed") continue;
      step.status = "completed";
      step.conclusion = conclusion === "cancelled" ? "cancelled" : "skipped";
      step.completedAt = now;
    }
    this.events.workflowJob(job, "completed");
  }

  private finishRunIfDone(run: WorkflowRun): void {
    if (runStatus(this.store, run).status !== "completed") return;
    run.updatedAt = Date.now();
    this.events.workflowRun(run, "completed");
  }

  private remove(runner: Runner): void {
    this.release(runner.id, { kind: "gone" });
    this.store.runners.delete(runner.id);
    this.store.deletedRunnerTokens.add(runner.token);
  }

  private release(runnerId: number, result: AcquireResult): void {
    const waiter = this.waiters.get(runnerId);
    if (waiter === undefined) return;
    this.waiters.delete(runnerId);
    clearTimeout(waiter.timer);
    waiter.resolve(result);
  }
}
