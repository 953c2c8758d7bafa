import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { afterAll, describe, expect, it } from "vitest";

import { DEFAULT_TRUSTED_LABELS } from "../routing/index.js";
import {
  loadPrWorkflow,
  PR_WORKFLOW,
  routePullRequest,
  RoutingMismatchError,
} from "./pr-workflow.js";

function pullRequestEvent(options: { author?: string; headRepo?: string; association?: string }) {
  const author = { login: options.author ?? "alice", type: "User" };
  return {
    action: "opened",
    number: 7,
    pull_request: {
      user: author,
      author_association: options.association ?? "MEMBER",
      head: { repo: { full_name: options.headRepo ?? "acme/app" } },
    },
    repository: { full_name: "acme/app" },
    sender: author,
  };
}

const tempDirs: string[] = [];

afterAll(async () => {
  for (const dir of tempDirs) await rm(dir, { recursive: true, force: true });
});

describe("routePullRequest", () => {
  it("routes a member's jobs self-hosted", async () => {
    const routed = routePullRequest(await loadPrWorkflow(), pullRequestEvent({}), "true");
    expect(routed.jobs.map((job) => job.runsOn)).toEqual([
      [...DEFAULT_TRUSTED_LABELS],
      [...DEFAULT_TRUSTED_LABELS],
    ]);
  });

  it("skips the push-only job", async () => {
    const routed = routePullRequest(await loadPrWorkflow(), pullRequestEvent({}), "true");
    expect(routed.jobs.map((job) => job.jobKey)).toEqual(["node", "python"]);
  });

  it("routes a fork's jobs hosted", async () => {
    const event = pullRequestEvent({
      author: "mallory",
      headRepo: "mallory/app",
      association: "NONE",
    });
    const routed = routePullRequest(await loadPrWorkflow(), event, "true");
    expect(routed.jobs.map((job) => job.runsOn)).toEqual(["ubuntu-latest", "ubuntu-latest"]);
  });

  it("routes hosted when the variable is unset", async () => {
    const routed = routePullRequest(await loadPrWorkflow(), pullRequestEvent({}), undefined);
    expect(routed.decision.runsOn).toBe("ubuntu-latest");
  });

  it("echoes each workflow step", async () => {
    const routed = routePullRequest(await loadPrWorkflow(), pullRequestEvent({}), "true");
    expect(routed.jobs[0]?.steps).toContain("echo 'pnpm test'");
  });

  it("rejects a hand-edited runs-on", async () => {
    const dir = await mkdtemp(join(tmpdir(), "sandbox-workflow-"));
    tempDirs.push(dir);
    const edited = (await readFile(PR_WORKFLOW, "utf8")).replace(
      /runs-on: \$\{\{.*\}\}/,
      'runs-on: ${{ fromJSON(\'["self-hosted","linux","x64","chem-trusted-pr"]\') }}',
    );
    await writeFile(join(dir, "pr-ci.yml"), edited);
    const workflow = await loadPrWorkflow(join(dir, "pr-ci.yml"));
    const event = pullRequestEvent({ association: "CONTRIBUTOR" });
    expect(() => routePullRequest(workflow, event, "true")).toThrow(RoutingMismatchError);
  });
});
