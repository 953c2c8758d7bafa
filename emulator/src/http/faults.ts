import { z } from "zod";

import { ApiError } from "../model/errors.js";

const countSchema = z.number().int().min(1).max(100_000).default(1);
const httpMatch = {
  count: countSchema,
  /** HTTP method to match, for example `POST`; any method when absent. */
  method: z.string().toUpperCase().optional(),
  /** Regular expression tested against the request path; any REST path when absent. */
  path: z.string().optional(),
};
const webhookMatch = {
  count: countSchema,
  /** Webhook event to match, for example `workflow_job`; any event when absent. */
  event: z.string().optional(),
  /** Payload `action` to match, for example `queued`; any action when absent. */
  action: z.string().optional(),
};

/** A fault to inject; every kind is bounded by `count` and counted in `hits`. */
export const faultSpecSchema = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("error"),
    status: z.number().int().min(500).max(599).default(500),
    ...httpMatch,
  }),
  z.object({
    kind: z.literal("secondary-rate-limit"),
    status: z.union([z.literal(403), z.literal(429)]).default(403),
    retryAfterSeconds: z.number().int().min(0).max(3600).default(1),
    ...httpMatch,
  }),
  z.object({
    kind: z.literal("rate-limit"),
    status: z.union([z.literal(403), z.literal(429)]).default(403),
    resetAfterSeconds: z.number().int().min(0).max(3600).default(1),
    ...httpMatch,
  }),
  z.object({
    kind: z.literal("delay"),
    delayMs: z.number().int().min(1).max(120_000),
    ...httpMatch,
  }),
  z.object({ kind: z.literal("webhook-drop"), ...webhookMatch }),
  z.object({ kind: z.literal("webhook-duplicate"), ...webhookMatch }),
  z.object({
    kind: z.literal("webhook-delay"),
    delayMs: z.number().int().min(1).max(120_000),
    ...webhookMatch,
  }),
]);

export type FaultSpecInput = z.input<typeof faultSpecSchema>;
export type FaultSpec = z.output<typeof faultSpecSchema>;
export type HttpFault = Extract<FaultSpec, { method?: string }>;
export type WebhookFault = Extract<FaultSpec, { event?: string }>;

export interface FaultRecord {
  id: number;
  spec: FaultSpec;
  /** Matches left before the fault stops firing. */
  remaining: number;
  /** Matches so far. */
  hits: number;
}

function isHttpFault(spec: FaultSpec): spec is HttpFault {
  return !spec.kind.startsWith("webhook-");
}

/** Injected faults, consumed in the order they were added. */
export class FaultRegistry {
  private readonly records: FaultRecord[] = [];
  private nextId = 1;

  add(input: FaultSpecInput): FaultRecord {
    const spec = faultSpecSchema.parse(input);
    if (isHttpFault(spec) && spec.path !== undefined) {
      // Compiles once here so that an invalid pattern fails the control call, not a request.
      try {
        new RegExp(spec.path);
      } catch {
        throw new ApiError(422, `Fault path ${spec.path} is not a valid regular expression`);
      }
    }
    const record = { id: this.nextId++, spec, remaining: spec.count, hits: 0 };
    this.records.push(record);
    return record;
  }

  list(): FaultRecord[] {
    return this.records.map((record) => ({ ...record }));
  }

  clear(): void {
    this.records.length = 0;
  }

  /** Consumes one match of the first HTTP fault that fits the request, if any. */
  takeHttp(method: string, path: string): HttpFault | undefined {
    return this.take((spec) => {
      if (!isHttpFault(spec)) return false;
      if (spec.method !== undefined && spec.method !== method) return false;
      return spec.path === undefined || new RegExp(spec.path).test(path);
    }) as HttpFault | undefined;
  }

  /** Consumes one match of the first webhook fault that fits the delivery, if any. */
  takeWebhook(event: string, action: string | undefined): WebhookFault | undefined {
    return this.take((spec) => {
      if (isHttpFault(spec)) return false;
      const hook = spec as WebhookFault;
      if (hook.event !== undefined && hook.event !== event) return false;
      return hook.action === undefined || hook.action === action;
    }) as WebhookFault | undefined;
  }

  private take(fits: (spec: FaultSpec) => boolean): FaultSpec | undefined {
    const record = this.records.find(
      (candidate) => candidate.remaining > 0 && fits(candidate.spec),
    );
    if (record === undefined) return undefined;
    record.remaining -= 1;
    record.hits += 1;
    return record.spec;
  }
}
