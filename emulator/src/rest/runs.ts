import type { RestContext, RestHandler } from "../http/context.js";
import { accessibleRepo, intParam } from "../http/context.js";
import { linkHeader, paginate } from "../http/pagination.js";
import type { Router } from "../http/router.js";
import { notFound } from "../model/errors.js";
import type { Job, WorkflowRun } from "../model/types.js";
import { runStatus } from "../runner/run-status.js";

function findRun(context: RestContext): WorkflowRun {
  const repo = accessibleRepo(context);
  const run = context.env.store.runs.get(intParam(context, "run_id"));
  if (run === undefined || run.repoId !== repo.id) throw notFound();
  return run;
}

function runBody(context: RestContext, run: WorkflowRun): Record<string, unknown> {
  const { status, conclusion } = runStatus(context.env.store, run);
  return context.env.shapes.workflowRun(run, status, conclusion);
}

/** Lists a repository's runs, newest first. `status` takes a status or a conclusion, as on GitHub. */
const listRuns: RestHandler = (context) => {
  const repo = accessibleRepo(context);
  const statusFilter = context.url.searchParams.get("status");
  const eventFilter = context.url.searchParams.get("event");
  const shaFilter = context.url.searchParams.get("head_sha");
  const runs = [...context.env.store.runs.values()]
    .filter((run) => run.repoId === repo.id)
    .filter((run) => eventFilter === null || run.event === eventFilter)
    .filter((run) => shaFilter === null || run.headSha === shaFilter)
    .filter((run) => {
      if (statusFilter === null) return true;
      const { status, conclusion } = runStatus(context.env.store, run);
      return status === statusFilter || conclusion === statusFilter;
    })
    .sort((a, b) => b.id - a.id);
  const page = paginate(runs, context.url);
  return {
    status: 200,
    body: {
      total_count: runs.length,
      workflow_runs: page.items.map((run) => runBody(context, run)),
    },
    headers: linkHeader(page),
  };
};

const getRun: RestHandler = (context) => ({
  status: 200,
  body: runBody(context, findRun(context)),
});

const listRunJobs: RestHandler = (context) => {
  const run = findRun(context);
  const jobs = context.env.store.runJobs(run);
  const page = paginate(jobs, context.url);
  return {
    status: 200,
    body: {
      total_count: jobs.length,
      jobs: page.items.map((job: Job) => context.env.shapes.job(job)),
    },
    headers: linkHeader(page),
  };
};

const getJob: RestHandler = (context) => {
  const repo = accessibleRepo(context);
  const job = context.env.store.jobs.get(intParam(context, "job_id"));
  if (job === undefined || job.repoId !== repo.id) throw notFound();
  return { status: 200, body: context.env.shapes.job(job) };
};

const cancelRun: RestHandler = (context) => {
  accessibleRepo(context, true);
  context.env.dispatcher.cancelRun(findRun(context));
  return { status: 202, body: {} };
};

const forceCancelRun: RestHandler = (context) => {
  accessibleRepo(context, true);
  context.env.dispatcher.forceCancelRun(findRun(context));
  return { status: 202, body: {} };
};

export function addRunRoutes(router: Router<RestHandler>): void {
  router.add("GET", "/repos/{owner}/{repo}/actions/runs", listRuns);
  router.add("GET", "/repos/{owner}/{repo}/actions/runs/{run_id}", getRun);
  router.add("GET", "/repos/{owner}/{repo}/actions/runs/{run_id}/jobs", listRunJobs);
  router.add("POST", "/repos/{owner}/{repo}/actions/runs/{run_id}/cancel", cancelRun);
  router.add("POST", "/repos/{owner}/{repo}/actions/runs/{run_id}/force-cancel", forceCancelRun);
  router.add("GET", "/repos/{owner}/{repo}/actions/jobs/{job_id}", getJob);
}
