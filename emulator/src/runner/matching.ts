import type { Store } from "../model/store.js";
import type { Job, Repository, Runner, RunnerGroup } from "../model/types.js";

/** Checks that a runner group lets a repository's jobs use its runners, as GitHub decides it. */
export function groupAllowsRepository(group: RunnerGroup, repo: Repository): boolean {
  if (!repo.private && !group.allowsPublicRepositories) return false;
  switch (group.visibility) {
    case "all":
      return true;
    case "private":
      return repo.private;
    case "selected":
      return group.selectedRepoIds.has(repo.id);
  }
}

/** Checks that a runner's labels include every label the job requests, ignoring case. */
export function labelsCover(runnerLabels: string[], jobLabels: string[]): boolean {
  const offered = new Set(runnerLabels.map((label) => label.toLowerCase()));
  return jobLabels.every((label) => offered.has(label.toLowerCase()));
}

/**
 * Checks whether a runner may take a job: a repository runner serves its own repository, an
 * organisation runner serves the repositories its group allows, and the labels must cover the job's.
 */
export function runnerCanTake(store: Store, runner: Runner, job: Job): boolean {
  if (!labelsCover(runner.labels, job.labels)) return false;
  if (runner.scope.kind === "repo") return runner.scope.repoId === job.repoId;
  const repo = store.repos.get(job.repoId);
  const group = store.runnerGroups.get(runner.groupId);
  if (repo === undefined || group === undefined) return false;
  if (repo.ownerId !== runner.scope.orgId) return false;
  return groupAllowsRepository(group, repo);
}
