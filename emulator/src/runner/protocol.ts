import type { IncomingMessage, ServerResponse } from "node:http";

import { readText } from "../http/body.js";
import type { EmulatorEnv } from "../http/context.js";
import { ApiError } from "../model/errors.js";
import type { Job, JobConclusion, Runner } from "../model/types.js";

/** Path prefix of the runner protocol. */
export const RUNNER_PREFIX = "/_runner/";

const STEP_SCRIPT = /^\/_runner\/jobs\/(\d+)\/steps\/(\d+)\/script$/;
const STEP_REPORT = /^\/_runner\/jobs\/(\d+)\/steps\/(\d+)$/;
const COMPLETE = /^\/_runner\/jobs\/(\d+)\/complete$/;

function sendText(response: ServerResponse, status: number, text: string): void {
  if (response.headersSent || response.destroyed) return;
  response.writeHead(status, { "content-type": "text/plain; charset=utf-8" });
  response.end(text);
}

/** Finds the runner of a bearer token: 401 for an unknown token, 410 for a deleted registration. */
function authenticate(env: EmulatorEnv, header: string | undefined): Runner {
  const token = /^Bearer\s+(\S+)$/i.exec(header ?? "")?.[1];
  if (token === undefined) throw new ApiError(401, "missing bearer token");
  for (const runner of env.store.runners.values()) {
    if (runner.token === token) return runner;
  }
  if (env.store.deletedRunnerTokens.has(token))
    throw new ApiError(410, "runner registration deleted");
  throw new ApiError(401, "invalid token");
}

function heldJob(env: EmulatorEnv, runner: Runner, jobId: number): Job {
  const job = env.store.jobs.get(jobId);
  if (job === undefined || runner.jobId !== jobId)
    throw new ApiError(404, `job ${jobId} is not assigned to this runner`);
  return job;
}

function parseConclusion(body: string, allowed: readonly JobConclusion[]): JobConclusion {
  const value = new URLSearchParams(body).get("conclusion");
  const conclusion = allowed.find((candidate) => candidate === value);
  if (conclusion === undefined)
    throw new ApiError(400, `conclusion must be one of ${allowed.join(", ")}`);
  return conclusion;
}

/**
 * Serves the runner protocol: plain text replies and form-encoded bodies, so that a busybox shell
 * script with `wget` can speak it.
 */
export async function handleRunnerProtocol(
  env: EmulatorEnv,
  request: IncomingMessage,
  response: ServerResponse,
  path: string,
): Promise<void> {
  try {
    const body = await readText(request);
    const runner = authenticate(env, request.headers.authorization);
    const now = Date.now();
    const method = request.method ?? "GET";

    if (method === "POST" && path === "/_runner/connect") {
      env.dispatcher.connect(runner, now);
      sendText(response, 200, `runner_id=${runner.id}\n`);
      return;
    }
    if (method === "POST" && path === "/_runner/acquire") {
      // A runner whose connection drops is no longer listening, so it must not get a job.
      response.on("close", () => {
        if (!response.writableFinished) env.dispatcher.abandon(runner.id);
      });
      const result = await env.dispatcher.acquire(runner, now);
      if (result.kind === "gone") {
        sendText(response, 410, "runner registration deleted\n");
      } else if (result.kind === "empty") {
        response.writeHead(204).end();
      } else {
        const { job } = result;
        sendText(
          response,
          200,
          `job_id=${job.id}\nrun_id=${job.runId}\nsteps=${job.steps.length}\n`,
        );
      }
      return;
    }

    const script = STEP_SCRIPT.exec(path);
    if (method === "GET" && script !== null) {
      const job = heldJob(env, runner, Number(script[1]));
      sendText(response, 200, env.dispatcher.stepScript(runner, job, Number(script[2]), now));
      return;
    }
    const report = STEP_REPORT.exec(path);
    if (method === "POST" && report !== null) {
      const job = heldJob(env, runner, Number(report[1]));
      const conclusion = parseConclusion(body, ["success", "failure"]);
      sendText(
        response,
        200,
        `${env.dispatcher.reportStep(runner, job, Number(report[2]), conclusion, now)}\n`,
      );
      return;
    }
    const complete = COMPLETE.exec(path);
    if (method === "POST" && complete !== null) {
      const job = heldJob(env, runner, Number(complete[1]));
      env.dispatcher.complete(
        runner,
        job,
        parseConclusion(body, ["success", "failure", "cancelled"]),
      );
      sendText(response, 200, "ok\n");
      return;
    }
    throw new ApiError(404, `no runner protocol call ${method} ${path}`);
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    sendText(response, error.status, `${error.message}\n`);
  }
}
