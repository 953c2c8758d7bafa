import { verify } from "@octokit/webhooks-methods";
import type { IncomingHttpHeaders } from "node:http";
import type { ControllerConfig } from "../config/schema.js";
import type { Logger } from "../log.js";
import type { ControllerMetrics } from "../metrics.js";
import type { Store } from "../store/store.js";
import { ingestJob } from "./ingest-job.js";
import { HANDLED_ACTIONS, workflowJobEventSchema } from "./webhook-payload.js";

/** A reply to a webhook delivery. */
export interface WebhookReply {
  status: number;
  body: string;
}

/** Dependencies of {@link handleWebhook}. */
export interface WebhookDeps {
  store: Store;
  config: ControllerConfig;
  metrics: ControllerMetrics;
  logger: Logger;
  webhookSecret: string;
  now: () => number;
  /** Called after a delivery changed state, so the controller plans at once. */
  onChange: () => void;
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Checks and applies one webhook delivery. The signature is checked before anything else
 * (constant-time, by `@octokit/webhooks-methods`), a delivery id is applied once, and events
 * other than `workflow_job` are acknowledged with 202 and ignored.
 */
export async function handleWebhook(
  deps: WebhookDeps,
  headers: IncomingHttpHeaders,
  body: string,
): Promise<WebhookReply> {
  const { logger } = deps;
  const deliveryId = header(headers, "x-github-delivery");
  const signature = header(headers, "x-hub-signature-256");
  const event = header(headers, "x-github-event");

  if (signature === undefined || !signature.startsWith("sha256=")) {
    logger.warn({ deliveryId }, "webhook rejected: missing X-Hub-Signature-256");
    return { status: 401, body: "missing X-Hub-Signature-256\n" };
  }
  if (!(await verify(deps.webhookSecret, body, signature).catch(() => false))) {
    logger.warn({ deliveryId }, "webhook rejected: invalid signature");
    return { status: 401, body: "invalid signature\n" };
  }
  if (deliveryId === undefined || event === undefined) {
    return { status: 400, body: "missing X-GitHub-Delivery or X-GitHub-Event\n" };
  }

  let payload: unknown;
  try {
    payload = JSON.parse(body);
  } catch {
    logger.warn({ deliveryId }, "webhook rejected: body is not valid JSON");
    return { status: 400, body: "body is not valid JSON\n" };
  }
  if (event !== "workflow_job") return { status: 202, body: `ignored event ${event}\n` };

  const action = (payload as { action?: unknown } | null)?.action;
  if (typeof action !== "string" || !HANDLED_ACTIONS.has(action)) {
    return { status: 202, body: "ignored action\n" };
  }
  const parsed = workflowJobEventSchema.safeParse(payload);
  if (!parsed.success) {
    logger.warn(
      { deliveryId, issues: parsed.error.issues.length },
      "webhook rejected: invalid workflow_job payload",
    );
    return { status: 400, body: "invalid workflow_job payload\n" };
  }

  const repo = parsed.data.repository.full_name;
  const inScope = deps.config.github.repositories.some(
    (candidate) => `${candidate.owner}/${candidate.name}`.toLowerCase() === repo.toLowerCase(),
  );
  if (!inScope) return { status: 202, body: "repository not in scope\n" };

  const now = deps.now();
  const job = parsed.data.workflow_job;
  // One transaction, so a delivery that fails to apply is not marked seen and a redelivery works.
  const apply = deps.store.db.transaction((): boolean | "duplicate" => {
    if (!deps.store.recordDelivery(deliveryId, now)) return "duplicate";
    return ingestJob(deps.store, deps.config, deps.metrics, job, repo, now);
  });
  const recorded = apply();
  if (recorded === "duplicate") return { status: 200, body: "duplicate delivery\n" };
  if (recorded) {
    logger.debug({ deliveryId, jobId: job.id, runId: job.run_id, action }, "workflow_job applied");
    deps.onChange();
  }
  return { status: 200, body: recorded ? "applied\n" : "not ours\n" };
}
