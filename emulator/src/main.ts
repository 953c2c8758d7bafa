import { parseArgs } from "node:util";

import { createLogger } from "../../controller/src/log.js";
import { startEmulator } from "./emulator.js";

/**
 * Runs the emulator as its own process: `tsx emulator/src/main.ts [--port N]
 * [--runner-base-url URL]`, where `{port}` in the URL becomes the port in use. It prints one JSON line `{"url": ...}` on standard output once it
 * listens, logs to standard error, and stops on SIGINT or SIGTERM.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: "string", default: "0" },
      "runner-base-url": { type: "string" },
    },
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`invalid --port ${values.port}: use a number from 0 to 65535\n`);
    process.exitCode = 2;
    return;
  }
  const logger = createLogger({ destination: process.stderr });
  const emulator = await startEmulator({ port, runnerBaseUrl: values["runner-base-url"], logger });
  process.stdout.write(`${JSON.stringify({ url: emulator.url })}\n`);
  const stop = (): void => {
    void emulator.close();
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

await main();
