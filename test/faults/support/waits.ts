import { setTimeout as sleep } from "node:timers/promises";

/** Checks `done` every `intervalMs` until it holds, at most `timeoutMs`; returns the last result. */
export async function waitFor(
  done: () => Promise<boolean> | boolean,
  timeoutMs: number,
  intervalMs = 250,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await done()) return true;
    await sleep(intervalMs);
  }
  return done();
}
