import { actionKey } from "../core/types.js";
import type { Action } from "../core/types.js";
import { errorSummary } from "../github/api.js";
import type { ExecutorContext } from "./context.js";
import { cancelRun, deleteOrphanOverlay, deleteOrphanRunner, verifyTrust } from "./github-steps.js";
import { assignVm, awaitBoot, bootVm, destroyVm, registerRunner } from "./vm-steps.js";

/**
 * Applies planned actions. Each action runs on its own, keyed by the resource it touches, so a
 * slow or hung step delays only that resource. The plan skips keys still in flight.
 */
export class Executor {
  private readonly running = new Map<string, Promise<void>>();
  private stopped = false;

  constructor(
    private readonly context: ExecutorContext,
    /** Called after each action settles, so the controller plans again. */
    private readonly onSettled: () => void,
  ) {}

  /** Keys of actions still being applied. */
  inFlight(): ReadonlySet<string> {
    return new Set(this.running.keys());
  }

  /** Starts every action whose key is free, in the given order. */
  apply(actions: readonly Action[]): void {
    for (const action of actions) {
      if (this.stopped) return;
      const key = actionKey(action);
      if (this.running.has(key)) continue;
      const task = this.run(action).finally(() => {
        this.running.delete(key);
        if (!this.stopped) this.onSettled();
      });
      this.running.set(key, task);
    }
  }

  /** Stops starting actions and waits for those in flight, at most `timeoutMs`. */
  async stop(timeoutMs: number): Promise<void> {
    this.stopped = true;
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

  private async run(action: Action): Promise<void> {
    try {
      await this.dispatch(action);
    } catch (error) {
      this.context.metrics.actionFailures.inc({ action: action.kind });
      this.context.logger.warn({ action, err: errorSummary(error) }, "action failed");
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
        context.logger.error(
          { jobId: action.jobId, attempts: context.config.timeouts.bootAttempts },
          "job abandoned: no VM booted within the allowed attempts",
        );
        return;
    }
  }
}
