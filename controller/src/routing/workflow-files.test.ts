import { parse } from "yaml";
import { describe, expect, it } from "vitest";

import { renderRunsOnExpression } from "./expression.js";
import { DEFAULT_TRUSTED_LABELS } from "./policy.js";
import { findRoutedJobs, renderWorkflow } from "./workflow-files.js";

const expression = renderRunsOnExpression();
const labels = DEFAULT_TRUSTED_LABELS;

const workflow = [
  "name: ci",
  "on: pull_request",
  "jobs:",
  "  stale:",
  "    # routed",
  "    runs-on: ${{ vars.CI_SELF_HOSTED_TRUSTED_ROUTING == 'true' && 'x' || 'ubuntu-latest' }}",
  "    steps:",
  "      - run: echo stale",
  "  hard-coded:",
  "    runs-on:",
  "      - self-hosted",
  "      - chem-trusted-pr",
  "    steps:",
  "      - run: echo hard-coded",
  "  hosted:",
  "    runs-on: ubuntu-latest # stays",
  "    steps:",
  "      - run: echo hosted",
  "  generic-self-hosted:",
  "    runs-on: [self-hosted, linux]",
  "    steps:",
  "      - run: echo generic",
  "",
].join("\n");

function runsOnOf(text: string, job: string): unknown {
  const parsed = parse(text) as { jobs: Record<string, { "runs-on": unknown }> };
  return parsed.jobs[job]?.["runs-on"];
}

describe("findRoutedJobs", () => {
  it("lists jobs that mention routing", () => {
    expect(findRoutedJobs(workflow, expression, labels).map((job) => job.jobId)).toEqual([
      "stale",
      "hard-coded",
    ]);
  });

  it("marks stale jobs", () => {
    expect(findRoutedJobs(workflow, expression, labels).map((job) => job.upToDate)).toEqual([
      false,
      false,
    ]);
  });

  it("reports the runs-on line", () => {
    expect(findRoutedJobs(workflow, expression, labels)[1]?.line).toBe(10);
  });

  it("folded expression is stale", () => {
    const folded = `jobs:\n  a:\n    runs-on:\n      ${expression}\n    steps: []\n`;
    expect(findRoutedJobs(folded, expression, labels)[0]?.upToDate).toBe(false);
  });

  it("invalid YAML is rejected", () => {
    expect(() => findRoutedJobs("jobs: [", expression, labels)).toThrow(/invalid YAML/);
  });
});

describe("renderWorkflow", () => {
  const rendered = renderWorkflow(workflow, expression, labels);

  it("replaces a stale expression", () => {
    expect(runsOnOf(rendered, "stale")).toBe(expression);
  });

  it("replaces hard-coded trusted labels", () => {
    expect(runsOnOf(rendered, "hard-coded")).toBe(expression);
  });

  it("keeps hosted jobs and comments", () => {
    expect(rendered).toContain("    runs-on: ubuntu-latest # stays\n");
  });

  it("keeps generic self-hosted jobs", () => {
    expect(runsOnOf(rendered, "generic-self-hosted")).toEqual(["self-hosted", "linux"]);
  });

  it("keeps the following key", () => {
    expect(rendered).toContain(
      `    runs-on: ${expression}\n    steps:\n      - run: echo hard-coded`,
    );
  });

  it("leaves every routed job up to date", () => {
    expect(findRoutedJobs(rendered, expression, labels).every((job) => job.upToDate)).toBe(true);
  });

  it("is idempotent", () => {
    expect(renderWorkflow(rendered, expression, labels)).toBe(rendered);
  });
});
