import type { CheckResult, JobTiming } from "./scenario-types.js";

/** The six verification items the product must demonstrate, in order. */
export const CHECK_NAMES = [
  "trustedRoutesSelfHosted",
  "untrustedRoutesHosted",
  "ephemeralRunner",
  "failedJobCleanedUp",
  "rollbackRoutesHosted",
  "hardRollbackRemovesAccess",
] as const;

export type CheckName = (typeof CHECK_NAMES)[number];

const CHECK_TITLES: Record<CheckName, string> = {
  trustedRoutesSelfHosted: "trusted PR routes to the self-hosted labels and runs on our VM",
  untrustedRoutesHosted: "fork, bot and CONTRIBUTOR PRs run on ubuntu-latest",
  ephemeralRunner: "each runner takes one job, then its registration and VM are gone",
  failedJobCleanedUp: "failed and cancelled jobs still clean up VM and registration",
  rollbackRoutesHosted: "routing variable false routes a member's PR to ubuntu-latest",
  hardRollbackRemovesAccess: "repository removed from the runner group gets no runner of ours",
};

/** The last line the sandbox prints, as one JSON object. */
export interface SandboxSummary {
  checks: Record<CheckName, boolean>;
  vmsBooted: number;
  leakedVms: number;
  leakedRunners: number;
  leakedVolumes: number;
}

/** Returns true when every check passed and nothing leaked, which makes the exit status 0. */
export function summaryPassed(summary: SandboxSummary): boolean {
  return (
    CHECK_NAMES.every((name) => summary.checks[name]) &&
    summary.leakedVms + summary.leakedRunners + summary.leakedVolumes === 0
  );
}

function seconds(value: number | null): string {
  return (value === null ? "-" : value.toFixed(1)).padStart(12);
}

/** Formats the checklist with details and the timing table as lines for the terminal. */
export function formatReport(
  results: Partial<Record<CheckName, CheckResult>>,
  timings: JobTiming[],
  extra: { title: string; result: CheckResult }[],
): string[] {
  const lines = ["", "Verification"];
  CHECK_NAMES.forEach((name, index) => {
    const result = results[name];
    const mark = result?.passed === true ? "PASS" : "FAIL";
    lines.push(`  [${mark}] ${index + 1}. ${CHECK_TITLES[name]}`);
    for (const detail of result?.details ?? ["not run"]) lines.push(`           ${detail}`);
  });
  for (const { title, result } of extra) {
    lines.push(`  [${result.passed ? "PASS" : "FAIL"}] +  ${title}`);
    for (const detail of result.details) lines.push(`           ${detail}`);
  }
  if (timings.length > 0) {
    const width = Math.max(...timings.map((timing) => timing.label.length));
    lines.push(
      "",
      `  ${"seconds from queue to".padEnd(width)}   VM booted  job started  VM destroyed`,
    );
    for (const timing of timings) {
      lines.push(
        `  ${timing.label.padEnd(width)} ${seconds(timing.vmBootedSeconds)} ${seconds(timing.jobStartedSeconds)} ${seconds(timing.vmDestroyedSeconds)}`,
      );
    }
    if (timings.some((timing) => timing.vmBootedSeconds === null)) {
      // GitHub gives a queued job to any idle runner with its labels, so a job may run on the VM
      // booted for another one. The controller records boot times on the job a VM was booted for.
      lines.push(
        "  -: not recorded for this job, which may have run on a VM booted for another one",
      );
    }
  }
  return lines;
}
