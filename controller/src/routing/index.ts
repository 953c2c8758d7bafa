export { actionsEndsWith, actionsEquals } from "./actions-strings.js";
export { RoutingInputError } from "./errors.js";
export { renderRunsOnExpression, renderTrustCondition } from "./expression.js";
export type { Account, PullRequestFacts, RoutingFacts } from "./facts.js";
export { routingFactsFromActionsContext } from "./from-actions-context.js";
export { routingFactsFromApiRecords } from "./from-api.js";
export type { RoutingApiRecords } from "./from-api.js";
export { actionsContextFromWebhook, routingFactsFromWebhook } from "./from-webhook.js";
export {
  DEFAULT_TRUSTED_LABELS,
  HOSTED_RUNS_ON,
  decideRouting,
  resolveLabels,
  runnerLabelsSchema,
} from "./policy.js";
export type { RoutingDecision, RoutingOptions } from "./policy.js";
export { ROUTING_RULES, ROUTING_VARIABLE, TRUSTED_ASSOCIATIONS, isBot } from "./rules.js";
export type { RoutingReason, RoutingReasonCode, RoutingRule } from "./rules.js";
export { REQUIRED_RUNNER_LABELS, labelSetProblems } from "./label-set.js";
