import type { EmulatorEnv } from "../http/context.js";
import type { Runner } from "../model/types.js";

/** Renders a runner with its live status: online only after it connected and until it is lost. */
export function runnerStatus(
  env: Pick<EmulatorEnv, "shapes">,
  runner: Runner,
): Record<string, unknown> {
  return env.shapes.runner(
    runner,
    runner.connection === "online" ? "online" : "offline",
    runner.jobId !== null,
  );
}
