import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { z } from "zod";

import type { Logger } from "../../log.js";

/**
 * A stand-in runner on the host that speaks the emulator's runner protocol, for guests simulated
 * on libvirt's test driver. It plays the part of the test image's shell runner.
 */

/** Handling of each step's script by a simulated runner. */
export type StepMode =
  /** Fetch the script and run it with `sh -c` on the host, in a temporary folder. */
  | "run"
  /** Report success without fetching the script, for benchmarks. */
  | "succeed";

/** Options for {@link runSimulatedRunner}. */
export interface SimulatedRunnerOptions {
  logger: Logger;
  stepMode: StepMode;
  /** Time one step's script may run before it is killed and the step fails, in ms. */
  stepTimeoutMs: number;
  /** Long polls on `acquire` before the runner gives up and exits. */
  maxAcquirePolls: number;
  /** Aborts the runner, for example when its VM is destroyed. */
  signal: AbortSignal;
  /**
   * Checks before each protocol call that the guest's domain still runs, so a runner whose VM
   * was destroyed behind the driver's back stops as a real one would.
   */
  domainRunning?: () => Promise<boolean>;
}

/** The simulated guest's domain is no longer running, so its runner stopped. */
export class GuestGoneError extends Error {
  override readonly name = "GuestGoneError";
}

/** End state of a simulated runner. */
export type RunnerOutcome =
  | { kind: "completed"; jobId: number; conclusion: "success" | "failure" | "cancelled" }
  | { kind: "rejected"; status: number }
  | { kind: "no-job" };

const jitConfigSchema = z.object({
  url: z.url(),
  runnerName: z.string().min(1),
  token: z.string().min(1),
});

/** The emulator's JIT config once decoded. */
export type EmulatorJitConfig = z.infer<typeof jitConfigSchema>;

/** Address of the host's loopback as a guest under QEMU user-mode networking sees it. */
const GUEST_HOST_ADDRESS = "10.0.2.2";
const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]"]);
const REQUEST_TIMEOUT_MS = 40_000;

/**
 * Decodes the emulator's JIT config and maps the guest's view of the host to loopback. Rejects a
 * URL that is not on loopback, so a simulated runner never sends traffic off the machine. The
 * error messages never contain the config.
 */
export function decodeEmulatorJitConfig(encoded: string): EmulatorJitConfig {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(encoded, "base64").toString("utf8"));
  } catch {
    throw new Error("JIT config is not base64-encoded JSON; expected the emulator's format");
  }
  const parsed = jitConfigSchema.safeParse(json);
  if (!parsed.success) {
    const keys = parsed.error.issues.map((issue) => issue.path.join(".")).join(", ");
    throw new Error(`JIT config is missing or has invalid keys: ${keys}`);
  }
  const url = new URL(parsed.data.url);
  if (url.hostname === GUEST_HOST_ADDRESS) {
    url.hostname = "127.0.0.1";
  }
  if (!LOOPBACK_HOSTS.has(url.hostname)) {
    throw new Error(
      `JIT config URL host ${url.hostname} is not loopback; simulated runners only talk to loopback`,
    );
  }
  return { ...parsed.data, url: url.origin };
}

class RunnerClient {
  constructor(
    private readonly config: EmulatorJitConfig,
    private readonly signal: AbortSignal,
    private readonly domainRunning: () => Promise<boolean>,
  ) {}

  async call(
    method: "GET" | "POST",
    path: string,
    form?: Record<string, string>,
  ): Promise<{ status: number; text: string }> {
    if (!(await this.domainRunning())) {
      throw new GuestGoneError("the guest's domain is no longer running");
    }
    const response = await fetch(`${this.config.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.config.token}`,
        ...(form === undefined ? {} : { "content-type": "application/x-www-form-urlencoded" }),
      },
      body: form === undefined ? undefined : new URLSearchParams(form).toString(),
      signal: AbortSignal.any([this.signal, AbortSignal.timeout(REQUEST_TIMEOUT_MS)]),
    });
    return { status: response.status, text: await response.text() };
  }
}

/** Parses `key=value` lines as the runner protocol returns them. */
function parseFields(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split("\n")) {
    const separator = line.indexOf("=");
    if (separator > 0) {
      fields.set(line.slice(0, separator).trim(), line.slice(separator + 1).trim());
    }
  }
  return fields;
}

