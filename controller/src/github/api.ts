import type { z } from "zod";
import type { ControllerConfig } from "../config/schema.js";
import type { Logger } from "../log.js";
import { GithubCallError, RunnerNameTakenError, statusOf } from "./errors.js";
import type { GithubClient } from "./octokit.js";
import type { CallPriority, RateLimitGate } from "./rate-limit-gate.js";
import {
  jitConfigSchema,
  jobListSchema,
  runListSchema,
  runnerGroupRepositoriesSchema,
  runnerGroupSchema,
  runnerListSchema,
  variableSchema,
  workflowJobSchema,
} from "./schemas.js";
import type { Runner, WorkflowJob } from "./schemas.js";

/** `owner/name` split in two. */
export interface RepoRef {
  owner: string;
  name: string;
}

/** Hooks the API calls to count errors; the metrics module supplies them. */
export interface GithubApiHooks {
  onError(call: string, status: number | undefined): void;
}

/** Options of {@link GithubApi}. */
export interface GithubApiOptions {
  client: GithubClient;
  gate: RateLimitGate;
  config: ControllerConfig["github"];
  /** Milliseconds any single call may take, retries included. */
  callTimeoutMs: number;
  logger: Logger;
  hooks?: GithubApiHooks;
}

/** Response of `generate-jitconfig`; `encodedJitConfig` is a secret. */
export interface JitConfig {
  runnerId: number;
  encodedJitConfig: string;
}

/** Largest number of pages read from one list endpoint, so a list call ends. */
const MAX_PAGES = 10;

/** The GitHub calls the controller makes, with zod-checked responses and explicit statuses. */
export class GithubApi {
  constructor(private readonly options: GithubApiOptions) {}

  /**
   * Lists the queued jobs of one repository: the jobs with status `queued` in its queued and
   * in-progress runs. A run whose first job already started is `in_progress` while later jobs
   * still wait, so both run statuses are listed.
   */
  async listQueuedJobs(repo: RepoRef): Promise<WorkflowJob[]> {
    const runs = [];
    for (const status of ["queued", "in_progress"] as const) {
      const lists = await this.paginate("listRuns", "scaleUp", runListSchema, (page) =>
        this.options.client.request("GET /repos/{owner}/{repo}/actions/runs", {
          owner: repo.owner,
          repo: repo.name,
          status,
          per_page: 100,
          page,
          request: this.requestOptions(),
        }),
      );
      runs.push(...lists);
    }
    const jobs: WorkflowJob[] = [];
    for (const run of runs.flatMap((list) => list.workflow_runs)) {
      const lists = await this.paginate("listRunJobs", "scaleUp", jobListSchema, (page) =>
        this.options.client.request("GET /repos/{owner}/{repo}/actions/runs/{run_id}/jobs", {
          owner: repo.owner,
          repo: repo.name,
          run_id: run.id,
          filter: "latest",
          per_page: 100,
          page,
          request: this.requestOptions(),
        }),
      );
      for (const list of lists) jobs.push(...list.jobs.filter((job) => job.status === "queued"));
    }
    return jobs;
  }

  /** Fetches one job; undefined when GitHub no longer has it (404). */
  async getJob(repo: RepoRef, jobId: number): Promise<WorkflowJob | undefined> {
    return this.callOrNotFound("getJob", "scaleUp", workflowJobSchema, () =>
      this.options.client.request("GET /repos/{owner}/{repo}/actions/jobs/{job_id}", {
        owner: repo.owner,
        repo: repo.name,
        job_id: jobId,
        request: this.requestOptions(),
      }),
    );
  }

  /** Fetches a workflow run as raw JSON for the routing module to parse; undefined on 404. */
  async getRun(repo: RepoRef, runId: number): Promise<unknown> {
    return this.callOrNotFound("getRun", "scaleUp", undefined, () =>
      this.options.client.request("GET /repos/{owner}/{repo}/actions/runs/{run_id}", {
        owner: repo.owner,
        repo: repo.name,
        run_id: runId,
        request: this.requestOptions(),
      }),
    );
  }

