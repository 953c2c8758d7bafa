import { join } from "node:path";

import type { BenchContext } from "../context.js";
import { startBenchController } from "../context.js";
import { round } from "../stats.js";
import { waitFor } from "../wait.js";
import { createBenchWorld, queueRun } from "../world.js";

const TRACKED_JOBS = 1000;
const JOBS_PER_RUN = 50;
const MIB = 1024 * 1024;

/** Resident memory of a controller process alone, before and while it tracks 1,000 jobs. */
export interface MemoryResult {
  trackedJobs: number;
  /** Whether the child ran a full garbage collection before each reading. */
  gcBeforeReading: boolean;
  idle: MemoryReading;
  tracking: MemoryReading;
}

/** One reading of `process.memoryUsage()` in MiB. */
export interface MemoryReading {
  rssMiB: number | null;
  heapTotalMiB: number | null;
  heapUsedMiB: number | null;
  externalMiB: number | null;
}

function reading(usage: { rss: number; heapTotal: number; heapUsed: number; external: number }) {
  return {
    rssMiB: round(usage.rss / MIB),
    heapTotalMiB: round(usage.heapTotal / MIB),
    heapUsedMiB: round(usage.heapUsed / MIB),
    externalMiB: round(usage.external / MIB),
  };
}

/**
 * Queues 1,000 trusted jobs against a controller with four VM slots whose simulated guests
 * never boot, so every job stays tracked (four waiting for a boot, the rest for capacity) and
 * the planner walks all of them on every tick. RSS is read in the controller's own process.
 */
export async function benchMemory(context: BenchContext): Promise<MemoryResult> {
  const bench = await createBenchWorld();
  const controller = await startBenchController(
    context,
    bench,
    {
      runDir: join(context.runDir, "memory"),
      prefix: `${context.prefix}m-`,
      capacity: { warmPool: 0, maxVms: 4 },
      bootSeconds: 600,
    },
    { simulatedGuests: { fault: "never-boots" } },
  );
  try {
    // Let the first reconcile and poll settle before the idle reading.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const idle = await controller.call({ op: "memory" });
    for (let queued = 0; queued < TRACKED_JOBS; queued += JOBS_PER_RUN) {
      await queueRun(bench, JOBS_PER_RUN);
    }
    const tracked = await waitFor(
      `${TRACKED_JOBS} jobs tracked`,
      async () => {
        const jobs = await controller.call({ op: "jobs" });
        return jobs.length >= TRACKED_JOBS ? jobs.length : undefined;
      },
      60_000,
      250,
    );
    // A few planner heartbeats over the full backlog, then the reading.
    await new Promise((resolve) => setTimeout(resolve, 5000));
    const loaded = await controller.call({ op: "memory" });
    context.progress(`memory: ${Math.round(loaded.rss / MIB)} MiB RSS with ${tracked} jobs`);
    return {
      trackedJobs: tracked,
      gcBeforeReading: loaded.gcExposed,
      idle: reading(idle),
      tracking: reading(loaded),
    };
  } finally {
    await controller.stop();
    await bench.close();
  }
}
