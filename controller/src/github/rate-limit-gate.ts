import { setTimeout as sleep } from "node:timers/promises";

/**
 * Priority of a GitHub call. Scale-up covers what a queued job needs (trust checks, JIT
 * configs, polling for queued jobs, cancelling an untrusted run); housekeeping covers listing
 * and deleting runners.
 */
export type CallPriority = "scaleUp" | "housekeeping";

/** Options of {@link RateLimitGate}. */
export interface RateLimitGateOptions {
  /**
   * Remaining requests at or below which housekeeping waits for the window reset, so the
   * rest of the window goes to scale-up. Default 50.
   */
  reserve?: number;
  /** Clock in epoch milliseconds; tests may inject one. */
  now?: () => number;
}

/** Maximum single sleep while waiting, so a waiter notices an earlier unblock. */
const WAIT_STEP_MS = 50;

/**
 * Holds GitHub calls while the rate limit is spent and releases them after the reset,
 * scale-up calls first. It learns the limit from response headers and from the throttling
 * plugin's rate-limit callback.
 */
export class RateLimitGate {
  /** Requests left in the window, from the last response; null before the first one. */
  remaining: number | null = null;
  private resetAt = 0;
  private blockedUntil = 0;
  private scaleUpWaiting = 0;
  private readonly reserve: number;
  private readonly now: () => number;

  constructor(options: RateLimitGateOptions = {}) {
    this.reserve = options.reserve ?? 50;
    this.now = options.now ?? Date.now;
  }

  /** Reads `x-ratelimit-remaining` and `x-ratelimit-reset` from a response. */
  observe(headers: Record<string, string | number | undefined> | undefined): void {
    const remaining = Number(headers?.["x-ratelimit-remaining"]);
    const reset = Number(headers?.["x-ratelimit-reset"]);
    if (Number.isFinite(remaining) && headers?.["x-ratelimit-remaining"] !== undefined) {
      this.remaining = remaining;
    }
    if (Number.isFinite(reset) && reset > 0) this.resetAt = reset * 1000;
  }

  /** Holds every call until `untilMs`, because GitHub responded with a rate limit. */
  block(untilMs: number): void {
    this.blockedUntil = Math.max(this.blockedUntil, untilMs);
  }

  /** True while calls are held. */
  get blocked(): boolean {
    return this.now() < this.blockedUntil;
  }

  /**
   * Resolves when a call of this priority may go. Waits at most until the later of the block
   * and the window reset, plus the time scale-up calls take to start after it.
   */
  async pass(priority: CallPriority): Promise<void> {
    if (priority === "scaleUp") {
      this.scaleUpWaiting += 1;
      try {
        while (this.blocked) await sleep(this.stepMs(this.blockedUntil));
      } finally {
        this.scaleUpWaiting -= 1;
      }
      return;
    }
    while (this.blocked || this.scaleUpWaiting > 0 || this.lowOnRequests()) {
      await sleep(this.stepMs(Math.max(this.blockedUntil, this.resetAt)));
    }
  }

  private lowOnRequests(): boolean {
    const low = this.remaining !== null && this.remaining <= this.reserve;
    return low && this.now() < this.resetAt;
  }

  private stepMs(untilMs: number): number {
    return Math.max(1, Math.min(WAIT_STEP_MS, untilMs - this.now()));
  }
}
