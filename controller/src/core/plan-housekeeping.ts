import type { Action, Snapshot } from "./types.js";

/**
 * Plans removal of what the controller owns on libvirt or GitHub but no longer tracks: domains
 * without a database row, overlays without a domain or row, and registrations without a VM.
 * A registration gets a grace period first, because GitHub may list it a moment before the
 * controller records it.
 */
export function planHousekeeping(snapshot: Snapshot): Action[] {
  const actions: Action[] = [];
  const tracked = new Set(snapshot.vms.map((vm) => vm.name));
  const domainNames = new Set((snapshot.domains ?? []).map((domain) => domain.name));
  const busy = (key: string): boolean => snapshot.inFlight.has(key);

  for (const domain of snapshot.domains ?? []) {
    if (tracked.has(domain.name) || busy(`vm:${domain.name}`)) continue;
    actions.push({ kind: "destroyVm", vmName: domain.name, reason: "orphan_domain" });
  }

  if (snapshot.overlays !== null && snapshot.domains !== null) {
    for (const overlay of snapshot.overlays) {
      if (tracked.has(overlay) || domainNames.has(overlay)) continue;
      if (busy(`vm:${overlay}`) || busy(`overlay:${overlay}`)) continue;
      actions.push({ kind: "deleteOverlay", name: overlay });
    }
  }

  for (const runner of snapshot.runners ?? []) {
    if (tracked.has(runner.name) || busy(`vm:${runner.name}`)) continue;
    // GitHub rejects deleting a runner that is running a job, and frees it once the runner is lost.
    if (busy(`runner:${runner.name}`) || runner.busy) continue;
    if (snapshot.now - runner.firstSeenAt < snapshot.limits.orphanGraceMs) continue;
    actions.push({ kind: "deleteRunner", runnerId: runner.id, runnerName: runner.name });
  }

  return actions;
}
