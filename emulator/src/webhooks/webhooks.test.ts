import { createServer } from "node:http";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";

import { verify } from "@octokit/webhooks-methods";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";

import { RunnerClient } from "../runner/client.js";
import { createTestWorld } from "../test-support.js";
import type { TestWorld } from "../test-support.js";

const LABELS = ["self-hosted", "linux", "x64", "chem-trusted-pr"];
const SECRET = "webhook-test-secret";

interface Received {
  event: string;
  guid: string;
  signature: string;
  body: string;
  payload: { action: string; workflow_job?: Record<string, unknown>; [key: string]: unknown };
}

describe("webhook deliveries", () => {
  let world: TestWorld;
  let receiver: Server;
  let received: Received[] = [];
  /** Status codes the receiver replies with, one per request, then 200. */
  let replies: number[] = [];

  beforeAll(async () => {
    world = await createTestWorld({ webhookRetryDelayMs: 10 });
    receiver = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on("data", (chunk: Buffer) => chunks.push(chunk));
      request.on("end", () => {
        const body = Buffer.concat(chunks).toString("utf8");
        received.push({
          event: String(request.headers["x-github-event"]),
          guid: String(request.headers["x-github-delivery"]),
          signature: String(request.headers["x-hub-signature-256"]),
          body,
          payload: JSON.parse(body) as Received["payload"],
        });
        response.writeHead(replies.shift() ?? 200).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    const port = (receiver.address() as AddressInfo).port;
    await world.emulator.control.addWebhook({
      url: `http://127.0.0.1:${port}/webhook`,
      secret: SECRET,
    });
  });
  beforeEach(async () => {
    await world.emulator.control.clearFaults();
    received = [];
    replies = [];
  });
  afterAll(async () => {
    await world.emulator.close();
    await new Promise((resolve) => receiver.close(resolve));
  });

  async function queueJob(labels = LABELS): Promise<number> {
    const run = await world.emulator.control.createWorkflowRun({
      repo: "acme/app",
      event: "push",
      actor: "alice",
      jobs: [{ labels, steps: ["true"] }],
    });
    await world.emulator.control.webhooksSettled();
    return run.jobIds[0] ?? 0;
  }

  function jobEvents(): string[] {
    return received
      .filter((item) => item.event === "workflow_job")
      .map((item) => item.payload.action);
  }

  it("signature verifies with secret", async () => {
    await queueJob();
    const first = received[0];
    expect(first).toBeDefined();
    expect(await verify(SECRET, first?.body ?? "", first?.signature ?? "")).toBe(true);
  });

  it("queued payload has GitHub's fields", async () => {
    const jobId = await queueJob();
    const queued = received.find((item) => item.event === "workflow_job");
    expect(queued?.payload.workflow_job).toMatchObject({
      id: jobId,
      status: "queued",
      labels: LABELS,
      runner_id: null,
    });
    expect(queued?.payload).toMatchObject({
      action: "queued",
      repository: { full_name: "acme/app" },
      organization: { login: "acme" },
      installation: { id: world.installationId },
      sender: { login: "alice" },
    });
  });

  it("job lifecycle sends every action", async () => {
    // Labels of its own keep the runner away from jobs queued by earlier tests.
    const labels = ["self-hosted", "lifecycle"];
    const issued = await world.emulator.control.registerRunner({
      org: "acme",
      name: "tr-hooks",
      runner_group_id: world.defaultGroupId,
      labels,
    });
    const runner = new RunnerClient(issued.encodedJitConfig);
    await runner.connect();
    const polling = runner.acquire();
    const jobId = await queueJob(labels);
    await polling;
    await runner.complete(jobId, "success");
    await world.emulator.control.webhooksSettled();
    expect(jobEvents()).toEqual(["queued", "in_progress", "completed"]);
    const runEvents = received
      .filter((item) => item.event === "workflow_run")
      .map((item) => item.payload.action);
    expect(runEvents).toEqual(["requested", "in_progress", "completed"]);
    const started = received.find(
      (item) => item.payload.action === "in_progress" && item.event === "workflow_job",
    );
    expect(started?.payload.workflow_job).toMatchObject({
      runner_id: issued.runnerId,
      runner_name: "tr-hooks",
      runner_group_id: world.defaultGroupId,
    });
  });

  it("environment job sends waiting", async () => {
    await world.emulator.control.createWorkflowRun({
      repo: "acme/app",
      event: "push",
      actor: "alice",
      jobs: [{ labels: LABELS, environment: "trusted" }],
    });
    await world.emulator.control.webhooksSettled();
    expect(jobEvents()).toEqual(["waiting"]);
  });

  it("failed delivery is retried", async () => {
    replies = [500];
    await queueJob();
    const state = await world.emulator.control.state();
    const delivery = state.deliveries.find((item) => item.guid === received[0]?.guid);
    expect(delivery?.attempts.map((attempt) => attempt.statusCode)).toEqual([500, 200]);
  });

  it("redelivery keeps delivery id", async () => {
    await queueJob();
    const state = await world.emulator.control.state();
    const last = state.deliveries.at(-1);
    const copy = await world.emulator.control.redeliver({ deliveryId: last?.id ?? 0 });
    await world.emulator.control.webhooksSettled();
    expect(copy.guid).toBe(last?.guid);
    expect(received.at(-1)?.guid).toBe(last?.guid);
  });

  it("dropped webhook is never sent", async () => {
    await world.emulator.control.addFault({
      kind: "webhook-drop",
      event: "workflow_job",
      action: "queued",
    });
    await queueJob();
    const state = await world.emulator.control.state();
    expect(jobEvents()).toEqual([]);
    expect(state.deliveries.at(-1)?.status).toBe("dropped");
  });

  it("duplicated webhook repeats delivery id", async () => {
    await world.emulator.control.addFault({ kind: "webhook-duplicate", event: "workflow_job" });
    await queueJob();
    const jobs = received.filter((item) => item.event === "workflow_job");
    expect(jobs.length).toBe(2);
    expect(jobs[0]?.guid).toBe(jobs[1]?.guid);
  });

  it("delayed webhook arrives after later ones", async () => {
    await world.emulator.control.addFault({
      kind: "webhook-delay",
      event: "workflow_run",
      delayMs: 100,
    });
    await queueJob();
    expect(received.map((item) => item.event)).toEqual(["workflow_job", "workflow_run"]);
  });

  it("fault counts its hits", async () => {
    await world.emulator.control.addFault({ kind: "webhook-drop", count: 2 });
    await queueJob();
    const state = await world.emulator.control.state();
    expect(state.faults.at(-1)).toMatchObject({ hits: 2, remaining: 0 });
  });

  it("non-loopback target is rejected", async () => {
    await expect(
      world.emulator.control.addWebhook({ url: "http://192.0.2.1/webhook", secret: SECRET }),
    ).rejects.toMatchObject({ status: 422 });
  });
});
