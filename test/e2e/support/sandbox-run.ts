import { runSandbox } from "../../../controller/src/sandbox/sandbox.js";
import type { SandboxResult } from "../../../controller/src/sandbox/sandbox.js";
import type { CheckResult } from "../../../controller/src/sandbox/scenario-types.js";

/**
 * Bound of one sandbox run in the e2e suite. A run took 70 to 90 s on a 2-core development VM
 * under TCG with other jobs running.
 */
const SANDBOX_TIMEOUT_MS = 240_000;

/**
 * Runs the sandbox once on qemu:///system with real guests, the runner-exit scenario included.
 * Progress lines go to standard error when `E2E_PROGRESS=1`.
 */
export function runSandboxOnRealGuests(): Promise<SandboxResult> {
  const progress =
    process.env.E2E_PROGRESS === "1"
      ? (line: string) => process.stderr.write(`sandbox: ${line}\n`)
      : undefined;
  return runSandbox({
    driver: "qemu",
    timeoutMs: SANDBOX_TIMEOUT_MS,
    runnerExitScenario: true,
    ...(progress === undefined ? {} : { progress }),
  });
}

/** Returns a check as an object, so a failed assertion shows the check's details. */
export function checkOutcome(result: CheckResult | undefined): {
  passed: boolean;
  details: string[];
} {
  return result ?? { passed: false, details: ["not run"] };
}
