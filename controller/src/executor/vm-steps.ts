import { setTimeout as sleep } from "node:timers/promises";

import type { DestroyReason } from "../core/types.js";
import { errorSummary } from "../github/api.js";
import { RunnerNameTakenError } from "../github/errors.js";
import type { VmMetadata } from "../libvirt/driver.js";
import { metadataFor, reachStep } from "./context.js";
import type { ExecutorContext } from "./context.js";
import { withTimeout } from "./with-timeout.js";

/**
 * Wait before a failed `createVm` counts as a boot attempt, doubled for each earlier attempt of
 * the job. Such failures (a missing base volume, a full pool) return within milliseconds, and
 * without the wait a job would use up all its boot attempts before a brief fault could clear.
 */
const CREATE_FAILURE_DELAY_MS = 1000;

/**
 * Creates a VM and waits for its guest. The VM row is written first, so a crash during
 * `createVm` leaves a `creating` row that the next plan cleans up.
 */
export async function bootVm(
  context: ExecutorContext,
  vmName: string,
  jobId: number | null,
): Promise<void> {
  const { store, driver } = context;
  const createdAt = context.now();
  store.insertVm(vmName, jobId, createdAt);
  await reachStep(context, "vmRecorded", vmName);

  try {
    const metadata = metadataFor(jobId, "booting", createdAt);
    await withTimeout(
      "createVm",
      context.callTimeoutMs,
      driver.createVm({ name: vmName, metadata }),
    );
  } catch (error) {
    // The VM row stays while this waits, so the job gets no other VM in the meantime.
    const attempts = jobId === null ? 0 : (store.getJob(jobId)?.bootAttempts ?? 0);
    await sleep(CREATE_FAILURE_DELAY_MS * 2 ** attempts);
    await failBoot(context, vmName, error);
    return;
  }
  store.transitionVm(vmName, ["creating"], "booting", context.now());
  await reachStep(context, "vmCreated", vmName);
  await awaitBoot(context, vmName);
}

/** Waits for the guest's `ready` line for what is left of the boot timeout. */
export async function awaitBoot(context: ExecutorContext, vmName: string): Promise<void> {
  const { store, driver } = context;
  const vm = store.getVm(vmName);
  if (vm === undefined || vm.state !== "booting") return;

  const bootTimeoutMs = context.config.timeouts.bootSeconds * 1000;
  const leftMs = Math.max(1, bootTimeoutMs - (context.now() - vm.stateChangedAt));
  try {
    // The driver enforces the boot timeout; the outer limit only guards against a hung driver.
    await withTimeout(
      "waitForBoot",
      leftMs + context.callTimeoutMs,
      driver.waitForBoot(vmName, leftMs),
    );
  } catch (error) {
    await failBoot(context, vmName, error);
    return;
  }

  const now = context.now();
  if (!store.transitionVm(vmName, ["booting"], "booted", now)) return;
  const jobId = store.getVm(vmName)?.jobId ?? null;
  context.logger.info({ vmName, jobId, bootMs: now - vm.createdAt }, "VM booted");
  await reachStep(context, "vmBooted", vmName);
  await updateMetadata(context, vmName, jobId === null ? "idle" : "assigned");
}

/** Destroys a VM whose boot failed or timed out and counts the attempt for its job. */
async function failBoot(context: ExecutorContext, vmName: string, error: unknown): Promise<void> {
  const jobId = context.store.getVm(vmName)?.jobId ?? null;
  context.logger.warn({ vmName, jobId, err: errorSummary(error) }, "VM boot failed");
  if (jobId !== null) context.store.countBootFailure(jobId, context.now());
  await destroyVm(context, vmName, "boot_timeout", { countFailure: false });
}

/**
 * Issues the JIT config for a booted VM and delivers it. The runner name (the VM name) is
 * recorded as `registering` before `generate-jitconfig`, so after a crash the next plan treats
 * a registration as possible and deletes it with the VM.
 */
export async function registerRunner(
  context: ExecutorContext,
  vmName: string,
  jobId: number,
): Promise<void> {
  const { store, driver, logger } = context;
  if (!store.transitionVm(vmName, ["booted"], "registering", context.now())) return;
  await reachStep(context, "runnerRecorded", vmName);

  let jit;
  try {
    jit = await issueJitConfig(context, vmName);
  } catch (error) {
    // No config reached the guest, so the VM stays usable and the next plan requests one again.
    logger.warn({ vmName, jobId, err: errorSummary(error) }, "JIT config request failed");
    store.transitionVm(vmName, ["registering"], "booted", context.now());
    throw error;
  }
  store.setRunnerId(vmName, jit.runnerId);
  await reachStep(context, "jitIssued", vmName);

  try {
    await withTimeout(
      "deliverJitConfig",
      context.callTimeoutMs,
      driver.deliverJitConfig(vmName, jit.encodedJitConfig),
    );
  } catch (error) {
    logger.warn(
      { vmName, jobId, runnerId: jit.runnerId, err: errorSummary(error) },
      "JIT delivery failed",
    );
    await destroyVm(context, vmName, "interrupted");
    return;
  }
  // The runner may already have taken a job (the row is then `running`), so the transition
  // can fail while the delivery still counts.
  const deliveredAt = context.now();
  store.transitionVm(vmName, ["registering"], "registered", deliveredAt);
  logger.info({ vmName, jobId, runnerId: jit.runnerId }, "JIT config delivered");
  store.markTimeline(jobId, "vmBootedAt", deliveredAt);
  const job = store.getJob(jobId);
  if (job !== undefined) context.metrics.observeTimeline(job, "vmBootedAt");
  await reachStep(context, "jitDelivered", vmName);
  // TODO: the domain metadata stays `assigned` after the job starts, because a job start is a
  // database update with no driver step. Restarts read the database, so only `virsh` views lag.
  if (store.getVm(vmName)?.state === "registered")
    await updateMetadata(context, vmName, "assigned");
}

