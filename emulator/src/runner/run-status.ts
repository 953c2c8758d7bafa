import type { Store } from "../model/store.js";
import type { WorkflowRun } from "../model/types.js";

export interface RunStatus {
  status: "queued" | "waiting" | "in_progress" | "completed";
  conclusion: "success" | "failure" | "cancelled" | null;
}

/**
 * Derives a run's status from its jobs: completed when every job is, in progress once any job
 * has started or finished, waiting when every open job awaits approval, else queued.
 */
export function runStatus(store: Store, run: WorkflowRun): RunStatus {
  const jobs = store.runJobs(run);
  if (jobs.every((job) => job.status === "completed")) {
    const conclusion = run.cancelRequested
      ? "cancelled"
      : jobs.some((job) => job.conclusion === "failure")
        ? "failure"
        : jobs.some((job) => job.conclusion === "cancelled")
          ? "cancelled"
          : "success";
    return { status: "completed", conclusion };
  }
  if (jobs.some((job) => job.status === "in_progress" || job.status === "completed")) {
    return { status: "in_progress", conclusion: null };
  }
  if (jobs.every((job) => job.status === "waiting")) return { status: "waiting", conclusion: null };
  return { status: "queued", conclusion: null };
}
