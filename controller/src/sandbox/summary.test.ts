import { describe, expect, it } from "vitest";

import { CHECK_NAMES, formatReport, summaryPassed } from "./summary.js";
import type { SandboxSummary } from "./summary.js";

function passingSummary(): SandboxSummary {
  const checks = Object.fromEntries(
    CHECK_NAMES.map((name) => [name, true]),
  ) as SandboxSummary["checks"];
  return { checks, vmsBooted: 5, leakedVms: 0, leakedRunners: 0, leakedVolumes: 0 };
}

describe("summaryPassed", () => {
  it("passes every check without leaks", () => {
    expect(summaryPassed(passingSummary())).toBe(true);
  });

  it("fails on one failed check", () => {
    const summary = passingSummary();
    summary.checks.hardRollbackRemovesAccess = false;
    expect(summaryPassed(summary)).toBe(false);
  });

  it("fails on a leaked volume", () => {
    expect(summaryPassed({ ...passingSummary(), leakedVolumes: 1 })).toBe(false);
  });

  it("fails on uncounted leftovers", () => {
    expect(
      summaryPassed({ ...passingSummary(), leakedVms: -1, leakedVolumes: -1, leakedRunners: -1 }),
    ).toBe(false);
  });
});

describe("formatReport", () => {
  it("marks checks not run as failed", () => {
    const lines = formatReport({}, [], []);
    expect(lines.filter((line) => line.includes("[FAIL]"))).toHaveLength(CHECK_NAMES.length);
  });

  it("prints a dash for missing times", () => {
    const timing = {
      label: "job",
      jobId: 1,
      vmBootedSeconds: null,
      jobStartedSeconds: 2,
      vmDestroyedSeconds: 3.25,
    };
    const row = formatReport({}, [timing], []).find((line) => line.trimStart().startsWith("job "));
    expect(row?.split(/\s+/).filter(Boolean)).toEqual(["job", "-", "2.0", "3.3"]);
  });
});
