import type { Command } from "./dispatch.js";
import {
  loadControllerConfig,
  openStore,
  parseConfigArguments,
  runWithUsageErrors,
} from "./controller-config.js";

const USAGE = "usage: status --config FILE";

/** `status`: prints the controller's database view (VMs, unfinished jobs, drain flag) as JSON. */
export const statusCommand: Command = {
  summary: "print VMs, unfinished jobs and the drain flag as JSON (--config FILE)",
  run: (argv) =>
    runWithUsageErrors("status", async () => {
      const { configFile } = parseConfigArguments(argv, USAGE);
      const config = await loadControllerConfig(configFile);
      const store = openStore(config, configFile);
      try {
        const vms = store.vms();
        const jobs = store.activeJobs();
        const output = {
          draining: store.isDraining(),
          vms,
          jobs,
          counts: {
            vms: vms.length,
            queuedJobs: jobs.filter((job) => job.status === "queued").length,
            runningJobs: jobs.filter((job) => job.status === "in_progress").length,
          },
        };
        process.stdout.write(`${JSON.stringify(output, null, 2)}\n`);
      } finally {
        store.close();
      }
      return 0;
    }),
};