  /** Fetches a pull request as raw JSON for the routing module to parse; undefined on 404. */
  async getPullRequest(repo: RepoRef, pullNumber: number): Promise<unknown> {
    return this.callOrNotFound("getPullRequest", "scaleUp", undefined, () =>
      this.options.client.request("GET /repos/{owner}/{repo}/pulls/{pull_number}", {
        owner: repo.owner,
        repo: repo.name,
        pull_number: pullNumber,
        request: this.requestOptions(),
      }),
    );
  }

  /** Fetches a repository variable's value; undefined when it is not set (404). */
  async getVariable(repo: RepoRef, name: string): Promise<string | undefined> {
    const variable = await this.callOrNotFound("getVariable", "scaleUp", variableSchema, () =>
      this.options.client.request("GET /repos/{owner}/{repo}/actions/variables/{name}", {
        owner: repo.owner,
        repo: repo.name,
        name,
        request: this.requestOptions(),
      }),
    );
    return variable?.value;
  }

  /**
   * True when the configured runner group lets the repository's jobs reach its runners: the
   * group's visibility is `all`, or it is `selected` and lists the repository. A missing group
   * (404) allows nothing.
   */
  async runnerGroupAllows(repositoryId: number): Promise<boolean> {
    const org = this.options.config.organization;
    const groupId = this.options.config.runnerGroupId;
    const group = await this.callOrNotFound("getRunnerGroup", "scaleUp", runnerGroupSchema, () =>
      this.options.client.request("GET /orgs/{org}/actions/runner-groups/{runner_group_id}", {
        org,
        runner_group_id: groupId,
        request: this.requestOptions(),
      }),
    );
    if (group === undefined) return false;
    if (group.visibility === "all") return true;

    const pages = await this.paginate(
      "listRunnerGroupRepositories",
      "scaleUp",
      runnerGroupRepositoriesSchema,
      (page) =>
        this.options.client.request(
          "GET /orgs/{org}/actions/runner-groups/{runner_group_id}/repositories",
          { org, runner_group_id: groupId, per_page: 100, page, request: this.requestOptions() },
        ),
    );
    return pages.some((page) => page.repositories.some((repo) => repo.id === repositoryId));
  }

  /** True when `username` is a member of the organisation, public or private (204). */
  async isOrgMember(username: string): Promise<boolean> {
    const call = "checkOrgMembership";
    await this.options.gate.pass("scaleUp");
    try {
      const response = await this.options.client.request("GET /orgs/{org}/members/{username}", {
        org: this.options.config.organization,
        username,
        request: this.requestOptions(),
      });
      return (response.status as number) === 204;
    } catch (error) {
      // 404: not a member. 302: the App may not see private members, so not confirmed.
      const status = statusOf(error);
      if (status === 404 || status === 302) return false;
      throw this.failure(call, error);
    }
  }

  /**
   * Registers a JIT runner in the configured group. Throws {@link RunnerNameTakenError} on
   * 409, so the caller can delete the old registration and ask again.
   */
  async generateJitConfig(runnerName: string): Promise<JitConfig> {
    const call = "generateJitConfig";
    const { config } = this.options;
    await this.options.gate.pass("scaleUp");
    try {
      const response = await this.options.client.request(
        "POST /orgs/{org}/actions/runners/generate-jitconfig",
        {
          org: config.organization,
          name: runnerName,
          runner_group_id: config.runnerGroupId,
          labels: config.labels,
          work_folder: "_work",
          request: this.requestOptions(),
        },
      );
      const parsed = jitConfigSchema.parse(response.data);
      return { runnerId: parsed.runner.id, encodedJitConfig: parsed.encoded_jit_config };
    } catch (error) {
      if (statusOf(error) === 409) throw new RunnerNameTakenError(runnerName);
      throw this.failure(call, error);
    }
  }

