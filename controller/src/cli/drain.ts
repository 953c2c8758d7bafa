import { setTimeout as sleep } from "node:timers/promises";
import type { Command } from "./dispatch.js";
import {
  CliInputError,
  loadControllerConfig,
  openStore,
  parseConfigArguments,
  runWithUsageErrors,
} from "./controller-config.js";

const USAGE = "usage: drain --config FILE [--wait SECONDS] [--resume]";

/**
 * `drain`: sets the drain flag in the database, which the running controller reads on its next
 * plan: it takes no new jobs and destroys its warm VMs while running jobs finish. `--wait`
 * waits until no VM is left, and `--resume` clears the flag.
 */
export const drainCommand: Command = {
  summary: "stop taking jobs and empty the warm pool (--config FILE [--wait SECONDS] [--resume])",
  run: (argv) =>
    runWithUsageErrors("drain", async () => {
      const { configFile, flags, wait } = parseConfigArguments(argv, USAGE, ["resume"]);
      const waitSeconds = wait === undefined ? 0 : Number(wait);
      if (!Number.isFinite(waitSeconds) || waitSeconds < 0) {
        throw new CliInputError(`invalid --wait ${wait}: expected seconds, 0 or more; ${USAGE}`);
      }
      const config = await loadControllerConfig(configFile);
      const store = openStore(config, configFile);
      try {
        store.setDraining(!flags.has("resume"));
        const deadline = Date.now() + waitSeconds * 1000;
        while (!flags.has("resume") && store.vms().length > 0 && Date.now() < deadline) {
          await sleep(1000);
        }
        const left = store.vms().length;
        process.stdout.write(`${JSON.stringify({ draining: store.isDraining(), vms: left })}\n`);
        return waitSeconds > 0 && left > 0 ? 1 : 0;
      } finally {
        store.close();
      }
    }),
};
