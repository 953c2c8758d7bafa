import { parseArgs } from "node:util";

import { z } from "zod";

import type { SandboxDriver } from "./environment.js";
import { LibvirtUnavailableError } from "./preflight.js";
import { runSandbox } from "./sandbox.js";
import { summaryPassed } from "./summary.js";
import type { SandboxSummary } from "./summary.js";

/**
 * `npm run sandbox [-- --driver qemu|test] [--timeout-seconds N]`: the main job end to end on
 * this host. Progress and the checklist go to standard output, and the last line is the
 * summary as one JSON object. Exits 0 only when every check passed and nothing leaked.
 */

const argsSchema = z.object({
  driver: z.enum(["qemu", "test"], { error: "--driver must be qemu or test" }).default("qemu"),
  "timeout-seconds": z.coerce
    .number({ error: "--timeout-seconds must be a number" })
    .int()
    .min(10, "--timeout-seconds must be at least 10")
    .max(1800, "--timeout-seconds must be at most 1800")
    .optional(),
});

/** Default bound of the whole run in seconds: real guests under TCG need minutes. */
const DEFAULT_TIMEOUT_SECONDS: Record<SandboxDriver, number> = { qemu: 240, test: 90 };

function failedSummary(): SandboxSummary {
  return {
    checks: {
      trustedRoutesSelfHosted: false,
      untrustedRoutesHosted: false,
      ephemeralRunner: false,
      failedJobCleanedUp: false,
      rollbackRoutesHosted: false,
      hardRollbackRemovesAccess: false,
    },
    vmsBooted: 0,
    leakedVms: 0,
    leakedRunners: 0,
    leakedVolumes: 0,
  };
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { driver: { type: "string" }, "timeout-seconds": { type: "string" } },
  });
  const args = argsSchema.safeParse(values);
  if (!args.success) {
    process.stderr.write(
      `sandbox: ${args.error.issues[0]?.message ?? "invalid arguments"}; usage: npm run sandbox -- [--driver qemu|test] [--timeout-seconds N]\n`,
    );
    return 2;
  }
  const driver = args.data.driver;
  const timeoutSeconds = args.data["timeout-seconds"] ?? DEFAULT_TIMEOUT_SECONDS[driver];

  const started = Date.now();
  const progress = (line: string): void => {
    const elapsed = ((Date.now() - started) / 1000).toFixed(1).padStart(6);
    process.stdout.write(`[${elapsed}s] ${line}\n`);
  };
  const interrupt = new AbortController();
  const onSignal = (): void => {
    if (interrupt.signal.aborted) process.exit(130);
    progress("interrupted: tearing down (press Ctrl-C again to quit at once)");
    interrupt.abort();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);

  progress(
    driver === "test"
      ? "sandbox on libvirt's test driver (test:///default): NO GUEST BOOTS, guests are simulated"
      : "sandbox on qemu:///system: real guests boot the test image",
  );
  let summary = failedSummary();
  try {
    const result = await runSandbox({
      driver,
      timeoutMs: timeoutSeconds * 1000,
      runnerExitScenario: driver === "qemu",
      signal: interrupt.signal,
      progress,
    });
    summary = result.summary;
    for (const line of result.report) process.stdout.write(`${line}\n`);
    process.stdout.write(`\ncontroller log: ${result.logFile ?? "none"}\n`);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(
      error instanceof LibvirtUnavailableError
        ? `sandbox: ${message}\n`
        : `sandbox failed: ${message}\n`,
    );
  }
  const passed = summaryPassed(summary);
  progress(
    `${passed ? "all checks passed, nothing leaked" : "FAILED"} in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  process.stdout.write(`${JSON.stringify(summary)}\n`);
  return passed ? 0 : 1;
}

process.exitCode = await main();