  /** Organisation runners whose names start with `prefix`. */
  async listRunners(prefix: string, priority: CallPriority = "housekeeping"): Promise<Runner[]> {
    const lists = await this.paginate("listRunners", priority, runnerListSchema, (page) =>
      this.options.client.request("GET /orgs/{org}/actions/runners", {
        org: this.options.config.organization,
        per_page: 100,
        page,
        request: this.requestOptions(),
      }),
    );
    return lists.flatMap((list) => list.runners).filter((runner) => runner.name.startsWith(prefix));
  }

  /**
   * Deletes a runner registration. Returns `gone` when it no longer exists (404) and `busy`
   * when GitHub refuses because the runner is still running a job (422); GitHub frees such a runner
   * once it stops reporting, so a later attempt succeeds.
   */
  async deleteRunner(
    runnerId: number,
    priority: CallPriority = "housekeeping",
  ): Promise<"deleted" | "gone" | "busy"> {
    await this.options.gate.pass(priority);
    try {
      await this.options.client.request("DELETE /orgs/{org}/actions/runners/{runner_id}", {
        org: this.options.config.organization,
        runner_id: runnerId,
        request: this.requestOptions(),
      });
      return "deleted";
    } catch (error) {
      const status = statusOf(error);
      if (status === 404) return "gone";
      if (status === 422) return "busy";
      throw this.failure("deleteRunner", error);
    }
  }

  /**
   * Cancels a workflow run; returns false when it cannot be cancelled any more (409: already
   * completed) or is gone (404).
   */
  async cancelRun(repo: RepoRef, runId: number): Promise<boolean> {
    await this.options.gate.pass("scaleUp");
    try {
      await this.options.client.request("POST /repos/{owner}/{repo}/actions/runs/{run_id}/cancel", {
        owner: repo.owner,
        repo: repo.name,
        run_id: runId,
        request: this.requestOptions(),
      });
      return true;
    } catch (error) {
      const status = statusOf(error);
      if (status === 409 || status === 404) return false;
      throw this.failure("cancelRun", error);
    }
  }

  private requestOptions(): { signal: AbortSignal } {
    return { signal: AbortSignal.timeout(this.options.callTimeoutMs) };
  }

  private failure(call: string, error: unknown): GithubCallError {
    const status = statusOf(error);
    this.options.hooks?.onError(call, status);
    this.options.logger.warn({ call, status, err: errorSummary(error) }, "GitHub call failed");
    return new GithubCallError(call, status, { cause: error });
  }

  private async callOrNotFound<T>(
    call: string,
    priority: CallPriority,
    schema: z.ZodType<T> | undefined,
    send: () => Promise<{ data: unknown }>,
  ): Promise<T | undefined> {
    await this.options.gate.pass(priority);
    try {
      const response = await send();
      return schema === undefined ? (response.data as T) : schema.parse(response.data);
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw this.failure(call, error);
    }
  }

  private async paginate<T extends { total_count: number }>(
    call: string,
    priority: CallPriority,
    schema: z.ZodType<T>,
    sendPage: (page: number) => Promise<{ data: unknown }>,
  ): Promise<T[]> {
    const pages: T[] = [];
    let seen = 0;
    for (let page = 1; page <= MAX_PAGES; page += 1) {
      await this.options.gate.pass(priority);
      let parsed: T;
      try {
        parsed = schema.parse((await sendPage(page)).data);
      } catch (error) {
        throw this.failure(call, error);
      }
      pages.push(parsed);
      seen += itemCount(parsed);
      if (itemCount(parsed) < 100 || seen >= parsed.total_count) break;
    }
    return pages;
  }
}

function itemCount(list: object): number {
  const items = Object.values(list).find((value) => Array.isArray(value)) as unknown[] | undefined;
  return items?.length ?? 0;
}

/** Extracts the message and status of an error, leaving out request headers with the token. */
export function errorSummary(error: unknown): { message: string; status?: number } {
  const message = error instanceof Error ? error.message : String(error);
  const status = statusOf(error);
  return status === undefined ? { message } : { message, status };
}
