import { z } from "zod";

/** The fields of a workflow job the controller reads, from the jobs API or a webhook. */
export const workflowJobSchema = z.object({
  id: z.number().int().positive(),
  run_id: z.number().int().positive(),
  status: z.string(),
  conclusion: z.string().nullable().optional(),
  labels: z.array(z.string()),
  runner_name: z.string().nullable().optional(),
  runner_id: z.number().int().nullable().optional(),
});

export type WorkflowJob = z.infer<typeof workflowJobSchema>;

export const jobListSchema = z.object({
  total_count: z.number().int().nonnegative(),
  jobs: z.array(workflowJobSchema),
});

/** The fields of a workflow run the controller reads itself; routing reads the rest. */
export const workflowRunSchema = z.object({
  id: z.number().int().positive(),
  status: z.string().nullable(),
  pull_requests: z
    .array(z.object({ number: z.number().int().positive() }))
    .nullable()
    .optional(),
});

export const runListSchema = z.object({
  total_count: z.number().int().nonnegative(),
  workflow_runs: z.array(workflowRunSchema),
});

export const runnerSchema = z.object({
  id: z.number().int().positive(),
  name: z.string(),
  status: z.string(),
  busy: z.boolean(),
});

export type Runner = z.infer<typeof runnerSchema>;

export const runnerListSchema = z.object({
  total_count: z.number().int().nonnegative(),
  runners: z.array(runnerSchema),
});

export const jitConfigSchema = z.object({
  runner: runnerSchema.pick({ id: true, name: true }),
  encoded_jit_config: z.string().min(1),
});

export const variableSchema = z.object({ name: z.string(), value: z.string() });

export const runnerGroupSchema = z.object({
  id: z.number(),
  visibility: z.enum(["all", "selected", "private"]),
});

export const runnerGroupRepositoriesSchema = z.object({
  total_count: z.number(),
  repositories: z.array(z.object({ id: z.number() })),
});
