import { randomUUID } from "node:crypto";
import { request } from "node:http";
import type { ClientRequest } from "node:http";

import type { Logger } from "pino";

import { isLoopbackHttpUrl } from "./loopback.js";
import { signBody } from "./sign.js";
import type { FaultRegistry } from "../http/faults.js";
import { ApiError } from "../model/errors.js";

export interface WebhookTarget {
  id: number;
  url: string;
  secret: string;
  /** Events sent to the target; every event when null. */
  events: string[] | null;
}

export interface DeliveryAttempt {
  at: number;
  statusCode: number | null;
  error: string | null;
}

export interface Delivery {
  id: number;
  /** The `X-GitHub-Delivery` value; a redelivery keeps the original one. */
  guid: string;
  event: string;
  action: string | undefined;
  targetId: number;
  url: string;
  body: string;
  status: "pending" | "delivered" | "failed" | "dropped";
  attempts: DeliveryAttempt[];
  redelivery: boolean;
}

export interface SenderOptions {
  /** Attempts per delivery, counting the first. GitHub itself makes one; redelivery is manual. */
  attempts: number;
  /** Wait before retry n is n times this, in milliseconds. */
  retryDelayMs: number;
  /** Time a target has to respond to one attempt, in milliseconds (GitHub allows 10 s). */
  timeoutMs: number;
  /** Deliveries kept in the log; older ones are forgotten first. */
  maxLogged: number;
}

/**
 * Sends webhooks to registered targets. Deliveries to one target go out one at a time in the
 * order they were created, except those held back by a `webhook-delay` fault, which overtake.
 */
export class WebhookSender {
  private readonly targets = new Map<number, WebhookTarget>();
  private readonly deliveries = new Map<number, Delivery>();
  private readonly queues = new Map<number, Promise<void>>();
  /** Pending timers and their callbacks; close() runs the callbacks so no promise is left hanging. */
  private readonly timers = new Map<NodeJS.Timeout, () => void>();
  private readonly inFlight = new Set<ClientRequest>();
  private readonly pending = new Set<Promise<void>>();
  private nextTargetId = 1;
  private nextDeliveryId = 1;
  private closed = false;

  constructor(
    private readonly options: SenderOptions,
    private readonly faults: FaultRegistry,
    private readonly logger: Logger,
  ) {}

  addTarget(url: string, secret: string, events: string[] | null): WebhookTarget {
    if (!isLoopbackHttpUrl(url)) {
      throw new ApiError(422, `Webhook URL ${url} is invalid: use http:// on a loopback host`);
    }
    const target = { id: this.nextTargetId++, url, secret, events };
    this.targets.set(target.id, target);
    return target;
  }

  removeTarget(id: number): void {
    if (!this.targets.delete(id)) throw new ApiError(404, `Webhook target ${id} not found`);
  }

  /** Creates one delivery per subscribed target and sends them in the background. */
  send(event: string, payload: { action?: string }): void {
    const body = JSON.stringify(payload);
    for (const target of this.targets.values()) {
      if (target.events !== null && !target.events.includes(event)) continue;
      const delivery = this.record({
        guid: randomUUID(),
        event,
        action: payload.action,
        targetId: target.id,
        url: target.url,
        body,
        redelivery: false,
      });
      this.dispatch(delivery, target);
    }
  }

  /** Sends a logged delivery again under its original `X-GitHub-Delivery` id. */
  redeliver(deliveryId: number): Delivery {
    const original = this.deliveries.get(deliveryId);
    if (original === undefined) throw new ApiError(404, `Delivery ${deliveryId} not found`);
    const target = this.targets.get(original.targetId);
    if (target === undefined)
      throw new ApiError(404, `Webhook target ${original.targetId} not found`);
    const copy = this.record({ ...original, redelivery: true });
    this.enqueue(copy, target);
    return copy;
  }

  log(): Delivery[] {
    return [...this.deliveries.values()].map((delivery) => ({
      ...delivery,
      attempts: [...delivery.attempts],
    }));
  }

