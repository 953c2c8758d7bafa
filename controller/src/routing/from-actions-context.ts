import { z } from "zod";

import { actionsEquals } from "./actions-strings.js";
import { describeZodError, RoutingInputError } from "./errors.js";
import type { RoutingFacts } from "./facts.js";
import { ROUTING_VARIABLE } from "./rules.js";

const accountSchema = z.object({ login: z.string().min(1), type: z.string().optional() });

/** The part of the Actions `github` context the routing expression reads. */
export const actionsGithubContextSchema = z.object({
  event_name: z.string().min(1),
  repository: z.string().min(1),
  actor: z.string().min(1),
  triggering_actor: z.string().min(1),
  event: z.object({
    sender: accountSchema,
    pull_request: z
      .object({
        user: accountSchema,
        author_association: z.string(),
        head: z.object({ repo: z.object({ full_name: z.string().min(1) }).nullable() }),
      })
      .optional(),
  }),
});

export type ActionsGithubContext = z.infer<typeof actionsGithubContextSchema>;

/**
 * Reads routing facts from the Actions `github` and `vars` contexts, field for field as the
 * rendered expression reads them. Throws {@link RoutingInputError} naming the first missing field.
 */
export function routingFactsFromActionsContext(
  github: unknown,
  vars: Readonly<Record<string, string>>,
): RoutingFacts {
  const parsed = actionsGithubContextSchema.safeParse(github);
  if (!parsed.success) {
    throw new RoutingInputError(describeZodError("github context", parsed.error));
  }
  const context = parsed.data;
  const pullRequest = context.event.pull_request;
  const sameAsActor = actionsEquals(context.triggering_actor, context.actor);

  return {
    eventName: context.event_name,
    baseRepoFullName: context.repository,
    pullRequest:
      pullRequest === undefined
        ? null
        : {
            headRepoFullName: pullRequest.head.repo?.full_name ?? null,
            author: { login: pullRequest.user.login, type: pullRequest.user.type },
            authorAssociation: pullRequest.author_association,
          },
    // The context gives the actor's login, and the type only through the event's sender.
    actor: { login: context.actor, type: context.event.sender.type },
    triggeringActor: sameAsActor ? null : { login: context.triggering_actor, type: undefined },
    routingVariable: lookupVariable(vars, ROUTING_VARIABLE),
  };
}

// Variable names in the `vars` context are case-insensitive, like every context key.
function lookupVariable(vars: Readonly<Record<string, string>>, name: string): string | undefined {
  const key = Object.keys(vars).find((candidate) => actionsEquals(candidate, name));
  return key === undefined ? undefined : vars[key];
}
