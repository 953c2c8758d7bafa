import { readFile, stat } from "node:fs/promises";
import { parseArgs } from "node:util";

import { decideRouting, RoutingInputError, routingFactsFromWebhook } from "../routing/index.js";
import { EXIT_USAGE } from "./dispatch.js";
import type { Command } from "./dispatch.js";

const USAGE =
  "usage: route --event-name NAME --event FILE [--routing-variable true|false] " +
  "(the variable is taken as true when omitted)";

/**
 * Largest event file read, in bytes. GitHub delivers no webhook payload above 25 MB, and a larger
 * file would only fill memory before it fails.
 */
const MAX_EVENT_BYTES = 25 * 1024 * 1024;

class UsageError extends Error {}

interface RouteArguments {
  eventName: string;
  eventFile: string;
  routingVariable: string;
}

/**
 * `route`: decides where a run started by a webhook event would go, printing
 * `{"runsOn", "trusted", "reasons"}` as one JSON line. Each reason reads `code: message`.
 * Invalid input prints one line to standard error and returns {@link EXIT_USAGE}.
 */
export const routeCommand: Command = {
  summary: "print where a webhook event's run is routed, as one JSON line",
  async run(argv) {
    try {
      const args = parseRouteArguments(argv);
      const payload = await readPayload(args.eventFile);
      const facts = routingFactsFromWebhook(args.eventName, payload, args.routingVariable);
      const decision = decideRouting(facts);
      const output = {
        runsOn: decision.runsOn,
        trusted: decision.trusted,
        reasons: decision.reasons.map((reason) => `${reason.code}: ${reason.message}`),
      };
      process.stdout.write(`${JSON.stringify(output)}\n`);
      return 0;
    } catch (error) {
      if (error instanceof UsageError || error instanceof RoutingInputError) {
        process.stderr.write(`trusted-runners route: ${oneLine(error.message)}\n`);
        return EXIT_USAGE;
      }
      throw error;
    }
  },
};

function parseRouteArguments(argv: string[]): RouteArguments {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        "event-name": { type: "string" },
        event: { type: "string" },
        "routing-variable": { type: "string" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    // parseArgs names the unknown flag or the flag missing its value.
    throw new UsageError(`${(error as Error).message}; ${USAGE}`);
  }

  const eventName = values["event-name"];
  const eventFile = values.event;
  const routingVariable = values["routing-variable"] ?? "true";
  if (eventName === undefined || eventName.trim() === "") {
    throw new UsageError(`missing --event-name; ${USAGE}`);
  }
  if (!/^[a-z_]+$/.test(eventName)) {
    throw new UsageError(
      `invalid --event-name ${JSON.stringify(eventName)}: expected a webhook event name such as pull_request`,
    );
  }
  if (eventFile === undefined || eventFile === "") {
    throw new UsageError(`missing --event; ${USAGE}`);
  }
  // The value is passed on as given, so `TRUE` routes like `true`, as it does in the workflow.
  if (!/^(true|false)$/i.test(routingVariable)) {
    throw new UsageError(
      `invalid --routing-variable ${JSON.stringify(routingVariable)}: expected true or false`,
    );
  }
  return { eventName, eventFile, routingVariable };
}

async function readPayload(file: string): Promise<unknown> {
  let text: string;
  try {
    const { size } = await stat(file);
    if (size > MAX_EVENT_BYTES) {
      throw new UsageError(
        `event file ${file} is ${size} bytes, larger than any webhook payload ` +
          `(${MAX_EVENT_BYTES} bytes); pass the payload of one event`,
      );
    }
    text = await readFile(file, "utf8");
  } catch (error) {
    if (error instanceof UsageError) {
      throw error;
    }
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new UsageError(`failed to read event file ${file}: ${reason}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new UsageError(`event file ${file} is not valid JSON: ${(error as Error).message}`);
  }
}

function oneLine(message: string): string {
  return message.replace(/\s*\n\s*/g, " ");
}
