import type { RestContext, RestHandler } from "../http/context.js";
import { accessibleOrg, accessibleRepo, intParam } from "../http/context.js";
import { linkHeader, paginate } from "../http/pagination.js";
import type { Router } from "../http/router.js";
import { ApiError, notFound } from "../model/errors.js";
import type { Membership } from "../model/types.js";

const noContent = { status: 204 };

const getRepo: RestHandler = (context) => ({
  status: 200,
  body: context.env.shapes.repository(accessibleRepo(context)),
});

const getOrg: RestHandler = (context) => ({
  status: 200,
  body: context.env.shapes.organization(accessibleOrg(context, context.params.org ?? "")),
});

const getUser: RestHandler = (context) => {
  if (context.identity.kind === "anonymous") throw new ApiError(401, "Requires authentication");
  const user = context.env.store.requireUser(context.params.username ?? "");
  return { status: 200, body: context.env.shapes.account(user) };
};

function membership(context: RestContext): Membership | undefined {
  const org = accessibleOrg(context, context.params.org ?? "");
  return org.members.get((context.params.username ?? "").toLowerCase());
}

/** 204 for any member, private ones included, because the App reads with the members permission. */
const checkMember: RestHandler = (context) => {
  if (membership(context) === undefined) throw notFound();
  return noContent;
};

const checkPublicMember: RestHandler = (context) => {
  if (membership(context)?.public !== true) throw notFound();
  return noContent;
};

const getMembership: RestHandler = (context) => {
  const found = membership(context);
  if (found === undefined) throw notFound();
  const org = context.env.store.requireOrg(context.params.org ?? "");
  const login = context.env.store.users.get(found.userId)?.login ?? "";
  return {
    status: 200,
    body: {
      url: `${context.url.origin}/orgs/${org.login}/memberships/${login}`,
      state: "active",
      role: found.role,
      organization_url: `${context.url.origin}/orgs/${org.login}`,
      organization: context.env.shapes.organization(org),
      user: context.env.shapes.user(found.userId),
    },
  };
};

const checkCollaborator: RestHandler = (context) => {
  const repo = accessibleRepo(context);
  if (!repo.collaborators.has((context.params.username ?? "").toLowerCase())) throw notFound();
  return noContent;
};

const getPull: RestHandler = (context) => {
  const repo = accessibleRepo(context);
  const number = intParam(context, "pull_number");
  for (const pull of context.env.store.pulls.values()) {
    if (pull.repoId === repo.id && pull.number === number) {
      return { status: 200, body: context.env.shapes.pullRequest(pull) };
    }
  }
  throw notFound();
};

const listPulls: RestHandler = (context) => {
  const repo = accessibleRepo(context);
  const pulls = [...context.env.store.pulls.values()]
    .filter((pull) => pull.repoId === repo.id)
    .sort((a, b) => b.number - a.number);
  const page = paginate(pulls, context.url);
  return {
    status: 200,
    body: page.items.map((pull) => context.env.shapes.pullRequest(pull)),
    headers: linkHeader(page),
  };
};

export function addRepoRoutes(router: Router<RestHandler>): void {
  router.add("GET", "/repos/{owner}/{repo}", getRepo);
  router.add("GET", "/orgs/{org}", getOrg);
  router.add("GET", "/users/{username}", getUser);
  router.add("GET", "/orgs/{org}/members/{username}", checkMember);
  router.add("GET", "/orgs/{org}/public_members/{username}", checkPublicMember);
  router.add("GET", "/orgs/{org}/memberships/{username}", getMembership);
  router.add("GET", "/repos/{owner}/{repo}/collaborators/{username}", checkCollaborator);
  router.add("GET", "/repos/{owner}/{repo}/pulls", listPulls);
  router.add("GET", "/repos/{owner}/{repo}/pulls/{pull_number}", getPull);
}
