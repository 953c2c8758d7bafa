import { z } from "zod";

import { describeZodError, RoutingInputError } from "./errors.js";
import type { RoutingFacts } from "./facts.js";
import {
  actionsGithubContextSchema,
  routingFactsFromActionsContext,
} from "./from-actions-context.js";
import { ROUTING_VARIABLE } from "./rules.js";

// The payload fields the expression reads through `github.event`, plus the repository that
// becomes `github.repository`.
const payloadSchema = actionsGithubContextSchema.shape.event.extend({
  repository: z.object({ full_name: z.string().min(1) }),
});

/** The `github` context of a run started by a webhook event; `event` is the raw payload. */
export interface WebhookGithubContext {
  event_name: string;
  repository: string;
  actor: string;
  triggering_actor: string;
  event: unknown;
}

/**
 * Builds the Actions `github` context of a run started by this webhook event. The event is the
 * payload and the repository is the payload's repository. The actor and the triggering actor are
 * both the sender, because they differ only on a re-run, which no webhook payload describes.
 */
export function actionsContextFromWebhook(
  eventName: string,
  payload: unknown,
): WebhookGithubContext {
  const parsed = payloadSchema.safeParse(payload);
  if (!parsed.success) {
    throw new RoutingInputError(describeZodError("event payload", parsed.error));
  }
  return {
    event_name: eventName,
    repository: parsed.data.repository.full_name,
    actor: parsed.data.sender.login,
    triggering_actor: parsed.data.sender.login,
    event: payload,
  };
}

/**
 * Reads routing facts from a webhook event name and payload, with the routing variable's value
 * (undefined when the variable is unset). Throws {@link RoutingInputError} naming the first
 * missing or invalid field.
 */
export function routingFactsFromWebhook(
  eventName: string,
  payload: unknown,
  routingVariable: string | undefined,
): RoutingFacts {
  const github = actionsContextFromWebhook(eventName, payload);
  const vars: Record<string, string> =
    routingVariable === undefined ? {} : { [ROUTING_VARIABLE]: routingVariable };
  return routingFactsFromActionsContext(github, vars);
}
