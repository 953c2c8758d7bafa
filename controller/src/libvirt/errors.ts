/** Errors of the virsh session and the VM driver that callers branch on. */

/** A virsh command ran and reported an error on standard error. */
export class VirshCommandError extends Error {
  override readonly name: string = "VirshCommandError";

  constructor(
    /** The virsh command name, for example `dominfo`, without its arguments. */
    readonly command: string,
    /** virsh's error lines with the `error: ` prefix removed. */
    readonly stderr: string,
  ) {
    super(`virsh ${command} failed: ${stderr}`);
  }
}

/** The domain, volume, pool or metadata element that a command named does not exist. */
export class LibvirtNotFoundError extends VirshCommandError {
  override readonly name = "LibvirtNotFoundError";
}

/** A virsh command did not finish in time, so the session restarted its virsh process. */
export class VirshTimeoutError extends Error {
  override readonly name = "VirshTimeoutError";

  constructor(
    readonly command: string,
    readonly timeoutMs: number,
  ) {
    super(`virsh ${command} timed out after ${timeoutMs} ms; the virsh process was restarted`);
  }
}

/** The session was closed, or its virsh process died while a command was in flight. */
export class VirshSessionClosedError extends Error {
  override readonly name = "VirshSessionClosedError";
}

/** A guest did not write `ready` on its channel within the boot timeout. */
export class BootTimeoutError extends Error {
  override readonly name = "BootTimeoutError";

  constructor(
    readonly vmName: string,
    readonly timeoutMs: number,
  ) {
    super(`VM ${vmName} did not report ready within ${timeoutMs} ms`);
  }
}

/** A VM's domain stopped or disappeared while the driver waited for its guest to boot. */
export class VmStoppedError extends Error {
  override readonly name = "VmStoppedError";

  constructor(readonly vmName: string) {
    super(`VM ${vmName} stopped before its guest reported ready; see its console log`);
  }
}

// virsh 9.0 words its lookup failures in several ways depending on the object and the driver:
// "failed to get domain 'x'", "Domain not found: ...", "Storage volume not found: ...",
// "metadata not found: ...". All of them mean the object is absent.
const NOT_FOUND_PATTERNS: readonly RegExp[] = [
  /failed to get (domain|vol|pool)\b/i,
  /\b(domain|storage volume|storage pool|metadata|network) not found\b/i,
  /no (domain|storage vol|storage pool) with matching/i,
];

/** Builds the error for a failed command, choosing {@link LibvirtNotFoundError} when it fits. */
export function commandError(command: string, stderr: string): VirshCommandError {
  if (NOT_FOUND_PATTERNS.some((pattern) => pattern.test(stderr))) {
    return new LibvirtNotFoundError(command, stderr);
  }
  return new VirshCommandError(command, stderr);
}