function requireNumber(fields: Map<string, string>, key: string, reply: string): number {
  const value = Number(fields.get(key));
  if (!Number.isInteger(value) || value < 0) {
    throw new Error(`runner protocol reply to ${reply} has no valid ${key}`);
  }
  return value;
}

/**
 * Runs one step's script with `sh -c` in its own process group; resolves true when it exits 0
 * within the timeout. On timeout or abort the whole group is killed, so a command the script
 * started in the background does not outlive the step.
 */
function runScript(
  script: string,
  workDir: string,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn("sh", ["-c", script], {
      cwd: workDir,
      // A minimal environment, so the host's variables (secrets included) never reach the script.
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: workDir, LANG: "C.UTF-8" },
      stdio: "ignore",
      detached: true,
    });
    let settled = false;
    const killGroup = (): void => {
      if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
        try {
          process.kill(-child.pid, "SIGKILL");
        } catch {
          // The group is already gone.
        }
      }
    };
    const finish = (succeeded: boolean): void => {
      if (settled) {
        return;
      }
      settled = true;
      clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
      killGroup();
      resolve(succeeded);
    };
    const onAbort = (): void => finish(false);
    const timer = setTimeout(() => finish(false), timeoutMs);
    signal.addEventListener("abort", onAbort);
    child.once("error", () => finish(false));
    child.once("exit", (code) => finish(code === 0));
  });
}

/**
 * Connects with the JIT config, takes one job, runs or skips its steps, and reports each step and
 * the conclusion. A `cancel` reply stops the steps and completes the job as cancelled.
 */
export async function runSimulatedRunner(
  config: EmulatorJitConfig,
  options: SimulatedRunnerOptions,
): Promise<RunnerOutcome> {
  const logger = options.logger.child({ runnerName: config.runnerName });
  const domainRunning = options.domainRunning ?? (async () => true);
  const client = new RunnerClient(config, options.signal, domainRunning);

  const connected = await client.call("POST", "/_runner/connect");
  if (connected.status !== 200) {
    logger.warn({ status: connected.status }, "runner connect rejected");
    return { kind: "rejected", status: connected.status };
  }

  for (let poll = 0; poll < options.maxAcquirePolls; poll += 1) {
    const acquired = await client.call("POST", "/_runner/acquire");
    if (acquired.status === 204) {
      continue;
    }
    if (acquired.status !== 200) {
      logger.warn({ status: acquired.status }, "runner acquire rejected");
      return { kind: "rejected", status: acquired.status };
    }
    const fields = parseFields(acquired.text);
    const jobId = requireNumber(fields, "job_id", "acquire");
    const steps = requireNumber(fields, "steps", "acquire");
    logger.info({ jobId, steps }, "simulated runner took a job");
    const conclusion = await runSteps(client, jobId, steps, options);
    await client.call("POST", `/_runner/jobs/${jobId}/complete`, { conclusion });
    logger.info({ jobId, conclusion }, "simulated runner completed a job");
    return { kind: "completed", jobId, conclusion };
  }
  logger.warn({ polls: options.maxAcquirePolls }, "simulated runner got no job and exits");
  return { kind: "no-job" };
}

async function runSteps(
  client: RunnerClient,
  jobId: number,
  steps: number,
  options: SimulatedRunnerOptions,
): Promise<"success" | "failure" | "cancelled"> {
  const workDir = await mkdtemp(join(tmpdir(), "tr-simulated-job-"));
  try {
    for (let step = 1; step <= steps; step += 1) {
      let succeeded = true;
      if (options.stepMode === "run") {
        const script = await client.call("GET", `/_runner/jobs/${jobId}/steps/${step}/script`);
        succeeded =
          script.status === 200 &&
          (await runScript(script.text, workDir, options.stepTimeoutMs, options.signal));
      }
      const conclusion = succeeded ? "success" : "failure";
      const reply = await client.call("POST", `/_runner/jobs/${jobId}/steps/${step}`, {
        conclusion,
      });
      if (reply.text.trim() === "cancel") {
        return "cancelled";
      }
      // Like GitHub's default, a failed step skips the steps after it.
      if (!succeeded) {
        return "failure";
      }
    }
    return "success";
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}
