import { randomUUID } from "node:crypto";
import { Agent, request } from "node:http";

import { signBody } from "../emulator/src/webhooks/sign.js";

/** One prepared webhook delivery: body, headers and all. */
export interface Delivery {
  body: string;
  headers: Record<string, string>;
}

/** Throughput of one load run. */
export interface LoadResult {
  sent: number;
  /** Replies by HTTP status. */
  statuses: Record<string, number>;
  elapsedMs: number;
  perSecond: number;
}

/** Signs `count` deliveries of `event` built by `body(index)`, each with its own delivery id. */
export function prepareDeliveries(
  secret: string,
  event: string,
  count: number,
  body: (index: number) => string,
): Delivery[] {
  return Array.from({ length: count }, (_, index) => {
    const text = body(index);
    return {
      body: text,
      headers: {
        "content-type": "application/json",
        "x-github-event": event,
        "x-github-delivery": randomUUID(),
        "x-hub-signature-256": signBody(secret, text),
      },
    };
  });
}

function post(url: URL, agent: Agent, delivery: Delivery, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      url,
      {
        method: "POST",
        agent,
        headers: { ...delivery.headers, "content-length": Buffer.byteLength(delivery.body) },
        timeout: timeoutMs,
      },
      (response) => {
        response.resume();
        response.on("end", () => resolve(response.statusCode ?? 0));
      },
    );
    outgoing.on("timeout", () => outgoing.destroy(new Error("webhook POST timed out")));
    outgoing.on("error", reject);
    outgoing.end(delivery.body);
  });
}

/**
 * Posts every delivery to `url` over `concurrency` keep-alive connections and measures the
 * throughput. Bounded by the list's length and by `maxMs`: once it passes, no new request starts.
 * Deliveries are signed beforehand, so signing costs the load generator nothing while timed.
 */
export async function runLoad(
  target: string,
  deliveries: readonly Delivery[],
  concurrency: number,
  maxMs: number,
): Promise<LoadResult> {
  const url = new URL("/webhook", target);
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const statuses: Record<string, number> = {};
  let next = 0;
  let sent = 0;
  const started = performance.now();
  const deadline = started + maxMs;
  const worker = async (): Promise<void> => {
    while (next < deliveries.length && performance.now() < deadline) {
      const delivery = deliveries[next++]!;
      const status = await post(url, agent, delivery, 10_000).catch(() => 0);
      statuses[String(status)] = (statuses[String(status)] ?? 0) + 1;
      sent += 1;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsedMs = performance.now() - started;
  agent.destroy();
  return { sent, statuses, elapsedMs, perSecond: (sent / elapsedMs) * 1000 };
}
