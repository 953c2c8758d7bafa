import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signBody } from "../../emulator/src/index.js";
import type { RunningController } from "../../controller/src/controller.js";
import { createHarness, WEBHOOK_SECRET } from "./controller-harness.js";
import type { Harness } from "./controller-harness.js";

const JOB_EVENT = JSON.stringify({
  action: "queued",
  workflow_job: {
    id: 987,
    run_id: 654,
    status: "queued",
    labels: ["self-hosted", "linux", "x64", "chem-trusted-pr"],
    runner_name: null,
  },
  repository: { full_name: "acme/app" },
});

describe("controller webhook input", () => {
  let harness: Harness;
  let controller: RunningController;

  beforeAll(async () => {
    harness = await createHarness({
      webhooks: false,
      config: (input) => {
        input.server = { ...input.server, maxBodyBytes: 4096 };
      },
    });
    controller = await harness.start();
  });
  afterAll(async () => {
    await harness.close();
  });

  async function post(body: string, headers: Record<string, string | undefined>): Promise<number> {
    const defined = Object.entries(headers).filter(
      (entry): entry is [string, string] => entry[1] !== undefined,
    );
    const response = await fetch(`${controller.url}/webhook`, {
      method: "POST",
      headers: Object.fromEntries(defined),
      body,
    });
    await response.text();
    return response.status;
  }

  function headersFor(body: string, event = "workflow_job", delivery = "d-1") {
    return {
      "x-github-event": event,
      "x-github-delivery": delivery,
      "x-hub-signature-256": signBody(WEBHOOK_SECRET, body),
      "content-type": "application/json",
    };
  }

  async function expectNoStateChange(): Promise<void> {
    expect(controller.store.allJobs()).toEqual([]);
    expect(controller.store.vms()).toEqual([]);
    expect(controller.store.recordDelivery("probe", 0)).toBe(true);
    controller.store.pruneDeliveries(1);
    const health = await fetch(`${controller.url}/healthz`);
    expect(health.status).toBe(200);
  }

  it("missing signature is rejected", async () => {
    const status = await post(JOB_EVENT, {
      ...headersFor(JOB_EVENT),
      "x-hub-signature-256": undefined,
    });
    expect(status).toBe(401);
    await expectNoStateChange();
  });

  it("bad signature is rejected", async () => {
    const status = await post(JOB_EVENT, {
      ...headersFor(JOB_EVENT),
      "x-hub-signature-256": signBody("wrong-secret", JOB_EVENT),
    });
    expect(status).toBe(401);
    await expectNoStateChange();
  });

  it("malformed JSON is rejected", async () => {
    const body = '{"action": "queued",';
    expect(await post(body, headersFor(body))).toBe(400);
    await expectNoStateChange();
  });

  it("invalid payload is rejected", async () => {
    const body = JSON.stringify({ action: "queued", workflow_job: { id: "x" } });
    expect(await post(body, headersFor(body))).toBe(400);
    await expectNoStateChange();
  });

  it("oversized body is rejected", async () => {
    const body = JSON.stringify({ action: "queued", padding: "x".repeat(10_000) });
    expect(await post(body, headersFor(body))).toBe(413);
    await expectNoStateChange();
  });

  it("unknown event is ignored", async () => {
    expect(await post(JOB_EVENT, headersFor(JOB_EVENT, "issues"))).toBe(202);
    await expectNoStateChange();
  });

  it("unknown action is ignored", async () => {
    const body = JSON.stringify({ ...JSON.parse(JOB_EVENT), action: "archived" });
    expect(await post(body, headersFor(body))).toBe(202);
    await expectNoStateChange();
  });

  it("repository out of scope is ignored", async () => {
    const body = JSON.stringify({
      ...JSON.parse(JOB_EVENT),
      repository: { full_name: "other/repo" },
    });
    expect(await post(body, headersFor(body))).toBe(202);
    await expectNoStateChange();
  });

  it("unknown path is not found", async () => {
    const response = await fetch(`${controller.url}/nowhere`);
    expect(response.status).toBe(404);
  });

  it("metrics and readiness are served", async () => {
    const metrics = await fetch(`${controller.url}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain("tr_vms");
    const ready = await fetch(`${controller.url}/readyz`);
    expect(ready.status).toBe(200);
  });
});
