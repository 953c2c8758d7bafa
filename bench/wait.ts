import { setTimeout as sleep } from "node:timers/promises";

/** A benchmark step that did not reach its condition within its time bound. */
export class BenchTimeoutError extends Error {
  constructor(what: string, timeoutMs: number) {
    super(`${what}: not reached within ${Math.round(timeoutMs / 1000)} s`);
    this.name = "BenchTimeoutError";
  }
}

/**
 * Checks `done` every `intervalMs` until it returns a value other than undefined, at most
 * `timeoutMs`; then throws {@link BenchTimeoutError}. Every wait in the benchmark is bounded.
 */
export async function waitFor<T>(
  what: string,
  done: () => Promise<T | undefined> | T | undefined,
  timeoutMs: number,
  intervalMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await done();
    if (value !== undefined) return value;
    if (Date.now() >= deadline) throw new BenchTimeoutError(what, timeoutMs);
    await sleep(intervalMs);
  }
}
