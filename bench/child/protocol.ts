import { z } from "zod";

/**
 * Messages between the benchmark and a controller it runs in a child process, over Node's IPC
 * channel. The child runs the controller alone, so its resident memory is the controller's own.
 */

/** Start-up input of the child: the controller's configuration and the VM driver's extras. */
export const childSpecSchema = z.object({
  /** Controller configuration input; the child parses it with the product's own schema. */
  config: z.unknown(),
  driver: z.object({
    kernelCmdline: z.string().optional(),
    consoleLogDir: z.string().optional(),
    simulatedGuests: z
      .object({
        bootDelayMs: z.number().int().nonnegative().optional(),
        fault: z.enum(["none", "never-boots"]).optional(),
        stepMode: z.enum(["run", "succeed"]).optional(),
      })
      .optional(),
  }),
  /** File for the controller's JSON log lines. */
  logFile: z.string(),
  logLevel: z.string(),
});

export type ChildSpec = z.infer<typeof childSpecSchema>;

/** Environment variable that carries the {@link ChildSpec} as JSON. */
export const CHILD_SPEC_ENV = "TR_BENCH_CHILD_SPEC";

export const childRequestSchema = z.discriminatedUnion("op", [
  z.object({ id: z.number().int(), op: z.literal("jobs") }),
  z.object({ id: z.number().int(), op: z.literal("job"), jobId: z.number().int() }),
  z.object({ id: z.number().int(), op: z.literal("vms") }),
  z.object({ id: z.number().int(), op: z.literal("libvirt") }),
  z.object({ id: z.number().int(), op: z.literal("memory") }),
  z.object({
    id: z.number().int(),
    op: z.literal("sampleStart"),
    intervalMs: z.number().int().positive(),
    maxMs: z.number().int().positive(),
  }),
  z.object({ id: z.number().int(), op: z.literal("sampleStop") }),
  z.object({ id: z.number().int(), op: z.literal("stop") }),
]);

export type ChildRequest = z.infer<typeof childRequestSchema>;
/** A request without its id, as the parent builds it. */
export type ChildCall = ChildRequest extends infer R
  ? R extends { id: number }
    ? Omit<R, "id">
    : never
  : never;

/** One job's timeline as the controller recorded it, epoch ms. */
export const jobTimelineSchema = z.object({
  id: z.number(),
  status: z.string(),
  /** Webhook or poll receipt. */
  queuedAt: z.number(),
  /** JIT config delivered to the guest (the store calls this point `vmBootedAt`). */
  vmBootedAt: z.number().nullable(),
  jobStartedAt: z.number().nullable(),
  vmDestroyedAt: z.number().nullable(),
});

export type JobTimeline = z.infer<typeof jobTimelineSchema>;

export const vmRowSchema = z.object({
  name: z.string(),
  jobId: z.number().nullable(),
  state: z.string(),
  createdAt: z.number(),
});

export const replySchemas = {
  jobs: z.array(jobTimelineSchema),
  job: jobTimelineSchema.nullable(),
  vms: z.array(vmRowSchema),
  libvirt: z.object({ domains: z.array(z.string()), overlays: z.array(z.string()) }),
  memory: z.object({
    rss: z.number(),
    heapTotal: z.number(),
    heapUsed: z.number(),
    external: z.number(),
    gcExposed: z.boolean(),
  }),
  sampleStart: z.object({}),
  sampleStop: z.object({
    samples: z.number(),
    peakDomains: z.number(),
    meanDomains: z.number(),
    peakTrackedVms: z.number(),
  }),
  stop: z.object({}),
} as const;

export type ChildReply<Op extends ChildCall["op"]> = z.infer<(typeof replySchemas)[Op]>;

/** The child's first message once its controller serves HTTP. */
export const readyMessageSchema = z.object({ ready: z.literal(true), url: z.string() });

export const replyMessageSchema = z.object({
  id: z.number(),
  ok: z.boolean(),
  result: z.unknown().optional(),
  error: z.string().optional(),
});
