import type { Store } from "./store.js";
import type {
  Job,
  Organization,
  PullRequest,
  Repository,
  Runner,
  RunnerGroup,
  User,
  WorkflowRun,
} from "./types.js";

/** Formats epoch milliseconds as GitHub does: ISO 8601 in UTC, without fractions. */
export function isoTime(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

function nodeId(kind: string, id: number): string {
  return Buffer.from(`${kind}:${id}`).toString("base64url");
}

/** Well-known labels GitHub gives self-hosted runners itself; any other label is custom. */
const READ_ONLY_LABELS = new Set([
  "self-hosted",
  "linux",
  "windows",
  "macos",
  "x64",
  "arm",
  "arm64",
]);

/**
 * Renders stored objects as the JSON shapes GitHub's REST API and webhooks use. The `html` base
 * replaces https://github.com so that no URL in a payload points away from loopback.
 */
export class Shapes {
  /** Label ids by lowercase name, so that one label has one id on every runner, as on GitHub. */
  private readonly labelIds = new Map<string, number>();

  constructor(
    private readonly store: Store,
    private readonly api: string,
  ) {}

  private get html(): string {
    return `${this.api}/_html`;
  }

  account(account: User | Organization): Record<string, unknown> {
    const type = "type" in account ? account.type : "Organization";
    const path = type === "Organization" ? "orgs" : "users";
    return {
      login: account.login,
      id: account.id,
      node_id: nodeId(type, account.id),
      avatar_url: `${this.html}/avatars/${account.id}`,
      url: `${this.api}/${path}/${account.login}`,
      html_url: `${this.html}/${account.login}`,
      type,
      site_admin: false,
    };
  }

  user(id: number): Record<string, unknown> | null {
    const user = this.store.users.get(id) ?? this.store.orgs.get(id);
    return user === undefined ? null : this.account(user);
  }

  organization(org: Organization): Record<string, unknown> {
    return {
      login: org.login,
      id: org.id,
      node_id: nodeId("Organization", org.id),
      url: `${this.api}/orgs/${org.login}`,
      description: null,
    };
  }

  repository(repo: Repository): Record<string, unknown> {
    const fullName = this.store.fullName(repo);
    return {
      id: repo.id,
      node_id: nodeId("Repository", repo.id),
      name: repo.name,
      full_name: fullName,
      private: repo.private,
      visibility: repo.private ? "private" : "public",
      owner: this.user(repo.ownerId),
      html_url: `${this.html}/${fullName}`,
      url: `${this.api}/repos/${fullName}`,
      fork: repo.fork,
      default_branch: repo.defaultBranch,
    };
  }

  repositoryById(id: number | null): Record<string, unknown> | null {
    const repo = id === null ? undefined : this.store.repos.get(id);
    return repo === undefined ? null : this.repository(repo);
  }

  pullRequest(pull: PullRequest): Record<string, unknown> {
    const repo = this.store.repos.get(pull.repoId);
    const fullName = repo === undefined ? "" : this.store.fullName(repo);
    const head = pull.headRepoId === null ? undefined : this.store.repos.get(pull.headRepoId);
    return {
      id: pull.id,
      node_id: nodeId("PullRequest", pull.id),
      number: pull.number,
      state: "open",
      url: `${this.api}/repos/${fullName}/pulls/${pull.number}`,
      html_url: `${this.html}/${fullName}/pull/${pull.number}`,
      user: this.user(pull.authorId),
      author_association: pull.authorAssociation,
      head: {
        label: `${head === undefined ? "unknown" : this.store.ownerLogin(head)}:${pull.headRef}`,
        ref: pull.headRef,
        sha: pull.headSha,
        repo: head === undefined ? null : this.repository(head),
        user: head === undefined ? null : this.user(head.ownerId),
      },
      base: {
        label: `${repo === undefined ? "" : this.store.ownerLogin(repo)}:${pull.baseRef}`,
        ref: pull.baseRef,
        sha: "0".repeat(40),
        repo: repo === undefined ? null : this.repository(repo),
        user: repo === undefined ? null : this.user(repo.ownerId),
      },
      created_at: isoTime(pull.createdAt),
      updated_at: isoTime(pull.createdAt),
    };
  }

  /** Builds the short pull requests a workflow run lists, which GitHub leaves empty for forks. */
  private runPullRequests(run: WorkflowRun): Record<string, unknown>[] {
    if (run.pullRequestNumber === null || run.headRepoId !== run.repoId) return [];
    const pull = [...this.store.pulls.values()].find(
      (candidate) => candidate.repoId === run.repoId && candidate.number === run.pullRequestNumber,
    );
    const repo = this.store.repos.get(run.repoId);
    if (pull === undefined || repo === undefined) return [];
    const short = {
      id: repo.id,
      url: `${this.api}/repos/${this.store.fullName(repo)}`,
      name: repo.name,
    };
    return [
      {
        id: pull.id,
        number: pull.number,
        url: `${this.api}/repos/${this.store.fullName(repo)}/pulls/${pull.number}`,
        head: { ref: pull.headRef, sha: pull.headSha, repo: short },
        base: { ref: pull.baseRef, sha: "0".repeat(40), repo: short },
      },
    ];
  }

  workflowRun(
    run: WorkflowRun,
    status: string,
    conclusion: string | null,
  ): Record<string, unknown> {
    const repo = this.store.repos.get(run.repoId);
    const fullName = repo === undefined ? "" : this.store.fullName(repo);
    return {
      id: run.id,
      node_id: nodeId("WorkflowRun", run.id),
      name: run.name,
      display_title: run.name,
      head_branch: run.headBranch,
      head_sha: run.headSha,
      run_number: run.id,
      run_attempt: 1,
      event: run.event,
      status,
      conclusion,
      workflow_id: 1,
      url: `${this.api}/repos/${fullName}/actions/runs/${run.id}`,
      html_url: `${this.html}/${fullName}/actions/runs/${run.id}`,
      jobs_url: `${this.api}/repos/${fullName}/actions/runs/${run.id}/jobs`,
      cancel_url: `${this.api}/repos/${fullName}/actions/runs/${run.id}/cancel`,
      pull_requests: this.runPullRequests(run),
      created_at: isoTime(run.createdAt),
      updated_at: isoTime(run.updatedAt),
      run_started_at: isoTime(run.createdAt),
      actor: this.user(run.actorId),
      triggering_actor: this.user(run.triggeringActorId),
      repository: this.repositoryById(run.repoId),
      head_repository: this.repositoryById(run.headRepoId),
    };
  }

  job(job: Job): Record<string, unknown> {
    const run = this.store.runs.get(job.runId);
    const repo = this.store.repos.get(job.repoId);
    const fullName = repo === undefined ? "" : this.store.fullName(repo);
    return {
      id: job.id,
      run_id: job.runId,
      run_url: `${this.api}/repos/${fullName}/actions/runs/${job.runId}`,
      run_attempt: 1,
      node_id: nodeId("CheckRun", job.id),
      head_sha: run?.headSha ?? "",
      head_branch: run?.headBranch ?? "",
      url: `${this.api}/repos/${fullName}/actions/jobs/${job.id}`,
      html_url: `${this.html}/${fullName}/actions/runs/${job.runId}/job/${job.id}`,
      status: job.status,
      conclusion: job.conclusion,
      created_at: isoTime(job.createdAt),
      started_at: isoTime(job.startedAt ?? job.createdAt),
      completed_at: isoTime(job.completedAt),
      name: job.name,
      workflow_name: run?.name ?? null,
      steps: job.steps.map((step) => ({
        name: step.name,
        status: step.status,
        conclusion: step.conclusion,
        number: step.number,
        started_at: isoTime(step.startedAt),
        completed_at: isoTime(step.completedAt),
      })),
      check_run_url: `${this.api}/repos/${fullName}/check-runs/${job.id}`,
      labels: [...job.labels],
      runner_id: job.runnerId,
      runner_name: job.runnerName,
      runner_group_id: job.runnerGroupId,
      runner_group_name: job.runnerGroupName,
    };
  }

  runner(runner: Runner, status: "online" | "offline", busy: boolean): Record<string, unknown> {
    return {
      id: runner.id,
      name: runner.name,
      os: runner.os,
      status,
      busy,
      ephemeral: runner.ephemeral,
      runner_group_id: runner.groupId,
      labels: runner.labels.map((name) => ({
        id: this.labelId(name),
        name,
        type: READ_ONLY_LABELS.has(name.toLowerCase()) ? "read-only" : "custom",
      })),
    };
  }

  private labelId(name: string): number {
    const key = name.toLowerCase();
    let id = this.labelIds.get(key);
    if (id === undefined) {
      id = this.labelIds.size + 1;
      this.labelIds.set(key, id);
    }
    return id;
  }

  runnerGroup(group: RunnerGroup): Record<string, unknown> {
    const org = this.store.orgs.get(group.orgId);
    const base = `${this.api}/orgs/${org?.login ?? ""}/actions/runner-groups/${group.id}`;
    return {
      id: group.id,
      name: group.name,
      visibility: group.visibility,
      default: group.isDefault,
      selected_repositories_url: `${base}/repositories`,
      runners_url: `${base}/runners`,
      hosted_runners_url: `${base}/hosted-runners`,
      network_configuration_id: null,
      inherited: false,
      allows_public_repositories: group.allowsPublicRepositories,
      restricted_to_workflows: false,
      selected_workflows: [],
      workflow_restrictions_read_only: false,
    };
  }
}
