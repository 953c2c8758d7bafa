import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { pino } from "pino";
import { controllerConfigSchema } from "../../controller/src/config/schema.js";
import type {
  ControllerConfig,
  ControllerConfigInput,
} from "../../controller/src/config/schema.js";
import { startController } from "../../controller/src/controller.js";
import type { ControllerDeps, RunningController } from "../../controller/src/controller.js";
import { createVmDriver } from "../../controller/src/libvirt/create-vm-driver.js";
import type { SimulatedGuestOptions } from "../../controller/src/libvirt/guests/simulated-guests.js";
import type { VirshVmDriver } from "../../controller/src/libvirt/virsh-vm-driver.js";
import { createTestWorld, enableTrustedRouting } from "../../emulator/src/test-support.js";
import type { TestWorld } from "../../emulator/src/test-support.js";

export const TRUSTED_LABELS = ["self-hosted", "linux", "x64", "chem-trusted-pr"];
export const WEBHOOK_SECRET = "integration-webhook-secret";
const PREFIX = "tr-";

/** Waits without driving the controller until `done` holds, at most `timeoutMs`. */
export async function waitUntil(
  done: () => Promise<boolean>,
  timeoutMs = 20_000,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await done()) return true;
    await sleep(50);
  }
  return done();
}

/** Options of {@link createHarness}. */
export interface HarnessOptions {
  guests?: SimulatedGuestOptions;
  config?: (input: ControllerConfigInput) => void;
  /** Subscribe the controller to webhooks; default true. */
  webhooks?: boolean;
  /** Requests per hour the emulator allows each token. */
  rateLimit?: number;
}

/**
 * An emulator with organisation `acme`, repository `acme/app`, a trusted runner group and a
 * member `alice`, a VM driver on libvirt's test driver with simulated guests, and a way to
 * start controllers on one database. The driver outlives controllers, as a hypervisor does.
 */
export class Harness {
  controller: RunningController | null = null;
  private webhookId: number | null = null;

  constructor(
    readonly world: TestWorld,
    readonly config: ControllerConfig,
    readonly driver: VirshVmDriver,
    readonly stateDir: string,
    private readonly webhooks: boolean,
  ) {}

  get control(): TestWorld["emulator"]["control"] {
    return this.world.emulator.control;
  }

  /** Starts a controller with manual timers; tests call `poll` and `reconcile` themselves. */
  async start(deps: ControllerDeps = {}): Promise<RunningController> {
    const controller = await startController(
      this.config,
      { githubAppPrivateKey: this.world.privateKey, webhookSecret: WEBHOOK_SECRET },
      {
        driver: this.driver,
        logger: pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" }),
        githubRetries: 2,
        githubRetryDelayMs: 20,
        manualTimers: true,
        ...deps,
      },
    );
    this.controller = controller;
    if (this.webhooks) {
      if (this.webhookId !== null) await this.control.removeWebhook({ id: this.webhookId });
      const hook = await this.control.addWebhook({
        url: `${controller.url}/webhook`,
        secret: WEBHOOK_SECRET,
        events: ["workflow_job"],
      });
      this.webhookId = hook.id;
    }
    return controller;
  }

  /** Queues a pull-request run by `author` whose one job requests `labels`. */
  async queueJob(
    options: {
      author?: string;
      labels?: string[];
      environment?: string;
      headRepo?: string;
      steps?: string[];
    } = {},
  ): Promise<{ runId: number; jobId: number }> {
    const pull = await this.control.openPullRequest({
      repo: "acme/app",
      author: options.author ?? "alice",
      ...(options.headRepo === undefined ? {} : { headRepo: options.headRepo }),
    });
    const run = await this.control.createWorkflowRun({
      repo: "acme/app",
      pullRequest: pull.number,
      jobs: [
        {
          labels: options.labels ?? TRUSTED_LABELS,
          steps: options.steps ?? ["true"],
          ...(options.environment === undefined ? {} : { environment: options.environment }),
        },
      ],
    });
    return { runId: run.id, jobId: run.jobIds[0]! };
  }

