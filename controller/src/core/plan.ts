import type { VmInfo } from "../libvirt/driver.js";
import { planHousekeeping } from "./plan-housekeeping.js";
import type { Action, DestroyReason, JobRecord, Snapshot, VmRecord, VmRowState } from "./types.js";

/** libvirt domain states in which a guest may still be working. */
const LIVE_DOMAIN_STATES = new Set(["running", "paused", "idle", "blocked", "in shutdown"]);

/** VM states that have not taken a job yet and may be given to one. */
const UNSTARTED_STATES: ReadonlySet<VmRowState> = new Set([
  "creating",
  "booting",
  "booted",
  "registering",
  "registered",
]);

/** States whose VM has no runner registration yet, so it may still join the warm pool. */
const UNREGISTERED_STATES: ReadonlySet<VmRowState> = new Set(["creating", "booting", "booted"]);

/**
 * Decides the next steps from the database, libvirt, GitHub and the clock. Pure: the same
 * snapshot always gives the same actions, in priority order (safety, trust, scale-up, repair,
 * warm pool, housekeeping), so the executor can start them in order when calls are scarce.
 */
export function plan(snapshot: Snapshot): Action[] {
  const state = new PlanState(snapshot);

  planRunningVms(state);
  planTrustChecks(state);
  const repairs = planRepairs(state);
  planJobVms(state);
  planRegistrations(state);
  state.actions.push(...repairs);
  planWarmPool(state);
  state.actions.push(...planHousekeeping(snapshot));

  return state.actions;
}

/** Working data shared by the planning steps of one {@link plan} call. */
class PlanState {
  readonly actions: Action[] = [];
  readonly jobsById: Map<number, JobRecord>;
  readonly domainsByName: Map<string, VmInfo> | null;
  /** VMs with a destroy already planned, so later steps leave them alone. */
  readonly destroyed = new Set<string>();
  /** Job id each VM serves after this plan's assignments. */
  readonly assignment = new Map<string, number | null>();
  private newVms = 0;

  constructor(readonly snapshot: Snapshot) {
    this.jobsById = new Map(snapshot.jobs.map((job) => [job.id, job]));
    this.domainsByName =
      snapshot.domains === null
        ? null
        : new Map(snapshot.domains.map((domain) => [domain.name, domain]));
    for (const vm of snapshot.vms) this.assignment.set(vm.name, vm.jobId);
  }

  busy(key: string): boolean {
    return this.snapshot.inFlight.has(key);
  }

  vmBusy(vm: VmRecord): boolean {
    return this.busy(`vm:${vm.name}`);
  }

  destroy(vm: VmRecord, reason: DestroyReason): void {
    if (this.destroyed.has(vm.name) || this.vmBusy(vm)) return;
    this.destroyed.add(vm.name);
    this.actions.push({ kind: "destroyVm", vmName: vm.name, reason });
  }

  assign(vm: VmRecord, jobId: number | null): void {
    this.assignment.set(vm.name, jobId);
    this.actions.push({ kind: "assignVm", vmName: vm.name, jobId });
  }

  /** VMs that exist or may exist; a planned destroy frees capacity only when libvirt lost it. */
  capacityInUse(): number {
    let used = this.newVms;
    for (const vm of this.snapshot.vms) {
      const gone = this.destroyed.has(vm.name) && this.domainsByName?.has(vm.name) === false;
      if (!gone) used += 1;
    }
    const known = new Set(this.snapshot.vms.map((vm) => vm.name));
    for (const domain of this.snapshot.domains ?? []) {
      if (!known.has(domain.name)) used += 1;
    }
    return used;
  }

  boot(jobId: number | null): boolean {
    if (this.capacityInUse() >= this.snapshot.limits.maxVms) return false;
    const vmName = `${this.snapshot.namePrefix}${this.snapshot.nameNonce}-${this.newVms}`;
    this.newVms += 1;
    this.actions.push({ kind: "bootVm", vmName, jobId });
    return true;
  }

  /** Unstarted VMs that are neither destroyed in this plan nor being destroyed. */
  unstartedVms(): VmRecord[] {
    return this.snapshot.vms.filter(
      (vm) => UNSTARTED_STATES.has(vm.state) && !this.destroyed.has(vm.name),
    );
  }
}

/** Jobs that should get a runner: queued, trusted and not abandoned, oldest first. */
function pendingJobs(snapshot: Snapshot): JobRecord[] {
  return snapshot.jobs
    .filter((job) => job.status === "queued" && job.trust === "trusted" && !job.abandoned)
    .sort((a, b) => a.queuedAt - b.queuedAt || a.id - b.id);
}

/** Checks jobs that our runners took, and stops those that are untrusted, done or too long. */
function planRunningVms(state: PlanState): void {
  const { snapshot } = state;
  for (const vm of snapshot.vms) {
    if (vm.state !== "running" || state.vmBusy(vm)) continue;
    const job = vm.jobId === null ? undefined : state.jobsById.get(vm.jobId);
    if (job === undefined) {
      state.destroy(vm, "job_gone");
    } else if (job.trust === "refused") {
      state.destroy(vm, "untrusted_job");
      if (job.status !== "completed") planCancel(state, job);
    } else if (job.trust === "unknown") {
      if (!state.busy(`job:${job.id}`)) state.actions.push({ kind: "verifyTrust", jobId: job.id });
    } else if (job.status === "completed") {
      state.destroy(vm, "job_completed");
    } else if (
      snapshot.now - (job.jobStartedAt ?? vm.stateChangedAt) >
      snapshot.limits.jobTimeoutMs
    ) {
      state.destroy(vm, "job_timeout");
      planCancel(state, job);
    }
  }
}

