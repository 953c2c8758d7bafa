import { spawn } from "node:child_process";
import { mkdtemp, rm, symlink, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { encodeFakeJitConfig, startRunnerProtocolServer } from "./runner-protocol-server.js";
import type { FakeJob, RunnerProtocolServerOptions } from "./runner-protocol-server.js";

const RUN_SH = path.join(import.meta.dirname, "guest", "run.sh");
const BUSYBOX = "/bin/busybox";
const TOKEN = "fake-token-abc";

let binDir: string;
let scratch: string;

// The guest has nothing but busybox, so the runner runs with a PATH of busybox applets only.
beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), "tr-run-sh-"));
  binDir = path.join(scratch, "bin");
  await mkdir(binDir);
  const applets = ["base64", "cat", "head", "mkdir", "mktemp", "mv", "rm", "sed", "sh", "sleep"];
  applets.push("tail", "timeout", "tr", "wget", "echo", "true", "false", "printf", "touch");
  await Promise.all(applets.map((name) => symlink(BUSYBOX, path.join(binDir, name))));
});

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

function runStandIn(args: string[], env: Record<string, string> = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(BUSYBOX, ["sh", RUN_SH, ...args], {
      env: { PATH: binDir, TMPDIR: scratch, ...env },
      stdio: ["ignore", "pipe", "pipe"],
      timeout: 25_000,
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}

async function runAgainst(
  job: FakeJob,
  extra: Partial<RunnerProtocolServerOptions> = {},
  env: Record<string, string> = {},
) {
  const server = await startRunnerProtocolServer({ token: TOKEN, job, ...extra });
  try {
    const config = encodeFakeJitConfig(`http://127.0.0.1:${server.port}`, TOKEN);
    const result = await runStandIn(["--jitconfig", config], env);
    return { server, result };
  } finally {
    await server.close();
  }
}

describe("stand-in run.sh", () => {
  it("runs successful job and reports steps", async () => {
    const { server, result } = await runAgainst({
      jobId: 7,
      runId: 3,
      steps: [
        "echo one > marker",
        'test "$(cat marker)" = one && echo "step two of job $TR_JOB_ID"',
      ],
    });
    expect(result.status).toBe(0);
    expect(server.stepReports).toEqual([
      { step: 1, conclusion: "success" },
      { step: 2, conclusion: "success" },
    ]);
    expect(server.completion).toBe("success");
    expect(result.stdout).toContain("step two of job 7");
  });

  it("sends bearer token on every call", async () => {
    const { server } = await runAgainst({ jobId: 1, runId: 1, steps: ["true"] });
    expect(server.calls.length).toBeGreaterThan(0);
    expect(server.calls.every((call) => call.authorized)).toBe(true);
  });

  it("calls protocol endpoints in order", async () => {
    const { server } = await runAgainst({ jobId: 5, runId: 2, steps: ["true"] });
    expect(server.calls.map((call) => `${call.method} ${call.path}`)).toEqual([
      "POST /_runner/connect",
      "POST /_runner/acquire",
      "GET /_runner/jobs/5/steps/1/script",
      "POST /_runner/jobs/5/steps/1",
      "POST /_runner/jobs/5/complete",
    ]);
  });

  it("stops after failed step", async () => {
    const { server, result } = await runAgainst({
      jobId: 8,
      runId: 1,
      steps: ["exit 3", "echo never"],
    });
    expect(result.status).toBe(1);
    expect(server.stepReports).toEqual([{ step: 1, conclusion: "failure" }]);
    expect(server.completion).toBe("failure");
  });

  it("completes cancelled job on cancel", async () => {
    const { server, result } = await runAgainst({
      jobId: 9,
      runId: 1,
      steps: ["true", "echo never"],
      cancelAfterStep: 1,
    });
    expect(result.status).toBe(0);
    expect(server.stepReports).toHaveLength(1);
    expect(server.completion).toBe("cancelled");
  });

  it("retries acquire after empty polls", async () => {
    const { server, result } = await runAgainst(
      { jobId: 4, runId: 1, steps: ["true"] },
      { emptyPolls: 2 },
    );
    expect(result.status).toBe(0);
    const acquires = server.calls.filter((call) => call.path === "/_runner/acquire");
    expect(acquires).toHaveLength(3);
  });

  it("gives up after bounded acquire attempts", async () => {
    const { server, result } = await runAgainst(
      { jobId: 4, runId: 1, steps: ["true"] },
      { emptyPolls: 10 },
      { TR_ACQUIRE_ATTEMPTS: "3" },
    );
    expect(result.status).toBe(1);
    expect(server.calls.filter((call) => call.path === "/_runner/acquire")).toHaveLength(3);
    expect(result.stderr).toContain("no job acquired after 3 attempts");
  });

  it("exits on deleted registration", async () => {
    const { server, result } = await runAgainst(
      { jobId: 1, runId: 1, steps: ["true"] },
      { connectStatus: 410 },
    );
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("registration deleted (HTTP 410)");
    expect(server.calls).toHaveLength(1);
  });

  it("exits on rejected token", async () => {
    const server = await startRunnerProtocolServer({
      token: TOKEN,
      job: { jobId: 1, runId: 1, steps: ["true"] },
    });
    try {
      const config = encodeFakeJitConfig(`http://127.0.0.1:${server.port}`, "wrong-token");
      const result = await runStandIn(["--jitconfig", config]);
      expect(result.status).toBe(1);
      expect(result.stderr).toContain("invalid token (HTTP 401)");
    } finally {
      await server.close();
    }
  });

  it("exits with status requested by step", async () => {
    const { server, result } = await runAgainst({
      jobId: 2,
      runId: 1,
      steps: ['echo 5 > "$TR_RUNNER_EXIT_STATUS_FILE"'],
    });
    expect(server.completion).toBe("success");
    expect(result.status).toBe(5);
  });

  it("never prints token or config", async () => {
    const { result } = await runAgainst({ jobId: 3, runId: 1, steps: ["env"] });
    const config = encodeFakeJitConfig("http://127.0.0.1", TOKEN);
    expect(result.stdout + result.stderr).not.toContain(TOKEN);
    expect(result.stdout + result.stderr).not.toContain(config.slice(0, 20));
  });

  it("rejects config that is not base64", async () => {
    const result = await runStandIn(["--jitconfig", "%%%"]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("invalid JIT config");
  });

  it("fails after bounded connect attempts", async () => {
    // A port that was just released has no listener, so every connect is refused at once.
    const server = await startRunnerProtocolServer({
      token: TOKEN,
      job: { jobId: 1, runId: 1, steps: [] },
    });
    await server.close();
    const config = encodeFakeJitConfig(`http://127.0.0.1:${server.port}`, TOKEN);
    const result = await runStandIn(["--jitconfig", config], { TR_CONNECT_ATTEMPTS: "2" });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("failed after 2 attempts (last HTTP status 000)");
  });
});