  async jobState(jobId: number) {
    const state = await this.control.state();
    return state.jobs.find((job) => job.id === jobId);
  }

  /** Polls and reconciles until `done` holds, at most `timeoutMs`. */
  async driveUntil(done: () => Promise<boolean>, timeoutMs = 20_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (await done()) return true;
      const controller = this.controller;
      if (controller !== null) {
        await controller.poll();
        await controller.reconcile();
      }
      await sleep(50);
    }
    return done();
  }

  async jobCompleted(jobId: number): Promise<boolean> {
    return (await this.jobState(jobId))?.status === "completed";
  }

  /** Domains, overlays and registrations with our prefix that still exist. */
  async leftovers(): Promise<{ domains: string[]; overlays: string[]; runners: string[] }> {
    const state = await this.control.state();
    return {
      domains: (await this.driver.listVms()).map((vm) => vm.name),
      overlays: await this.driver.listOverlays(),
      runners: state.runners.map((runner) => runner.name).filter((name) => name.startsWith(PREFIX)),
    };
  }

  async noLeftovers(): Promise<boolean> {
    const left = await this.leftovers();
    return left.domains.length + left.overlays.length + left.runners.length === 0;
  }

  /** Registers a runner in the trusted group directly, as a leftover of an earlier process. */
  async registerStrayRunner(name: string): Promise<number> {
    const registered = await this.control.registerRunner({
      org: "acme",
      name,
      runner_group_id: this.config.github.runnerGroupId,
      labels: TRUSTED_LABELS,
    });
    return registered.runnerId;
  }

  async close(): Promise<void> {
    await this.controller?.stop();
    await this.driver.close();
    await this.world.emulator.close();
    rmSync(this.stateDir, { recursive: true, force: true });
  }
}

/** Builds the emulator world, the config and the driver for one test file. */
export async function createHarness(options: HarnessOptions = {}): Promise<Harness> {
  const world = await createTestWorld({
    acquireWaitMs: 500,
    // A runner whose VM is destroyed mid-job is declared lost quickly, as GitHub does later.
    runnerLostAfterMs: 1500,
    ...(options.rateLimit === undefined ? {} : { rateLimit: options.rateLimit }),
  });
  const runnerGroupId = await enableTrustedRouting(world, "alice");

  const stateDir = mkdtempSync(join(tmpdir(), "tr-controller-"));
  const input: ControllerConfigInput = {
    github: {
      apiUrl: world.emulator.apiUrl,
      appId: world.appId,
      installationId: world.installationId,
      organization: "acme",
      repositories: [{ owner: "acme", name: "app", id: world.repoId }],
      runnerGroupId,
      labels: TRUSTED_LABELS,
      // The emulator has no secondary rate limit, so writes need no spacing.
      minWriteIntervalMs: 0,
    },
    libvirt: {
      uri: "test:///default",
      network: { type: "user" },
      pool: "tr-pool",
      baseVolume: "base.qcow2",
      namePrefix: PREFIX,
      channelDir: join(stateDir, "channels"),
    },
    vm: { vcpus: 1, memoryMiB: 256, diskGiB: 1 },
    capacity: { warmPool: 0, maxVms: 4, maxVcpus: 8, maxMemoryMiB: 4096 },
    server: { listen: "127.0.0.1:0" },
    timeouts: {
      bootSeconds: 2,
      bootAttempts: 2,
      jobSeconds: 120,
      orphanGraceSeconds: 1,
      callSeconds: 10,
    },
    intervals: { pollSeconds: 1, reconcileSeconds: 1 },
    stateDir,
  };
  options.config?.(input);
  const config = controllerConfigSchema.parse(input);
  const driver = await createVmDriver(config, {
    logger: pino({ level: "silent" }),
    simulatedGuests: { stepMode: "succeed", ...options.guests },
  });
  return new Harness(world, config, driver, stateDir, options.webhooks ?? true);
}
