import { createPublicKey, randomBytes } from "node:crypto";

import { z } from "zod";

import { defineOperation } from "./define.js";
import type { ControlEnv } from "./define.js";
import { newTokenValue } from "../auth/identity.js";
import { ApiError } from "../model/errors.js";
import { DEFAULT_RUNNER_GROUP_ID } from "../model/store.js";
import type { AuthorAssociation, Organization, Repository, User } from "../model/types.js";

const login = z.string().min(1).max(100);
/** `owner/name` of a repository. */
const fullName = z.string().regex(/^[^/\s]+\/[^/\s]+$/);

/** Returns a user, creating it when missing; a login ending in `[bot]` becomes a Bot. */
export function ensureUser(env: ControlEnv, name: string, type?: "User" | "Bot"): User {
  const existing = env.store.findUser(name);
  if (existing !== undefined) return existing;
  if (env.store.findOrg(name) !== undefined)
    throw new ApiError(409, `${name} is an organization, not a user`);
  const user: User = {
    id: env.store.nextId("account"),
    login: name,
    type: type ?? (name.endsWith("[bot]") ? "Bot" : "User"),
  };
  env.store.users.set(user.id, user);
  return user;
}

function createOrg(env: ControlEnv, name: string): Organization {
  const { store } = env;
  if (store.findOrg(name) !== undefined || store.findUser(name) !== undefined) {
    throw new ApiError(409, `Account ${name} already exists`);
  }
  const org: Organization = { id: store.nextId("account"), login: name, members: new Map() };
  store.orgs.set(org.id, org);
  const groupId = store.runnerGroups.has(DEFAULT_RUNNER_GROUP_ID)
    ? store.nextId("group")
    : DEFAULT_RUNNER_GROUP_ID;
  store.runnerGroups.set(groupId, {
    id: groupId,
    orgId: org.id,
    name: "Default",
    visibility: "all",
    selectedRepoIds: new Set(),
    allowsPublicRepositories: false,
    isDefault: true,
  });
  return org;
}

/** Association GitHub shows when none is given: a private member shows as CONTRIBUTOR. */
function inferAssociation(env: ControlEnv, repo: Repository, author: User): AuthorAssociation {
  const org = env.store.repoOrg(repo);
  const member = org?.members.get(author.login.toLowerCase());
  if (repo.ownerId === author.id) return "OWNER";
  if (member?.public === true) return "MEMBER";
  if (repo.collaborators.has(author.login.toLowerCase())) return "COLLABORATOR";
  if (member !== undefined) return "CONTRIBUTOR";
  return "NONE";
}

const associations = z.enum([
  "OWNER",
  "MEMBER",
  "COLLABORATOR",
  "CONTRIBUTOR",
  "FIRST_TIME_CONTRIBUTOR",
  "FIRST_TIMER",
  "MANNEQUIN",
  "NONE",
]);

