import { parseArgs } from "node:util";

/** Command-line options of `npm run bench`. */
export interface BenchArgs {
  /** Print the figures as one JSON object on the last line. */
  json: boolean;
  /** Fewer jobs and deliveries, for a short run. */
  quick: boolean;
  /** `qemu` boots real guests for the latency figures; `test` skips them. */
  driver: "qemu" | "test";
}

export const USAGE =
  "usage: npm run bench -- [--json] [--quick] [--driver qemu|test]\n" +
  "  --json          print the figures as one JSON object on the last line\n" +
  "  --quick         fewer jobs and deliveries\n" +
  "  --driver test   skip the real-VM latency figures when qemu:///system is unavailable\n";

/** A command line that does not parse; main prints the usage and exits 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

export function parseBenchArgs(argv: readonly string[]): BenchArgs {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        json: { type: "boolean", default: false },
        quick: { type: "boolean", default: false },
        driver: { type: "string", default: "qemu" },
      },
      strict: true,
    }));
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  if (values.driver !== "qemu" && values.driver !== "test") {
    throw new UsageError(`invalid --driver ${values.driver}: expected qemu or test`);
  }
  return { json: values.json, quick: values.quick, driver: values.driver };
}
