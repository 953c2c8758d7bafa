import type { KeyObject } from "node:crypto";

/** Account kind, as GitHub's `type` field spells it. */
export type AccountType = "User" | "Bot" | "Organization";

export interface User {
  id: number;
  login: string;
  type: AccountType;
}

export interface Membership {
  userId: number;
  role: "member" | "admin";
  /** Public memberships show in `author_association`; private ones only through the API. */
  public: boolean;
}

export interface Organization {
  id: number;
  login: string;
  /** Memberships keyed by lowercase login. */
  members: Map<string, Membership>;
}

export interface Variable {
  name: string;
  value: string;
  createdAt: number;
  updatedAt: number;
}

export interface Repository {
  id: number;
  name: string;
  ownerId: number;
  private: boolean;
  fork: boolean;
  defaultBranch: string;
  /** Collaborator logins, lowercase. */
  collaborators: Set<string>;
  /** Actions variables keyed by uppercase name, as GitHub stores them. */
  variables: Map<string, Variable>;
}

export type AuthorAssociation =
  | "OWNER"
  | "MEMBER"
  | "COLLABORATOR"
  | "CONTRIBUTOR"
  | "FIRST_TIME_CONTRIBUTOR"
  | "FIRST_TIMER"
  | "MANNEQUIN"
  | "NONE";

export interface PullRequest {
  id: number;
  number: number;
  repoId: number;
  authorId: number;
  authorAssociation: AuthorAssociation;
  /** Null once the fork the pull request came from is deleted. */
  headRepoId: number | null;
  headRef: string;
  headSha: string;
  baseRef: string;
  createdAt: number;
}

export type JobStatus = "queued" | "waiting" | "in_progress" | "completed";
export type JobConclusion = "success" | "failure" | "cancelled" | "skipped";

export interface Step {
  number: number;
  name: string;
  script: string;
  status: "queued" | "in_progress" | "completed";
  conclusion: JobConclusion | null;
  startedAt: number | null;
  completedAt: number | null;
}

export interface Job {
  id: number;
  runId: number;
  repoId: number;
  name: string;
  labels: string[];
  steps: Step[];
  status: JobStatus;
  conclusion: JobConclusion | null;
  /** Deployment environment that needs approval before the job is queued, if any. */
  environment: string | null;
  runnerId: number | null;
  runnerName: string | null;
  runnerGroupId: number | null;
  runnerGroupName: string | null;
  /** Set when the run is cancelled while a runner runs the job. */
  cancelRequested: boolean;
  createdAt: number;
  startedAt: number | null;
  completedAt: number | null;
}

export interface WorkflowRun {
  id: number;
  repoId: number;
  name: string;
  event: string;
  actorId: number;
  triggeringActorId: number;
  headBranch: string;
  headSha: string;
  /** Repository the head commit lives in; null for a pull request from a deleted fork. */
  headRepoId: number | null;
  pullRequestNumber: number | null;
  jobIds: number[];
  cancelRequested: boolean;
  /** Whether the `in_progress` workflow_run webhook was sent. */
  startAnnounced: boolean;
  createdAt: number;
  updatedAt: number;
}

export type RunnerGroupVisibility = "all" | "selected" | "private";

export interface RunnerGroup {
  id: number;
  orgId: number;
  name: string;
  visibility: RunnerGroupVisibility;
  /** Repository ids allowed when `visibility` is `selected`. */
  selectedRepoIds: Set<number>;
  allowsPublicRepositories: boolean;
  isDefault: boolean;
}

export type RunnerScope = { kind: "org"; orgId: number } | { kind: "repo"; repoId: number };

export interface Runner {
  id: number;
  name: string;
  scope: RunnerScope;
  groupId: number;
  labels: string[];
  os: string;
  /** JIT runners take one job and are removed afterwards. */
  ephemeral: boolean;
  /** Set once the runner was given a job; an ephemeral runner never gets a second one. */
  assigned: boolean;
  /** Bearer token of the runner protocol; part of the JIT config. */
  token: string;
  /** `never` until the runner connects: a registration that never connects stays offline. */
  connection: "never" | "online" | "offline";
  jobId: number | null;
  lastSeenAt: number;
  createdAt: number;
}

export interface Installation {
  id: number;
  appId: number;
  orgId: number;
}

export interface App {
  id: number;
  slug: string;
  publicKey: KeyObject;
}

export interface AccessToken {
  token: string;
  /** Null for a control token, which reaches every organisation. */
  installationId: number | null;
  expiresAt: number;
}
