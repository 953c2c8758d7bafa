import { startController } from "../controller.js";
import { createLogger } from "../log.js";
import type { Command } from "./dispatch.js";
import {
  CliInputError,
  loadControllerConfig,
  parseConfigArguments,
  runWithUsageErrors,
  secretsFromEnv,
} from "./controller-config.js";

const USAGE = "usage: reconcile --once --config FILE";

/**
 * `reconcile --once`: one pass of orphan cleanup and repair, then exit: 0 when every listing
 * succeeded, 1 when one failed and its cleanup was skipped. Run it while the
 * service is stopped, because two planners on one database would race each other.
 */
export const reconcileCommand: Command = {
  summary: "run one reconcile pass and exit (--once --config FILE)",
  run: (argv) =>
    runWithUsageErrors("reconcile", async () => {
      const { configFile, flags } = parseConfigArguments(argv, USAGE, ["once"]);
      if (!flags.has("once")) throw new CliInputError(`missing --once; ${USAGE}`);
      const config = await loadControllerConfig(configFile);
      const secrets = secretsFromEnv();
      // A free loopback port, so a one-shot pass never collides with the service's listener.
      const oneShot = { ...config, server: { ...config.server, listen: "127.0.0.1:0" } };
      const controller = await startController(oneShot, secrets, {
        logger: createLogger(),
        manualTimers: true,
      });
      let failed: string[];
      try {
        failed = await controller.reconcile();
      } finally {
        await controller.stop();
      }
      if (failed.length > 0) {
        process.stderr.write(
          `trusted-runners reconcile: listing ${failed.join(", ")} failed, so their cleanup was skipped; check libvirt and GitHub access in the log and run it again\n`,
        );
        return 1;
      }
      return 0;
    }),
};
