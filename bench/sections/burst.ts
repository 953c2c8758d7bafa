import { join } from "node:path";

import type { BenchContext } from "../context.js";
import { startBenchController } from "../context.js";
import type { ControllerProcess } from "../controller-process.js";
import { median, ratio, round } from "../stats.js";
import { waitFor } from "../wait.js";
import { createBenchWorld, queueRun } from "../world.js";
import type { BenchWorld } from "../world.js";

const MAX_VMS = 4;
const CALIBRATION_JOBS = 6;
const JOBS_PER_RUN = 50;

/** A burst of queued jobs against a capacity of four VMs. */
export interface BurstResult {
  driver: "test";
  jobs: number;
  maxVms: number;
  /** Queue-to-VM-destroyed of one job alone, median of the calibration jobs, ms. */
  serviceMs: number | null;
  /** ceil(jobs / maxVms) × serviceMs: the makespan if every slot were always busy. */
  idealMs: number | null;
  /** First job queued to every job completed and every VM gone, ms. */
  makespanMs: number;
  makespanOverIdeal: number | null;
  /** Mean domains libvirt listed during the burst, over maxVms. */
  slotUtilisation: number | null;
  peakLibvirtDomains: number;
  peakControllerVms: number;
  libvirtSamples: number;
  jobsCompleted: number;
  leaks: { domains: number; overlays: number; registrations: number; vmRows: number };
}

/** Waits until libvirt lists none of our domains and every job of `jobIds` completed. */
async function settled(
  bench: BenchWorld,
  controller: ControllerProcess,
  jobIds: ReadonlySet<number>,
  timeoutMs: number,
): Promise<number> {
  return waitFor(
    "burst settled",
    async () => {
      const state = await bench.world.emulator.control.state({ deliveryBodies: false });
      const done = state.jobs.filter((job) => jobIds.has(job.id) && job.status === "completed");
      if (done.length < jobIds.size) return undefined;
      const libvirt = await controller.call({ op: "libvirt" });
      return libvirt.domains.length === 0 ? Date.now() : undefined;
    },
    timeoutMs,
    100,
  );
}

/**
 * Measures one job's service time alone, then queues the whole burst at once and samples
 * libvirt's domain list through the controller's own connection while it drains.
 */
export async function benchBurst(context: BenchContext): Promise<BurstResult> {
  const jobs = context.quick ? 200 : 500;
  const runDir = join(context.runDir, "burst");
  const prefix = `${context.prefix}b-`;
  const bench = await createBenchWorld();
  const controller = await startBenchController(
    context,
    bench,
    { runDir, prefix, capacity: { warmPool: 0, maxVms: MAX_VMS } },
    { simulatedGuests: { stepMode: "succeed" } },
  );
  try {
    const service: number[] = [];
    for (let index = 0; index < CALIBRATION_JOBS; index += 1) {
      const ids = new Set(await queueRun(bench));
      const started = Date.now();
      service.push((await settled(bench, controller, ids, 30_000)) - started);
    }
    const serviceMs = median(service);
    context.progress(`burst: service time of one job alone ${serviceMs} ms`);

    await controller.call({ op: "sampleStart", intervalMs: 200, maxMs: 600_000 });
    const queuedFrom = Date.now();
    const burstIds = new Set<number>();
    for (let queued = 0; queued < jobs; queued += JOBS_PER_RUN) {
      for (const id of await queueRun(bench, Math.min(JOBS_PER_RUN, jobs - queued))) {
        burstIds.add(id);
      }
    }
    const finishedAt = await settled(
      bench,
      controller,
      burstIds,
      context.quick ? 120_000 : 240_000,
    );
    const samples = await controller.call({ op: "sampleStop" });
    const makespanMs = finishedAt - queuedFrom;
    context.progress(`burst: ${jobs} jobs in ${Math.round(makespanMs / 1000)} s`);

    const leaks = await measureLeaks(bench, controller, prefix);
    const idealMs = serviceMs === null ? null : Math.ceil(jobs / MAX_VMS) * serviceMs;
    const state = await bench.world.emulator.control.state({ deliveryBodies: false });
    return {
      driver: "test",
      jobs,
      maxVms: MAX_VMS,
      serviceMs,
      idealMs,
      makespanMs,
      makespanOverIdeal: round(ratio(makespanMs, idealMs), 2),
      slotUtilisation: round(samples.meanDomains / MAX_VMS, 2),
      peakLibvirtDomains: samples.peakDomains,
      peakControllerVms: samples.peakTrackedVms,
      libvirtSamples: samples.samples,
      jobsCompleted: state.jobs.filter((job) => burstIds.has(job.id) && job.status === "completed")
        .length,
      leaks,
    };
  } finally {
    await controller.stop();
    await bench.close();
  }
}

/**
 * Counts what is left once the controller had a few reconcile passes: domains and overlays
 * from libvirt, registrations with our prefix from GitHub, and VM rows in the database.
 */
async function measureLeaks(
  bench: BenchWorld,
  controller: ControllerProcess,
  prefix: string,
): Promise<BurstResult["leaks"]> {
  const count = async () => {
    const libvirt = await controller.call({ op: "libvirt" });
    const state = await bench.world.emulator.control.state({ deliveryBodies: false });
    return {
      domains: libvirt.domains.length,
      overlays: libvirt.overlays.length,
      registrations: state.runners.filter((runner) => runner.name.startsWith(prefix)).length,
      vmRows: (await controller.call({ op: "vms" })).length,
    };
  };
  // Registrations and overlays may trail the domain by one cleanup step; give them 20 s.
  return waitFor(
    "no leftovers",
    async () => {
      const left = await count();
      return Object.values(left).every((value) => value === 0) ? left : undefined;
    },
    20_000,
    250,
  ).catch(() => count());
}
