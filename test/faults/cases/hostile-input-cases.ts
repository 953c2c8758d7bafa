import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { FaultWorld, TRUSTED_LABELS } from "../support/fault-world.js";
import { hostileRequests, sign, workflowJobBody } from "../support/hostile-bodies.js";
import type { HostileRequest } from "../support/hostile-bodies.js";
import { suiteRecord } from "../support/suite-record.js";
import { countRows, startTestDriverController } from "../support/test-driver-controller.js";
import type { TestDriverController } from "../support/test-driver-controller.js";

const MAX_BODY_BYTES = 1_048_576;
const PER_CATEGORY = 120;
const OVERSIZED = 12;
const REPLAYS = 100;
const CONCURRENCY = 8;

/** Sends one request and returns its status, or 0 when the server closed the connection. */
async function send(url: string, request: HostileRequest): Promise<number> {
  try {
    const response = await fetch(url, {
      method: "POST",
      headers: request.headers,
      body: request.body,
      signal: AbortSignal.timeout(15_000),
    });
    await response.arrayBuffer();
    return response.status;
  } catch {
    return 0;
  }
}

/** Sends every request, `CONCURRENCY` at a time, and returns the statuses in order. */
async function sendAll(url: string, requests: HostileRequest[]): Promise<number[]> {
  const statuses: number[] = new Array<number>(requests.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < requests.length) {
      const index = next++;
      statuses[index] = await send(url, requests[index]!);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return statuses;
}

/** Generated webhook bodies against the running controller's endpoint. */
export function describeHostileInputCases(): void {
  describe("hostile webhook input", () => {
    const prefix = `trh${process.pid.toString(36)}-`;
    let world: FaultWorld;
    let controller: TestDriverController;

    beforeAll(async () => {
      world = await FaultWorld.create();
      controller = await startTestDriverController(
        world,
        suiteRecord.folder("hostile"),
        prefix,
        "hostile",
      );
    });

    afterAll(async () => {
      await controller?.process.stop();
      await world?.close();
    });

    it("rejects hostile bodies without state change", async () => {
      const webhook = `${controller.url}/webhook`;
      const requests = hostileRequests({
        secret: world.webhookSecret,
        perCategory: PER_CATEGORY,
        oversized: OVERSIZED,
        maxBodyBytes: MAX_BODY_BYTES,
        seed: 6,
      });

      // A genuine delivery for a job on labels we do not serve, then the same delivery replayed,
      // and replayed with a changed body under the original signature.
      const original = workflowJobBody(4242, "queued", ["ubuntu-latest"]);
      const deliveryId = randomUUID();
      const replayHeaders = {
        "content-type": "application/json",
        "x-github-event": "workflow_job",
        "x-github-delivery": deliveryId,
        "x-hub-signature-256": sign(world.webhookSecret, original),
      };
      const first = await send(webhook, {
        category: "replay",
        headers: replayHeaders,
        body: original,
      });
      expect(first).toBe(200);
      for (let index = 0; index < REPLAYS; index++) {
        requests.push({ category: "replayed delivery", headers: replayHeaders, body: original });
        requests.push({
          category: "replayed signature, changed body",
          headers: replayHeaders,
          body: workflowJobBody(5000 + index, "queued", TRUSTED_LABELS),
        });
      }

      const statuses = await sendAll(webhook, requests);
      const byCategory = new Map<string, Map<number, number>>();
      requests.forEach((request, index) => {
        const counts = byCategory.get(request.category) ?? new Map<number, number>();
        const status = statuses[index]!;
        counts.set(status, (counts.get(status) ?? 0) + 1);
        byCategory.set(request.category, counts);
        suiteRecord.detail("hostile webhooks", request.category);
      });
      suiteRecord.add("hostile webhooks", { cases: requests.length, faults: requests.length });

      const accepted = new Set([200, 202]);
      const expectations: Record<string, (status: number) => boolean> = {
        "malformed JSON": (status) => status === 400,
        "wrong signature": (status) => status === 401,
        "missing signature": (status) => status === 401,
        "deeply nested": (status) => status === 400,
        "unknown event": (status) => status === 202,
        "unknown action": (status) => status === 202,
        "invalid payload fields": (status) => status === 400 || status === 202,
        "missing delivery or event": (status) => status === 400,
        // The server may reply 413 or close the connection while the client still sends.
        oversized: (status) => status === 413 || status === 0,
        "replayed delivery": (status) => accepted.has(status),
        "replayed signature, changed body": (status) => status === 401,
      };
      for (const [category, counts] of byCategory) {
        const unexpected = [...counts.entries()].filter(
          ([status]) => !expectations[category]!(status),
        );
        expect(unexpected, category).toEqual([]);
      }

      const health = await fetch(`${controller.url}/healthz`);
      expect(health.status).toBe(200);
      expect(controller.process.hasExited).toBe(false);
      expect(countRows(controller.stateDir)).toEqual({ jobs: 0, vms: 0 });
      const state = await world.control.state({ deliveryBodies: false });
      expect(state.jitConfigsIssued).toBe(0);
      expect(state.runners).toEqual([]);
    });
  });
}
