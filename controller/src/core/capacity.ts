import type { ControllerConfig } from "../config/schema.js";
import type { PlanLimits } from "./types.js";

/** VMs that fit at once under the VM, vCPU and memory limits together. */
export function maxVmsFor(config: Pick<ControllerConfig, "capacity" | "vm">): number {
  const { capacity, vm } = config;
  return Math.min(
    capacity.maxVms,
    Math.floor(capacity.maxVcpus / vm.vcpus),
    Math.floor(capacity.maxMemoryMiB / vm.memoryMiB),
  );
}

/** Derives the planner's limits from the configuration. */
export function planLimitsFor(config: ControllerConfig): PlanLimits {
  const maxVms = maxVmsFor(config);
  return {
    maxVms,
    warmPool: Math.min(config.capacity.warmPool, maxVms),
    bootAttempts: config.timeouts.bootAttempts,
    bootTimeoutMs: config.timeouts.bootSeconds * 1000,
    jobTimeoutMs: config.timeouts.jobSeconds * 1000,
    orphanGraceMs: config.timeouts.orphanGraceSeconds * 1000,
  };
}
