import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { JobRecord, VmRowState } from "./core/types.js";

/** Buckets in seconds for the job timeline, from a warm take to a long job. */
const TIMELINE_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900, 3600, 21600];

const VM_STATES: readonly VmRowState[] = [
  "creating",
  "booting",
  "booted",
  "registering",
  "registered",
  "running",
  "destroying",
];

/** The controller's Prometheus metrics, in a registry of its own so tests can run several. */
export class ControllerMetrics {
  readonly registry = new Registry();
  readonly jobPhase: Histogram<"phase">;
  readonly refusedJobs: Counter<"reason">;
  readonly githubErrors: Counter<"call" | "status">;
  readonly leakedCleaned: Counter<"kind">;
  readonly vmsDestroyed: Counter<"reason">;
  readonly untrustedJobsStopped: Counter;
  readonly rejectedRunsCancelled: Counter;
  readonly actionFailures: Counter<"action">;
  readonly abandonedJobs: Counter;

  /**
   * Creates the metrics; `vmStates` and `rateLimitRemaining` are read at scrape time.
   */
  constructor(
    vmStates: () => Partial<Record<VmRowState, number>>,
    rateLimitRemaining: () => number | null,
    withDefaults = false,
  ) {
    const registers = [this.registry];
    if (withDefaults) collectDefaultMetrics({ register: this.registry });
    this.jobPhase = new Histogram({
      name: "tr_job_phase_seconds",
      help: "Seconds between points of a job's timeline: queued, VM booted, job started, VM destroyed.",
      labelNames: ["phase"],
      buckets: TIMELINE_BUCKETS,
      registers,
    });
    this.refusedJobs = new Counter({
      name: "tr_jobs_refused_total",
      help: "Jobs that asked for the trusted labels and failed the trust re-check, by reason code.",
      labelNames: ["reason"],
      registers,
    });
    this.githubErrors = new Counter({
      name: "tr_github_errors_total",
      help: "GitHub calls that failed after retries, by call and HTTP status.",
      labelNames: ["call", "status"],
      registers,
    });
    this.leakedCleaned = new Counter({
      name: "tr_leaked_resources_cleaned_total",
      help: "Resources found without an owner and removed: domain, overlay or registration.",
      labelNames: ["kind"],
      registers,
    });
    this.vmsDestroyed = new Counter({
      name: "tr_vms_destroyed_total",
      help: "VMs destroyed, by reason.",
      labelNames: ["reason"],
      registers,
    });
    this.untrustedJobsStopped = new Counter({
      name: "tr_untrusted_jobs_stopped_total",
      help: "Untrusted jobs that a runner of ours started; their VM was destroyed and run cancelled.",
      registers,
    });
    this.rejectedRunsCancelled = new Counter({
      name: "tr_rejected_runs_cancelled_total",
      help: "Workflow runs cancelled because a queued job asked for the trusted labels and failed the re-check.",
      registers,
    });
    this.actionFailures = new Counter({
      name: "tr_action_failures_total",
      help: "Planned actions that failed, by action kind.",
      labelNames: ["action"],
      registers,
    });
    this.abandonedJobs = new Counter({
      name: "tr_jobs_abandoned_total",
      help: "Trusted jobs given up after every boot attempt failed; they stay queued on GitHub.",
      registers,
    });
    new Gauge({
      name: "tr_vms",
      help: "VMs the controller tracks, by lifecycle state.",
      labelNames: ["state"],
      registers,
      collect() {
        const counts = vmStates();
        for (const state of VM_STATES) this.set({ state }, counts[state] ?? 0);
      },
    });
    new Gauge({
      name: "tr_github_rate_limit_remaining",
      help: "Requests left in the GitHub rate-limit window, from the last response.",
      registers,
      collect() {
        const remaining = rateLimitRemaining();
        if (remaining !== null) this.set(remaining);
      },
    });
  }

  /** Records the phases of a job's timeline that have both ends. */
  observeTimeline(job: JobRecord, point: "vmBootedAt" | "jobStartedAt" | "vmDestroyedAt"): void {
    const seconds = (from: number | null, to: number | null): number | null =>
      from === null || to === null ? null : Math.max(0, (to - from) / 1000);
    const phases: Record<typeof point, [string, number | null][]> = {
      vmBootedAt: [["queued_to_vm_booted", seconds(job.queuedAt, job.vmBootedAt)]],
      jobStartedAt: [
        ["queued_to_job_started", seconds(job.queuedAt, job.jobStartedAt)],
        ["vm_booted_to_job_started", seconds(job.vmBootedAt, job.jobStartedAt)],
      ],
      vmDestroyedAt: [
        ["job_started_to_vm_destroyed", seconds(job.jobStartedAt, job.vmDestroyedAt)],
        ["queued_to_vm_destroyed", seconds(job.queuedAt, job.vmDestroyedAt)],
      ],
    };
    for (const [phase, value] of phases[point]) {
      if (value !== null) this.jobPhase.observe({ phase }, value);
    }
  }
}
