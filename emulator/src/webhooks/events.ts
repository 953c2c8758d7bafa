import type { WebhookSender } from "./sender.js";
import type { Shapes } from "../model/shapes.js";
import type { Store } from "../model/store.js";
import type { Job, WorkflowRun } from "../model/types.js";
import { runStatus } from "../runner/run-status.js";

export type WorkflowJobAction = "queued" | "waiting" | "in_progress" | "completed";
export type WorkflowRunAction = "requested" | "in_progress" | "completed";

/** Lifecycle notifications the dispatcher raises; the emulator turns them into webhooks. */
export interface LifecycleEvents {
  workflowJob(job: Job, action: WorkflowJobAction): void;
  workflowRun(run: WorkflowRun, action: WorkflowRunAction): void;
}

/** Builds `workflow_job` and `workflow_run` payloads as GitHub sends them and hands them to the sender. */
export class WebhookEvents implements LifecycleEvents {
  constructor(
    private readonly store: Store,
    private readonly shapes: Shapes,
    private readonly sender: WebhookSender,
  ) {}

  workflowJob(job: Job, action: WorkflowJobAction): void {
    const run = this.store.runs.get(job.runId);
    if (run === undefined) return;
    const payload: Record<string, unknown> = {
      action,
      workflow_job: this.shapes.job(job),
      ...this.common(run),
    };
    if (action === "waiting" && job.environment !== null) {
      payload.deployment = {
        environment: job.environment,
        task: "deploy",
        original_environment: job.environment,
      };
    }
    this.sender.send("workflow_job", payload as { action: string });
  }

  workflowRun(run: WorkflowRun, action: WorkflowRunAction): void {
    const { status, conclusion } = runStatus(this.store, run);
    const payload = {
      action,
      workflow_run: this.shapes.workflowRun(run, status, conclusion),
      workflow: { id: 1, name: run.name, path: ".github/workflows/ci.yml", state: "active" },
      ...this.common(run),
    };
    this.sender.send("workflow_run", payload);
  }

  private common(run: WorkflowRun): Record<string, unknown> {
    const repo = this.store.repos.get(run.repoId);
    const org = repo === undefined ? undefined : this.store.repoOrg(repo);
    const installation = org === undefined ? undefined : this.store.installationForOrg(org.id);
    const fields: Record<string, unknown> = {
      repository: this.shapes.repositoryById(run.repoId),
      sender: this.shapes.user(run.triggeringActorId),
    };
    if (org !== undefined) fields.organization = this.shapes.organization(org);
    if (installation !== undefined) {
      fields.installation = {
        id: installation.id,
        node_id: Buffer.from(`Installation:${installation.id}`).toString("base64url"),
      };
    }
    return fields;
  }
}
