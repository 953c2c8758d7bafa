import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";

import { createTestWorld } from "../../../../emulator/src/test-support.js";
import type { TestWorld } from "../../../../emulator/src/test-support.js";
import { controllerConfigSchema } from "../../config/schema.js";
import { createLogger } from "../../log.js";
import { createVmDriver } from "../create-vm-driver.js";
import type { VmDriver } from "../driver.js";
import type { SimulatedGuestOptions } from "./simulated-guests.js";
import type { VirshVmDriver } from "../virsh-vm-driver.js";

const logger = createLogger({ level: "silent" });
const LABELS = ["self-hosted", "linux", "x64", "chem-trusted-pr"];
const WAIT_LIMIT_MS = 20_000;

let world: TestWorld;
let driver: VmDriver | null = null;
let counter = 0;

beforeAll(async () => {
  world = await createTestWorld({ acquireWaitMs: 500 });
});

afterEach(async () => {
  await driver?.close();
  driver = null;
});

afterAll(async () => {
  await world.emulator.close();
});

async function openDriver(guests: SimulatedGuestOptions): Promise<VmDriver> {
  const config = controllerConfigSchema.parse({
    github: {
      appId: 1,
      installationId: 1,
      organization: "acme",
      repositories: [{ owner: "acme", name: "app", id: 1 }],
      runnerGroupId: 1,
      labels: LABELS,
    },
    libvirt: {
      uri: "test:///default",
      network: { type: "user" },
      pool: "tr-pool",
      baseVolume: "base",
    },
    vm: { vcpus: 1, memoryMiB: 256, diskGiB: 1 },
    capacity: { warmPool: 0, maxVms: 2, maxVcpus: 2, maxMemoryMiB: 512 },
    server: { listen: "127.0.0.1:0" },
  });
  driver = await createVmDriver(config, { logger, simulatedGuests: { bootDelayMs: 5, ...guests } });
  return driver;
}

/** Queues one job with the given step scripts and boots a VM with a JIT config for it. */
async function runJob(guests: SimulatedGuestOptions, steps: string[]) {
  const vm = await openDriver(guests);
  const name = `tr-sim-${++counter}`;
  const { data } = await world.octokit.rest.actions.generateRunnerJitconfigForOrg({
    org: "acme",
    name,
    runner_group_id: world.defaultGroupId,
    labels: LABELS,
  });
  const run = await world.emulator.control.createWorkflowRun({
    repo: "acme/app",
    event: "push",
    actor: "alice",
    jobs: [{ labels: LABELS, steps }],
  });
  await vm.createVm({
    name,
    metadata: { jobId: run.jobIds[0] ?? 0, state: "booting", createdAt: new Date().toISOString() },
  });
  await vm.waitForBoot(name, 5_000);
  await vm.deliverJitConfig(name, data.encoded_jit_config);
  return { vm, name, runId: run.id, jobId: run.jobIds[0] };
}

async function jobConclusion(jobId: number | undefined): Promise<string | null | undefined> {
  const state = await world.emulator.control.state();
  return state.jobs.find((job) => job.id === jobId)?.conclusion;
}

async function domainState(vm: VmDriver, name: string): Promise<string | undefined> {
  return (await vm.listVms()).find((info) => info.name === name)?.domainState;
}

/** Polls `read` until it returns `expected` or the wait limit passes; returns the last value. */
async function waitFor<T>(read: () => Promise<T>, expected: T): Promise<T> {
  const deadline = Date.now() + WAIT_LIMIT_MS;
  let value = await read();
  while (value !== expected && Date.now() < deadline) {
    await sleep(50);
    value = await read();
  }
  return value;
}

describe("SimulatedGuests", () => {
  it("runs job steps and powers off", async () => {
    const job = await runJob({}, ["echo hello", "test -d ."]);
    expect(await waitFor(() => jobConclusion(job.jobId), "success")).toBe("success");
    expect(await waitFor(() => domainState(job.vm, job.name), "shut off")).toBe("shut off");
  });

  it("fails the job on failing step", async () => {
    const job = await runJob({}, ["exit 3", "echo unreachable"]);
    expect(await waitFor(() => jobConclusion(job.jobId), "failure")).toBe("failure");
    expect(await waitFor(() => domainState(job.vm, job.name), "shut off")).toBe("shut off");
  });

  it("succeeds every step in succeed mode", async () => {
    const job = await runJob({ stepMode: "succeed" }, ["false"]);
    expect(await waitFor(() => jobConclusion(job.jobId), "success")).toBe("success");
  });

  it("kills a step past its timeout", async () => {
    const job = await runJob({ stepTimeoutMs: 100 }, ["sleep 30"]);
    expect(await waitFor(() => jobConclusion(job.jobId), "failure")).toBe("failure");
  });

  it("powers off after nonzero runner exit", async () => {
    const job = await runJob({ fault: "runner-exits-nonzero" }, ["true"]);
    expect(await waitFor(() => jobConclusion(job.jobId), "success")).toBe("success");
    expect(await waitFor(() => domainState(job.vm, job.name), "shut off")).toBe("shut off");
  });

  it("stays running when runner never connects", async () => {
    const job = await runJob({ fault: "runner-never-connects" }, ["true"]);
    await sleep(300);
    expect(await domainState(job.vm, job.name)).toBe("running");
    expect(await jobConclusion(job.jobId)).toBeNull();
  });

  it("cancels the job on cancel reply", async () => {
    const job = await runJob({}, ["sleep 1", "true"]);
    await world.emulator.control.cancelRun({ runId: job.runId });
    expect(await waitFor(() => jobConclusion(job.jobId), "cancelled")).toBe("cancelled");
    expect(await waitFor(() => domainState(job.vm, job.name), "shut off")).toBe("shut off");
  });

  it("stops when its domain is destroyed", async () => {
    const job = await runJob({}, ["sleep 1", "true"]);
    // Destroy through the driver's own session, as an operator's `virsh destroy` would.
    await (job.vm as VirshVmDriver).powerOff(job.name);
    await sleep(1_500);
    expect(await jobConclusion(job.jobId)).toBeNull();
  });
});
