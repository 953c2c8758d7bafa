import { chmod, mkdir } from "node:fs/promises";
import { join } from "node:path";

import { VirshSession } from "../../controller/src/libvirt/virsh-session.js";
import { createLogger } from "../../controller/src/log.js";
import { detectQemuAccel } from "../../images/test/accel.js";
import { buildTestImage } from "../../images/test/build.js";
import type { BenchContext } from "../context.js";
import { startBenchController } from "../context.js";
import type { ControllerProcess } from "../controller-process.js";
import { median, ratio, round } from "../stats.js";
import { waitFor } from "../wait.js";
import { createBenchWorld, queueRun } from "../world.js";
import type { BenchWorld } from "../world.js";
import {
  BASE_VOLUME,
  createSandboxPool,
  removeSandboxPool,
} from "../../controller/src/sandbox/sandbox-libvirt.js";

const URI = "qemu:///system";
const START_TIMEOUT_MS = 180_000;

/** Queue-to-job-started on real guests, without and with a warm VM. */
export interface RealVmResult {
  driver: "qemu";
  accel: "kvm" | "tcg";
  jobsEach: number;
  /** Run queued to the job `in_progress` on the emulator, ms, one per job. */
  coldMs: number[];
  warmMs: number[];
  coldMedianMs: number | null;
  warmMedianMs: number | null;
  warmOverCold: number | null;
  /** Controller's own receipt to JIT delivered on the warm jobs, median ms. */
  warmControllerMedianMs: number | null;
}

/** Queues one job and returns the time until the emulator shows it started. */
async function timeToStart(bench: BenchWorld): Promise<{ jobId: number; ms: number }> {
  const queuedAt = Date.now();
  const [jobId] = await queueRun(bench);
  const startedAt = await waitFor(
    `job ${jobId} started on a real VM`,
    async () => {
      const state = await bench.world.emulator.control.state({ deliveryBodies: false });
      const job = state.jobs.find((each) => each.id === jobId);
      return job !== undefined && job.status !== "queued" ? Date.now() : undefined;
    },
    START_TIMEOUT_MS,
    25,
  );
  return { jobId: jobId!, ms: startedAt - queuedAt };
}

async function completed(bench: BenchWorld, jobId: number): Promise<void> {
  await waitFor(
    `job ${jobId} completed`,
    async () => {
      const state = await bench.world.emulator.control.state({ deliveryBodies: false });
      return state.jobs.find((job) => job.id === jobId)?.status === "completed" || undefined;
    },
    60_000,
    100,
  );
}

async function idleVm(controller: ControllerProcess): Promise<void> {
  await waitFor(
    "a booted idle real VM",
    async () =>
      (await controller.call({ op: "vms" })).some(
        (vm) => vm.jobId === null && vm.state === "booted",
      ) || undefined,
    START_TIMEOUT_MS,
    100,
  );
}

/**
 * Boots real guests of the test image on qemu:///system with QEMU user-mode networking. Cold:
 * no warm pool, one VM at a time, each job waits for its boot. Warm: one idle VM kept booted,
 * and each job is queued once it is ready, so the job waits only for the controller.
 */
export async function benchRealVms(context: BenchContext): Promise<RealVmResult> {
  const jobsEach = context.quick ? 2 : 5;
  const logger = createLogger({ level: "silent" });
  const image = await buildTestImage({ logger });
  const accel = await detectQemuAccel(image.kernel);
  context.progress(`real VMs: test image ${image.hash.slice(0, 12)}, ${accel.toUpperCase()}`);

  const runDir = join(context.runDir, "real");
  await mkdir(runDir, { recursive: true });
  // QEMU runs as an unprivileged user on many hosts, so every folder it opens is traversable.
  await chmod(context.runDir, 0o755);
  await chmod(runDir, 0o755);
  const prefix = `${context.prefix}r`;
  const pool = `${prefix}-pool`;
  const session = new VirshSession({ uri: URI, logger, commandTimeoutMs: 60_000 });
  const bench = await createBenchWorld({ runnerBaseUrl: "http://10.0.2.2:{port}" });
  try {
    await createSandboxPool(session, pool, join(runDir, "pool"));
    const start = (kind: "cold" | "warm") =>
      startBenchController(
        context,
        bench,
        {
          runDir: join(runDir, kind),
          prefix: `${prefix}${kind[0]}-`,
          capacity: kind === "cold" ? { warmPool: 0, maxVms: 1 } : { warmPool: 1, maxVms: 2 },
          libvirt: {
            uri: URI,
            pool,
            baseVolume: BASE_VOLUME,
            directKernel: { kernel: image.kernel, initrd: image.initrd },
            domainType: accel === "kvm" ? "kvm" : "qemu",
          },
        },
        { kernelCmdline: image.cmdline, consoleLogDir: join(runDir, kind, "console") },
      );

    const coldMs: number[] = [];
    const cold = await start("cold");
    try {
      for (let index = 0; index < jobsEach; index += 1) {
        const { jobId, ms } = await timeToStart(bench);
        coldMs.push(ms);
        await completed(bench, jobId);
        await waitFor(
          "cold VM gone",
          async () => (await cold.call({ op: "libvirt" })).domains.length === 0 || undefined,
          60_000,
          200,
        );
      }
    } finally {
      await cold.stop();
    }
    context.progress(`real VMs: cold ${coldMs.map((ms) => Math.round(ms)).join(", ")} ms`);

    const warmMs: number[] = [];
    const warmJobs = new Set<number>();
    const warm = await start("warm");
    let controllerMs: number[] = [];
    try {
      for (let index = 0; index < jobsEach; index += 1) {
        await idleVm(warm);
        const { jobId, ms } = await timeToStart(bench);
        warmMs.push(ms);
        warmJobs.add(jobId);
        await completed(bench, jobId);
      }
      controllerMs = (await warm.call({ op: "jobs" }))
        .filter((job) => warmJobs.has(job.id) && job.vmBootedAt !== null)
        .map((job) => job.vmBootedAt! - job.queuedAt);
    } finally {
      await warm.stop();
    }
    context.progress(`real VMs: warm ${warmMs.map((ms) => Math.round(ms)).join(", ")} ms`);

    const coldMedianMs = median(coldMs);
    const warmMedianMs = median(warmMs);
    return {
      driver: "qemu",
      accel,
      jobsEach,
      coldMs,
      warmMs,
      coldMedianMs,
      warmMedianMs,
      warmOverCold: round(ratio(warmMedianMs, coldMedianMs), 3),
      warmControllerMedianMs: round(median(controllerMs)),
    };
  } finally {
    await removeSandboxPool(session, pool, prefix);
    await session.close();
    await bench.close();
  }
}
