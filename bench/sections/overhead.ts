import { readFile } from "node:fs/promises";
import { join } from "node:path";

import { z } from "zod";

import type { JobTimeline } from "../child/protocol.js";
import type { BenchContext } from "../context.js";
import { startBenchController } from "../context.js";
import { percentile, round } from "../stats.js";
import { waitFor } from "../wait.js";
import { createBenchWorld, queueRun } from "../world.js";

/** Controller overhead per job on the warm path, from its own timestamps. */
export interface OverheadResult {
  driver: "test";
  jobs: number;
  /** Jobs whose VM existed before the job was received, so no boot was in their path. */
  warmHits: number;
  /** Webhook receipt to JIT config delivered, ms. */
  p50Ms: number | null;
  p95Ms: number | null;
  maxMs: number | null;
  /** Receipt to the trust decision (two rounds of GitHub reads), from the controller's log. */
  trustP50Ms: number | null;
  trustP95Ms: number | null;
  /** Trust decision to JIT config delivered (`generate-jitconfig` and the channel write). */
  issueP50Ms: number | null;
  issueP95Ms: number | null;
}

const trustLineSchema = z.object({
  msg: z.literal("job trusted"),
  jobId: z.number(),
  time: z.number(),
});

/** Times of the "job trusted" log lines by job id; pino writes `time` in epoch ms. */
async function trustTimes(logFile: string): Promise<Map<number, number>> {
  const times = new Map<number, number>();
  for (const line of (await readFile(logFile, "utf8")).split("\n")) {
    if (!line.includes('"job trusted"')) continue;
    const parsed = trustLineSchema.safeParse(JSON.parse(line));
    if (parsed.success) times.set(parsed.data.jobId, parsed.data.time);
  }
  return times;
}

/**
 * Queues jobs one at a time against a controller with one warm VM on libvirt's test driver
 * (simulated guests). Each job is queued once the pool has a booted idle VM, so the time
 * from the controller's receipt of the `queued` webhook to the JIT config's delivery is the
 * controller's own work: trust re-check, `generate-jitconfig`, delivery. No boot is in it.
 */
export async function benchOverhead(context: BenchContext): Promise<OverheadResult> {
  const jobs = context.quick ? 15 : 40;
  const runDir = join(context.runDir, "overhead");
  const bench = await createBenchWorld();
  const controller = await startBenchController(
    context,
    bench,
    { runDir, prefix: `${context.prefix}o-`, capacity: { warmPool: 1, maxVms: 2 } },
    { simulatedGuests: { stepMode: "succeed" } },
  );
  try {
    const samples: number[] = [];
    const timelines: JobTimeline[] = [];
    const idleBefore = new Map<number, Set<string>>();
    for (let index = 0; index < jobs; index += 1) {
      // The previous job's teardown and the pool's refill finish first, so each job meets a
      // quiet controller with exactly one booted idle VM.
      const idle = await waitFor(
        "one booted idle VM and nothing else",
        async () => {
          const vms = await controller.call({ op: "vms" });
          const ready = vms.length === 1 && vms[0]!.jobId === null && vms[0]!.state === "booted";
          return ready ? new Set([vms[0]!.name]) : undefined;
        },
        20_000,
        10,
      );
      const [jobId] = await queueRun(bench);
      idleBefore.set(jobId!, idle);
      const job = await waitFor(
        `JIT config delivered for job ${jobId}`,
        async () => {
          const row = await controller.call({ op: "job", jobId: jobId! });
          return row?.vmBootedAt == null ? undefined : row;
        },
        20_000,
        50,
      );
      samples.push(job.vmBootedAt! - job.queuedAt);
      timelines.push(job);
    }
    // A job served by a VM that was idle before it was queued had no boot in its path.
    const state = await waitFor(
      "every overhead job completed",
      async () => {
        const now = await bench.world.emulator.control.state({ deliveryBodies: false });
        return now.jobs.every((job) => job.status === "completed") ? now : undefined;
      },
      30_000,
      100,
    );
    const warmHits = state.jobs.filter(
      (job) => job.runnerName !== null && idleBefore.get(job.id)?.has(job.runnerName) === true,
    ).length;
    const trusted = await trustTimes(join(runDir, "controller.log"));
    const trust: number[] = [];
    const issue: number[] = [];
    for (const job of timelines) {
      const at = trusted.get(job.id);
      if (at === undefined) continue;
      trust.push(at - job.queuedAt);
      issue.push(job.vmBootedAt! - at);
    }
    context.progress(`overhead: ${jobs} warm jobs measured`);
    return {
      trustP50Ms: round(percentile(trust, 0.5)),
      trustP95Ms: round(percentile(trust, 0.95)),
      issueP50Ms: round(percentile(issue, 0.5)),
      issueP95Ms: round(percentile(issue, 0.95)),
      driver: "test",
      jobs,
      warmHits,
      p50Ms: round(percentile(samples, 0.5)),
      p95Ms: round(percentile(samples, 0.95)),
      maxMs: round(percentile(samples, 1)),
    };
  } finally {
    await controller.stop();
    await bench.close();
  }
}
