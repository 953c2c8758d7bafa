import { execFile } from "node:child_process";
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";

import {
  DEFAULT_TRUSTED_LABELS,
  renderRunsOnExpression,
} from "../../controller/src/routing/index.js";
import { findRoutedJobs } from "../../controller/src/routing/workflow-files.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const WORKFLOW_DIR = join(ROOT, ".github", "workflows");
const TSX = join(ROOT, "node_modules", ".bin", "tsx");
const CLI = join(ROOT, "controller", "src", "cli.ts");

const expression = renderRunsOnExpression();
const workflowFiles = readdirSync(WORKFLOW_DIR)
  .filter((name) => name.endsWith(".yml") || name.endsWith(".yaml"))
  .sort();

async function renderWorkflows(args: string[]): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(TSX, [CLI, "render-workflows", ...args], {
      cwd: ROOT,
      timeout: 60_000,
    });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failure = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failure.code ?? -1, output: (failure.stdout ?? "") + (failure.stderr ?? "") };
  }
}

describe("workflow runs-on expressions", () => {
  it.each(workflowFiles)("%s matches the rendered expression", (name) => {
    const text = readFileSync(join(WORKFLOW_DIR, name), "utf8");
    const stale = findRoutedJobs(text, expression, DEFAULT_TRUSTED_LABELS)
      .filter((job) => !job.upToDate)
      .map((job) => `${name}:${job.line}: job ${job.jobId}`);
    expect(stale).toEqual([]);
  });

  it("every pr-ci job is routed", () => {
    const workflow = parse(readFileSync(join(WORKFLOW_DIR, "pr-ci.yml"), "utf8")) as {
      jobs: Record<string, { "runs-on": unknown }>;
    };
    const unrouted = Object.entries(workflow.jobs)
      .filter(([, job]) => job["runs-on"] !== expression)
      .map(([id]) => id);
    expect(unrouted).toEqual([]);
  });
});

describe("render-workflows command", () => {
  let tempDir: string;
  let original: string;

  beforeAll(async () => {
    tempDir = await mkdtemp(join(tmpdir(), "render-workflows-"));
    await cp(WORKFLOW_DIR, tempDir, { recursive: true });
    original = await readFile(join(tempDir, "pr-ci.yml"), "utf8");
    // One job keeps an edited expression, another hard-codes the trusted labels.
    const drifted = original
      .replace(expression, "${{ vars.CI_SELF_HOSTED_TRUSTED_ROUTING == 'true' && 'x' || 'y' }}")
      .replace(expression, "[self-hosted, linux, x64, chem-trusted-pr]");
    await writeFile(join(tempDir, "pr-ci.yml"), drifted);
  });

  afterAll(async () => {
    await rm(tempDir, { recursive: true, force: true });
  });

  it("check reports drift and fix restores", async () => {
    const before = await renderWorkflows(["--dir", tempDir, "--check"]);
    expect(before.code).toBe(1);
    expect(before.output).toMatch(/pr-ci\.yml:\d+: job node: runs-on differs/);

    const fix = await renderWorkflows(["--dir", tempDir]);
    expect(fix.code).toBe(0);
    expect(fix.output).toContain("(jobs: node, python)");

    expect(await readFile(join(tempDir, "pr-ci.yml"), "utf8")).toBe(original);

    const after = await renderWorkflows(["--dir", tempDir, "--check"]);
    expect(after.code).toBe(0);
  });

  it("missing folder exits 2", async () => {
    const result = await renderWorkflows(["--dir", join(tempDir, "absent")]);
    expect(result.code).toBe(2);
    expect(result.output).toMatch(
      /^trusted-runners render-workflows: failed to read workflow folder .*: ENOENT\n$/,
    );
  });
});
