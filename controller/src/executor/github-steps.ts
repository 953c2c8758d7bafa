import { errorSummary } from "../github/api.js";
import { repoRef, verifyJobTrust } from "../trust/verify-trust.js";
import type { ExecutorContext } from "./context.js";
import { withTimeout } from "./with-timeout.js";

/** Re-checks a job's trust and stores the decision; a refusal is logged and counted. */
export async function verifyTrust(context: ExecutorContext, jobId: number): Promise<void> {
  const { store, logger, metrics } = context;
  const job = store.getJob(jobId);
  if (job === undefined || job.trust !== "unknown") return;

  const result = await withTimeout(
    "verifyTrust",
    context.callTimeoutMs,
    verifyJobTrust(context.api, context.config, job),
  );
  store.setTrust(jobId, result.trusted ? "trusted" : "refused", result.reasons, context.now());
  const fields = { jobId, runId: job.runId, repo: job.repo, reasons: result.reasons };
  if (result.trusted) {
    logger.info(fields, "job trusted");
    return;
  }
  for (const reason of result.reasons) metrics.refusedJobs.inc({ reason });
  logger.warn(fields, "job rejected: it requests the trusted labels but failed the trust check");

  if (!context.config.routing.cancelRejectedRuns) return;
  if (result.reasons.some((reason) => LOOKUP_FAILURES.has(reason))) return;
  try {
    const cancelled = await withTimeout(
      "cancelRun",
      context.callTimeoutMs,
      context.api.cancelRun(repoRef(job.repo), job.runId),
    );
    if (cancelled) metrics.rejectedRunsCancelled.inc();
    logger.warn({ ...fields, cancelled }, "rejected job's workflow run cancelled");
  } catch (error) {
    // The refusal is already stored. If the run still reaches one of our runners, that path
    // destroys the VM and cancels the run instead.
    logger.warn({ ...fields, err: errorSummary(error) }, "cancelling rejected job's run failed");
  }
}

/** Refusal reasons that mean GitHub's records could not be read, not that the policy failed. */
const LOOKUP_FAILURES: ReadonlySet<string> = new Set([
  "workflow-run-not-found",
  "pull-request-not-found",
  "invalid-github-records",
  "repository-not-configured",
]);

/** Cancels the workflow run of an untrusted job that one of our runners started. */
export async function cancelRun(
  context: ExecutorContext,
  jobId: number,
  runId: number,
  repo: string,
): Promise<void> {
  const cancelled = await withTimeout(
    "cancelRun",
    context.callTimeoutMs,
    context.api.cancelRun(repoRef(repo), runId),
  );
  context.metrics.untrustedJobsStopped.inc();
  context.logger.warn({ jobId, runId, repo, cancelled }, "workflow run cancelled");
}

/** Deletes a registration of ours that has no VM. */
export async function deleteOrphanRunner(
  context: ExecutorContext,
  runnerId: number,
  runnerName: string,
): Promise<void> {
  const result = await withTimeout(
    "deleteRunner",
    context.callTimeoutMs,
    context.api.deleteRunner(runnerId),
  );
  if (result === "deleted") context.metrics.leakedCleaned.inc({ kind: "registration" });
  context.logger.info(
    { runnerId, vmName: runnerName, result },
    "orphan registration delete requested",
  );
}

/** Deletes an overlay volume that has no domain. */
export async function deleteOrphanOverlay(context: ExecutorContext, name: string): Promise<void> {
  try {
    await withTimeout("deleteOverlay", context.callTimeoutMs, context.driver.deleteOverlay(name));
  } catch (error) {
    context.logger.warn({ vmName: name, err: errorSummary(error) }, "overlay delete failed");
    throw error;
  }
  context.metrics.leakedCleaned.inc({ kind: "overlay" });
  context.logger.info({ vmName: name }, "orphan overlay deleted");
}
