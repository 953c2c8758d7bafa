import { spawn } from "node:child_process";

/** Runs an external command to completion; tests inject a recording fake. */
export type RunCommand = (
  command: string,
  args: readonly string[],
  options: { timeoutMs: number; env?: Record<string, string> },
) => Promise<void>;

/** Raised when an external command is missing, fails or times out. */
export class CommandFailedError extends Error {
  constructor(
    readonly command: string,
    reason: string,
  ) {
    super(`${command} failed: ${reason}`);
    this.name = "CommandFailedError";
  }
}

const INSTALL_HINTS: Record<string, string> = {
  "virt-customize": "install libguestfs-tools (apt-get install libguestfs-tools)",
};

/**
 * Runs the command with its output on this process's standard error, so a CLI's standard output carries
 * only its result. The child is killed when `timeoutMs` passes.
 */
export const runCommand: RunCommand = (command, args, options) =>
  new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      stdio: ["ignore", process.stderr, process.stderr],
      env: { ...process.env, ...options.env },
      timeout: options.timeoutMs,
      killSignal: "SIGKILL",
    });
    child.once("error", (error: NodeJS.ErrnoException) => {
      const hint = INSTALL_HINTS[command];
      const reason =
        error.code === "ENOENT" ? `not found on PATH${hint ? `; ${hint}` : ""}` : error.message;
      reject(new CommandFailedError(command, reason));
    });
    child.once("exit", (code, signal) => {
      if (code === 0) return resolve();
      const reason = signal === null ? `exit status ${code}` : `killed by ${signal}`;
      reject(new CommandFailedError(command, reason));
    });
  });
