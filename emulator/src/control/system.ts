import { z } from "zod";

import { defineOperation } from "./define.js";
import type { ControlEnv } from "./define.js";
import { faultSpecSchema } from "../http/faults.js";
import { runStatus } from "../runner/run-status.js";

/** Everything tests assert on, as plain JSON; delivery bodies only when asked for. */
function snapshot(env: ControlEnv, deliveryBodies: boolean) {
  const { store, dispatcher } = env;
  return {
    jitConfigsIssued: store.jitConfigsIssued,
    runners: [...store.runners.values()].map((runner) => ({
      id: runner.id,
      name: runner.name,
      scope: runner.scope,
      groupId: runner.groupId,
      labels: [...runner.labels],
      status: runner.connection === "online" ? "online" : "offline",
      connection: runner.connection,
      busy: runner.jobId !== null,
      idle: dispatcher.isIdle(runner),
      jobId: runner.jobId,
    })),
    runs: [...store.runs.values()].map((run) => ({
      id: run.id,
      repoId: run.repoId,
      ...runStatus(store, run),
    })),
    jobs: [...store.jobs.values()].map((job) => ({
      id: job.id,
      runId: job.runId,
      status: job.status,
      conclusion: job.conclusion,
      labels: [...job.labels],
      runnerId: job.runnerId,
      runnerName: job.runnerName,
      steps: job.steps.map((step) => ({
        number: step.number,
        status: step.status,
        conclusion: step.conclusion,
      })),
    })),
    queuedJobIds: dispatcher.queuedJobIds(),
    deliveries: env.sender
      .log()
      .map((delivery) => (deliveryBodies ? delivery : { ...delivery, body: undefined })),
    faults: env.faults.list(),
  };
}

export type EmulatorState = ReturnType<typeof snapshot>;

export const systemOperations = {
  /** Adds a webhook target; `events` limits which events it gets (all when absent). */
  addWebhook: defineOperation(
    z.object({
      url: z.string().min(1),
      secret: z.string().min(1),
      events: z.array(z.string()).optional(),
    }),
    (env, input) => ({
      id: env.sender.addTarget(input.url, input.secret, input.events ?? null).id,
    }),
  ),

  removeWebhook: defineOperation(z.object({ id: z.number().int().positive() }), (env, input) => {
    env.sender.removeTarget(input.id);
    return {};
  }),

  /** Sends a logged delivery again with its original `X-GitHub-Delivery`. */
  redeliver: defineOperation(
    z.object({ deliveryId: z.number().int().positive() }),
    (env, input) => {
      const copy = env.sender.redeliver(input.deliveryId);
      return { id: copy.id, guid: copy.guid };
    },
  ),

  /** Resolves once every webhook delivery created so far has finished or failed. */
  webhooksSettled: defineOperation(z.object({}), async (env) => {
    await env.sender.settled();
    return {};
  }),

  addFault: defineOperation(faultSpecSchema, (env, input) => ({ id: env.faults.add(input).id })),

  clearFaults: defineOperation(z.object({}), (env) => {
    env.faults.clear();
    return {};
  }),

  /** Returns runners, runs, jobs, deliveries and faults; `deliveryBodies: false` leaves out payloads. */
  state: defineOperation(z.object({ deliveryBodies: z.boolean().default(true) }), (env, input) =>
    snapshot(env, input.deliveryBodies),
  ),
};
