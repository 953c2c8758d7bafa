import type { VmInfo } from "../libvirt/driver.js";

/** A job's status as GitHub reports it in `workflow_job` events and the jobs API. */
export type JobStatus = "waiting" | "queued" | "in_progress" | "completed";

/** Outcome of the trust re-check against GitHub's records; `unknown` until it has run. */
export type TrustDecision = "unknown" | "trusted" | "refused";

/** One job the controller tracks, as stored in the database. */
export interface JobRecord {
  id: number;
  runId: number;
  /** `owner/name` of the repository. */
  repo: string;
  labels: string[];
  status: JobStatus;
  trust: TrustDecision;
  /** Reason codes of the trust decision. */
  reasons: string[];
  /** Failed boot attempts for this job. */
  bootAttempts: number;
  /** True once the controller stopped trying to run this job (boot attempts exhausted). */
  abandoned: boolean;
  /** Name of the runner GitHub gave the job to, once it started. */
  runnerName: string | null;
  /** Epoch milliseconds of the timeline points; null until reached. */
  queuedAt: number;
  vmBootedAt: number | null;
  jobStartedAt: number | null;
  vmDestroyedAt: number | null;
}

/**
 * Lifecycle state of one VM in the database. The states `creating` and `registering` are
 * intents. Each is written before the side effect it names, so after a restart the planner
 * treats that effect as possible.
 */
export type VmRowState =
  "creating" | "booting" | "booted" | "registering" | "registered" | "running" | "destroying";

/** One VM the controller created or means to create, as stored in the database. */
export interface VmRecord {
  /** Domain, overlay and runner name. */
  name: string;
  /** Job the VM serves or will serve; null for a warm VM. */
  jobId: number | null;
  state: VmRowState;
  /** Epoch milliseconds. */
  createdAt: number;
  /** Epoch milliseconds when the state last changed. */
  stateChangedAt: number;
  /** GitHub runner id once the JIT config was issued. */
  runnerId: number | null;
}

/** A GitHub runner whose name has our prefix. */
export interface RunnerRecord {
  id: number;
  name: string;
  status: "online" | "offline";
  busy: boolean;
  /** Epoch milliseconds when the controller first saw this registration. */
  firstSeenAt: number;
}

/** Limits and timeouts the planner applies, already in milliseconds and VM counts. */
export interface PlanLimits {
  /** VMs that may exist at once, from max VMs, vCPUs and memory together. */
  maxVms: number;
  warmPool: number;
  bootAttempts: number;
  bootTimeoutMs: number;
  jobTimeoutMs: number;
  orphanGraceMs: number;
}

/**
 * Everything {@link plan} decides from. `domains`, `overlays` and `runners` are null when the
 * caller did not list them this time; the rules that need them are then skipped.
 */
export interface Snapshot {
  now: number;
  jobs: JobRecord[];
  vms: VmRecord[];
  domains: VmInfo[] | null;
  /**
   * VMs whose domain was defined before `domains` was listed, so only these can be missing
   * from it because they vanished. A VM created while the listing ran is missing only because
   * the listing is older than its row. Absent means every VM counts.
   */
  definedBeforeListing?: ReadonlySet<string>;
  overlays: string[] | null;
  runners: RunnerRecord[] | null;
  /** Keys of actions still being applied (see {@link actionKey}); the plan skips their targets. */
  inFlight: ReadonlySet<string>;
  limits: PlanLimits;
  /** Prefix of every name the controller creates. */
  namePrefix: string;
  /** Random, per-plan text that makes new VM names unique across plans and restarts. */
  nameNonce: string;
  /** When true, no new job gets a VM and warm VMs are destroyed. */
  draining: boolean;
}

/** Reason a VM is destroyed; also a metric label. */
export type DestroyReason =
  | "job_completed"
  | "job_timeout"
  | "job_gone"
  | "untrusted_job"
  | "boot_timeout"
  | "registration_timeout"
  | "powered_off"
  | "vanished"
  | "interrupted"
  | "orphan_domain"
  | "surplus_warm"
  | "drain";

/** One step the executor applies. */
export type Action =
  | { kind: "verifyTrust"; jobId: number }
  | { kind: "bootVm"; vmName: string; jobId: number | null }
  | { kind: "awaitBoot"; vmName: string }
  | { kind: "assignVm"; vmName: string; jobId: number | null }
  | { kind: "registerRunner"; vmName: string; jobId: number }
  | { kind: "destroyVm"; vmName: string; reason: DestroyReason }
  | { kind: "cancelRun"; jobId: number; runId: number; repo: string }
  | { kind: "deleteRunner"; runnerId: number; runnerName: string }
  | { kind: "deleteOverlay"; name: string }
  | { kind: "abandonJob"; jobId: number };

/** Key of the resource an action works on; two actions with one key never run at once. */
export function actionKey(action: Action): string {
  switch (action.kind) {
    case "verifyTrust":
    case "abandonJob":
      return `job:${action.jobId}`;
    case "cancelRun":
      return `run:${action.runId}`;
    case "deleteRunner":
      return `runner:${action.runnerName}`;
    case "deleteOverlay":
      return `overlay:${action.name}`;
    case "assignVm":
      // A database-only step, applied at once, so it may touch a VM that is still booting.
      return `assign:${action.vmName}`;
    default:
      return `vm:${action.vmName}`;
  }
}
