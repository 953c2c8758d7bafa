import { randomBytes } from "node:crypto";
import type { Server } from "node:http";
import type { ControllerConfig, ControllerSecrets } from "./config/schema.js";
import { planLimitsFor } from "./core/capacity.js";
import { plan } from "./core/plan.js";
import type { Snapshot, VmRowState } from "./core/types.js";
import type { StepHook } from "./executor/context.js";
import { Executor } from "./executor/executor.js";
import { GithubApi, errorSummary } from "./github/api.js";
import { createGithubClient } from "./github/octokit.js";
import { RateLimitGate } from "./github/rate-limit-gate.js";
import { createVmDriver } from "./libvirt/create-vm-driver.js";
import type { SimulatedGuestOptions } from "./libvirt/guests/simulated-guests.js";
import type { VmDriver } from "./libvirt/driver.js";
import { createLogger } from "./log.js";
import type { Logger } from "./log.js";
import { ControllerMetrics } from "./metrics.js";
import { listResources } from "./list-resources.js";
import { startHttpServer } from "./server/http-server.js";
import { pollJobs } from "./signals/poller.js";
import { handleWebhook } from "./signals/webhook-handler.js";
import { Store } from "./store/store.js";

/** Injected parts for tests, the sandbox and benchmarks; production passes none. */
export interface ControllerDeps {
  /** VM driver; the caller keeps ownership. By default one is created from `config.libvirt`. */
  driver?: VmDriver;
  /** Simulated guest behaviour when the default driver runs on libvirt's test driver. */
  simulatedGuests?: SimulatedGuestOptions;
  logger?: Logger;
  /** Clock in epoch milliseconds. */
  now?: () => number;
  /** Fault injection between lifecycle steps. */
  beforeStep?: StepHook;
  /** Retries of GitHub 5xx responses; default 3. */
  githubRetries?: number;
  /** Base of the GitHub retry backoff in ms; default 1000. */
  githubRetryDelayMs?: number;
  /** Remaining GitHub requests at or below which housekeeping waits for the reset. */
  rateLimitReserve?: number;
  /** Start without the poll and reconcile timers; the caller drives them. Default false. */
  manualTimers?: boolean;
}

/** A controller running in this process. */
export interface RunningController {
  /** Base URL of the webhook, metrics and health server. */
  url: string;
  store: Store;
  metrics: ControllerMetrics;
  /** Plans from the database now; signals call it, tests may too. */
  tick(): void;
  /**
   * Lists libvirt and GitHub, plans and applies; resolves when those actions settle, with the
   * names of the listings that failed (their cleanup rules were skipped).
   */
  reconcile(): Promise<string[]>;
  /** Polls GitHub for queued jobs and tracked jobs, then plans. */
  poll(): Promise<void>;
  /** Stops taking new jobs and empties the warm pool; running jobs finish. */
  drain(): void;
  /** Resolves when no action is in flight. */
  idle(): Promise<void>;
  /** Graceful stop: no new work, in-flight steps finish, VMs stay for the next start. */
  stop(): Promise<void>;
  /** Stops at once without waiting for anything, as a crash would; for tests. */
  kill(): Promise<void>;
}

/** How often the planner runs without a signal, so timeouts and a CLI drain are noticed. */
const HEARTBEAT_MS = 2000;
/** Age after which seen webhook delivery ids and finished jobs are pruned. */
const DELIVERY_RETENTION_MS = 24 * 3600 * 1000;
const JOB_RETENTION_MS = 7 * 24 * 3600 * 1000;

/**
 * Starts the controller: opens the database, reconciles once, serves webhooks, metrics and
 * health checks, and polls and reconciles on timers.
 */
