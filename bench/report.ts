import type { BurstResult } from "./sections/burst.js";
import type { IngestionResult } from "./sections/ingestion.js";
import type { MemoryResult } from "./sections/memory.js";
import type { OverheadResult } from "./sections/overhead.js";
import type { RealVmResult } from "./sections/real-vms.js";

/** Targets the figures are held against. */
export const TARGETS = {
  overheadP95Ms: 50,
  maxVms: 4,
  rssMiB: 150,
} as const;

/** Every figure of one benchmark run; `--json` prints this object. */
export interface BenchReport {
  command: string;
  startedAt: string;
  durationSeconds: number;
  machine: {
    cpus: number;
    cpuModel: string;
    loadAverageAtStart: number[];
    loadAverageAtEnd: number[];
    node: string;
  };
  quick: boolean;
  /** Null with `--driver test`: no real VM was booted. */
  realVms: RealVmResult | null;
  overhead: OverheadResult;
  burst: BurstResult;
  ingestion: IngestionResult;
  memory: MemoryResult;
  verdicts: {
    overheadP95UnderTarget: boolean;
    burstWithinCapacity: boolean;
    burstWithoutLeaks: boolean;
    rssUnderTarget: boolean;
  };
}

/** Compares the figures with {@link TARGETS}. */
export function verdictsOf(report: Omit<BenchReport, "verdicts">): BenchReport["verdicts"] {
  const { burst, overhead, memory } = report;
  return {
    overheadP95UnderTarget: overhead.p95Ms !== null && overhead.p95Ms < TARGETS.overheadP95Ms,
    burstWithinCapacity:
      burst.peakLibvirtDomains <= TARGETS.maxVms && burst.peakControllerVms <= TARGETS.maxVms,
    burstWithoutLeaks:
      burst.jobsCompleted === burst.jobs && Object.values(burst.leaks).every((left) => left === 0),
    rssUnderTarget: memory.tracking.rssMiB !== null && memory.tracking.rssMiB < TARGETS.rssMiB,
  };
}

const seconds = (ms: number | null): string =>
  ms === null ? "n/a" : `${(ms / 1000).toFixed(1)} s`;
const pass = (ok: boolean): string => (ok ? "PASS" : "FAIL");

/** Renders the report as the lines BENCHMARKS.md quotes. */
export function formatReport(report: BenchReport): string {
  const { realVms, overhead, burst, ingestion, memory, verdicts, machine } = report;
  const lines = [
    `command: ${report.command}`,
    `machine: ${machine.cpus} CPUs (${machine.cpuModel}), load ${machine.loadAverageAtStart.join(" ")} at start, ${machine.loadAverageAtEnd.join(" ")} at end, Node ${machine.node}; ${report.durationSeconds} s`,
    "",
    realVms === null
      ? "real VMs: skipped (--driver test)"
      : `real VMs (qemu:///system, ${realVms.accel.toUpperCase()}, ${realVms.jobsEach} jobs each): queue to job started, cold median ${seconds(realVms.coldMedianMs)}, warm median ${seconds(realVms.warmMedianMs)}, warm/cold ${realVms.warmOverCold}; controller receipt to JIT delivered on warm jobs, median ${realVms.warmControllerMedianMs} ms`,
    `controller overhead (test driver, warm VM, ${overhead.jobs} jobs, ${overhead.warmHits} served warm): receipt to JIT delivered p50 ${overhead.p50Ms} ms, p95 ${overhead.p95Ms} ms, max ${overhead.maxMs} ms (trust re-check p50 ${overhead.trustP50Ms} / p95 ${overhead.trustP95Ms} ms, JIT issue and delivery p50 ${overhead.issueP50Ms} / p95 ${overhead.issueP95Ms} ms); target p95 < ${TARGETS.overheadP95Ms} ms: ${pass(verdicts.overheadP95UnderTarget)}`,
    `burst (test driver, ${burst.jobs} jobs, max ${burst.maxVms} VMs): makespan ${seconds(burst.makespanMs)}, ideal ${seconds(burst.idealMs)} (service ${burst.serviceMs} ms per job alone), makespan/ideal ${burst.makespanOverIdeal}, slot utilisation ${burst.slotUtilisation}; peak ${burst.peakLibvirtDomains} domains in libvirt (${burst.libvirtSamples} samples), ${burst.peakControllerVms} in the controller: ${pass(verdicts.burstWithinCapacity)}; ${burst.jobsCompleted} completed, leaks ${JSON.stringify(burst.leaks)}: ${pass(verdicts.burstWithoutLeaks)}`,
    `webhook ingestion (${ingestion.deliveries} signed deliveries of ${ingestion.bodyBytes} bytes, ${ingestion.concurrency} connections): median of ${ingestion.rounds} alternating rounds: bare server ${ingestion.bare.perSecond}/s, controller ${ingestion.controllerNotOurs.perSecond}/s for jobs not ours (${ingestion.notOursOverBare} of bare), ${ingestion.controllerDuplicates.perSecond}/s for duplicate deliveries (${ingestion.duplicatesOverBare} of bare)`,
    `memory (${memory.trackedJobs} tracked jobs, ${memory.gcBeforeReading ? "after a full GC" : "without GC"}): RSS ${memory.tracking.rssMiB} MiB (idle ${memory.idle.rssMiB} MiB), heap used ${memory.tracking.heapUsedMiB} of ${memory.tracking.heapTotalMiB} MiB (idle ${memory.idle.heapUsedMiB} of ${memory.idle.heapTotalMiB} MiB); target < ${TARGETS.rssMiB} MiB: ${pass(verdicts.rssUnderTarget)}`,
  ];
  return `${lines.join("\n")}\n`;
}
