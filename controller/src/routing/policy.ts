import { z } from "zod";

import type { RoutingFacts } from "./facts.js";
import { ROUTING_RULES } from "./rules.js";
import type { RoutingReason } from "./rules.js";

/** The hosted runner label every untrusted job runs on. */
export const HOSTED_RUNS_ON = "ubuntu-latest";

/** Labels of the trusted self-hosted runners, unless configured otherwise. */
export const DEFAULT_TRUSTED_LABELS: readonly string[] = [
  "self-hosted",
  "linux",
  "x64",
  "chem-trusted-pr",
];

// Labels end up inside a single-quoted JSON string in the workflow expression, so only characters
// that need no escaping in either are allowed.
/** Trusted runner labels, as the policy and every configuration that sets them accept them. */
export const runnerLabelsSchema = z
  .array(
    z
      .string()
      .regex(
        /^[A-Za-z0-9._-]+$/,
        "a runner label may contain only letters, digits, '.', '_' and '-'",
      ),
  )
  .min(1, "at least one trusted runner label is required");

/** Options shared by the predicate and the expression renderer. */
export interface RoutingOptions {
  /** Labels a trusted job runs on, by default {@link DEFAULT_TRUSTED_LABELS}. */
  labels?: readonly string[];
}

/** The result of applying the policy to one run. */
export interface RoutingDecision {
  trusted: boolean;
  /** The trusted labels or `ubuntu-latest`, the value the rendered `runs-on` expression yields. */
  runsOn: string[] | typeof HOSTED_RUNS_ON;
  /**
   * Why: a single `trusted` reason, or every failing rule in policy order, so `reasons[0]` is
   * the first rule that failed.
   */
  reasons: RoutingReason[];
}

/** Returns the validated trusted labels. Throws a zod error that names the invalid label. */
export function resolveLabels(options: RoutingOptions = {}): string[] {
  return runnerLabelsSchema.parse([...(options.labels ?? DEFAULT_TRUSTED_LABELS)]);
}

/** Applies every routing rule to the facts and decides where the job runs. */
export function decideRouting(facts: RoutingFacts, options: RoutingOptions = {}): RoutingDecision {
  const labels = resolveLabels(options);
  const failures = ROUTING_RULES.map((rule) => rule.check(facts)).filter(
    (reason): reason is RoutingReason => reason !== null,
  );

  if (failures.length > 0) {
    return { trusted: false, runsOn: HOSTED_RUNS_ON, reasons: failures };
  }

  const association = facts.pullRequest?.authorAssociation ?? "";
  const author = facts.pullRequest?.author.login ?? "";
  return {
    trusted: true,
    runsOn: labels,
    reasons: [
      {
        code: "trusted",
        message: `pull request by ${association} ${author} from a branch of ${facts.baseRepoFullName}`,
      },
    ],
  };
}
