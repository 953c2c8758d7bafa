import { randomBytes } from "node:crypto";
import { join } from "node:path";

import type { ControllerConfigInput } from "../../../controller/src/config/schema.js";
import type { EmulatorOptions } from "../../../emulator/src/emulator.js";
import { createTestWorld, enableTrustedRouting } from "../../../emulator/src/test-support.js";
import type { TestWorld } from "../../../emulator/src/test-support.js";
import { RecordingProxy } from "./recording-proxy.js";
import { suiteRecord } from "./suite-record.js";

export const TRUSTED_LABELS = ["self-hosted", "linux", "x64", "chem-trusted-pr"];

/** Libvirt part of a controller config; the rest comes from the world. */
export type LibvirtInput = ControllerConfigInput["libvirt"];

/**
 * An emulator with organisation `acme`, repository `acme/app`, a trusted runner group, routing
 * switched on and member `alice`, reached by controllers through a {@link RecordingProxy}. Its
 * private key, webhook secret and every token it issues join the suite's secrets.
 */
export class FaultWorld {
  private webhookId: number | null = null;

  private constructor(
    readonly world: TestWorld,
    readonly proxy: RecordingProxy,
    readonly groupId: number,
    readonly webhookSecret: string,
  ) {}

  static async create(options: EmulatorOptions = {}): Promise<FaultWorld> {
    const world = await createTestWorld({ acquireWaitMs: 1000, ...options });
    const groupId = await enableTrustedRouting(world, "alice");
    const proxy = await RecordingProxy.start(world.emulator.apiUrl);
    const webhookSecret = randomBytes(24).toString("hex");
    const fault = new FaultWorld(world, proxy, groupId, webhookSecret);
    suiteRecord.secrets.add(webhookSecret);
    suiteRecord.secrets.add(world.privateKey);
    return fault;
  }

  get control(): TestWorld["emulator"]["control"] {
    return this.world.emulator.control;
  }

  /** A controller config for this world; `stateDir` contains the database. */
  configInput(libvirt: LibvirtInput, stateDir: string): ControllerConfigInput {
    return {
      github: {
        apiUrl: this.proxy.url,
        appId: this.world.appId,
        installationId: this.world.installationId,
        organization: "acme",
        repositories: [{ owner: "acme", name: "app", id: this.world.repoId }],
        runnerGroupId: this.groupId,
        labels: TRUSTED_LABELS,
      },
      libvirt: { channelDir: join(stateDir, "channels"), ...libvirt },
      vm: { vcpus: 1, memoryMiB: 256, diskGiB: 1 },
      capacity: { warmPool: 0, maxVms: 3, maxVcpus: 3, maxMemoryMiB: 1024 },
      server: { listen: "127.0.0.1:0" },
      timeouts: {
        bootSeconds: 90,
        bootAttempts: 3,
        jobSeconds: 240,
        orphanGraceSeconds: 2,
        callSeconds: 20,
      },
      intervals: { pollSeconds: 1, reconcileSeconds: 2 },
      stateDir,
    };
  }

  /** Points the world's only webhook at `url`, replacing an earlier target. */
  async subscribe(url: string): Promise<void> {
    if (this.webhookId !== null) await this.control.removeWebhook({ id: this.webhookId });
    const hook = await this.control.addWebhook({
      url,
      secret: this.webhookSecret,
      events: ["workflow_job"],
    });
    this.webhookId = hook.id;
  }

  /** Queues a pull-request run by `author` whose one job requests `labels`. */
  async queueJob(
    options: { author?: string; labels?: string[]; headRepo?: string; steps?: string[] } = {},
  ): Promise<{ runId: number; jobId: number }> {
    const pull = await this.control.openPullRequest({
      repo: "acme/app",
      author: options.author ?? "alice",
      ...(options.headRepo === undefined ? {} : { headRepo: options.headRepo }),
    });
    const run = await this.control.createWorkflowRun({
      repo: "acme/app",
      pullRequest: pull.number,
      jobs: [{ labels: options.labels ?? TRUSTED_LABELS, steps: options.steps ?? ["true"] }],
    });
    return { runId: run.id, jobId: run.jobIds[0]! };
  }

  /** Returns jobs by id, as the emulator reports them. */
  async jobs(): Promise<Map<number, { status: string; conclusion: string | null }>> {
    const state = await this.control.state({ deliveryBodies: false });
    return new Map(state.jobs.map((job) => [job.id, job]));
  }

  /** Registrations whose name starts with `prefix`, as the emulator lists them. */
  async runnersWithPrefix(prefix: string): Promise<string[]> {
    const state = await this.control.state({ deliveryBodies: false });
    return state.runners.map((runner) => runner.name).filter((name) => name.startsWith(prefix));
  }

  async close(): Promise<void> {
    for (const secret of this.proxy.secrets) suiteRecord.secrets.add(secret);
    await this.proxy.close();
    await this.world.emulator.close();
  }
}
