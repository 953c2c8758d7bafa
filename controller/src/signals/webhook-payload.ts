import { z } from "zod";
import { workflowJobSchema } from "../github/schemas.js";

/** The fields of a `workflow_job` webhook the controller reads. */
export const workflowJobEventSchema = z.object({
  action: z.string(),
  workflow_job: workflowJobSchema,
  repository: z.object({ full_name: z.string().min(3) }),
});

export type WorkflowJobEvent = z.infer<typeof workflowJobEventSchema>;

/** `workflow_job` actions the controller acts on; others are acknowledged and ignored. */
export const HANDLED_ACTIONS: ReadonlySet<string> = new Set([
  "waiting",
  "queued",
  "in_progress",
  "completed",
]);
