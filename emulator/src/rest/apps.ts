import type { Router } from "../http/router.js";
import { newTokenValue } from "../auth/identity.js";
import type { RestContext, RestHandler } from "../http/context.js";
import { intParam } from "../http/context.js";
import { ApiError, notFound } from "../model/errors.js";
import { isoTime } from "../model/shapes.js";
import type { App, Installation } from "../model/types.js";

/** Permissions every installation token carries; the emulator does not enforce them. */
const PERMISSIONS = {
  actions: "write",
  administration: "write",
  members: "read",
  metadata: "read",
  organization_self_hosted_runners: "write",
  pull_requests: "read",
};

function requireApp(context: RestContext): App {
  if (context.identity.kind !== "app") {
    throw new ApiError(401, "A JSON web token could not be decoded");
  }
  const app = context.env.store.apps.get(context.identity.appId);
  if (app === undefined) throw new ApiError(401, "Integration not found");
  return app;
}

function installationShape(
  context: RestContext,
  installation: Installation,
): Record<string, unknown> {
  const org = context.env.store.orgs.get(installation.orgId);
  return {
    id: installation.id,
    app_id: installation.appId,
    account: org === undefined ? null : context.env.shapes.account(org),
    target_type: "Organization",
    repository_selection: "all",
    permissions: PERMISSIONS,
    events: ["workflow_job", "workflow_run"],
  };
}

function appInstallation(context: RestContext, app: App, orgId: number | undefined): Installation {
  for (const installation of context.env.store.installations.values()) {
    if (installation.appId === app.id && installation.orgId === orgId) return installation;
  }
  throw notFound();
}

const getApp: RestHandler = (context) => {
  const app = requireApp(context);
  return {
    status: 200,
    body: { id: app.id, slug: app.slug, name: app.slug, permissions: PERMISSIONS },
  };
};

const listInstallations: RestHandler = (context) => {
  const app = requireApp(context);
  const installations = [...context.env.store.installations.values()].filter(
    (installation) => installation.appId === app.id,
  );
  return {
    status: 200,
    body: installations.map((installation) => installationShape(context, installation)),
  };
};

const getInstallation: RestHandler = (context) => {
  const app = requireApp(context);
  const installation = context.env.store.installations.get(intParam(context, "installation_id"));
  if (installation === undefined || installation.appId !== app.id) throw notFound();
  return { status: 200, body: installationShape(context, installation) };
};

const createAccessToken: RestHandler = (context) => {
  const app = requireApp(context);
  const installation = context.env.store.installations.get(intParam(context, "installation_id"));
  if (installation === undefined || installation.appId !== app.id) throw notFound();
  const token = newTokenValue("ghs");
  const expiresAt = context.now + context.env.tokenTtlMs;
  context.env.store.tokens.set(token, { token, installationId: installation.id, expiresAt });
  return {
    status: 201,
    body: {
      token,
      expires_at: isoTime(expiresAt),
      permissions: PERMISSIONS,
      repository_selection: "all",
    },
  };
};

const getOrgInstallation: RestHandler = (context) => {
  const app = requireApp(context);
  const org = context.env.store.findOrg(context.params.org ?? "");
  return { status: 200, body: installationShape(context, appInstallation(context, app, org?.id)) };
};

const getRepoInstallation: RestHandler = (context) => {
  const app = requireApp(context);
  const repo = context.env.store.findRepo(context.params.owner ?? "", context.params.repo ?? "");
  return {
    status: 200,
    body: installationShape(context, appInstallation(context, app, repo?.ownerId)),
  };
};

const listInstallationRepos: RestHandler = (context) => {
  if (context.identity.kind !== "installation") throw new ApiError(401, "Requires authentication");
  const orgId = context.identity.orgId;
  const repos = [...context.env.store.repos.values()].filter((repo) => repo.ownerId === orgId);
  return {
    status: 200,
    body: {
      total_count: repos.length,
      repositories: repos.map((repo) => context.env.shapes.repository(repo)),
    },
  };
};

export function addAppRoutes(router: Router<RestHandler>): void {
  router.add("GET", "/app", getApp);
  router.add("GET", "/app/installations", listInstallations);
  router.add("GET", "/app/installations/{installation_id}", getInstallation);
  router.add("POST", "/app/installations/{installation_id}/access_tokens", createAccessToken);
  router.add("GET", "/orgs/{org}/installation", getOrgInstallation);
  router.add("GET", "/repos/{owner}/{repo}/installation", getRepoInstallation);
  router.add("GET", "/installation/repositories", listInstallationRepos);
}
