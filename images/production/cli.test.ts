import { spawnSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { sha256File } from "./download.js";

const CLI = path.join(import.meta.dirname, "cli.ts");
const TSX = path.join(import.meta.dirname, "..", "..", "node_modules", ".bin", "tsx");
const virtCustomizeInstalled = spawnSync("virt-customize", ["--version"]).error === undefined;

let scratch: string;

beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), "tr-image-cli-"));
});

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

function runCli(args: string[]) {
  return spawnSync(TSX, [CLI, ...args], { encoding: "utf8", timeout: 20_000 });
}

describe("production image CLI", () => {
  it("requires config option", () => {
    const result = runCli([]);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("missing --config");
  });

  it("names invalid key in config", async () => {
    const file = path.join(scratch, "bad.json");
    await writeFile(
      file,
      JSON.stringify({ baseImage: { url: "https://x.example/a.img", sha256: "12" } }),
    );
    const result = runCli(["--config", file]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("baseImage.sha256: must be a sha256 digest");
    expect(result.stderr).toContain("runner:");
  });

  // With fixtures that verify, the build reaches virt-customize, which is absent here.
  it.skipIf(virtCustomizeInstalled)("explains missing virt-customize", async () => {
    const image = path.join(scratch, "cloud.qcow2");
    const tarball = path.join(scratch, "runner.tar.gz");
    await writeFile(image, "image fixture");
    await writeFile(tarball, "tarball fixture");
    const config = path.join(scratch, "good.json");
    await writeFile(
      config,
      JSON.stringify({
        baseImage: { url: pathToFileURL(image).href, sha256: await sha256File(image) },
        runner: {
          version: "2.330.0",
          sha256: await sha256File(tarball),
          url: pathToFileURL(tarball).href,
        },
        outputDir: path.join(scratch, "out"),
      }),
    );
    const result = runCli(["--config", config]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(
      "virt-customize failed: not found on PATH; install libguestfs-tools",
    );
    expect(result.stdout).toBe("");
  });
});
