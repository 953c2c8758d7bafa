import type { ControllerConfig } from "../config/schema.js";
import type { GithubApi } from "../github/api.js";
import type { ControllerMetrics } from "../metrics.js";
import type { Store } from "../store/store.js";
import { ingestJob } from "./ingest-job.js";

/** Most jobs followed with one `getJob` call each per poll, so a poll ends in bounded time. */
const MAX_FOLLOWED_JOBS = 200;

/** Dependencies of {@link pollJobs}. */
export interface PollerDeps {
  store: Store;
  api: GithubApi;
  config: ControllerConfig;
  metrics: ControllerMetrics;
  now: () => number;
}

/**
 * Finds the queued jobs of every repository in scope, then follows the tracked jobs that were
 * not in that list (they started, finished or were cancelled). This alone runs every job when
 * no webhook arrives. Returns how many jobs it recorded.
 */
export async function pollJobs(deps: PollerDeps): Promise<number> {
  const { store, api, config, metrics } = deps;
  const queuedIds = new Set<number>();
  let recorded = 0;

  for (const repo of config.github.repositories) {
    const fullName = `${repo.owner}/${repo.name}`;
    for (const job of await api.listQueuedJobs(repo)) {
      queuedIds.add(job.id);
      if (ingestJob(store, config, metrics, job, fullName, deps.now())) recorded += 1;
    }
  }

  const withVm = new Set(store.vms().map((vm) => vm.jobId));
  const followed = store
    .activeJobs()
    .filter((job) => job.status !== "completed" && !queuedIds.has(job.id))
    .filter((job) => job.trust !== "refused" || withVm.has(job.id))
    .slice(0, MAX_FOLLOWED_JOBS);
  for (const job of followed) {
    const [owner = "", name = ""] = job.repo.split("/");
    const current = await api.getJob({ owner, name }, job.id);
    // A job GitHub no longer has is over, whatever its last known status.
    const observed = current ?? {
      id: job.id,
      run_id: job.runId,
      status: "completed",
      labels: job.labels,
      runner_name: null,
    };
    if (ingestJob(store, config, metrics, observed, job.repo, deps.now())) recorded += 1;
  }
  return recorded;
}
