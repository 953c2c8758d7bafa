import { execFile } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

import { beforeAll, describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const TSX = join(ROOT, "node_modules", ".bin", "tsx");
const MAIN = join(ROOT, "controller", "src", "sandbox", "main.ts");

/** Output and exit status of one `npm run sandbox -- --driver test`, run as its own process. */
interface CliRun {
  code: number | null;
  lines: string[];
}

function runCli(args: string[]): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(TSX, [MAIN, ...args], { cwd: ROOT, timeout: 180_000 }, (error, stdout) => {
      let code: number | null = 0;
      if (error !== null) code = typeof error.code === "number" ? error.code : null;
      resolve({ code, lines: stdout.trimEnd().split("\n") });
    });
  });
}

/** The sandbox command on libvirt's test driver: the same flow, simulated guests, exit status. */
describe("sandbox command on the test driver", () => {
  let run: CliRun;

  beforeAll(async () => {
    run = await runCli(["--driver", "test"]);
  });

  it("exits with status 0", () => {
    expect(run.code).toBe(0);
  });

  it("says that no guest boots", () => {
    expect(run.lines.some((line) => line.includes("NO GUEST BOOTS"))).toBe(true);
  });

  it("ends with the JSON summary", () => {
    const summary = JSON.parse(run.lines.at(-1) ?? "") as { checks: Record<string, boolean> };
    expect(Object.values(summary.checks)).toEqual([true, true, true, true, true, true]);
  });

  it("rejects an unknown driver", async () => {
    expect((await runCli(["--driver", "xen"])).code).toBe(2);
  });
});
