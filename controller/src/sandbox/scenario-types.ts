import type { SandboxEnvironment } from "./environment.js";
import type { PrWorkflow } from "./pr-workflow.js";
import type { Waiter } from "./waits.js";

/** The environment, workflow, wait bounds and progress output shared by every scenario. */
export interface ScenarioContext {
  env: SandboxEnvironment;
  workflow: PrWorkflow;
  wait: Waiter;
  progress: (line: string) => void;
}

/** Seconds from the job's queue time to each point, null when the point was never reached. */
export interface JobTiming {
  label: string;
  jobId: number;
  vmBootedSeconds: number | null;
  jobStartedSeconds: number | null;
  vmDestroyedSeconds: number | null;
}

/** One verification item's result and why. */
export interface CheckResult {
  passed: boolean;
  details: string[];
}
