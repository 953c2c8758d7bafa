import { spawn } from "node:child_process";
import type { ChildProcessWithoutNullStreams } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, mkdtempSync } from "node:fs";
import { rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import type { Logger } from "../log.js";
import { VirshSessionClosedError, VirshTimeoutError, commandError } from "./errors.js";
import { extractReply, requestLines, requestMarkers } from "./virsh-protocol.js";
import type { RequestMarkers } from "./virsh-protocol.js";

/** Options for {@link VirshSession}. */
export interface VirshSessionOptions {
  /** libvirt connection URI, for example `qemu:///system` or `test:///default`. */
  uri: string;
  logger: Logger;
  /** Time one command may take before the virsh process is restarted, in ms. Default 60,000. */
  commandTimeoutMs?: number;
  /** virsh executable, by default `virsh` from PATH. */
  virshPath?: string;
}

/** Per-command options for {@link VirshSession.run}. */
export interface RunOptions {
  /** Overrides the session's command timeout, in ms. */
  timeoutMs?: number;
}

interface InFlight {
  command: string;
  markers: RequestMarkers;
  resolve: (stdout: string) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

const DEFAULT_TIMEOUT_MS = 60_000;
const CLOSE_GRACE_MS = 5_000;

/**
 * One long-lived interactive virsh process per libvirt connection. Commands run one at a time in
 * the order they were submitted. The process is started on the first command, and started again
 * on the next command after it dies or a command times out. On `test:///default` a restart loses
 * every change, because the test driver keeps its state inside one connection.
 */
export class VirshSession {
  readonly uri: string;
  private readonly logger: Logger;
  private readonly timeoutMs: number;
  private readonly virshPath: string;
  private readonly nonce = randomBytes(6).toString("hex");
  private child: ChildProcessWithoutNullStreams | null = null;
  private stdout = "";
  private stderr = "";
  private sequence = 0;
  private inFlight: InFlight | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private privateDir: string | null = null;
  private closed = false;
  /** Number of virsh processes started so far. A restart on the test driver loses its state. */
  private starts = 0;

  constructor(options: VirshSessionOptions) {
    this.uri = options.uri;
    this.logger = options.logger.child({ component: "virsh", uri: options.uri });
    this.timeoutMs = options.commandTimeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.virshPath = options.virshPath ?? "virsh";
  }

  /** Number of virsh processes this session has started. */
  get processStarts(): number {
    return this.starts;
  }

  /**
   * Runs one virsh command, for example `["dominfo", "--domain", "tr-1"]`, and returns its standard
   * output. Rejects with {@link LibvirtNotFoundError} or {@link VirshCommandError} when virsh
   * reports an error, and with {@link VirshTimeoutError} when it does not finish in time.
   */
  run(args: readonly string[], options: RunOptions = {}): Promise<string> {
    const result = this.queue.then(() => this.execute(args, options));
    this.queue = result.catch(() => undefined);
    return result;
  }

  /**
   * Writes `content` to a file in the session's private folder (mode 0700), runs the command that
   * `argsFor` builds from the file's path, and deletes the file. Used to pass XML, which never
   * contains a secret, to commands such as `define --file`.
   */
  async runWithFile(
    content: string,
    argsFor: (path: string) => readonly string[],
    options: RunOptions = {},
  ): Promise<string> {
    const dir = this.ensurePrivateDir();
    const path = join(dir, `input-${randomBytes(8).toString("hex")}.xml`);
    await writeFile(path, content, { mode: 0o600 });
    try {
      return await this.run(argsFor(path), options);
    } finally {
      await rm(path, { force: true });
    }
  }

  /** Ends the virsh process and deletes the private folder. Later commands reject. */
  async close(): Promise<void> {
    if (this.closed) {
      return;
    }
    this.closed = true;
    await this.queue;
    await this.stopChild();
    if (this.privateDir !== null) {
      await rm(this.privateDir, { recursive: true, force: true });
    }
  }

  private execute(args: readonly string[], options: RunOptions): Promise<string> {
    const command = args[0] ?? "";
    if (this.closed) {
      return Promise.reject(new VirshSessionClosedError(`virsh session for ${this.uri} is closed`));
    }
    let lines: string;
    const sequence = ++this.sequence;
    try {
      lines = requestLines(this.nonce, sequence, args);
    } catch (error) {
      return Promise.reject(error as Error);
    }
    const child = this.ensureChild();
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => this.onTimeout(command, timeoutMs), timeoutMs);
      this.inFlight = {
        command,
        markers: requestMarkers(this.nonce, sequence),
        resolve,
        reject,
        timer,
      };
      this.logger.debug({ command, sequence }, "virsh command sent");
      child.stdin.write(lines);
    });
  }

  private ensureChild(): ChildProcessWithoutNullStreams {
    if (this.child !== null) {
      return this.child;
    }
    const child = spawn(this.virshPath, ["-q", "-c", this.uri], {
      stdio: ["pipe", "pipe", "pipe"],
      env: {
        ...process.env,
        // English messages, so that "not found" errors can be recognised.
        LC_ALL: "C.UTF-8",
        TERM: "dumb",
        // virsh writes its command history under XDG_CACHE_HOME when it exits.
        XDG_CACHE_HOME: this.ensurePrivateDir(),
      },
    });
    this.starts += 1;
    this.stdout = "";
    this.stderr = "";
    this.attach(child);
    this.child = child;
    this.logger.info({ pid: child.pid, starts: this.starts }, "virsh session started");
    if (this.starts > 1 && this.uri.startsWith("test:")) {
      this.logger.warn("virsh restarted on the test driver; its earlier state is lost");
    }
    return child;
  }

  private attach(child: ChildProcessWithoutNullStreams): void {
    child.stdout.setEncoding("utf8");
    child.stderr.setEncoding("utf8");
    // Output that a killed process flushes late belongs to no current request and is dropped.
    child.stdout.on("data", (chunk: string) => {
      if (this.child === child) {
        this.stdout += chunk;
        this.tryComplete();
      }
    });
    child.stderr.on("data", (chunk: string) => {
      if (this.child === child) {
        this.stderr += chunk;
        this.tryComplete();
      }
    });
    // Writes to a process that has just died fail with EPIPE, and the exit handler reports that.
    child.stdin.on("error", () => undefined);
    child.on("error", (error) =>
      this.onChildGone(child, `could not run ${this.virshPath}: ${error.message}`),
    );
    child.on("exit", (code, signal) =>
      this.onChildGone(child, `virsh exited with ${signal ?? `code ${code}`}`),
    );
  }

  private tryComplete(): void {
    const request = this.inFlight;
    if (request === null) {
      return;
    }
    const reply = extractReply(request.markers, this.stdout, this.stderr);
    if (reply === null) {
      return;
    }
    this.stdout = reply.stdoutRest;
    this.stderr = reply.stderrRest;
    this.finish();
    if (reply.otherStderr.length > 0) {
      this.logger.warn({ command: request.command, stderr: reply.otherStderr }, "virsh warning");
    }
    if (reply.errors.length > 0) {
      request.reject(commandError(request.command, reply.errors.join("\n")));
    } else {
      request.resolve(reply.stdout);
    }
  }

  private finish(): void {
    if (this.inFlight !== null) {
      clearTimeout(this.inFlight.timer);
      this.inFlight = null;
    }
  }

  private onTimeout(command: string, timeoutMs: number): void {
    const request = this.inFlight;
    this.finish();
    this.logger.error({ command, timeoutMs }, "virsh command timed out; restarting virsh");
    this.killChild();
    request?.reject(new VirshTimeoutError(command, timeoutMs));
  }

  private onChildGone(child: ChildProcessWithoutNullStreams, reason: string): void {
    if (this.child !== child) {
      return;
    }
    this.child = null;
    const request = this.inFlight;
    this.finish();
    const stderrTail = this.stderr.trim().split("\n").slice(-3).join("; ");
    if (!this.closed) {
      this.logger.warn({ reason, stderr: stderrTail }, "virsh process ended");
    }
    request?.reject(
      new VirshSessionClosedError(
        `${reason} while running ${request.command}${stderrTail === "" ? "" : `: ${stderrTail}`}`,
      ),
    );
  }

  private killChild(): void {
    const child = this.child;
    this.child = null;
    if (child !== null && child.exitCode === null && child.signalCode === null) {
      child.kill("SIGKILL");
    }
  }

  private async stopChild(): Promise<void> {
    const child = this.child;
    if (child === null || child.exitCode !== null || child.signalCode !== null) {
      return;
    }
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.stdin.end();
    const timer = setTimeout(() => child.kill("SIGKILL"), CLOSE_GRACE_MS);
    await exited;
    clearTimeout(timer);
  }

  private ensurePrivateDir(): string {
    if (this.privateDir === null) {
      const dir = mkdtempSync(join(tmpdir(), "tr-virsh-"));
      chmodSync(dir, 0o700);
      this.privateDir = dir;
    }
    return this.privateDir;
  }
}
