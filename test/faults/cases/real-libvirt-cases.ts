import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { ControllerProcess } from "../support/controller-process.js";
import { FaultWorld } from "../support/fault-world.js";
import { RealLibvirt } from "../support/real-libvirt.js";
import { suiteRecord } from "../support/suite-record.js";
import { waitFor } from "../support/waits.js";

const run = promisify(execFile);
const START_LIBVIRT = join(import.meta.dirname, "../../../scripts/start-libvirt.sh");

/**
 * Crash points in the order a job passes them, with the lifecycle step name the controller's
 * `TR_CRASH_AT` hook matches. Each kill lands right after the named side effect.
 */
const CRASH_POINTS = [
  { point: "after intent recorded", step: "vmRecorded" },
  { point: "after domain defined", step: "vmCreated" },
  { point: "after start", step: "vmBooted" },
  { point: "after JIT issued", step: "jitIssued" },
  { point: "after job done", step: "destroyRecorded" },
  { point: "mid-teardown", step: "vmDestroyed" },
] as const;

/** Maximum wait for one crash point; boots under TCG take about 15 s, often more when busy. */
const CRASH_WAIT_MS = 150_000;
const CONVERGE_WAIT_MS = 200_000;

/** Real guests on qemu:///system: SIGKILL at every step, a libvirtd restart, a missing volume. */
export function describeRealLibvirtCases(): void {
  describe("real libvirt", () => {
    const prefix = `trf${process.pid.toString(36)}-`;
    let folder: string;
    let world: FaultWorld;
    let libvirt: RealLibvirt;
    let current: ControllerProcess | undefined;
    let starts = 0;

    beforeAll(async () => {
      folder = suiteRecord.folder("real");
      world = await FaultWorld.create({
        runnerBaseUrl: "http://10.0.2.2:{port}",
        runnerLostAfterMs: 5000,
        webhookAttempts: 1,
      });
      libvirt = await RealLibvirt.create(prefix, folder);
    });

    afterAll(async () => {
      await current?.stop("SIGKILL");
      await libvirt?.remove();
      await world?.close();
    });

    const config = () => world.configInput(libvirt.libvirt, join(folder, "state"));

    async function startController(crashAt?: string): Promise<ControllerProcess> {
      starts += 1;
      current = ControllerProcess.start({
        config: config(),
        folder,
        privateKey: world.world.privateKey,
        webhookSecret: world.webhookSecret,
        label: `start-${starts}${crashAt === undefined ? "" : `-crash-${crashAt}`}`,
        ...(crashAt === undefined ? {} : { crashAt }),
      });
      // A crash may land in the first reconcile, before the server listens.
      const url = await current.url().catch((error: unknown) => {
        if (crashAt !== undefined && current?.hasExited === true) return null;
        throw error;
      });
      if (url !== null) await world.subscribe(`${url}/webhook`);
      return current;
    }

    /** Leftovers counted from libvirt and the emulator, never from the controller. */
    async function leftovers(): Promise<number> {
      const { domains, volumes } = await libvirt.leftovers();
      const runners = await world.runnersWithPrefix(prefix);
      return domains.length + volumes.length + runners.length;
    }

    async function allCompleted(jobIds: number[]): Promise<boolean> {
      const jobs = await world.jobs();
      return jobIds.every((id) => jobs.get(id)?.status === "completed");
    }

    it("converges after SIGKILL at each step", async () => {
      const jobIds = [(await world.queueJob()).jobId, (await world.queueJob()).jobId];
      for (const [index, { point, step }] of CRASH_POINTS.entries()) {
        const controller = await startController(step);
        const exit = await Promise.race([
          controller.exited,
          new Promise<null>((resolve) => setTimeout(() => resolve(null), CRASH_WAIT_MS)),
        ]);
        expect(exit?.signal, `crash ${point}`).toBe("SIGKILL");
        suiteRecord.add("crash", { cases: 1, faults: 1 });
        suiteRecord.detail("crash", step);
        // A job queued while the controller is down must be found by the restarted one.
        if (index % 2 === 1) jobIds.push((await world.queueJob()).jobId);
      }

      const last = await startController();
      const converged = await waitFor(
        async () => (await allCompleted(jobIds)) && (await leftovers()) === 0,
        CONVERGE_WAIT_MS,
        1000,
      );
      const left = await libvirt.leftovers();
      const runners = await world.runnersWithPrefix(prefix);
      suiteRecord.add("crash", {
        leaks: left.domains.length + left.volumes.length + runners.length,
      });
      expect(converged).toBe(true);
      expect(left).toEqual({ domains: [], volumes: [] });
      expect(runners).toEqual([]);
      const jobs = await world.jobs();
      for (const id of jobIds) expect(jobs.get(id)?.conclusion, `job ${id}`).toBe("success");
      await last.stop();
    });

    it("finishes jobs across a libvirtd restart", async () => {
      const pid = await libvirtdPid();
      const controller = await startController();
      const jobIds = [(await world.queueJob()).jobId, (await world.queueJob()).jobId];
      try {
        // Restart once a domain of ours exists, so the restart lands mid-job.
        expect(await waitFor(async () => (await libvirt.leftovers()).domains.length > 0, 60_000));
        process.kill(pid, "SIGTERM");
        await waitFor(() => !isAlive(pid), 20_000);
        suiteRecord.add("libvirt", { faults: 1 });
      } finally {
        // Runs even when the test failed, so the machine's libvirtd is up for everyone after it.
        await run("bash", [START_LIBVIRT]);
      }
      const converged = await waitFor(
        async () => (await allCompleted(jobIds)) && (await leftovers()) === 0,
        CONVERGE_WAIT_MS,
        1000,
      );
      suiteRecord.add("libvirt", { cases: 1, leaks: await leftovers() });
      expect(converged).toBe(true);
      expect(controller.hasExited).toBe(false);
      await controller.stop();
    });

    it("finishes jobs through GitHub error bursts", async () => {
      const controller = await startController();
      // Bursts, in order: server errors on any call, then on JIT issuance and runner deletion,
      // then secondary and primary rate limits. Each burst is bounded by its count.
      const bursts = [
        { kind: "error", status: 502, count: 8 },
        { kind: "error", status: 500, method: "POST", path: "generate-jitconfig", count: 3 },
        { kind: "error", status: 503, method: "DELETE", path: "/actions/runners/", count: 3 },
        { kind: "secondary-rate-limit", status: 403, retryAfterSeconds: 1, count: 3 },
        { kind: "rate-limit", status: 429, resetAfterSeconds: 2, count: 2 },
      ] as const;
      for (const burst of bursts) await world.control.addFault(burst);
      const jobIds = [(await world.queueJob()).jobId, (await world.queueJob()).jobId];
      const converged = await waitFor(
        async () => (await allCompleted(jobIds)) && (await leftovers()) === 0,
        CONVERGE_WAIT_MS,
        1000,
      );
      const state = await world.control.state({ deliveryBodies: false });
      const hits = state.faults.reduce((sum, fault) => sum + fault.hits, 0);
      await world.control.clearFaults({});
      suiteRecord.add("github faults", {
        cases: bursts.length,
        faults: hits,
        leaks: await leftovers(),
      });
      expect(converged).toBe(true);
      expect(hits).toBeGreaterThan(0);
      const jobs = await world.jobs();
      for (const id of jobIds) expect(jobs.get(id)?.conclusion, `job ${id}`).toBe("success");
      expect(controller.hasExited).toBe(false);
      await controller.stop();
    });

    it("recovers from a missing base volume", async () => {
      await libvirt.deleteBaseVolume();
      const controller = await startController();
      const { jobId } = await world.queueJob();
      try {
        // Every overlay creation fails while the base volume is gone.
        const failed = await waitFor(
          () => countLines(controller.stdoutFile, "boot failed") > 0,
          60_000,
          500,
        );
        expect(failed).toBe(true);
        suiteRecord.add("volume", { faults: countLines(controller.stdoutFile, "boot failed") });
      } finally {
        await libvirt.createBaseVolume();
      }
      const converged = await waitFor(
        async () => (await allCompleted([jobId])) && (await leftovers()) === 0,
        CONVERGE_WAIT_MS,
        1000,
      );
      suiteRecord.add("volume", { cases: 1, leaks: await leftovers() });
      expect(converged).toBe(true);
      await controller.stop();
    });
  });
}

function countLines(file: string, text: string): number {
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((line) => line.includes(text)).length;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Returns the pid of the machine's libvirtd; throws unless exactly one runs. */
async function libvirtdPid(): Promise<number> {
  const { stdout } = await run("pgrep", ["-x", "libvirtd"]);
  const pids = stdout.trim().split("\n").filter(Boolean).map(Number);
  if (pids.length !== 1) throw new Error(`expected one libvirtd, found pids ${pids.join(",")}`);
  return pids[0]!;
}
