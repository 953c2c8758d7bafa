import { pino } from "pino";

import { SECRET_ENV, controllerConfigSchema } from "../../controller/src/config/schema.js";
import { startController } from "../../controller/src/controller.js";
import { createVmDriver } from "../../controller/src/libvirt/create-vm-driver.js";
import { createLogger } from "../../controller/src/log.js";
import { CHILD_SPEC_ENV, childRequestSchema, childSpecSchema } from "./protocol.js";
import type { ChildRequest, JobTimeline } from "./protocol.js";
import type { JobRecord } from "../../controller/src/core/types.js";
import { DomainSampler } from "./domain-sampler.js";

/**
 * A controller in a process of its own, driven by the benchmark over IPC. Run with
 * `node --expose-gc --import tsx`, so a memory reading can follow a full collection.
 */

function readSecret(name: string): string {
  const value = process.env[name];
  if (value === undefined || value.length === 0) throw new Error(`${name} is not set`);
  return value;
}

const spec = childSpecSchema.parse(JSON.parse(process.env[CHILD_SPEC_ENV] ?? "null"));
const config = controllerConfigSchema.parse(spec.config);
const logger = createLogger({
  level: spec.logLevel,
  // Synchronous, as pino writes to standard output under systemd by default.
  destination: pino.destination({ dest: spec.logFile, sync: true, mkdir: true }),
});
const driver = await createVmDriver(config, {
  logger: logger.child({ module: "libvirt" }),
  kernelCmdline: spec.driver.kernelCmdline,
  consoleLogDir: spec.driver.consoleLogDir,
  simulatedGuests: spec.driver.simulatedGuests,
});
const controller = await startController(
  config,
  {
    githubAppPrivateKey: readSecret(SECRET_ENV.githubAppPrivateKey),
    webhookSecret: readSecret(SECRET_ENV.webhookSecret),
  },
  { driver, logger },
);
const sampler = new DomainSampler(driver, () => controller.store.vms().length);

function timelineOf(job: JobRecord): JobTimeline {
  return {
    id: job.id,
    status: job.status,
    queuedAt: job.queuedAt,
    vmBootedAt: job.vmBootedAt,
    jobStartedAt: job.jobStartedAt,
    vmDestroyedAt: job.vmDestroyedAt,
  };
}

async function respond(request: ChildRequest): Promise<unknown> {
  switch (request.op) {
    case "jobs":
      return controller.store.allJobs().map(timelineOf);
    case "job": {
      const job = controller.store.getJob(request.jobId);
      return job === undefined ? null : timelineOf(job);
    }
    case "vms":
      return controller.store.vms().map((vm) => ({
        name: vm.name,
        jobId: vm.jobId,
        state: vm.state,
        createdAt: vm.createdAt,
      }));
    case "libvirt":
      return {
        domains: (await driver.listVms()).map((vm) => vm.name),
        overlays: await driver.listOverlays(),
      };
    case "memory": {
      const gc = (globalThis as { gc?: () => void }).gc;
      gc?.();
      const usage = process.memoryUsage();
      return {
        rss: usage.rss,
        heapTotal: usage.heapTotal,
        heapUsed: usage.heapUsed,
        external: usage.external,
        gcExposed: gc !== undefined,
      };
    }
    case "sampleStart":
      sampler.start(request.intervalMs, request.maxMs);
      return {};
    case "sampleStop":
      return sampler.stop();
    case "stop":
      await sampler.stop();
      await controller.stop();
      await driver.close();
      return {};
  }
}

process.on("message", (message: unknown) => {
  const parsed = childRequestSchema.safeParse(message);
  if (!parsed.success) return;
  const request = parsed.data;
  respond(request).then(
    (result) => {
      process.send?.({ id: request.id, ok: true, result });
      if (request.op === "stop") process.disconnect();
    },
    (error: unknown) =>
      process.send?.({
        id: request.id,
        ok: false,
        error: error instanceof Error ? error.message : String(error),
      }),
  );
});
// The parent going away ends the child too, so no controller outlives a benchmark.
process.on("disconnect", () => {
  void controller.kill().finally(() => process.exit(0));
});
process.send?.({ ready: true, url: controller.url });
