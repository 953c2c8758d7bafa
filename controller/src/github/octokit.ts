import { createAppAuth } from "@octokit/auth-app";
import { retry } from "@octokit/plugin-retry";
import { throttling } from "@octokit/plugin-throttling";
import { Octokit } from "@octokit/rest";
import { setTimeout as sleep } from "node:timers/promises";
import type { ControllerConfig } from "../config/schema.js";
import type { Logger } from "../log.js";
import type { RateLimitGate } from "./rate-limit-gate.js";

const ControllerOctokit = Octokit.plugin(retry, throttling);

/** The Octokit client type the controller uses. */
export type GithubClient = InstanceType<typeof ControllerOctokit>;

/** Requests in flight at once per client, as in plugin-throttling's default global group. */
const MAX_CONCURRENT_REQUESTS = 10;

/** Rate-limit retries per request before the call fails to its caller. */
const RATE_LIMIT_RETRIES = 3;

/** Options of {@link createGithubClient}. */
export interface GithubClientOptions {
  config: ControllerConfig["github"];
  privateKey: string;
  gate: RateLimitGate;
  logger: Logger;
  /** Retries of 5xx responses; default 3, as in the retry plugin. */
  retries?: number;
  /** Base of the retry backoff in ms (retry n waits n² times this); default 1000. */
  retryDelayMs?: number;
}

/**
 * Creates the GitHub App client: installation tokens from `@octokit/auth-app`, retry with
 * backoff on 5xx, and waiting for the reset on rate limits. Every response updates the gate.
 */
export function createGithubClient(options: GithubClientOptions): GithubClient {
  const { config, gate, logger } = options;
  const quiet = { debug() {}, info() {}, warn() {}, error() {} };
  const octokit = new ControllerOctokit({
    baseUrl: config.apiUrl,
    authStrategy: createAppAuth,
    auth: {
      appId: config.appId,
      privateKey: options.privateKey,
      installationId: config.installationId,
    },
    log: quiet,
    // 409 joins the plugin's list of statuses not to retry: a taken runner name stays taken.
    retry: {
      retries: options.retries ?? 3,
      retryAfterBaseValue: options.retryDelayMs ?? 1000,
      doNotRetry: [400, 401, 403, 404, 409, 410, 422, 451],
    },
    throttle: {
      onRateLimit: (retryAfter: number, request: { method: string; url: string }, _o, count) => {
        gate.block(Date.now() + retryAfter * 1000);
        logger.warn({ retryAfter, method: request.method, url: request.url }, "rate limited");
        return count < RATE_LIMIT_RETRIES;
      },
      onSecondaryRateLimit: (
        retryAfter: number,
        request: { method: string; url: string },
        _o,
        count,
      ) => {
        gate.block(Date.now() + retryAfter * 1000);
        logger.warn(
          { retryAfter, method: request.method, url: request.url },
          "secondary rate limited",
        );
        return count < RATE_LIMIT_RETRIES;
      },
      // The plugin types these as Bottleneck groups; it calls only `key().schedule()`.
      write: writeGroup(config.minWriteIntervalMs) as never,
      // Same bound as the plugin's default global group, without Bottleneck's scheduling
      // delay (measured against the emulator on loopback: 13 ms per request with it, 6 ms
      // without). Its types leave `global` out, but the plugin reads it like `write`.
      ...({ global: singleGroup(concurrencyLimiter(MAX_CONCURRENT_REQUESTS)) } as object),
      // Every request also passes the plugin's retry limiter, a plain Bottleneck that adds
      // about 5 ms on loopback. This one keeps the contract the plugin relies on: a `failed`
      // listener that returns a delay in ms gets the request retried after that delay.
      ...({ retryLimiter: retryingLimiter() } as object),
    },
  });

  octokit.hook.after("request", (response) => {
    gate.observe(response.headers as Record<string, string | number | undefined>);
  });
  octokit.hook.error("request", (error) => {
    const headers = (error as { response?: { headers?: Record<string, string> } }).response
      ?.headers;
    gate.observe(headers);
    throw error;
  });
  return octokit;
}

/** A limiter with the one method plugin-throttling calls on it. */
interface Limiter {
  schedule<T>(
    options: unknown,
    job: (...args: unknown[]) => Promise<T>,
    ...args: unknown[]
  ): Promise<T>;
}

/**
 * Returns the limiter group for writes. With a positive interval, one write runs at a time per
 * client and starts come at least `minIntervalMs` apart, as in the plugin's own default group
 * (1000 ms). With 0, every write runs at once.
 */
function writeGroup(minIntervalMs: number): { key(id?: string): Limiter } {
  if (minIntervalMs === 0) return { key: () => passThroughLimiter };
  const limiters = new Map<string, Limiter>();
  return {
    key: (id = "") => {
      let limiter = limiters.get(id);
      if (limiter === undefined) {
        limiter = spacedLimiter(minIntervalMs);
        limiters.set(id, limiter);
      }
      return limiter;
    },
  };
}

function singleGroup(limiter: Limiter): { key(id?: string): Limiter } {
  return { key: () => limiter };
}

/** Runs at most `max` jobs at once and starts waiting ones in arrival order. */
function concurrencyLimiter(max: number): Limiter {
  let running = 0;
  const waiting: (() => void)[] = [];
  return {
    async schedule<T>(
      _options: unknown,
      job: (...args: unknown[]) => Promise<T>,
      ...args: unknown[]
    ): Promise<T> {
      if (running >= max) await new Promise<void>((resolve) => waiting.push(resolve));
      running += 1;
      try {
        return await job(...args);
      } finally {
        running -= 1;
        waiting.shift()?.();
      }
    },
  };
}

/** Receives a failed request and returns the delay before a retry, or nothing to give up. */
type FailedListener = (
  error: unknown,
  info: { args: unknown[]; retryCount: number },
) => Promise<number | undefined> | number | undefined;

/**
 * Returns the limiter plugin-throttling schedules every request on, to retry rate-limited
 * ones: it runs each request at once and, when a `failed` listener returns a delay, retries.
 */
function retryingLimiter(): {
  on(event: string, listener: FailedListener): void;
  schedule<T>(job: (...args: unknown[]) => Promise<T>, ...args: unknown[]): Promise<T>;
} {
  const listeners: FailedListener[] = [];
  return {
    on: (event, listener) => {
      if (event === "failed") listeners.push(listener);
    },
    schedule: async <T>(job: (...args: unknown[]) => Promise<T>, ...args: unknown[]) => {
      for (let retryCount = 0; ; retryCount += 1) {
        try {
          return await job(...args);
        } catch (error) {
          let delayMs: number | undefined;
          for (const listener of listeners) {
            const result = await listener(error, { args, retryCount });
            if (typeof result === "number") delayMs = result;
          }
          if (delayMs === undefined) throw error;
          await sleep(delayMs);
        }
      }
    },
  };
}

const passThroughLimiter: Limiter = {
  schedule: (_options, job, ...args) => job(...args),
};

function spacedLimiter(minIntervalMs: number): Limiter {
  let tail: Promise<unknown> = Promise.resolve();
  let lastStart = Number.NEGATIVE_INFINITY;
  return {
    schedule<T>(_options: unknown, job: (...args: unknown[]) => Promise<T>, ...args: unknown[]) {
      const run = tail.then(async () => {
        const waitMs = lastStart + minIntervalMs - Date.now();
        if (waitMs > 0) await sleep(waitMs);
        lastStart = Date.now();
        return job(...args);
      });
      // The next write waits for this one to settle, whether it succeeded or not.
      tail = run.catch(() => undefined);
      return run;
    },
  };
}
