import { actionKey } from "../core/types.js";
import type { Action } from "../core/types.js";
import { errorSummary } from "../github/api.js";
import type { ExecutorContext } from "./context.js";
import { cancelRun, deleteOrphanOverlay, deleteOrphanRunner, verifyTrust } from "./github-steps.js";
import { assignVm, awaitBoot, bootVm, destroyVm, registerRunner } from "./vm-steps.js";

/** First wait after an action fails; it doubles with each failure in a row. */
const FIRST_COOLDOWN_MS = 500;
/** Maximum wait between attempts of an action that keeps failing. */
const MAX_COOLDOWN_MS = 60_000;

/** Time after a cooldown ends at which a failure record is dropped. */
const FORGET_FAILURE_MS = 10 * 60_000;

interface Failure {
  count: number;
  until: number;
}

/**
 * Applies planned actions. Each action runs on its own, keyed by the resource it touches, so a
 * slow or hung step delays only that resource. The plan skips keys still in flight, and keys
 * whose last attempt failed wait out a growing cooldown, so a failing call is not retried in a
 * tight loop.
 */
export class Executor {
  private readonly running = new Map<string, Promise<void>>();
  private readonly failures = new Map<string, Failure>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped = false;

  constructor(
    private readonly context: ExecutorContext,
    /** Called after each action settles, so the controller plans again. */
    private readonly onSettled: () => void,
  ) {}

  /** Keys of actions still being applied or cooling down after a failure. */
  inFlight(): ReadonlySet<string> {
    const keys = new Set(this.running.keys());
    const now = Date.now();
    for (const [key, failure] of this.failures) {
      if (failure.until > now) keys.add(key);
      // A key idle this long after its cooldown belongs to a resource that is gone.
      else if (failure.until < now - FORGET_FAILURE_MS) this.failures.delete(key);
    }
    return keys;
  }

  /** Starts every action whose key is free, in the given order. */
  apply(actions: readonly Action[]): void {
    for (const action of actions) {
      if (this.stopped) return;
      const key = actionKey(action);
      if (this.running.has(key) || (this.failures.get(key)?.until ?? 0) > Date.now()) continue;
      const task = this.run(action, key).finally(() => {
        this.running.delete(key);
        if (!this.stopped) this.onSettled();
      });
      this.running.set(key, task);
    }
  }

  /** Stops starting actions and waits for those in flight, at most `timeoutMs`. */
  async stop(timeoutMs: number): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    const all = Promise.allSettled([...this.running.values()]);
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    });
    await Promise.race([all, limit]);
    clearTimeout(timer);
  }

  /** Waits until no action is in flight; for the CLI's one-shot reconcile and for tests. */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running.values()]);
  }

  private async run(action: Action, key: string): Promise<void> {
    try {
      await this.dispatch(action);
      this.failures.delete(key);
    } catch (error) {
      const count = (this.failures.get(key)?.count ?? 0) + 1;
      const cooldownMs = Math.min(MAX_COOLDOWN_MS, FIRST_COOLDOWN_MS * 2 ** (count - 1));
      this.failures.set(key, { count, until: Date.now() + cooldownMs });
      this.context.metrics.actionFailures.inc({ action: action.kind });
      // Repeats are logged at the 1st, 2nd, 4th, 8th... failure in a row.
      if ((count & (count - 1)) === 0) {
        this.context.logger.warn(
          { action, failures: count, retryInMs: cooldownMs, err: errorSummary(error) },
          "action failed",
        );
      }
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        if (!this.stopped) this.onSettled();
      }, cooldownMs);
      timer.unref();
      this.timers.add(timer);
    }
  }
  private async dispatch(action: Action): Promise<void> {
    const context = this.context;
    switch (action.kind) {
      case "verifyTrust":
        return verifyTrust(context, action.jobId);
      case "bootVm":
        return bootVm(context, action.vmName, action.jobId);
      case "awaitBoot":
        return awaitBoot(context, action.vmName);
      case "assignVm":
        return assignVm(context, action.vmName, action.jobId);
      case "registerRunner":
        return registerRunner(context, action.vmName, action.jobId);
      case "destroyVm":
        return destroyVm(context, action.vmName, action.reason);
      case "cancelRun":
        return cancelRun(context, action.jobId, action.runId, action.repo);
      case "deleteRunner":
        return deleteOrphanRunner(context, action.runnerId, action.runnerName);
      case "deleteOverlay":
        return deleteOrphanOverlay(context, action.name);
      case "abandonJob":
        context.store.abandonJob(action.jobId, context.now());
        context.metrics.abandonedJobs.inc();
        context.logger.error(
          { jobId: action.jobId, attempts: context.config.timeouts.bootAttempts },
          "job abandoned: no VM booted within the allowed attempts",
        );
        return;
    }
  }
}
