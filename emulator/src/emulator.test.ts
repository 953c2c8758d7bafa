import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { ControlError, createControlClient } from "./control/client.js";
import type { EmulatorControl } from "./control/operations.js";
import { startEmulator } from "./emulator.js";
import type { Emulator } from "./emulator.js";
import { decodeJitConfig, RunnerClient } from "./runner/client.js";

const LABELS = ["self-hosted", "linux"];

describe("emulator control over HTTP", () => {
  let emulator: Emulator;
  let remote: EmulatorControl;

  beforeAll(async () => {
    emulator = await startEmulator({
      runnerBaseUrl: "http://10.0.2.2:{port}",
      runnerLostAfterMs: 50,
      sweepIntervalMs: 20,
    });
    remote = createControlClient(emulator.url);
    await remote.createOrg({ login: "acme" });
    await remote.createRepo({ owner: "acme", name: "app" });
  });
  afterAll(async () => {
    await emulator.close();
  });

  it("remote call changes shared state", async () => {
    await remote.setVariable({ repo: "acme/app", name: "ROUTING", value: "true" });
    const state = await emulator.control.state();
    expect(state.jitConfigsIssued).toBe(0);
    expect((await remote.state()).runners).toEqual([]);
  });

  it("invalid input is a 400", async () => {
    await expect(remote.createRepo({ owner: "acme", name: "bad name" })).rejects.toMatchObject({
      status: 400,
    });
  });

  it("duplicate repository is a 409", async () => {
    const error = await remote
      .createRepo({ owner: "acme", name: "app" })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ControlError);
    expect((error as ControlError).status).toBe(409);
  });

  it("unknown operation is a 404", async () => {
    const response = await fetch(`${emulator.url}/_emulator/dropTables`, {
      method: "POST",
      body: "{}",
    });
    expect(response.status).toBe(404);
  });

  it("JIT config carries runner base URL", async () => {
    const { defaultRunnerGroupId } = await remote.createOrg({ login: "other" });
    const issued = await remote.registerRunner({
      org: "other",
      name: "tr-base",
      runner_group_id: defaultRunnerGroupId,
      labels: LABELS,
    });
    const port = new URL(emulator.url).port;
    expect(decodeJitConfig(issued.encodedJitConfig).url).toBe(`http://10.0.2.2:${port}`);
  });

  it("silent runner goes offline", async () => {
    const issued = await remote.registerRunner({
      org: "acme",
      name: "tr-silent",
      runner_group_id: 1,
      labels: LABELS,
    });
    await new RunnerClient(issued.encodedJitConfig, emulator.url).connect();
    let status = "online";
    for (let attempt = 0; attempt < 100 && status === "online"; attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      status =
        (await remote.state()).runners.find((runner) => runner.id === issued.runnerId)?.status ??
        "";
    }
    expect(status).toBe("offline");
  });
});

describe("emulator options", () => {
  it("runner base URL with path is rejected", async () => {
    await expect(startEmulator({ runnerBaseUrl: "http://10.0.2.2:{port}/x" })).rejects.toThrow(
      /runnerBaseUrl/,
    );
  });
});

describe("emulator shutdown", () => {
  it("close ends a pending long poll", async () => {
    const emulator = await startEmulator();
    const { defaultRunnerGroupId } = await emulator.control.createOrg({ login: "acme" });
    const issued = await emulator.control.registerRunner({
      org: "acme",
      name: "tr-close",
      runner_group_id: defaultRunnerGroupId,
      labels: LABELS,
    });
    const runner = new RunnerClient(issued.encodedJitConfig);
    await runner.connect();
    const polling = runner.acquire().catch((error: unknown) => error);
    await new Promise((resolve) => setTimeout(resolve, 20));
    await emulator.close();
    const outcome = await polling;
    expect(outcome === undefined || outcome instanceof Error).toBe(true);
  });

  it("close leaves no timers", async () => {
    const timers = (): number =>
      process.getActiveResourcesInfo().filter((name) => name === "Timeout").length;
    const before = timers();
    const emulator = await startEmulator({ acquireWaitMs: 10_000 });
    const { defaultRunnerGroupId } = await emulator.control.createOrg({ login: "acme" });
    await emulator.control.addWebhook({ url: "http://127.0.0.1:9/unreachable", secret: "s" });
    await emulator.control.addFault({ kind: "webhook-delay", delayMs: 10_000 });
    await emulator.control.createRepo({ owner: "acme", name: "app" });
    await emulator.control.createWorkflowRun({
      repo: "acme/app",
      event: "push",
      actor: "alice",
      jobs: [{ labels: LABELS }],
    });
    const issued = await emulator.control.registerRunner({
      org: "acme",
      name: "tr-timers",
      runner_group_id: defaultRunnerGroupId,
      labels: ["other"],
    });
    const runner = new RunnerClient(issued.encodedJitConfig);
    await runner.connect();
    const polling = runner.acquire().catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 20));
    await emulator.close();
    await polling;
    // Timers of earlier tests may expire meanwhile, so the count can only drop.
    expect(timers()).toBeLessThanOrEqual(before);
  });

  it("close twice resolves", async () => {
    const emulator = await startEmulator();
    await emulator.close();
    await expect(emulator.close()).resolves.toBeUndefined();
  });
});
