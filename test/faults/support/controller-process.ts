import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { closeSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

import type { ControllerConfigInput } from "../../../controller/src/config/schema.js";

const REPO_ROOT = join(import.meta.dirname, "../../..");
const CLI = join(REPO_ROOT, "controller/src/cli.ts");

/** How the child process ended. */
export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Options of {@link ControllerProcess.start}. */
export interface ControllerProcessOptions {
  config: ControllerConfigInput;
  /** Folder for the config file and the child's standard output and error. */
  folder: string;
  privateKey: string;
  webhookSecret: string;
  /** Lifecycle step at which the child kills itself (`TR_CRASH_AT`). */
  crashAt?: string;
  /** Label of this start, used in the log file names. */
  label: string;
}

/**
 * The `controller` CLI subcommand as a child process, run the way systemd runs it: the config
 * file contains no secret, and the private key and webhook secret come from the environment only.
 * Standard output and error go to files under the folder, so the secret scan reads them.
 */
export class ControllerProcess {
  readonly exited: Promise<ProcessExit>;
  private exit: ProcessExit | null = null;

  private constructor(
    private readonly child: ChildProcess,
    readonly stdoutFile: string,
    readonly stderrFile: string,
  ) {
    this.exited = new Promise((resolve) => {
      child.once("exit", (code, signal) => {
        this.exit = { code, signal };
        resolve(this.exit);
      });
    });
  }

  static start(options: ControllerProcessOptions): ControllerProcess {
    const configFile = join(options.folder, "controller.json");
    writeFileSync(configFile, JSON.stringify(options.config));
    const stdoutFile = join(options.folder, `${options.label}.stdout.log`);
    const stderrFile = join(options.folder, `${options.label}.stderr.log`);
    const stdout = openSync(stdoutFile, "a");
    const stderr = openSync(stderrFile, "a");
    // Node with the tsx loader rather than the tsx wrapper, so the pid is the controller itself.
    const child = spawn(
      process.execPath,
      ["--import", "tsx", CLI, "controller", "--config", configFile],
      {
        cwd: REPO_ROOT,
        stdio: ["ignore", stdout, stderr],
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          LOG_LEVEL: "debug",
          TR_GITHUB_APP_PRIVATE_KEY: options.privateKey,
          TR_WEBHOOK_SECRET: options.webhookSecret,
          ...(options.crashAt === undefined ? {} : { TR_CRASH_AT: options.crashAt }),
        },
      },
    );
    closeSync(stdout);
    closeSync(stderr);
    return new ControllerProcess(child, stdoutFile, stderrFile);
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get hasExited(): boolean {
    return this.exit !== null;
  }

  /** Waits for the "controller started" line and returns the server's URL. */
  async url(timeoutMs = 60_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.exit !== null) {
        const tail = readFileSync(this.stderrFile, "utf8").slice(-2000);
        throw new Error(
          `controller exited before it started: ${JSON.stringify(this.exit)} ${tail}`,
        );
      }
      for (const line of readFileSync(this.stdoutFile, "utf8").split("\n")) {
        if (!line.includes('"controller started"')) continue;
        const url = (JSON.parse(line) as { url?: unknown }).url;
        if (typeof url === "string") return url;
      }
      await sleep(100);
    }
    throw new Error(`controller did not log its start within ${timeoutMs} ms`);
  }

  /** Sends a signal unless the process already ended, and waits for the end. */
  async stop(signal: NodeJS.Signals = "SIGTERM", timeoutMs = 30_000): Promise<ProcessExit> {
    if (this.exit !== null) return this.exit;
    this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill("SIGKILL"), timeoutMs);
    const exit = await this.exited;
    clearTimeout(timer);
    return exit;
  }
}
