import { setTimeout as sleep } from "node:timers/promises";

/** A sandbox step did not finish within its bound. */
export class SandboxTimeoutError extends Error {
  constructor(what: string, timeoutMs: number, lastError: unknown = null) {
    const cause =
      lastError === null
        ? ""
        : ` (last error: ${lastError instanceof Error ? lastError.message : String(lastError)})`;
    super(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}${cause}`);
    this.name = "SandboxTimeoutError";
  }
}

/** The run was interrupted (Ctrl-C) or passed its overall deadline. */
export class SandboxAbortedError extends Error {
  constructor(reason: string) {
    super(`sandbox stopped: ${reason}`);
    this.name = "SandboxAbortedError";
  }
}

const POLL_MS = 250;

/** Bounds every wait of one run by its own timeout, the run's deadline and its abort signal. */
export class Waiter {
  constructor(
    private readonly deadline: number,
    private readonly signal: AbortSignal,
  ) {}

  /** Throws {@link SandboxAbortedError} once the run was interrupted or its deadline passed. */
  checkAlive(): void {
    if (this.signal.aborted) throw new SandboxAbortedError("interrupted");
    if (Date.now() > this.deadline) throw new SandboxAbortedError("overall deadline passed");
  }

  /**
   * Polls `done` until it returns true. Throws {@link SandboxTimeoutError} after `timeoutMs`.
   * An error from `done` counts as not done, so a libvirtd restart mid-run does not end the
   * wait. The timeout message includes the last such error.
   */
  async until(what: string, done: () => Promise<boolean>, timeoutMs: number): Promise<void> {
    const bound = Math.min(Date.now() + timeoutMs, this.deadline);
    let lastError: unknown = null;
    for (;;) {
      this.checkAlive();
      try {
        if (await done()) return;
      } catch (error) {
        lastError = error;
      }
      if (Date.now() >= bound) {
        this.checkAlive();
        throw new SandboxTimeoutError(what, timeoutMs, lastError);
      }
      await sleep(POLL_MS);
    }
  }

  /** Waits `ms`, or less when the run ends first. */
  async pause(ms: number): Promise<void> {
    this.checkAlive();
    await sleep(Math.max(0, Math.min(ms, this.deadline - Date.now())), undefined, {
      signal: this.signal,
    }).catch(() => undefined);
    this.checkAlive();
  }
}
