import { z } from "zod";

import type { RestContext, RestHandler } from "../http/context.js";
import { accessibleOrg, intParam, parseBody } from "../http/context.js";
import { linkHeader, paginate } from "../http/pagination.js";
import type { Router } from "../http/router.js";
import { ApiError, notFound } from "../model/errors.js";
import type { Organization, RunnerGroup } from "../model/types.js";
import { runnerStatus } from "./runner-status.js";

const visibility = z.enum(["all", "selected", "private"]);
const createSchema = z.object({
  name: z.string().min(1),
  visibility: visibility.default("all"),
  selected_repository_ids: z.array(z.number().int().positive()).default([]),
  allows_public_repositories: z.boolean().default(false),
});
const updateSchema = z.object({
  name: z.string().min(1).optional(),
  visibility: visibility.optional(),
  allows_public_repositories: z.boolean().optional(),
});
const setReposSchema = z.object({ selected_repository_ids: z.array(z.number().int().positive()) });

/** Creates a runner group; also used by the control API. */
export function createRunnerGroup(
  context: Pick<RestContext, "env">,
  org: Organization,
  input: z.output<typeof createSchema>,
): RunnerGroup {
  const { store } = context.env;
  for (const group of store.runnerGroups.values()) {
    if (group.orgId === org.id && group.name.toLowerCase() === input.name.toLowerCase()) {
      throw new ApiError(
        409,
        `Already exists - A runner group with the name ${input.name} already exists.`,
      );
    }
  }
  for (const id of input.selected_repository_ids) requireOrgRepo(context, org, id);
  const group: RunnerGroup = {
    id: store.nextId("group"),
    orgId: org.id,
    name: input.name,
    visibility: input.visibility,
    selectedRepoIds: new Set(input.selected_repository_ids),
    allowsPublicRepositories: input.allows_public_repositories,
    isDefault: false,
  };
  store.runnerGroups.set(group.id, group);
  return group;
}

export { createSchema as runnerGroupCreateSchema };

function requireOrgRepo(
  context: Pick<RestContext, "env">,
  org: Organization,
  repoId: number,
): void {
  const repo = context.env.store.repos.get(repoId);
  if (repo === undefined || repo.ownerId !== org.id) {
    throw new ApiError(
      422,
      `Invalid request.\n\nRepository ${repoId} is not in organization ${org.login}`,
    );
  }
}

function findGroup(context: RestContext): { org: Organization; group: RunnerGroup } {
  const org = accessibleOrg(context, context.params.org ?? "");
  const group = context.env.store.runnerGroups.get(intParam(context, "runner_group_id"));
  if (group === undefined || group.orgId !== org.id) throw notFound();
  return { org, group };
}

function orgGroups(context: RestContext, org: Organization): RunnerGroup[] {
  return [...context.env.store.runnerGroups.values()].filter((group) => group.orgId === org.id);
}

const listGroups: RestHandler = (context) => {
  const org = accessibleOrg(context, context.params.org ?? "");
  const groups = orgGroups(context, org);
  const page = paginate(groups, context.url);
  return {
    status: 200,
    body: {
      total_count: groups.length,
      runner_groups: page.items.map((group) => context.env.shapes.runnerGroup(group)),
    },
    headers: linkHeader(page),
  };
};

const createGroup: RestHandler = (context) => {
  const org = accessibleOrg(context, context.params.org ?? "");
  const group = createRunnerGroup(context, org, parseBody(createSchema, context.body));
  return { status: 201, body: context.env.shapes.runnerGroup(group) };
};

const getGroup: RestHandler = (context) => ({
  status: 200,
  body: context.env.shapes.runnerGroup(findGroup(context).group),
});

const updateGroup: RestHandler = (context) => {
  const { group } = findGroup(context);
  const input = parseBody(updateSchema, context.body);
  if (group.isDefault && input.name !== undefined && input.name !== group.name) {
    throw new ApiError(422, "Invalid request.\n\nThe default runner group cannot be renamed.");
  }
  group.name = input.name ?? group.name;
  group.visibility = input.visibility ?? group.visibility;
  group.allowsPublicRepositories =
    input.allows_public_repositories ?? group.allowsPublicRepositories;
  return { status: 200, body: context.env.shapes.runnerGroup(group) };
};

const deleteGroup: RestHandler = (context) => {
  const { group } = findGroup(context);
  if (group.isDefault)
    throw new ApiError(422, "Invalid request.\n\nThe default runner group cannot be deleted.");
  // GitHub moves the group's runners to the default group.
  const fallback = context.env.store.defaultGroup(group.orgId);
  for (const runner of context.env.store.runners.values()) {
    if (runner.groupId === group.id && fallback !== undefined) runner.groupId = fallback.id;
  }
  context.env.store.runnerGroups.delete(group.id);
  return { status: 204 };
};

const listGroupRepos: RestHandler = (context) => {
  const { group } = findGroup(context);
  const repos = [...group.selectedRepoIds]
    .map((id) => context.env.store.repos.get(id))
    .filter((repo) => repo !== undefined);
  const page = paginate(repos, context.url);
  return {
    status: 200,
    body: {
      total_count: repos.length,
      repositories: page.items.map((repo) => context.env.shapes.repository(repo)),
    },
    headers: linkHeader(page),
  };
};

const setGroupRepos: RestHandler = (context) => {
  const { org, group } = findGroup(context);
  const input = parseBody(setReposSchema, context.body);
  for (const id of input.selected_repository_ids) requireOrgRepo(context, org, id);
  group.selectedRepoIds = new Set(input.selected_repository_ids);
  return { status: 204 };
};

const addGroupRepo: RestHandler = (context) => {
  const { org, group } = findGroup(context);
  const repoId = intParam(context, "repository_id");
  requireOrgRepo(context, org, repoId);
  group.selectedRepoIds.add(repoId);
  return { status: 204 };
};

const removeGroupRepo: RestHandler = (context) => {
  const { group } = findGroup(context);
  group.selectedRepoIds.delete(intParam(context, "repository_id"));
  return { status: 204 };
};

const listGroupRunners: RestHandler = (context) => {
  const { group } = findGroup(context);
  const runners = [...context.env.store.runners.values()].filter(
    (runner) => runner.scope.kind === "org" && runner.groupId === group.id,
  );
  const page = paginate(runners, context.url);
  return {
    status: 200,
    body: {
      total_count: runners.length,
      runners: page.items.map((runner) => runnerStatus(context.env, runner)),
    },
    headers: linkHeader(page),
  };
};

export function addRunnerGroupRoutes(router: Router<RestHandler>): void {
  const base = "/orgs/{org}/actions/runner-groups";
  router.add("GET", base, listGroups);
  router.add("POST", base, createGroup);
  router.add("GET", `${base}/{runner_group_id}`, getGroup);
  router.add("PATCH", `${base}/{runner_group_id}`, updateGroup);
  router.add("DELETE", `${base}/{runner_group_id}`, deleteGroup);
  router.add("GET", `${base}/{runner_group_id}/repositories`, listGroupRepos);
  router.add("PUT", `${base}/{runner_group_id}/repositories`, setGroupRepos);
  router.add("PUT", `${base}/{runner_group_id}/repositories/{repository_id}`, addGroupRepo);
  router.add("DELETE", `${base}/{runner_group_id}/repositories/{repository_id}`, removeGroupRepo);
  router.add("GET", `${base}/{runner_group_id}/runners`, listGroupRunners);
}
