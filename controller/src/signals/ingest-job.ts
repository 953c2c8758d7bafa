import type { ControllerConfig } from "../config/schema.js";
import type { JobStatus } from "../core/types.js";
import type { WorkflowJob } from "../github/schemas.js";
import type { ControllerMetrics } from "../metrics.js";
import type { Store } from "../store/store.js";

const JOB_STATUSES: ReadonlySet<string> = new Set([
  "waiting",
  "queued",
  "in_progress",
  "completed",
]);

/** True when the job requests every configured label (GitHub compares labels case-insensitively). */
export function requestsTrustedLabels(
  jobLabels: readonly string[],
  labels: readonly string[],
): boolean {
  const requested = new Set(jobLabels.map((label) => label.toLowerCase()));
  return labels.every((label) => requested.has(label.toLowerCase()));
}

/**
 * Records a job seen in a webhook or a poll when it concerns us: it requests the trusted
 * labels, or one of our runners took it (GitHub may give any job whose labels our runners
 * cover to them). Returns whether it was recorded.
 */
export function ingestJob(
  store: Store,
  config: ControllerConfig,
  metrics: ControllerMetrics,
  job: WorkflowJob,
  repo: string,
  now: number,
): boolean {
  if (!JOB_STATUSES.has(job.status)) return false;
  const runnerName = job.runner_name ?? null;
  const ours = runnerName !== null && runnerName.startsWith(config.libvirt.namePrefix);
  const known = store.getJob(job.id) !== undefined;
  if (!ours && !known && !requestsTrustedLabels(job.labels, config.github.labels)) return false;

  const before = store.getJob(job.id);
  const after = store.observeJob(
    {
      id: job.id,
      runId: job.run_id,
      repo,
      labels: job.labels,
      status: job.status as JobStatus,
      runnerName: ours ? runnerName : null,
    },
    now,
  );
  if (before?.jobStartedAt == null && after.jobStartedAt !== null) {
    metrics.observeTimeline(after, "jobStartedAt");
  }
  return true;
}
