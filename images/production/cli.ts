import { parseArgs } from "node:util";
import { pino } from "pino";

import { createLogger } from "../../controller/src/log.js";
import { loadImageConfig } from "./config.js";
import { buildProductionImage } from "./build.js";

/**
 * Command line of the production base image build. Logs go to standard error, and standard
 * output carries one JSON object with the image path and its sha256 for the Pulumi stack.
 */

const USAGE = `usage: npx tsx images/production/cli.ts --config <file.json> [--output-dir <dir>]

  --config      image build config (JSON): baseImage.url, baseImage.sha256,
                runner.version, runner.sha256; see docs/images.md
  --output-dir  folder for downloads and the image (overrides outputDir in the config)`;

async function main(): Promise<number> {
  let values: { config?: string; "output-dir"?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      options: {
        config: { type: "string" },
        "output-dir": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
    }));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (values.help === true) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (values.config === undefined) {
    process.stderr.write(`missing --config\n${USAGE}\n`);
    return 2;
  }

  const config = await loadImageConfig(values.config);
  if (values["output-dir"] !== undefined) config.outputDir = values["output-dir"];
  const logger = createLogger({ destination: pino.destination(2) });
  const manifest = await buildProductionImage(config, { logger });
  process.stdout.write(`${JSON.stringify(manifest)}\n`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
