import { randomBytes } from "node:crypto";
import { mkdir, rm } from "node:fs/promises";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";

import { REPOSITORY_ROOT } from "../images/test/manifest.js";
import { bundleChildren } from "./child/bundle.js";
import { USAGE, UsageError, parseBenchArgs } from "./args.js";
import type { BenchArgs } from "./args.js";
import type { BenchContext } from "./context.js";
import { formatReport, verdictsOf } from "./report.js";
import type { BenchReport } from "./report.js";
import { benchBurst } from "./sections/burst.js";
import { benchIngestion } from "./sections/ingestion.js";
import { benchMemory } from "./sections/memory.js";
import { benchOverhead } from "./sections/overhead.js";
import { benchRealVms } from "./sections/real-vms.js";

/**
 * `npm run bench`: every figure of BENCHMARKS.md from one run, on loopback against the GitHub
 * emulator. Progress goes to standard error; the report to standard output, and with `--json`
 * its last line is one JSON object with every figure.
 */

const BENCH_CACHE = join(REPOSITORY_ROOT, ".cache", "bench");

async function run(args: BenchArgs): Promise<BenchReport> {
  const id = randomBytes(3).toString("hex");
  const runDir = join(BENCH_CACHE, `bn${id}`);
  await mkdir(runDir, { recursive: true });
  const started = Date.now();
  const bundles = await bundleChildren(join(runDir, "children"));
  const context: BenchContext = {
    runDir,
    bundles,
    quick: args.quick,
    prefix: `bn${id}`,
    progress: (line) =>
      process.stderr.write(`[${Math.round((Date.now() - started) / 1000)} s] ${line}\n`),
  };
  const machine = {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? "unknown",
    loadAverageAtStart: loadavg().map((value) => Math.round(value * 100) / 100),
    node: process.version,
  };
  let finished = false;
  try {
    const realVms = args.driver === "qemu" ? await benchRealVms(context) : null;
    const overhead = await benchOverhead(context);
    const burst = await benchBurst(context);
    const ingestion = await benchIngestion(context);
    const memory = await benchMemory(context);
    const figures = {
      command: `npm run bench --${args.json ? " --json" : ""}${args.quick ? " --quick" : ""} --driver ${args.driver}`,
      startedAt: new Date(started).toISOString(),
      durationSeconds: Math.round((Date.now() - started) / 1000),
      machine: {
        ...machine,
        loadAverageAtEnd: loadavg().map((value) => Math.round(value * 100) / 100),
      },
      quick: args.quick,
      realVms,
      overhead,
      burst,
      ingestion,
      memory,
    };
    finished = true;
    return { ...figures, verdicts: verdictsOf(figures) };
  } finally {
    // Logs stay for a failed run; a finished one leaves nothing behind.
    if (finished) await rm(runDir, { recursive: true, force: true });
    else process.stderr.write(`controller logs of the failed run: ${runDir}\n`);
  }
}

async function main(): Promise<void> {
  let args: BenchArgs;
  try {
    args = parseBenchArgs(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${error.message}\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  const report = await run(args);
  process.stdout.write(formatReport(report));
  if (args.json) process.stdout.write(`${JSON.stringify(report)}\n`);
}

try {
  await main();
} catch (error) {
  process.exitCode = 1;
  process.stderr.write(
    `benchmark failed: ${error instanceof Error ? error.stack : String(error)}\n`,
  );
}