export async function startController(
  config: ControllerConfig,
  secrets: ControllerSecrets,
  deps: ControllerDeps = {},
): Promise<RunningController> {
  // Each module's logger is a child of the root, so no line carries the `module` key twice.
  const rootLogger = deps.logger ?? createLogger();
  const logger = rootLogger.child({ module: "controller" });
  const now = deps.now ?? Date.now;
  const callTimeoutMs = config.timeouts.callSeconds * 1000;
  const store = new Store(config.stateDir);
  const gate = new RateLimitGate({ reserve: deps.rateLimitReserve, now });
  const metrics = new ControllerMetrics(
    () => countVmStates(store),
    () => gate.remaining,
    true,
  );
  const client = createGithubClient({
    config: config.github,
    privateKey: secrets.githubAppPrivateKey,
    gate,
    logger: rootLogger.child({ module: "github" }),
    retries: deps.githubRetries,
    retryDelayMs: deps.githubRetryDelayMs,
  });
  const api = new GithubApi({
    client,
    gate,
    config: config.github,
    callTimeoutMs,
    logger: rootLogger.child({ module: "github" }),
    hooks: {
      onError: (call, status) =>
        metrics.githubErrors.inc({ call, status: String(status ?? "none") }),
    },
  });
  const ownsDriver = deps.driver === undefined;
  const driver =
    deps.driver ??
    (await createVmDriver(config, {
      logger: rootLogger.child({ module: "libvirt" }),
      simulatedGuests: deps.simulatedGuests,
    }));

  let ticking = false;
  let tickQueued = false;
  let stopped = false;
  let ready = false;
  let draining = store.isDraining();
  const executor = new Executor(
    {
      store,
      driver,
      api,
      config,
      metrics,
      logger,
      now,
      callTimeoutMs,
      beforeStep: deps.beforeStep,
    },
    () => tick(),
  );
  const limits = planLimitsFor(config);

  const snapshotOf = (
    listed: Pick<Snapshot, "domains" | "definedBeforeListing" | "overlays" | "runners">,
  ): Snapshot => {
    draining = draining || store.isDraining();
    return {
      now: now(),
      jobs: store.activeJobs(),
      vms: store.vms(),
      ...listed,
      inFlight: executor.inFlight(),
      limits,
      namePrefix: config.libvirt.namePrefix,
      nameNonce: randomBytes(4).toString("hex"),
      draining,
    };
  };

  const planAndApply = (
    listed: Pick<Snapshot, "domains" | "definedBeforeListing" | "overlays" | "runners">,
  ): void => {
    const actions = plan(snapshotOf(listed));
    if (actions.length > 0) logger.debug({ actions: actions.map((action) => action.kind) }, "plan");
    executor.apply(actions);
  };

  // Coalesces bursts of signals into one plan per turn of the event loop.
  function tick(): void {
    if (stopped) return;
    if (ticking) {
      tickQueued = true;
      return;
    }
    ticking = true;
    setImmediate(() => {
      ticking = false;
      if (stopped) return;
      try {
        planAndApply({ domains: null, overlays: null, runners: null });
      } catch (error) {
        logger.error({ err: errorSummary(error) }, "planning failed");
      }
      if (tickQueued) {
        tickQueued = false;
        tick();
      }
    });
  }

  async function reconcile(): Promise<string[]> {
    // Listings come before the database read, so a VM created meanwhile already has its row.
    const listed = await listResources({
      driver,
      api,
      store,
      namePrefix: config.libvirt.namePrefix,
      callTimeoutMs,
      logger,
      now,
    });
    const failed = (["domains", "overlays", "runners"] as const).filter(
      (key) => listed[key] === null,
    );
    if (stopped) return failed;
    planAndApply(listed);
    store.pruneDeliveries(now() - DELIVERY_RETENTION_MS);
    store.pruneJobs(now() - JOB_RETENTION_MS);
    return failed;
  }

  async function poll(): Promise<void> {
    try {
      await pollJobs({ store, api, config, metrics, now });
    } catch (error) {
      logger.warn({ err: errorSummary(error) }, "polling for jobs failed");
    }
    tick();
  }

  const http = await startHttpServer(
    {
      webhook: (headers, body) =>
        handleWebhook(
          {
            store,
            config,
            metrics,
            logger,
            webhookSecret: secrets.webhookSecret,
            now,
            onChange: tick,
          },
          headers,
          body,
        ),
      registry: metrics.registry,
      ready: () => ready && !stopped,
      maxBodyBytes: config.server.maxBodyBytes,
      logger,
    },
    config.server.listen,
  );

  await reconcile().catch((error: unknown) => {
    logger.error({ err: errorSummary(error) }, "first reconcile failed");
  });
  ready = true;
  logger.info({ url: http.url, draining }, "controller started");

  const timers: NodeJS.Timeout[] = [];
  const every = (ms: number, run: () => Promise<void> | void): void => {
    let busy = false;
    timers.push(
      setInterval(() => {
        if (busy || stopped) return;
        busy = true;
        Promise.resolve(run()).finally(() => {
          busy = false;
        });
      }, ms),
    );
  };
  if (deps.manualTimers !== true) {
    void poll();
    every(config.intervals.pollSeconds * 1000, poll);
    every(config.intervals.reconcileSeconds * 1000, async () => {
      await reconcile().catch((error: unknown) => {
        logger.error({ err: errorSummary(error) }, "reconcile failed");
      });
    });
    every(HEARTBEAT_MS, tick);
  }

  async function shutdown(graceful: boolean): Promise<void> {
    if (stopped) return;
    stopped = true;
    for (const timer of timers) clearInterval(timer);
    await closeServer(http.server);
    if (graceful) await executor.stop(callTimeoutMs);
    else void executor.stop(0);
    if (ownsDriver) await driver.close();
    store.close();
    logger.info({ graceful }, "controller stopped");
  }

  return {
    url: http.url,
    store,
    metrics,
    tick,
    reconcile: async () => {
      const failed = await reconcile();
      await executor.idle();
      return failed;
    },
    poll,
    drain: () => {
      draining = true;
      store.setDraining(true);
      logger.info("drain requested: no new jobs, warm VMs destroyed");
      tick();
    },
    idle: () => executor.idle(),
    stop: () => shutdown(true),
    kill: () => shutdown(false),
  };
}

function countVmStates(store: Store): Partial<Record<VmRowState, number>> {
  const counts: Partial<Record<VmRowState, number>> = {};
  for (const vm of store.vms()) counts[vm.state] = (counts[vm.state] ?? 0) + 1;
  return counts;
}

async function closeServer(server: Server): Promise<void> {
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
