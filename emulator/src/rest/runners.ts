import type { RestContext, RestHandler } from "../http/context.js";
import { accessibleOrg, accessibleRepo, intParam, parseBody } from "../http/context.js";
import { linkHeader, paginate } from "../http/pagination.js";
import type { Router } from "../http/router.js";
import { notFound } from "../model/errors.js";
import type { Organization, Runner, RunnerScope } from "../model/types.js";
import { issueJitConfig, jitConfigSchema } from "./jit-config.js";
import { runnerStatus } from "./runner-status.js";

interface ScopeTarget {
  scope: RunnerScope;
  org: Organization | undefined;
}

function orgTarget(context: RestContext): ScopeTarget {
  const org = accessibleOrg(context, context.params.org ?? "");
  return { scope: { kind: "org", orgId: org.id }, org };
}

function repoTarget(context: RestContext): ScopeTarget {
  const repo = accessibleRepo(context, true);
  return { scope: { kind: "repo", repoId: repo.id }, org: context.env.store.repoOrg(repo) };
}

function inScope(runner: Runner, scope: RunnerScope): boolean {
  if (scope.kind === "org")
    return runner.scope.kind === "org" && runner.scope.orgId === scope.orgId;
  return runner.scope.kind === "repo" && runner.scope.repoId === scope.repoId;
}

function findRunner(context: RestContext, target: ScopeTarget): Runner {
  const runner = context.env.store.runners.get(intParam(context, "runner_id"));
  if (runner === undefined || !inScope(runner, target.scope)) throw notFound();
  return runner;
}

function handlers(resolve: (context: RestContext) => ScopeTarget): Record<string, RestHandler> {
  return {
    list: (context) => {
      const { scope } = resolve(context);
      const name = context.url.searchParams.get("name");
      const runners = [...context.env.store.runners.values()].filter(
        (runner) => inScope(runner, scope) && (name === null || runner.name === name),
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
    },
    get: (context) => ({
      status: 200,
      body: runnerStatus(context.env, findRunner(context, resolve(context))),
    }),
    remove: (context) => {
      context.env.dispatcher.deleteRunner(findRunner(context, resolve(context)));
      return { status: 204 };
    },
    jitConfig: (context) => {
      const { scope, org } = resolve(context);
      const input = parseBody(jitConfigSchema, context.body);
      const issued = issueJitConfig(context.env, scope, org, input, context.now);
      return {
        status: 201,
        body: {
          runner: runnerStatus(context.env, issued.runner),
          encoded_jit_config: issued.encodedJitConfig,
        },
      };
    },
  };
}

export function addRunnerRoutes(router: Router<RestHandler>): void {
  for (const [base, resolve] of [
    ["/orgs/{org}/actions/runners", orgTarget],
    ["/repos/{owner}/{repo}/actions/runners", repoTarget],
  ] as const) {
    const handler = handlers(resolve);
    router.add("GET", base, handler.list as RestHandler);
    router.add("POST", `${base}/generate-jitconfig`, handler.jitConfig as RestHandler);
    router.add("GET", `${base}/{runner_id}`, handler.get as RestHandler);
    router.add("DELETE", `${base}/{runner_id}`, handler.remove as RestHandler);
  }
}
