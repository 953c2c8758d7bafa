import type { ControllerConfig } from "../config/schema.js";
import type { JobRecord } from "../core/types.js";
import type { GithubApi } from "../github/api.js";
import {
  RoutingInputError,
  ROUTING_VARIABLE,
  decideRouting,
  routingFactsFromApiRecords,
} from "../routing/index.js";
import type { RoutingFacts } from "../routing/index.js";

/** The trust re-check's result: reason codes from the routing policy, or our own lookups. */
export interface TrustResult {
  trusted: boolean;
  reasons: string[];
}

/**
 * Re-checks one job against GitHub's own records (workflow run, pull request, routing
 * variable) with the routing policy, so a workflow edited to ask for trusted labels is still
 * judged on what GitHub recorded. A `CONTRIBUTOR` author may be confirmed as an organisation
 * member, which covers members whose membership is private.
 */
export async function verifyJobTrust(
  api: GithubApi,
  config: ControllerConfig,
  job: JobRecord,
): Promise<TrustResult> {
  const repo = repoRef(job.repo);
  const configured = config.github.repositories.find(
    (candidate) => `${candidate.owner}/${candidate.name}`.toLowerCase() === job.repo.toLowerCase(),
  );
  if (configured === undefined) return { trusted: false, reasons: ["repository-not-configured"] };
  // The look-ups that need nothing but the job run at once, so the check costs two rounds of
  // GitHub reads, not four: it sits on the path from queued job to runner.
  const [groupAllows, run, routingVariable] = await Promise.all([
    api.runnerGroupAllows(configured.id),
    api.getRun(repo, job.runId),
    api.getVariable(repo, ROUTING_VARIABLE),
  ]);
  // A repository removed from the runner group (the hard rollback) can never receive one of our
  // runners, so a VM booted for its job would only sit idle until it times out.
  if (!groupAllows) return { trusted: false, reasons: ["repository-not-in-runner-group"] };
  if (run === undefined) return { trusted: false, reasons: ["workflow-run-not-found"] };

  const pullNumber = firstPullNumber(run);
  const pullRequest = pullNumber === undefined ? null : await api.getPullRequest(repo, pullNumber);
  if (pullRequest === undefined) return { trusted: false, reasons: ["pull-request-not-found"] };

  let facts: RoutingFacts;
  try {
    facts = routingFactsFromApiRecords({ workflowRun: run, pullRequest, routingVariable });
  } catch (error) {
    if (error instanceof RoutingInputError) {
      return { trusted: false, reasons: ["invalid-github-records"] };
    }
    throw error;
  }

  facts = await confirmContributor(api, config, facts);
  const decision = decideRouting(facts, { labels: config.github.labels });
  return { trusted: decision.trusted, reasons: decision.reasons.map((reason) => reason.code) };
}

async function confirmContributor(
  api: GithubApi,
  config: ControllerConfig,
  facts: RoutingFacts,
): Promise<RoutingFacts> {
  const pull = facts.pullRequest;
  if (pull === null || pull.authorAssociation !== "CONTRIBUTOR") return facts;
  if (!config.routing.confirmContributorMembership) return facts;
  if (!(await api.isOrgMember(pull.author.login))) return facts;
  return { ...facts, pullRequest: { ...pull, authorAssociation: "MEMBER" } };
}

function firstPullNumber(run: unknown): number | undefined {
  const pulls = (run as { pull_requests?: unknown }).pull_requests;
  if (!Array.isArray(pulls) || pulls.length === 0) return undefined;
  const number = (pulls[0] as { number?: unknown }).number;
  return typeof number === "number" ? number : undefined;
}

/** Splits `owner/name`. */
export function repoRef(fullName: string): { owner: string; name: string } {
  const [owner = "", name = ""] = fullName.split("/");
  return { owner, name };
}
