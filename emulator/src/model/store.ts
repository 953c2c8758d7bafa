import { notFound } from "./errors.js";
import type {
  AccessToken,
  App,
  Installation,
  Job,
  Organization,
  PullRequest,
  Repository,
  Runner,
  RunnerGroup,
  User,
  WorkflowRun,
} from "./types.js";

/** Id of the default runner group that every organisation has, as on GitHub. */
export const DEFAULT_RUNNER_GROUP_ID = 1;

/**
 * All emulator state, in memory. Ids come from one counter per kind, each starting at its own
 * base so that an id of the wrong kind never finds an object by accident.
 */
export class Store {
  readonly users = new Map<number, User>();
  readonly orgs = new Map<number, Organization>();
  readonly repos = new Map<number, Repository>();
  readonly pulls = new Map<number, PullRequest>();
  readonly runs = new Map<number, WorkflowRun>();
  readonly jobs = new Map<number, Job>();
  readonly runnerGroups = new Map<number, RunnerGroup>();
  readonly runners = new Map<number, Runner>();
  readonly apps = new Map<number, App>();
  readonly installations = new Map<number, Installation>();
  readonly tokens = new Map<string, AccessToken>();
  /** Tokens of deleted runner registrations, so the runner protocol can return 410. */
  readonly deletedRunnerTokens = new Set<string>();
  jitConfigsIssued = 0;

  private readonly counters = {
    account: 100,
    repo: 1000,
    pull: 5000,
    run: 20000,
    job: 50000,
    group: DEFAULT_RUNNER_GROUP_ID,
    runner: 300,
    app: 700,
    installation: 9000,
  };

  nextId(kind: keyof Store["counters"]): number {
    this.counters[kind] += 1;
    return this.counters[kind];
  }

  findUser(login: string): User | undefined {
    const wanted = login.toLowerCase();
    for (const user of this.users.values()) {
      if (user.login.toLowerCase() === wanted) return user;
    }
    return undefined;
  }

  requireUser(login: string): User {
    return this.findUser(login) ?? throwNotFound();
  }

  findOrg(login: string): Organization | undefined {
    const wanted = login.toLowerCase();
    for (const org of this.orgs.values()) {
      if (org.login.toLowerCase() === wanted) return org;
    }
    return undefined;
  }

  requireOrg(login: string): Organization {
    return this.findOrg(login) ?? throwNotFound();
  }

  /** Returns the login of a repository's owner, which is an organisation or a user. */
  ownerLogin(repo: Repository): string {
    return this.orgs.get(repo.ownerId)?.login ?? this.users.get(repo.ownerId)?.login ?? "";
  }

  fullName(repo: Repository): string {
    return `${this.ownerLogin(repo)}/${repo.name}`;
  }

  findRepo(owner: string, name: string): Repository | undefined {
    const wanted = `${owner}/${name}`.toLowerCase();
    for (const repo of this.repos.values()) {
      if (this.fullName(repo).toLowerCase() === wanted) return repo;
    }
    return undefined;
  }

  requireRepo(owner: string, name: string): Repository {
    return this.findRepo(owner, name) ?? throwNotFound();
  }

  /** Parses `owner/name` and returns that repository. */
  requireRepoByFullName(fullName: string): Repository {
    const [owner, name, extra] = fullName.split("/");
    if (owner === undefined || name === undefined || extra !== undefined) throw notFound();
    return this.requireRepo(owner, name);
  }

  /** Returns the organisation that owns a repository, if an organisation owns it. */
  repoOrg(repo: Repository): Organization | undefined {
    return this.orgs.get(repo.ownerId);
  }

  runJobs(run: WorkflowRun): Job[] {
    const jobs: Job[] = [];
    for (const id of run.jobIds) {
      const job = this.jobs.get(id);
      if (job !== undefined) jobs.push(job);
    }
    return jobs;
  }

  /** Returns an organisation's default runner group; the first organisation's has id 1. */
  defaultGroup(orgId: number): RunnerGroup | undefined {
    for (const group of this.runnerGroups.values()) {
      if (group.orgId === orgId && group.isDefault) return group;
    }
    return undefined;
  }

  installationForOrg(orgId: number): Installation | undefined {
    for (const installation of this.installations.values()) {
      if (installation.orgId === orgId) return installation;
    }
    return undefined;
  }
}

function throwNotFound(): never {
  throw notFound();
}
