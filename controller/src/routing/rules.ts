import { actionsEndsWith, actionsEquals } from "./actions-strings.js";
import type { Account, RoutingFacts } from "./facts.js";

/** Name of the repository variable that switches trusted routing on. */
export const ROUTING_VARIABLE = "CI_SELF_HOSTED_TRUSTED_ROUTING";

/** Author associations whose pull requests may run on self-hosted runners. */
export const TRUSTED_ASSOCIATIONS = ["OWNER", "MEMBER", "COLLABORATOR"] as const;

/**
 * Stable reason codes. The controller counts rejected jobs by code, so a code is never renamed,
 * and a new case gets a new code.
 */
export type RoutingReasonCode =
  | "trusted"
  | "event-not-pull-request"
  | "pull-request-missing"
  | "head-repo-deleted"
  | "head-repo-fork"
  | "author-bot"
  | "actor-bot"
  | "triggering-actor-bot"
  | "author-association-untrusted"
  | "routing-variable-missing"
  | "routing-variable-not-true";

/** One reason for a decision: a code for machines and a sentence for people. */
export interface RoutingReason {
  code: RoutingReasonCode;
  message: string;
}

/**
 * One condition of the policy, declared once for both consumers: `check` is what the controller
 * and the CLI run, `expression` is the same condition in GitHub Actions expression syntax over
 * the `github` and `vars` contexts. A test evaluates every `expression` against every fixture and
 * requires it to be true exactly when `check` returns null.
 */
export interface RoutingRule {
  /** Returns null when the condition holds, otherwise why it does not. */
  check(facts: RoutingFacts): RoutingReason | null;
  /** The condition as an expression fragment; any `||` inside it is in parentheses. */
  expression: string;
}

const BOT_SUFFIX = "[bot]";

/** Returns whether an account is a bot: type `Bot` or a login ending in `[bot]`, ignoring case. */
export function isBot(account: Account): boolean {
  const typeIsBot = account.type !== undefined && actionsEquals(account.type, "Bot");
  return typeIsBot || actionsEndsWith(account.login, BOT_SUFFIX);
}

function describe(account: Account): string {
  return account.type === undefined ? account.login : `${account.login} (type ${account.type})`;
}

const eventRule: RoutingRule = {
  expression: "github.event_name == 'pull_request'",
  check: (facts) =>
    actionsEquals(facts.eventName, "pull_request")
      ? null
      : {
          code: "event-not-pull-request",
          message: `event ${facts.eventName} is not pull_request`,
        },
};

const headRepoRule: RoutingRule = {
  expression: "github.event.pull_request.head.repo.full_name == github.repository",
  check: ({ pullRequest, baseRepoFullName }) => {
    if (pullRequest === null) {
      return { code: "pull-request-missing", message: "the event carries no pull request" };
    }
    if (pullRequest.headRepoFullName === null) {
      return {
        code: "head-repo-deleted",
        message: "the head repository was deleted (head.repo is null)",
      };
    }
    if (!actionsEquals(pullRequest.headRepoFullName, baseRepoFullName)) {
      return {
        code: "head-repo-fork",
        message: `head repository ${pullRequest.headRepoFullName} is not ${baseRepoFullName}`,
      };
    }
    return null;
  },
};

const authorRule: RoutingRule = {
  expression:
    "github.event.pull_request.user.type != 'Bot' && " +
    "!endsWith(github.event.pull_request.user.login, '[bot]')",
  check: ({ pullRequest }) =>
    pullRequest !== null && isBot(pullRequest.author)
      ? {
          code: "author-bot",
          message: `pull request author ${describe(pullRequest.author)} is a bot`,
        }
      : null,
};

// The expression reads the actor's type only through the event's sender, which is the actor for
// every event that starts a run (a re-run keeps the original event and actor).
const actorRule: RoutingRule = {
  expression: "github.event.sender.type != 'Bot' && !endsWith(github.actor, '[bot]')",
  check: ({ actor }) =>
    isBot(actor) ? { code: "actor-bot", message: `actor ${describe(actor)} is a bot` } : null,
};

// NOTE: the `github` context holds only the triggering actor's login, so the expression tests the
// `[bot]` suffix, while the predicate also tests the type when API records supply it. They differ
// only on a `Bot` account whose login lacks the suffix, where the controller is the stricter one.
// A triggering actor equal to the actor was already judged by the actor rule.
const triggeringActorRule: RoutingRule = {
  expression:
    "(github.triggering_actor == github.actor || !endsWith(github.triggering_actor, '[bot]'))",
  check: ({ triggeringActor, actor }) =>
    triggeringActor !== null &&
    !actionsEquals(triggeringActor.login, actor.login) &&
    isBot(triggeringActor)
      ? {
          code: "triggering-actor-bot",
          message: `triggering actor ${describe(triggeringActor)} is a bot`,
        }
      : null,
};

const associationRule: RoutingRule = {
  expression:
    `contains(fromJSON('${JSON.stringify(TRUSTED_ASSOCIATIONS)}'), ` +
    "github.event.pull_request.author_association)",
  check: ({ pullRequest }) => {
    if (pullRequest === null) {
      return {
        code: "author-association-untrusted",
        message: "the event carries no pull request, so there is no author association",
      };
    }
    const association = pullRequest.authorAssociation;
    const trusted = TRUSTED_ASSOCIATIONS.some((value) => actionsEquals(value, association));
    return trusted
      ? null
      : {
          code: "author-association-untrusted",
          message: `author association ${association} is not one of ${TRUSTED_ASSOCIATIONS.join(", ")}`,
        };
  },
};

// Actions compares strings ignoring case, so `TRUE` and `True` switch routing on in the workflow.
// The predicate accepts them too: a stricter predicate would disagree with the runner.
const variableRule: RoutingRule = {
  expression: `vars.${ROUTING_VARIABLE} == 'true'`,
  check: ({ routingVariable }) => {
    if (routingVariable === undefined) {
      return {
        code: "routing-variable-missing",
        message: `repository variable ${ROUTING_VARIABLE} is not set`,
      };
    }
    return actionsEquals(routingVariable, "true")
      ? null
      : {
          code: "routing-variable-not-true",
          message: `repository variable ${ROUTING_VARIABLE} is ${JSON.stringify(routingVariable)}, not true`,
        };
  },
};

/** The routing policy: a pull request runs self-hosted only when every rule holds. */
export const ROUTING_RULES: readonly RoutingRule[] = [
  eventRule,
  headRepoRule,
  authorRule,
  actorRule,
  triggeringActorRule,
  associationRule,
  variableRule,
];
