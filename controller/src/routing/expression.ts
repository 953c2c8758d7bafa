import { HOSTED_RUNS_ON, resolveLabels } from "./policy.js";
import type { RoutingOptions } from "./policy.js";
import { ROUTING_RULES } from "./rules.js";

/**
 * Renders the condition part of the policy: every rule's fragment joined with `&&`. True in a
 * workflow exactly when {@link decideRouting} returns `trusted: true` for the same run.
 */
export function renderTrustCondition(): string {
  return ROUTING_RULES.map((rule) => rule.expression).join(" && ");
}

/**
 * Renders the `runs-on` value for workflows: one `${{ }}` expression on one line that yields the
 * trusted labels as an array through `fromJSON`, or `ubuntu-latest`.
 *
 * The `cond && array || 'ubuntu-latest'` form is safe because a non-empty array is truthy.
 */
export function renderRunsOnExpression(options: RoutingOptions = {}): string {
  const labels = JSON.stringify(resolveLabels(options));
  return `\${{ (${renderTrustCondition()}) && fromJSON('${labels}') || '${HOSTED_RUNS_ON}' }}`;
}
