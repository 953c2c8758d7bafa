import type { ControllerConfig } from "../config/schema.js";
import type { GithubApi } from "../github/api.js";
import type { VmDriver, VmMetadata } from "../libvirt/driver.js";
import type { Logger } from "../log.js";
import type { ControllerMetrics } from "../metrics.js";
import type { Store } from "../store/store.js";

/**
 * Points between the side effects of a job's lifecycle. Tests pass a hook that throws or
 * never returns at one of them, to check that a crash there converges after a restart.
 */
export type LifecycleStep =
  | "vmRecorded"
  | "vmCreated"
  | "vmBooted"
  | "runnerRecorded"
  | "jitIssued"
  | "jitDelivered"
  | "destroyRecorded"
  | "vmDestroyed"
  | "runnerDeleted";

/** Called before the step's next side effect; may throw or hang to simulate a crash. */
export type StepHook = (step: LifecycleStep, vmName: string) => void | Promise<void>;

/** Dependencies of every executor step. */
export interface ExecutorContext {
  store: Store;
  driver: VmDriver;
  api: GithubApi;
  config: ControllerConfig;
  metrics: ControllerMetrics;
  logger: Logger;
  now: () => number;
  /** Milliseconds any single libvirt or GitHub call may take. */
  callTimeoutMs: number;
  beforeStep?: StepHook;
}

/** Calls the step hook, if any. */
export async function reachStep(
  context: ExecutorContext,
  step: LifecycleStep,
  vmName: string,
): Promise<void> {
  await context.beforeStep?.(step, vmName);
}

/** Builds the metadata the driver stores on a domain for a VM row's state. */
export function metadataFor(
  jobId: number | null,
  state: VmMetadata["state"],
  createdAt: number,
): VmMetadata {
  return { jobId, state, createdAt: new Date(createdAt).toISOString() };
}