  /** Resolves once every delivery created so far has finished, including delayed ones. */
  async settled(): Promise<void> {
    while (this.pending.size > 0) {
      await Promise.allSettled([...this.pending]);
    }
  }

  close(): void {
    this.closed = true;
    const callbacks = [...this.timers];
    this.timers.clear();
    for (const [timer, callback] of callbacks) {
      clearTimeout(timer);
      callback();
    }
    for (const outgoing of this.inFlight) outgoing.destroy();
    this.inFlight.clear();
  }

  private record(fields: Omit<Delivery, "id" | "status" | "attempts">): Delivery {
    const delivery: Delivery = {
      ...fields,
      id: this.nextDeliveryId++,
      status: "pending",
      attempts: [],
    };
    this.deliveries.set(delivery.id, delivery);
    if (this.deliveries.size > this.options.maxLogged) {
      const oldest = this.deliveries.keys().next().value;
      if (oldest !== undefined) this.deliveries.delete(oldest);
    }
    return delivery;
  }

  private dispatch(delivery: Delivery, target: WebhookTarget): void {
    const fault = this.faults.takeWebhook(delivery.event, delivery.action);
    if (fault?.kind === "webhook-drop") {
      delivery.status = "dropped";
      return;
    }
    if (fault?.kind === "webhook-delay") {
      this.track(this.sleep(fault.delayMs).then(() => this.deliver(delivery, target)));
      return;
    }
    this.enqueue(delivery, target);
    if (fault?.kind === "webhook-duplicate") {
      this.enqueue(this.record({ ...delivery }), target);
    }
  }

  private enqueue(delivery: Delivery, target: WebhookTarget): void {
    const previous = this.queues.get(target.id) ?? Promise.resolve();
    const next = previous.then(() => this.deliver(delivery, target));
    this.queues.set(target.id, next);
    this.track(next);
  }

  private track(promise: Promise<void>): void {
    this.pending.add(promise);
    void promise.finally(() => this.pending.delete(promise));
  }

  private async deliver(delivery: Delivery, target: WebhookTarget): Promise<void> {
    for (let attempt = 1; attempt <= this.options.attempts && !this.closed; attempt += 1) {
      if (attempt > 1) await this.sleep(this.options.retryDelayMs * (attempt - 1));
      if (this.closed) break;
      const result = await this.post(delivery, target);
      delivery.attempts.push({ at: Date.now(), ...result });
      if (result.statusCode !== null && result.statusCode >= 200 && result.statusCode < 300) {
        delivery.status = "delivered";
        return;
      }
      this.logger.debug(
        {
          deliveryId: delivery.id,
          guid: delivery.guid,
          attempt,
          statusCode: result.statusCode,
          err: result.error,
        },
        "webhook delivery attempt failed",
      );
    }
    delivery.status = "failed";
  }

  private post(delivery: Delivery, target: WebhookTarget): Promise<Omit<DeliveryAttempt, "at">> {
    return new Promise((resolve) => {
      const outgoing = request(target.url, {
        method: "POST",
        agent: false,
        timeout: this.options.timeoutMs,
        headers: {
          "content-type": "application/json",
          "content-length": Buffer.byteLength(delivery.body),
          "user-agent": "GitHub-Hookshot/emulator",
          "x-github-event": delivery.event,
          "x-github-delivery": delivery.guid,
          "x-github-hook-id": String(target.id),
          "x-hub-signature-256": signBody(target.secret, delivery.body),
        },
      });
      this.inFlight.add(outgoing);
      const finish = (result: Omit<DeliveryAttempt, "at">): void => {
        this.inFlight.delete(outgoing);
        resolve(result);
      };
      outgoing.on("response", (response) => {
        response.resume();
        response.on("end", () => finish({ statusCode: response.statusCode ?? null, error: null }));
        response.on("error", (error) => finish({ statusCode: null, error: error.message }));
      });
      outgoing.on("timeout", () => outgoing.destroy(new Error("timed out")));
      outgoing.on("error", (error) => finish({ statusCode: null, error: error.message }));
      outgoing.end(delivery.body);
    });
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve();
      }, ms);
      this.timers.set(timer, resolve);
    });
  }
}
