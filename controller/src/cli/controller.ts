import { setTimeout as sleep } from "node:timers/promises";
import { startController } from "../controller.js";
import type { StepHook } from "../executor/context.js";
import { createLogger } from "../log.js";
import type { Command } from "./dispatch.js";
import {
  loadControllerConfig,
  parseConfigArguments,
  runWithUsageErrors,
  secretsFromEnv,
} from "./controller-config.js";

const USAGE =
  "usage: controller --config FILE (secrets from TR_GITHUB_APP_PRIVATE_KEY, TR_WEBHOOK_SECRET)";

/**
 * Environment variable naming a lifecycle step (such as `jitIssued`) at which the process kills
 * itself with SIGKILL the first time any VM reaches it. The fault suite uses it to prove that a
 * restart converges from every step; production leaves it unset.
 */
export const CRASH_AT_ENV = "TR_CRASH_AT";

function crashHook(step: string | undefined): StepHook | undefined {
  if (step === undefined || step === "") return undefined;
  return (reached) => {
    if (reached === step) process.kill(process.pid, "SIGKILL");
  };
}

/** How often a draining shutdown checks whether every VM is gone. */
const DRAIN_CHECK_MS = 1000;

/**
 * `controller`: runs the service until SIGTERM or SIGINT. On a signal it stops taking work and
 * lets in-flight steps finish, and VMs stay for the next start to reconcile. After a drain
 * request it first waits, at most the job timeout, until every VM is gone.
 */
export const controllerCommand: Command = {
  summary: "run the controller service (--config FILE)",
  run: (argv) =>
    runWithUsageErrors("controller", async () => {
      const { configFile } = parseConfigArguments(argv, USAGE);
      const config = await loadControllerConfig(configFile);
      const secrets = secretsFromEnv();
      const logger = createLogger();
      const beforeStep = crashHook(process.env[CRASH_AT_ENV]);
      const controller = await startController(config, secrets, {
        logger,
        ...(beforeStep === undefined ? {} : { beforeStep }),
      });

      const signal = await new Promise<NodeJS.Signals>((resolve) => {
        process.once("SIGTERM", () => resolve("SIGTERM"));
        process.once("SIGINT", () => resolve("SIGINT"));
      });
      logger.info({ signal }, "shutdown requested");
      if (controller.store.isDraining()) {
        const deadline = Date.now() + config.timeouts.jobSeconds * 1000;
        while (controller.store.vms().length > 0 && Date.now() < deadline) {
          await sleep(DRAIN_CHECK_MS);
        }
      }
      await controller.stop();
      return 0;
    }),
};
