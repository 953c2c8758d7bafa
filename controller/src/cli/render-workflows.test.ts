import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import { renderWorkflowsCommand } from "./render-workflows.js";

describe("render-workflows input errors", () => {
  let dir: string;
  let stderr: string[];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "render-workflows-unit-"));
    stderr = [];
    vi.spyOn(process.stderr, "write").mockImplementation((chunk) => {
      stderr.push(String(chunk));
      return true;
    });
  });

  afterEach(async () => {
    vi.restoreAllMocks();
    await rm(dir, { recursive: true, force: true });
  });

  it("skips folder named like workflow", async () => {
    await mkdir(join(dir, "archive.yml"));
    const code = await renderWorkflowsCommand.run(["--check", "--dir", dir]);
    expect(code).toBe(0);
    expect(stderr).toEqual([]);
  });

  it("invalid YAML is one line", async () => {
    const file = join(dir, "broken.yml");
    await writeFile(file, "on: push\njobs:\n  test:\n    runs-on: [\n");
    const code = await renderWorkflowsCommand.run(["--check", "--dir", dir]);
    expect(code).toBe(2);
    expect(stderr).toHaveLength(1);
    expect(stderr[0]).toMatch(
      new RegExp(`^trusted-runners render-workflows: ${file}: invalid YAML: [^\\n]+\\n$`),
    );
  });
});
