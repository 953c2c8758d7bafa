/**
 * The facts the routing policy decides on, normalised from either a webhook event or GitHub's API
 * records, so one predicate serves the `route` CLI, the workflow expression tests and the
 * controller's re-check of queued jobs.
 */

/** A GitHub account as the policy sees it. */
export interface Account {
  /** Login, for example `octocat` or `dependabot[bot]`. */
  login: string;
  /** Account type as GitHub reports it (`User`, `Bot`, `Organization`), or undefined if unknown. */
  type: string | undefined;
}

/** The pull request behind a run, when the event has one. */
export interface PullRequestFacts {
  /** `owner/name` of the head repository, or null when the fork was deleted (`head.repo` is null). */
  headRepoFullName: string | null;
  /** The account that opened the pull request (`pull_request.user`). */
  author: Account;
  /** `pull_request.author_association`, for example `MEMBER` or `CONTRIBUTOR`. */
  authorAssociation: string;
}

/** Everything the routing policy reads. */
export interface RoutingFacts {
  /** Event that started the run: `pull_request`, `push`, `pull_request_target` and so on. */
  eventName: string;
  /** `owner/name` of the repository the run belongs to (the pull request's base repository). */
  baseRepoFullName: string;
  /** The pull request, or null when the event carries none (`push`, `workflow_dispatch`). */
  pullRequest: PullRequestFacts | null;
  /** The account that triggered the run (`github.actor`, the webhook's `sender`). */
  actor: Account;
  /**
   * The account that started this attempt (`github.triggering_actor`), which differs from the
   * actor on a re-run; null when unknown or the same as the actor.
   */
  triggeringActor: Account | null;
  /** Value of the repository variable `CI_SELF_HOSTED_TRUSTED_ROUTING`, or undefined if unset. */
  routingVariable: string | undefined;
}