/** Requests the JIT config; a 409 means an earlier attempt registered the name, so delete it. */
async function issueJitConfig(
  context: ExecutorContext,
  vmName: string,
): Promise<{ runnerId: number; encodedJitConfig: string }> {
  const { api } = context;
  const request = () =>
    withTimeout("generateJitConfig", context.callTimeoutMs, api.generateJitConfig(vmName));
  try {
    return await request();
  } catch (error) {
    if (!(error instanceof RunnerNameTakenError)) throw error;
    const stale = await withTimeout(
      "listRunners",
      context.callTimeoutMs,
      api.listRunners(vmName, "scaleUp"),
    );
    for (const runner of stale.filter((candidate) => candidate.name === vmName)) {
      await withTimeout(
        "deleteRunner",
        context.callTimeoutMs,
        api.deleteRunner(runner.id, "scaleUp"),
      );
      context.logger.info(
        { vmName, runnerId: runner.id },
        "deleted stale registration of the same name",
      );
    }
    return await request();
  }
}

/** Options of {@link destroyVm}. */
export interface DestroyOptions {
  /** Count a boot timeout against the VM's job; false when the caller already did. */
  countFailure?: boolean;
}

/**
 * Destroys a VM, its overlay and its runner registration. The row turns `destroying` first
 * and is deleted once libvirt no longer has the domain, so capacity frees even when GitHub is
 * slow. The orphan sweep removes a registration that a crash after that point leaves behind.
 */
export async function destroyVm(
  context: ExecutorContext,
  vmName: string,
  reason: DestroyReason,
  options: DestroyOptions = {},
): Promise<void> {
  const { store, driver, api, logger, metrics } = context;
  const vm = store.getVm(vmName);
  if (vm !== undefined) {
    store.transitionVm(vmName, [vm.state], "destroying", context.now());
  }
  await reachStep(context, "destroyRecorded", vmName);

  await withTimeout("destroyVm", context.callTimeoutMs, driver.destroyVm(vmName));
  await reachStep(context, "vmDestroyed", vmName);

  const now = context.now();
  store.deleteVm(vmName);
  metrics.vmsDestroyed.inc({ reason });
  if (reason === "orphan_domain") metrics.leakedCleaned.inc({ kind: "domain" });
  if (vm?.jobId !== null && vm?.jobId !== undefined) {
    const failedStart = reason === "boot_timeout" || reason === "registration_timeout";
    if (failedStart && options.countFailure !== false) {
      store.countBootFailure(vm.jobId, now);
    }
    if (vm.state === "running") {
      store.markTimeline(vm.jobId, "vmDestroyedAt", now);
      const job = store.getJob(vm.jobId);
      if (job !== undefined) metrics.observeTimeline(job, "vmDestroyedAt");
    }
  }
  logger.info({ vmName, jobId: vm?.jobId ?? null, reason }, "VM destroyed");

  const runnerIds = await runnerIdsOf(context, vmName, vm?.runnerId ?? null, vm?.state);
  for (const runnerId of runnerIds) {
    const result = await withTimeout(
      "deleteRunner",
      context.callTimeoutMs,
      api.deleteRunner(runnerId),
    );
    // A busy registration is left to the orphan sweep, which retries once GitHub frees it.
    logger.info({ vmName, runnerId, result }, "runner registration delete requested");
  }
  await reachStep(context, "runnerDeleted", vmName);
}

/** Runner ids to delete with a VM: the recorded one, or a lookup by name after a crash. */
async function runnerIdsOf(
  context: ExecutorContext,
  vmName: string,
  runnerId: number | null,
  state: string | undefined,
): Promise<number[]> {
  if (runnerId !== null) return [runnerId];
  if (state !== "registering" && state !== "destroying") return [];
  const runners = await withTimeout(
    "listRunners",
    context.callTimeoutMs,
    context.api.listRunners(vmName),
  );
  return runners.filter((runner) => runner.name === vmName).map((runner) => runner.id);
}

/** Gives a VM to a job, or back to the warm pool; the domain metadata follows. */
export async function assignVm(
  context: ExecutorContext,
  vmName: string,
  jobId: number | null,
): Promise<void> {
  context.store.assignVm(vmName, jobId);
  context.logger.info(
    { vmName, jobId },
    jobId === null ? "VM returned to warm pool" : "VM assigned",
  );
  const vm = context.store.getVm(vmName);
  if (vm?.state === "booted")
    await updateMetadata(context, vmName, jobId === null ? "idle" : "assigned");
}

/** Updates the domain's metadata; a failure only makes `virsh` views stale, so it is logged. */
async function updateMetadata(
  context: ExecutorContext,
  vmName: string,
  state: VmMetadata["state"],
): Promise<void> {
  const vm = context.store.getVm(vmName);
  if (vm === undefined) return;
  try {
    const metadata = metadataFor(vm.jobId, state, vm.createdAt);
    await withTimeout(
      "setMetadata",
      context.callTimeoutMs,
      context.driver.setMetadata(vmName, metadata),
    );
  } catch (error) {
    context.logger.warn({ vmName, err: errorSummary(error) }, "VM metadata update failed");
  }
}