export const accountOperations = {
  /** Creates an organisation with its default runner group (id 1 for the first organisation). */
  createOrg: defineOperation(z.object({ login }), (env, input) => {
    const org = createOrg(env, input.login);
    return {
      id: org.id,
      login: org.login,
      defaultRunnerGroupId: env.store.defaultGroup(org.id)?.id ?? 0,
    };
  }),

  createUser: defineOperation(
    z.object({ login, type: z.enum(["User", "Bot"]).optional() }),
    (env, input) => {
      if (env.store.findUser(input.login) !== undefined)
        throw new ApiError(409, `User ${input.login} already exists`);
      const user = ensureUser(env, input.login, input.type);
      return { id: user.id, login: user.login, type: user.type };
    },
  ),

  /** Adds or updates a membership; `public: false` is a private membership. */
  addMember: defineOperation(
    z.object({
      org: login,
      login,
      role: z.enum(["member", "admin"]).default("member"),
      public: z.boolean().default(true),
    }),
    (env, input) => {
      const org = env.store.requireOrg(input.org);
      const user = ensureUser(env, input.login);
      org.members.set(user.login.toLowerCase(), {
        userId: user.id,
        role: input.role,
        public: input.public,
      });
      return { userId: user.id };
    },
  ),

  removeMember: defineOperation(z.object({ org: login, login }), (env, input) => {
    env.store.requireOrg(input.org).members.delete(input.login.toLowerCase());
    return {};
  }),

  /** Creates a repository owned by an organisation or by a user (a fork lives under a user). */
  createRepo: defineOperation(
    z.object({
      owner: login,
      name: z.string().regex(/^[A-Za-z0-9._-]+$/),
      private: z.boolean().default(true),
      fork: z.boolean().default(false),
      defaultBranch: z.string().min(1).default("main"),
    }),
    (env, input) => {
      if (env.store.findRepo(input.owner, input.name) !== undefined) {
        throw new ApiError(409, `Repository ${input.owner}/${input.name} already exists`);
      }
      const owner = env.store.findOrg(input.owner) ?? ensureUser(env, input.owner);
      const repo: Repository = {
        id: env.store.nextId("repo"),
        name: input.name,
        ownerId: owner.id,
        private: input.private,
        fork: input.fork,
        defaultBranch: input.defaultBranch,
        collaborators: new Set(),
        variables: new Map(),
      };
      env.store.repos.set(repo.id, repo);
      return { id: repo.id, fullName: env.store.fullName(repo) };
    },
  ),

  /** Deletes a repository; pull requests and runs from it keep a null head repository. */
  deleteRepo: defineOperation(z.object({ repo: fullName }), (env, input) => {
    const repo = env.store.requireRepoByFullName(input.repo);
    env.store.repos.delete(repo.id);
    for (const pull of env.store.pulls.values()) {
      if (pull.headRepoId === repo.id) pull.headRepoId = null;
    }
    for (const run of env.store.runs.values()) {
      if (run.headRepoId === repo.id) run.headRepoId = null;
    }
    return {};
  }),

  addCollaborator: defineOperation(z.object({ repo: fullName, login }), (env, input) => {
    const repo = env.store.requireRepoByFullName(input.repo);
    repo.collaborators.add(ensureUser(env, input.login).login.toLowerCase());
    return {};
  }),

  /**
   * Opens a pull request. `headRepo` defaults to the base repository; a fork's full name makes a
   * fork pull request and `null` one whose fork was deleted. `authorAssociation` defaults to what
   * GitHub would show.
   */
  openPullRequest: defineOperation(
    z.object({
      repo: fullName,
      author: login,
      headRepo: fullName.nullable().optional(),
      headRef: z.string().min(1).default("feature"),
      headSha: z
        .string()
        .regex(/^[0-9a-f]{40}$/)
        .optional(),
      baseRef: z.string().min(1).optional(),
      authorAssociation: associations.optional(),
    }),
    (env, input) => {
      const repo = env.store.requireRepoByFullName(input.repo);
      const author = ensureUser(env, input.author);
      const head =
        input.headRepo === undefined
          ? repo
          : input.headRepo === null
            ? null
            : env.store.requireRepoByFullName(input.headRepo);
      let number = 1;
      for (const pull of env.store.pulls.values()) {
        if (pull.repoId === repo.id) number = Math.max(number, pull.number + 1);
      }
      const id = env.store.nextId("pull");
      env.store.pulls.set(id, {
        id,
        number,
        repoId: repo.id,
        authorId: author.id,
        authorAssociation: input.authorAssociation ?? inferAssociation(env, repo, author),
        headRepoId: head?.id ?? null,
        headRef: input.headRef,
        headSha: input.headSha ?? randomBytes(20).toString("hex"),
        baseRef: input.baseRef ?? repo.defaultBranch,
        createdAt: Date.now(),
      });
      return { id, number };
    },
  ),

  /**
   * Registers a GitHub App with the public key the test generated and installs it on the given
   * organisations. Returns the App id and one installation id per organisation.
   */
  registerApp: defineOperation(
    z.object({
      publicKey: z.string().includes("PUBLIC KEY"),
      slug: z.string().min(1).default("trusted-runners"),
      installOn: z.array(login).default([]),
    }),
    (env, input) => {
      let publicKey;
      try {
        publicKey = createPublicKey(input.publicKey);
      } catch {
        throw new ApiError(422, "publicKey is not a valid PEM public key");
      }
      const app = { id: env.store.nextId("app"), slug: input.slug, publicKey };
      env.store.apps.set(app.id, app);
      const installations = input.installOn.map((orgLogin) => {
        const org = env.store.requireOrg(orgLogin);
        const installation = { id: env.store.nextId("installation"), appId: app.id, orgId: org.id };
        env.store.installations.set(installation.id, installation);
        return { id: installation.id, org: org.login };
      });
      return { appId: app.id, installations };
    },
  ),

  /** Mints a token that reaches every organisation, for tests that need no App. */
  createToken: defineOperation(
    z.object({ ttlMs: z.number().int().positive().optional() }),
    (env, input) => {
      const token = newTokenValue("ghp");
      env.store.tokens.set(token, {
        token,
        installationId: null,
        expiresAt: Date.now() + (input.ttlMs ?? env.tokenTtlMs),
      });
      return { token };
    },
  ),
};
