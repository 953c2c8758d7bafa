/** A libvirt or GitHub call took longer than its limit. */
export class CallTimeoutError extends Error {
  override readonly name = "CallTimeoutError";

  constructor(
    readonly call: string,
    readonly timeoutMs: number,
  ) {
    super(`${call} timed out after ${timeoutMs} ms`);
  }
}

/**
 * Rejects with {@link CallTimeoutError} when `promise` has not settled after `timeoutMs`. The
 * call itself keeps running (virsh calls cannot be aborted), but its caller moves on, so one
 * hung item never blocks the rest.
 */
export async function withTimeout<T>(
  call: string,
  timeoutMs: number,
  promise: Promise<T>,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new CallTimeoutError(call, timeoutMs)), timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
    // A late rejection of the abandoned call must not become an unhandled rejection.
    promise.catch(() => undefined);
  }
}
