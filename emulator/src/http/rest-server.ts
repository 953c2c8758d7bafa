import type { IncomingMessage, ServerResponse } from "node:http";

import type { Logger } from "pino";

import type { RestHandler, EmulatorEnv } from "./context.js";
import type { FaultRegistry, HttpFault } from "./faults.js";
import { parseJson, readText } from "./body.js";
import type { RateLimiter, RateLimitState } from "./rate-limit.js";
import { rateLimitHeaders } from "./rate-limit.js";
import { errorBody, sendJson } from "./reply.js";
import type { Router } from "./router.js";
import { rateLimitKey, resolveIdentity } from "../auth/identity.js";
import type { Identity } from "../auth/identity.js";
import { ApiError } from "../model/errors.js";

export interface RestServerParts {
  env: EmulatorEnv;
  router: Router<RestHandler>;
  limiter: RateLimiter;
  faults: FaultRegistry;
  logger: Logger;
  /** Waits for a delay fault; the emulator cuts it short on close. */
  sleep: (ms: number) => Promise<void>;
}

/** Turns an injected fault into the reply GitHub would send, or undefined for a delay. */
function faultReply(fault: HttpFault, rate: RateLimitState, nowMs: number): ApiError | undefined {
  switch (fault.kind) {
    case "error":
      return new ApiError(fault.status, "Server Error");
    case "secondary-rate-limit":
      return new ApiError(
        fault.status,
        "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
        { "retry-after": String(fault.retryAfterSeconds) },
      );
    case "rate-limit": {
      const reset = Math.ceil(nowMs / 1000) + fault.resetAfterSeconds;
      return new ApiError(fault.status, "API rate limit exceeded.", {
        ...rateLimitHeaders({ ...rate, remaining: 0, reset }),
      });
    }
    default:
      return undefined;
  }
}

/** Serves one REST request: authentication, rate limit, faults, then the route. */
export async function handleRest(
  parts: RestServerParts,
  request: IncomingMessage,
  response: ServerResponse,
  url: URL,
): Promise<void> {
  const method = request.method ?? "GET";
  const now = Date.now();
  let identity: Identity = { kind: "anonymous" };
  let rate = parts.limiter.peek("anonymous", now);
  try {
    const text = await readText(request);
    identity = resolveIdentity(request.headers.authorization, parts.env.store, now);
    rate =
      url.pathname === "/rate_limit"
        ? parts.limiter.peek(rateLimitKey(identity), now)
        : parts.limiter.consume(rateLimitKey(identity), now);

    const fault = parts.faults.takeHttp(method, url.pathname);
    if (fault?.kind === "delay") await parts.sleep(fault.delayMs);
    const injected = fault === undefined ? undefined : faultReply(fault, rate, now);
    if (injected !== undefined) throw injected;
    if (rate.remaining < 0) {
      throw new ApiError(403, "API rate limit exceeded.", rateLimitHeaders(rate));
    }

    if (url.pathname === "/rate_limit") {
      const core = {
        limit: rate.limit,
        remaining: Math.max(0, rate.remaining),
        reset: rate.reset,
        used: rate.used,
      };
      sendJson(response, 200, { resources: { core }, rate: core }, rateLimitHeaders(rate));
      return;
    }
    const match = parts.router.match(method, url.pathname);
    if (match === undefined) throw new ApiError(404, "Not Found");
    if (match === "method-not-allowed") throw new ApiError(404, "Not Found");
    const reply = await match.handler({
      method,
      url,
      params: match.params,
      body: method === "GET" || method === "DELETE" ? {} : parseJson(text),
      identity,
      now,
      env: parts.env,
    });
    sendJson(response, reply.status, reply.body, { ...rateLimitHeaders(rate), ...reply.headers });
  } catch (error) {
    if (!(error instanceof ApiError)) {
      parts.logger.error({ err: error, method, path: url.pathname }, "REST handler failed");
      sendJson(response, 500, errorBody(500, "Server Error"), rateLimitHeaders(rate));
      return;
    }
    const headers = { ...rateLimitHeaders(rate), ...error.headers };
    sendJson(response, error.status, errorBody(error.status, error.message), headers);
  }
}
