import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

import type { Logger } from "pino";
import { pino } from "pino";
import { z } from "zod";

import { handleControl, CONTROL_PREFIX } from "./control/http.js";
import { createLocalControl } from "./control/operations.js";
import type { EmulatorControl } from "./control/operations.js";
import type { ControlEnv } from "./control/define.js";
import type { RestHandler } from "./http/context.js";
import { FaultRegistry } from "./http/faults.js";
import { RateLimiter } from "./http/rate-limit.js";
import { handleRest } from "./http/rest-server.js";
import { Router } from "./http/router.js";
import { Shapes } from "./model/shapes.js";
import { Store } from "./model/store.js";
import { addAppRoutes } from "./rest/apps.js";
import { addRepoRoutes } from "./rest/repos.js";
import { addRunRoutes } from "./rest/runs.js";
import { addRunnerGroupRoutes } from "./rest/runner-groups.js";
import { addRunnerRoutes } from "./rest/runners.js";
import { addVariableRoutes } from "./rest/variables.js";
import { Dispatcher } from "./runner/dispatcher.js";
import { handleRunnerProtocol, RUNNER_PREFIX } from "./runner/protocol.js";
import { WebhookEvents } from "./webhooks/events.js";
import { isLoopbackHttpUrl } from "./webhooks/loopback.js";
import { WebhookSender } from "./webhooks/sender.js";

const optionsSchema = z.object({
  /** TCP port; 0 picks a free one. */
  port: z.number().int().min(0).max(65535).default(0),
  /**
   * Base URL written into JIT configs; default the emulator's own URL. `{port}` is replaced by
   * the port the emulator listens on, so `http://10.0.2.2:{port}` works with port 0.
   */
  runnerBaseUrl: z.string().min(1).optional(),
  /** Lifetime of installation tokens in milliseconds; GitHub's is one hour. */
  tokenTtlMs: z
    .number()
    .int()
    .positive()
    .default(60 * 60 * 1000),
  /** Requests per hour per token before the primary rate limit (403) applies. */
  rateLimit: z.number().int().positive().default(15_000),
  /** Longest `acquire` long poll in milliseconds; the runner protocol caps it at 30 s. */
  acquireWaitMs: z.number().int().positive().max(30_000).default(30_000),
  /** Silence after which an online runner is lost and its job fails, in milliseconds. */
  runnerLostAfterMs: z
    .number()
    .int()
    .positive()
    .default(10 * 60 * 1000),
  /** How often lost runners are looked for, in milliseconds. */
  sweepIntervalMs: z.number().int().positive().default(1000),
  /** Attempts per webhook delivery. GitHub makes one; more make tests tolerate a slow start. */
  webhookAttempts: z.number().int().min(1).max(10).default(3),
  /** Wait before webhook retry n is n times this, in milliseconds. */
  webhookRetryDelayMs: z.number().int().min(0).default(200),
  /** Time a webhook target has to respond, in milliseconds. GitHub allows 10 s. */
  webhookTimeoutMs: z.number().int().positive().default(10_000),
  /** Webhook deliveries kept in the log. */
  maxLoggedDeliveries: z.number().int().positive().default(10_000),
});

export type EmulatorOptions = z.input<typeof optionsSchema> & {
  /** Logger for the emulator's own messages; silent by default. */
  logger?: Logger;
};

export interface Emulator {
  /** Base URL of the server, `http://127.0.0.1:PORT`. */
  url: string;
  /** Base URL for Octokit's `baseUrl`; the same server. */
  apiUrl: string;
  /** In-process control API; the same operations as `POST {url}/_emulator/{operation}`. */
  control: EmulatorControl;
  /** Stops the server, ends long polls and webhook retries, and clears every timer. */
  close(): Promise<void>;
}

function buildRouter(): Router<RestHandler> {
  const router = new Router<RestHandler>();
  addAppRoutes(router);
  addRepoRoutes(router);
  addRunRoutes(router);
  addVariableRoutes(router);
  addRunnerGroupRoutes(router);
  addRunnerRoutes(router);
  return router;
}

/** Starts the GitHub API emulator on 127.0.0.1. */
export async function startEmulator(input: EmulatorOptions = {}): Promise<Emulator> {
  const { logger: givenLogger, ...rest } = input;
  const options = optionsSchema.parse(rest);
  const logger = (givenLogger ?? pino({ level: "silent" })).child({ module: "emulator" });
  const delays = new Map<NodeJS.Timeout, () => void>();
  const sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const timer = setTimeout(() => {
        delays.delete(timer);
        resolve();
      }, ms);
      delays.set(timer, resolve);
    });

  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  const runnerBaseUrl = options.runnerBaseUrl?.replaceAll("{port}", String(port)) ?? url;
  if (!/^http:\/\/[^/]+$/.test(runnerBaseUrl) || !URL.canParse(runnerBaseUrl)) {
    server.close();
    throw new Error(
      `runnerBaseUrl ${runnerBaseUrl} is invalid: use http://HOST:PORT without a path, for example http://10.0.2.2:{port}`,
    );
  }

  const store = new Store();
  const shapes = new Shapes(store, url);
  const faults = new FaultRegistry();
  const sender = new WebhookSender(
    {
      attempts: options.webhookAttempts,
      retryDelayMs: options.webhookRetryDelayMs,
      timeoutMs: options.webhookTimeoutMs,
      maxLogged: options.maxLoggedDeliveries,
    },
    faults,
    logger,
  );
  const dispatcher = new Dispatcher(
    store,
    new WebhookEvents(store, shapes, sender),
    { acquireWaitMs: options.acquireWaitMs, runnerLostAfterMs: options.runnerLostAfterMs },
    logger,
  );
  const env: ControlEnv = {
    store,
    shapes,
    dispatcher,
    sender,
    faults,
    tokenTtlMs: options.tokenTtlMs,
    runnerBaseUrl,
  };
  const restParts = {
    env,
    router: buildRouter(),
    limiter: new RateLimiter(options.rateLimit),
    faults,
    logger,
    sleep,
  };

  server.on("request", (request, response) => {
    const requestUrl = new URL(request.url ?? "/", url);
    const path = requestUrl.pathname;
    const handled = path.startsWith(CONTROL_PREFIX)
      ? handleControl(env, request, response, path)
      : path.startsWith(RUNNER_PREFIX)
        ? handleRunnerProtocol(env, request, response, path)
        : handleRest(restParts, request, response, requestUrl);
    handled.catch((error: unknown) => {
      logger.error({ err: error, path }, "request failed");
      if (!response.headersSent) response.writeHead(500).end();
    });
  });

  const sweep = setInterval(() => dispatcher.sweep(Date.now()), options.sweepIntervalMs);
  sweep.unref();
  logger.info({ url }, "emulator started");

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve) => {
      clearInterval(sweep);
      for (const [timer, resolveDelay] of delays) {
        clearTimeout(timer);
        resolveDelay();
      }
      delays.clear();
      dispatcher.close();
      sender.close();
      server.close(() => resolve());
      server.closeAllConnections();
      logger.info({ url }, "emulator stopped");
    });
    return closing;
  };

  return { url, apiUrl: url, control: createLocalControl(env), close };
}

export { isLoopbackHttpUrl };
