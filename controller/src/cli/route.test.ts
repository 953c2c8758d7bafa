import { execFile } from "node:child_process";
import { mkdtemp, rm, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { fixturePath } from "../routing/fixtures/cases.js";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const TSX = join(ROOT, "node_modules", ".bin", "tsx");
const CLI = join(ROOT, "controller", "src", "cli.ts");

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

async function runRoute(args: string[]): Promise<CliResult> {
  try {
    const { stdout, stderr } = await promisify(execFile)(TSX, [CLI, "route", ...args], {
      cwd: ROOT,
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failure = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failure.code ?? -1, stdout: failure.stdout ?? "", stderr: failure.stderr ?? "" };
  }
}

describe("route command", () => {
  let tempDir: string;

  beforeAll(async () => {
    tempDir = await mkdtemp(join(tmpdir(), "route-cli-"));
  });

  afterAll(async () => {
    await rm(tempDir, { recursive: true, force: true });
  });

  it("member pull request is trusted", async () => {
    const result = await runRoute([
      "--event-name",
      "pull_request",
      "--event",
      fixturePath("pr-member.json"),
      "--routing-variable",
      "true",
    ]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      '{"runsOn":["self-hosted","linux","x64","chem-trusted-pr"],"trusted":true,' +
        '"reasons":["trusted: pull request by MEMBER alice from a branch of chem-lab/solver"]}\n',
    );
  });

  it("fork pull request is hosted", async () => {
    const result = await runRoute([
      "--event-name",
      "pull_request",
      "--event",
      fixturePath("pr-fork-contributor.json"),
    ]);
    const output = JSON.parse(result.stdout) as { runsOn: unknown; reasons: string[] };
    expect(result.code).toBe(0);
    expect(output.runsOn).toBe("ubuntu-latest");
    expect(output.reasons[0]).toMatch(/^head-repo-fork: /);
  });

  it("variable false routes to hosted", async () => {
    const result = await runRoute([
      "--event-name",
      "pull_request",
      "--event",
      fixturePath("pr-member.json"),
      "--routing-variable",
      "false",
    ]);
    expect(JSON.parse(result.stdout)).toEqual({
      runsOn: "ubuntu-latest",
      trusted: false,
      reasons: [
        'routing-variable-not-true: repository variable CI_SELF_HOSTED_TRUSTED_ROUTING is "false", not true',
      ],
    });
  });

  it("missing event flag exits 2", async () => {
    const result = await runRoute(["--event-name", "pull_request"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^trusted-runners route: missing --event; usage: [^\n]*\n$/);
  });

  it("unreadable event file exits 2", async () => {
    const missing = join(tempDir, "absent.json");
    const result = await runRoute(["--event-name", "pull_request", "--event", missing]);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      `trusted-runners route: failed to read event file ${missing}: ENOENT\n`,
    );
  });

  it("oversized event file exits 2", async () => {
    const file = join(tempDir, "oversized.json");
    // Sparse: the size check must reject the file before reading 26 MiB of zeros.
    await writeFile(file, "");
    await truncate(file, 26 * 1024 * 1024);
    const result = await runRoute(["--event-name", "pull_request", "--event", file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      `trusted-runners route: event file ${file} is 27262976 bytes, larger than any webhook ` +
        "payload (26214400 bytes); pass the payload of one event\n",
    );
  });

  it("invalid JSON exits 2", async () => {
    const file = join(tempDir, "broken.json");
    await writeFile(file, "{ not json");
    const result = await runRoute(["--event-name", "pull_request", "--event", file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /^trusted-runners route: event file \S+ is not valid JSON: [^\n]*\n$/,
    );
  });

  it("payload without repository exits 2", async () => {
    const file = join(tempDir, "no-repository.json");
    await writeFile(file, JSON.stringify({ sender: { login: "alice" } }));
    const result = await runRoute(["--event-name", "push", "--event", file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^trusted-runners route: event payload: repository: [^\n]*\n$/);
  });

  it("bad variable value exits 2", async () => {
    const result = await runRoute([
      "--event-name",
      "pull_request",
      "--event",
      fixturePath("pr-member.json"),
      "--routing-variable",
      "yes",
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      'trusted-runners route: invalid --routing-variable "yes": expected true or false\n',
    );
  });

  it("unknown flag exits 2", async () => {
    const result = await runRoute(["--event-name", "push", "--bogus"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^trusted-runners route: Unknown option '--bogus'[^\n]*\n$/);
  });
});
