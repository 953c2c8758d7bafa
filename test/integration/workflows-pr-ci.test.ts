import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

import { describe, expect, it } from "vitest";
import { parse } from "yaml";

interface Step {
  uses?: string;
  if?: string;
  with?: Record<string, unknown>;
}

interface Job {
  if?: string;
  steps: Step[];
}

interface Workflow {
  on: Record<string, unknown>;
  permissions: unknown;
  jobs: Record<string, Job>;
}

const PATH = fileURLToPath(new URL("../../.github/workflows/pr-ci.yml", import.meta.url));
const workflow = parse(readFileSync(PATH, "utf8")) as Workflow;
const MAIN_PUSH_ONLY = "github.event_name == 'push' && github.ref == 'refs/heads/main'";

const steps = Object.entries(workflow.jobs).flatMap(([jobId, job]) =>
  job.steps.map((step) => ({ jobId, job, step })),
);

function stepsUsing(action: string) {
  return steps.filter(({ step }) => step.uses?.startsWith(`${action}@`) === true);
}

describe("pr-ci workflow", () => {
  it("pins every action to a commit", () => {
    const unpinned = steps
      .map(({ step }) => step.uses)
      .filter((uses): uses is string => uses !== undefined)
      .filter((uses) => !/@[0-9a-f]{40}$/.test(uses));
    expect(unpinned).toEqual([]);
  });

  it("grants read-only contents", () => {
    expect(workflow.permissions).toEqual({ contents: "read" });
  });

  it("runs on pushes to main", () => {
    expect(workflow.on.push).toEqual({ branches: ["main"] });
  });

  it("never caches node_modules or .venv", () => {
    const paths = steps
      .map(({ step }) => String(step.with?.path ?? ""))
      .filter((path) => /node_modules|\.venv/.test(path));
    expect(paths).toEqual([]);
  });

  it("saves the pnpm store only on main", () => {
    const savingJobs = stepsUsing("actions/cache/save").map(({ job }) => job.if);
    expect(savingJobs).toEqual([MAIN_PUSH_ONLY]);
  });

  it("leaves setup-node's saving cache off", () => {
    const withCache = stepsUsing("actions/setup-node").filter(
      ({ step }) =>
        step.with?.cache !== undefined || step.with?.["package-manager-cache"] !== false,
    );
    expect(withCache).toEqual([]);
  });

  it("saves the uv cache only on main", () => {
    const saveCache = stepsUsing("astral-sh/setup-uv").map(({ step }) => step.with?.["save-cache"]);
    expect(new Set(saveCache)).toEqual(new Set([`\${{ ${MAIN_PUSH_ONLY} }}`]));
  });

  it("enables the uv cache on self-hosted runners", () => {
    const enableCache = stepsUsing("astral-sh/setup-uv").map(
      ({ step }) => step.with?.["enable-cache"],
    );
    expect(new Set(enableCache)).toEqual(new Set([true]));
  });

  it("warms caches on pushes to main", () => {
    expect(workflow.jobs["warm-caches"]?.if).toBe(MAIN_PUSH_ONLY);
  });
});
