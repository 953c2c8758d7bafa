import type { Dirent } from "node:fs";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";

import { labelSetProblems, renderRunsOnExpression, resolveLabels } from "../routing/index.js";
import { findRoutedJobs, renderWorkflow } from "../routing/workflow-files.js";
import { EXIT_USAGE } from "./dispatch.js";
import type { Command } from "./dispatch.js";

/** Exit status of `--check` when a workflow's `runs-on` differs from the rendered expression. */
export const EXIT_DRIFT = 1;

const USAGE = "usage: render-workflows [--dir DIR] [--labels a,b,c] [--check | --print]";

class UsageError extends Error {}

/**
 * `render-workflows`: writes the rendered `runs-on` expression into every routed job of every
 * workflow in a folder (default `.github/workflows`). With `--check` it writes nothing and
 * returns {@link EXIT_DRIFT} when any routed job differs. With `--print` it only prints the
 * expression, for pasting into a workflow by hand.
 */
export const renderWorkflowsCommand: Command = {
  summary: "write the routing runs-on expression into workflows (--check to verify only)",
  async run(argv) {
    try {
      return await renderWorkflows(parseRenderArguments(argv));
    } catch (error) {
      if (error instanceof UsageError) {
        process.stderr.write(`trusted-runners render-workflows: ${error.message}\n`);
        return EXIT_USAGE;
      }
      throw error;
    }
  },
};

async function renderWorkflows(options: RenderOptions): Promise<number> {
  const expression = renderRunsOnExpression({ labels: options.labels });
  if (options.print) {
    process.stdout.write(`${expression}\n`);
    return 0;
  }
  let drift = false;

  for (const file of await listWorkflowFiles(options.dir)) {
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch (error) {
      throw new UsageError(`failed to read workflow file ${file}: ${describeReadError(error)}`);
    }
    let stale;
    try {
      stale = findRoutedJobs(text, expression, options.labels).filter((job) => !job.upToDate);
    } catch (error) {
      // YAML parse errors span several lines with a code excerpt, and usage errors are one line.
      throw new UsageError(`${file}: ${(error as Error).message.trim().replace(/\s*\n\s*/g, " ")}`);
    }
    if (stale.length === 0) {
      continue;
    }
    drift = true;
    if (options.check) {
      for (const job of stale) {
        process.stderr.write(
          `${file}:${job.line}: job ${job.jobId}: runs-on differs from the rendered routing ` +
            "expression; run `npm run render-workflows`\n",
        );
      }
    } else {
      await writeFile(file, renderWorkflow(text, expression, options.labels));
      const jobIds = stale.map((job) => job.jobId).join(", ");
      process.stdout.write(`updated ${file} (jobs: ${jobIds})\n`);
    }
  }

  return options.check && drift ? EXIT_DRIFT : 0;
}

interface RenderOptions {
  dir: string;
  labels: string[];
  check: boolean;
  print: boolean;
}

function parseRenderArguments(argv: string[]): RenderOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        dir: { type: "string", default: join(".github", "workflows") },
        labels: { type: "string" },
        check: { type: "boolean", default: false },
        print: { type: "boolean", default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new UsageError(`${(error as Error).message}; ${USAGE}`);
  }

  let labels: string[];
  try {
    const requested = values.labels?.split(",").map((label) => label.trim());
    labels = resolveLabels(requested === undefined ? {} : { labels: requested });
  } catch {
    throw new UsageError(
      `invalid --labels ${JSON.stringify(values.labels)}: expected a comma-separated list of ` +
        "labels made of letters, digits, '.', '_' and '-'",
    );
  }
  const problems = labelSetProblems(labels);
  if (problems.length > 0) {
    throw new UsageError(
      `invalid --labels ${JSON.stringify(values.labels)}: ${problems.join("; ")}`,
    );
  }
  if (values.check && values.print) {
    throw new UsageError(`--check and --print exclude each other; ${USAGE}`);
  }
  return { dir: values.dir, labels, check: values.check, print: values.print };
}

async function listWorkflowFiles(dir: string): Promise<string[]> {
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    throw new UsageError(`failed to read workflow folder ${dir}: ${describeReadError(error)}`);
  }
  // A folder named like a workflow file is not a workflow, and GitHub skips it too.
  return entries
    .filter((entry) => !entry.isDirectory())
    .map((entry) => entry.name)
    .filter((name) => name.endsWith(".yml") || name.endsWith(".yaml"))
    .sort()
    .map((name) => join(dir, name));
}

function describeReadError(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? (error as Error).message;
}
