import { join } from "node:path";

import { ControllerProcess } from "./controller-process.js";
import type { ChildBundles } from "./child/bundle.js";
import type { ChildSpec } from "./child/protocol.js";
import { benchConfig, subscribe } from "./world.js";
import type { BenchWorld, ConfigChoices } from "./world.js";

/** Inputs every benchmark section gets from the runner. */
export interface BenchContext {
  /** This run's folder; each section makes its own subfolder. */
  runDir: string;
  /** Fewer jobs and deliveries, for a short run. */
  quick: boolean;
  /** Prefix of this run's libvirt objects and runner names; sections add their own letter. */
  prefix: string;
  /** Child entry points, bundled as the controller ships. */
  bundles: ChildBundles;
  /** Prints one line of progress to standard error. */
  progress(line: string): void;
}

/**
 * Starts a controller for `bench` in a child process and, unless `webhooks` is false,
 * subscribes it to the emulator's signed `workflow_job` webhooks.
 */
export async function startBenchController(
  context: BenchContext,
  bench: BenchWorld,
  choices: ConfigChoices,
  driver: ChildSpec["driver"] = {},
  webhooks = true,
): Promise<ControllerProcess> {
  const controller = await ControllerProcess.start(
    context.bundles.controller,
    {
      config: benchConfig(bench, choices),
      driver,
      logFile: join(choices.runDir, "controller.log"),
      logLevel: process.env.LOG_LEVEL ?? "info",
    },
    { githubAppPrivateKey: bench.world.privateKey, webhookSecret: bench.webhookSecret },
  );
  if (webhooks) await subscribe(bench, controller.url);
  return controller;
}
