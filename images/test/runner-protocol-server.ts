import { once } from "node:events";
import { createServer } from "node:http";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A loopback HTTP server that speaks the server side of the emulator's runner protocol for one
 * registration and one job, so the stand-in runner can be tested without the real emulator.
 * Tests only: it keeps everything in memory and records every call.
 */

/** One job offered to the runner. */
export interface FakeJob {
  jobId: number;
  runId: number;
  /** Shell scripts of the steps, in order. */
  steps: string[];
  /** Step number after whose report the server replies `cancel`. */
  cancelAfterStep?: number;
}

export interface RunnerProtocolServerOptions {
  /** Bearer token the runner must send. */
  token: string;
  job: FakeJob;
  /** Status that `connect` returns instead of 200, to test 401 and 410. */
  connectStatus?: number;
  /** Empty long polls (`204`) before the job is handed out. */
  emptyPolls?: number;
  /** Length of one empty long poll in ms; the real emulator waits at most 30 s. */
  longPollMs?: number;
}

/** One recorded protocol call. */
export interface RecordedCall {
  method: string;
  path: string;
  body: string;
  authorized: boolean;
}

export interface RunnerProtocolServer {
  port: number;
  calls: RecordedCall[];
  /** Step reports as `{ step, conclusion }`, in arrival order. */
  stepReports: { step: number; conclusion: string }[];
  /** Conclusion sent to `complete`, once it has been called. */
  completion: string | undefined;
  close(): Promise<void>;
}

function formValue(body: string, key: string): string {
  return new URLSearchParams(body).get(key) ?? "";
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function reply(response: ServerResponse, status: number, text = ""): void {
  response.writeHead(status, { "content-type": "text/plain" });
  response.end(text);
}

/** Starts the server on 127.0.0.1 with an ephemeral port. */
export async function startRunnerProtocolServer(
  options: RunnerProtocolServerOptions,
): Promise<RunnerProtocolServer> {
  const { job } = options;
  let emptyPollsLeft = options.emptyPolls ?? 0;
  let jobTaken = false;
  const state: Omit<RunnerProtocolServer, "port" | "close"> = {
    calls: [],
    stepReports: [],
    completion: undefined,
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const body = await readBody(request);
    const method = request.method ?? "";
    const path = (request.url ?? "").split("?")[0] ?? "";
    const authorized = request.headers.authorization === `Bearer ${options.token}`;
    state.calls.push({ method, path, body, authorized });
    if (!authorized) return reply(response, 401, "invalid token");

    const stepMatch = /^\/_runner\/jobs\/(\d+)\/steps\/(\d+)(\/script)?$/.exec(path);
    if (method === "POST" && path === "/_runner/connect") {
      const status = options.connectStatus ?? 200;
      return reply(response, status, status === 200 ? "runner_id=42\n" : "rejected");
    }
    if (method === "POST" && path === "/_runner/acquire") {
      if (jobTaken || emptyPollsLeft > 0) {
        emptyPollsLeft--;
        await new Promise((resolve) => setTimeout(resolve, options.longPollMs ?? 50));
        return reply(response, 204);
      }
      jobTaken = true;
      const lines = [`job_id=${job.jobId}`, `run_id=${job.runId}`, `steps=${job.steps.length}`];
      return reply(response, 200, `${lines.join("\n")}\n`);
    }
    if (stepMatch !== null && Number(stepMatch[1]) === job.jobId) {
      const step = Number(stepMatch[2]);
      const script = job.steps[step - 1];
      if (script === undefined) return reply(response, 404, "no such step");
      if (method === "GET" && stepMatch[3] !== undefined) return reply(response, 200, script);
      if (method === "POST" && stepMatch[3] === undefined) {
        state.stepReports.push({ step, conclusion: formValue(body, "conclusion") });
        return reply(response, 200, job.cancelAfterStep === step ? "cancel\n" : "continue\n");
      }
    }
    if (method === "POST" && path === `/_runner/jobs/${job.jobId}/complete`) {
      state.completion = formValue(body, "conclusion");
      return reply(response, 200);
    }
    reply(response, 404, "not found");
  };

  const server: Server = createServer((request, response) => {
    handle(request, response).catch(() => reply(response, 500, "internal error"));
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;

  return Object.assign(state, {
    port,
    close: async (): Promise<void> => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
}

/** Encodes a JIT config the way the emulator does: base64 of flat JSON. */
export function encodeFakeJitConfig(url: string, token: string, runnerName = "tr-test"): string {
  return Buffer.from(JSON.stringify({ url, runnerName, token })).toString("base64");
}
