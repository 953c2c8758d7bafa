import { randomBytes } from "node:crypto";
import { join } from "node:path";

import type { ControllerConfigInput } from "../controller/src/config/schema.js";
import type { EmulatorOptions } from "../emulator/src/emulator.js";
import { createTestWorld, enableTrustedRouting } from "../emulator/src/test-support.js";
import type { TestWorld } from "../emulator/src/test-support.js";

export const TRUSTED_LABELS = ["self-hosted", "linux", "x64", "chem-trusted-pr"];
export const ORG = "acme";
export const REPO = "acme/app";

/** An emulator world with a trusted runner group, routing turned on and a member author. */
export interface BenchWorld {
  world: TestWorld;
  runnerGroupId: number;
  webhookSecret: string;
  /** The pull request every benchmark run belongs to. */
  pullRequest: number;
  close(): Promise<void>;
}

export async function createBenchWorld(options: EmulatorOptions = {}): Promise<BenchWorld> {
  const world = await createTestWorld(options);
  const runnerGroupId = await enableTrustedRouting(world, "alice");
  const pull = await world.emulator.control.openPullRequest({ repo: REPO, author: "alice" });
  return {
    world,
    runnerGroupId,
    webhookSecret: randomBytes(24).toString("hex"),
    pullRequest: pull.number,
    close: () => world.emulator.close(),
  };
}

/** Queues one pull-request run with `jobs` jobs that request the trusted labels. */
export async function queueRun(bench: BenchWorld, jobs = 1): Promise<number[]> {
  const run = await bench.world.emulator.control.createWorkflowRun({
    repo: REPO,
    pullRequest: bench.pullRequest,
    jobs: Array.from({ length: jobs }, () => ({ labels: TRUSTED_LABELS, steps: ["true"] })),
  });
  return run.jobIds;
}

/** Subscribes the controller at `url` to signed `workflow_job` webhooks. */
export async function subscribe(bench: BenchWorld, url: string): Promise<void> {
  await bench.world.emulator.control.addWebhook({
    url: `${url}/webhook`,
    secret: bench.webhookSecret,
    events: ["workflow_job"],
  });
}

/** Settings that differ between the benchmark's controllers; the rest is shared below. */
export interface ConfigChoices {
  runDir: string;
  prefix: string;
  capacity: { warmPool: number; maxVms: number };
  libvirt?: Partial<ControllerConfigInput["libvirt"]>;
  bootSeconds?: number;
  pollSeconds?: number;
}

/**
 * A controller configuration for the benchmark: loopback only, writes unspaced against the
 * emulator (`minWriteIntervalMs: 0`), libvirt's test driver unless `libvirt` overrides it.
 */
export function benchConfig(bench: BenchWorld, choices: ConfigChoices): ControllerConfigInput {
  const { maxVms, warmPool } = choices.capacity;
  return {
    github: {
      apiUrl: bench.world.emulator.apiUrl,
      appId: bench.world.appId,
      installationId: bench.world.installationId,
      organization: ORG,
      repositories: [{ owner: ORG, name: "app", id: bench.world.repoId }],
      runnerGroupId: bench.runnerGroupId,
      labels: TRUSTED_LABELS,
      minWriteIntervalMs: 0,
    },
    libvirt: {
      uri: "test:///default",
      network: { type: "user" },
      pool: "tr-pool",
      baseVolume: "base.qcow2",
      namePrefix: choices.prefix,
      channelDir: join(choices.runDir, "channels"),
      ...choices.libvirt,
    },
    vm: { vcpus: 1, memoryMiB: 256, diskGiB: 1 },
    capacity: { warmPool, maxVms, maxVcpus: maxVms, maxMemoryMiB: 256 * maxVms },
    server: { listen: "127.0.0.1:0" },
    timeouts: {
      bootSeconds: choices.bootSeconds ?? 120,
      bootAttempts: 2,
      jobSeconds: 600,
      orphanGraceSeconds: 5,
      callSeconds: 30,
    },
    intervals: { pollSeconds: choices.pollSeconds ?? 10, reconcileSeconds: 2 },
    stateDir: join(choices.runDir, "state"),
  };
}