function planCancel(state: PlanState, job: JobRecord): void {
  if (state.busy(`run:${job.runId}`)) return;
  state.actions.push({ kind: "cancelRun", jobId: job.id, runId: job.runId, repo: job.repo });
}

function planTrustChecks(state: PlanState): void {
  for (const job of state.snapshot.jobs) {
    if (job.status !== "queued" || job.trust !== "unknown" || state.busy(`job:${job.id}`)) continue;
    state.actions.push({ kind: "verifyTrust", jobId: job.id });
  }
}

/**
 * Repairs VMs that are not being worked on: intents left by a crash, VMs libvirt lost or that
 * powered off, and boots that took too long. Boots still in time are awaited again.
 */
function planRepairs(state: PlanState): Action[] {
  const before = state.actions.length;
  for (const vm of state.snapshot.vms) {
    if (state.vmBusy(vm) || state.destroyed.has(vm.name)) continue;
    const domain = state.domainsByName?.get(vm.name);
    if (vm.state === "destroying" || vm.state === "creating" || vm.state === "registering") {
      state.destroy(vm, "interrupted");
    } else if (
      state.domainsByName !== null &&
      domain === undefined &&
      (state.snapshot.definedBeforeListing?.has(vm.name) ?? true)
    ) {
      state.destroy(vm, "vanished");
    } else if (domain !== undefined && !LIVE_DOMAIN_STATES.has(domain.domainState)) {
      state.destroy(vm, "powered_off");
    } else if (vm.state === "booting") {
      const late = state.snapshot.now - vm.stateChangedAt > state.snapshot.limits.bootTimeoutMs;
      if (late) state.destroy(vm, "boot_timeout");
      else state.actions.push({ kind: "awaitBoot", vmName: vm.name });
    } else if (vm.state === "registered" && runnerNeverStarted(state, vm)) {
      state.destroy(vm, "registration_timeout");
    }
  }
  return state.actions.splice(before);
}

/**
 * True when a runner stayed idle for longer than a boot may take while its job is still queued.
 * GitHub gives a queued job to an idle matching runner within seconds, so such a runner never
 * connected.
 */
function runnerNeverStarted(state: PlanState, vm: VmRecord): boolean {
  const job = vm.jobId === null ? undefined : state.jobsById.get(vm.jobId);
  if (job === undefined || job.status !== "queued") return false;
  return state.snapshot.now - vm.stateChangedAt > state.snapshot.limits.bootTimeoutMs;
}

/**
 * Gives every pending job one VM: a VM whose own job no longer needs it, then a warm VM, then a
 * new boot while capacity allows. VMs left without a job go back to the warm pool or are
 * destroyed.
 */
function planJobVms(state: PlanState): void {
  const { snapshot } = state;
  const pending = pendingJobs(snapshot);
  const pendingIds = new Set(pending.map((job) => job.id));
  const served = new Set<number>();
  const released: VmRecord[] = [];
  const warm: VmRecord[] = [];

  for (const vm of state.unstartedVms()) {
    const jobId = vm.jobId;
    if (jobId === null) warm.push(vm);
    else if (pendingIds.has(jobId) && !served.has(jobId)) served.add(jobId);
    else released.push(vm);
  }
  // Farther along first: a registered runner can take a job at once.
  const order: VmRowState[] = ["registered", "booted", "booting", "creating", "registering"];
  const rank = (vm: VmRecord): number => order.indexOf(vm.state);
  released.sort((a, b) => rank(a) - rank(b));
  warm.sort((a, b) => rank(a) - rank(b));

  for (const job of pending) {
    if (served.has(job.id) || snapshot.draining) continue;
    if (job.bootAttempts >= snapshot.limits.bootAttempts) {
      if (!state.busy(`job:${job.id}`)) state.actions.push({ kind: "abandonJob", jobId: job.id });
      continue;
    }
    const reusable = released.findIndex((vm) => vm.state !== "registering");
    if (reusable >= 0) {
      state.assign(released.splice(reusable, 1)[0]!, job.id);
    } else if (warm.length > 0) {
      state.assign(warm.shift()!, job.id);
    } else if (!state.boot(job.id)) {
      break;
    }
  }

  for (const vm of released) {
    if (UNREGISTERED_STATES.has(vm.state) && !snapshot.draining) state.assign(vm, null);
    else state.destroy(vm, snapshot.draining ? "drain" : "job_gone");
  }
}

/** Booted VMs with a pending job get their JIT runner. */
function planRegistrations(state: PlanState): void {
  const pendingIds = new Set(pendingJobs(state.snapshot).map((job) => job.id));
  for (const vm of state.snapshot.vms) {
    const jobId = state.assignment.get(vm.name);
    if (vm.state !== "booted" || jobId === null || jobId === undefined) continue;
    if (!pendingIds.has(jobId) || state.vmBusy(vm) || state.destroyed.has(vm.name)) continue;
    state.actions.push({ kind: "registerRunner", vmName: vm.name, jobId });
  }
}

/** Keeps the configured number of unassigned VMs; drains them when asked. */
function planWarmPool(state: PlanState): void {
  const { snapshot } = state;
  const warm = state
    .unstartedVms()
    .filter((vm) => state.assignment.get(vm.name) === null && UNREGISTERED_STATES.has(vm.state));
  const target = snapshot.draining ? 0 : snapshot.limits.warmPool;

  let count = warm.length;
  for (const vm of warm) {
    if (count <= target) break;
    if (state.vmBusy(vm)) continue;
    state.destroy(vm, snapshot.draining ? "drain" : "surplus_warm");
    count -= 1;
  }
  while (count < target && state.boot(null)) count += 1;
}
