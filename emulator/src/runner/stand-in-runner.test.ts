import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { createTestWorld } from "../test-support.js";
import type { TestWorld } from "../test-support.js";

const RUN_SH = path.join(
  import.meta.dirname,
  "..",
  "..",
  "..",
  "images",
  "test",
  "guest",
  "run.sh",
);
const BUSYBOX = "/bin/busybox";
const APPLETS = [
  "base64",
  "cat",
  "head",
  "mkdir",
  "mktemp",
  "mv",
  "rm",
  "sed",
  "sh",
  "sleep",
  "tail",
];
APPLETS.push("timeout", "tr", "wget", "echo", "true", "false", "printf", "touch");
const LABELS = ["self-hosted", "linux", "x64"];

/** Runs the test image's stand-in runner with busybox applets only, as inside the guest. */
function runStandIn(binDir: string, scratch: string, jitConfig: string): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(BUSYBOX, ["sh", RUN_SH, "--jitconfig", jitConfig], {
      env: { PATH: binDir, TMPDIR: scratch, TR_ACQUIRE_ATTEMPTS: "3" },
      stdio: "ignore",
    });
    child.on("error", reject);
    child.on("close", resolve);
  });
}

describe.skipIf(!existsSync(BUSYBOX) || !existsSync(RUN_SH))(
  "stand-in runner against emulator",
  () => {
    let world: TestWorld;
    let scratch: string;
    let binDir: string;

    beforeAll(async () => {
      world = await createTestWorld({ acquireWaitMs: 2000 });
      scratch = await mkdtemp(path.join(tmpdir(), "tr-emulator-run-sh-"));
      binDir = path.join(scratch, "bin");
      await mkdir(binDir);
      await Promise.all(APPLETS.map((name) => symlink(BUSYBOX, path.join(binDir, name))));
    });
    afterAll(async () => {
      await world.emulator.close();
      await rm(scratch, { recursive: true, force: true });
    });

    async function runJob(
      steps: string[],
    ): Promise<{ exit: number | null; conclusion: string | null | undefined }> {
      const { data } = await world.octokit.rest.actions.generateRunnerJitconfigForOrg({
        org: "acme",
        name: `tr-stand-in-${steps.length}-${Date.now()}`,
        runner_group_id: world.defaultGroupId,
        labels: LABELS,
      });
      const run = await world.emulator.control.createWorkflowRun({
        repo: "acme/app",
        event: "push",
        actor: "alice",
        jobs: [{ labels: LABELS, steps }],
      });
      const exit = await runStandIn(binDir, scratch, data.encoded_jit_config);
      const state = await world.emulator.control.state();
      return { exit, conclusion: state.jobs.find((job) => job.id === run.jobIds[0])?.conclusion };
    }

    it("successful job completes", async () => {
      const result = await runJob(["echo hello", "test -d ."]);
      expect(result.conclusion).toBe("success");
      expect(result.exit).toBe(0);
    });

    it("failing step fails job", async () => {
      const result = await runJob(["false", "echo unreachable"]);
      expect(result.conclusion).toBe("failure");
      expect(result.exit).toBe(1);
    });

    it("deleted registration stops runner", async () => {
      const { data } = await world.octokit.rest.actions.generateRunnerJitconfigForOrg({
        org: "acme",
        name: "tr-stand-in-deleted",
        runner_group_id: world.defaultGroupId,
        labels: LABELS,
      });
      await world.octokit.rest.actions.deleteSelfHostedRunnerFromOrg({
        org: "acme",
        runner_id: data.runner.id,
      });
      expect(await runStandIn(binDir, scratch, data.encoded_jit_config)).toBe(1);
    });
  },
);
