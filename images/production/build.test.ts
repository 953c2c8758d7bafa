import { execFileSync, spawnSync } from "node:child_process";
import { once } from "node:events";
import { existsSync } from "node:fs";
import { appendFile, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { createLogger } from "../../controller/src/log.js";
import { BASE_IMAGE_MANIFEST, buildProductionImage } from "./build.js";
import type { BaseImageManifest } from "./build.js";
import { parseImageConfig } from "./config.js";
import type { ProductionImageConfig } from "./config.js";
import { ChecksumMismatchError, sha256File } from "./download.js";
import { CommandFailedError } from "./run-command.js";
import type { RunCommand } from "./run-command.js";

/**
 * Runs the whole build on local fixtures: a qcow2 made with qemu-img (or plain bytes without it)
 * served as a file URL, and a runner tarball served by a loopback HTTP server. virt-customize is
 * replaced by a recording fake that checks its inputs and edits the image like the real one.
 */

const logger = createLogger({ level: "silent" });
const qemuImgMissing = spawnSync("qemu-img", ["--version"]).error !== undefined;

let scratch: string;
let server: Server;
let runnerUrl: string;
let baseImageUrl: string;
let baseImageSha256: string;
let runnerSha256: string;

interface RecordedRun {
  command: string;
  args: readonly string[];
  env: Record<string, string> | undefined;
  uploadsPresent: boolean;
}

function fakeVirtCustomize(runs: RecordedRun[], fail = false): RunCommand {
  return async (command, args, options) => {
    const uploads = args.flatMap((arg, i) =>
      args[i - 1] === "--upload" ? [arg.split(":")[0] ?? ""] : [],
    );
    runs.push({
      command,
      args,
      env: options.env,
      uploadsPresent: uploads.every((file) => existsSync(file)),
    });
    if (fail) throw new CommandFailedError(command, "exit status 1");
    // Stands in for the customisation, so the output differs from the downloaded image.
    await appendFile(args[args.indexOf("-a") + 1] ?? "", "customised");
  };
}

function configFor(
  outputDir: string,
  overrides: Partial<{ runnerSha256: string }> = {},
): ProductionImageConfig {
  return parseImageConfig(
    {
      baseImage: { url: baseImageUrl, sha256: baseImageSha256 },
      runner: {
        version: "2.330.0",
        sha256: overrides.runnerSha256 ?? runnerSha256,
        url: runnerUrl,
      },
      outputDir,
    },
    "test config",
  );
}

beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), "tr-production-"));
  const fixtures = path.join(scratch, "fixtures");
  await mkdir(path.join(fixtures, "runner/bin"), { recursive: true });

  const baseImage = path.join(fixtures, "cloud.qcow2");
  if (qemuImgMissing) await writeFile(baseImage, "not a real qcow2");
  else execFileSync("qemu-img", ["create", "-q", "-f", "qcow2", baseImage, "64M"]);
  baseImageUrl = pathToFileURL(baseImage).href;
  baseImageSha256 = await sha256File(baseImage);

  await writeFile(path.join(fixtures, "runner/run.sh"), "#!/bin/sh\nexit 0\n");
  await writeFile(path.join(fixtures, "runner/bin/installdependencies.sh"), "#!/bin/sh\n");
  const tarball = path.join(fixtures, "runner.tar.gz");
  execFileSync("tar", ["-czf", tarball, "-C", path.join(fixtures, "runner"), "."]);
  runnerSha256 = await sha256File(tarball);
  const tarballBytes = await readFile(tarball);

  server = createServer((_request, response) => {
    response.writeHead(200);
    response.end(tarballBytes);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  runnerUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/actions-runner.tar.gz`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await rm(scratch, { recursive: true, force: true });
});

describe("buildProductionImage", () => {
  const runs: RecordedRun[] = [];
  let manifest: BaseImageManifest;
  let outputDir: string;

  beforeAll(async () => {
    outputDir = path.join(scratch, "out");
    manifest = await buildProductionImage(configFor(outputDir), {
      logger,
      runCommand: fakeVirtCustomize(runs),
    });
  });

  it("runs virt-customize once", () => {
    expect(runs.map((run) => run.command)).toEqual(["virt-customize"]);
  });

  it("uploads files that exist", () => {
    expect(runs[0]?.uploadsPresent).toBe(true);
  });

  it("uses libguestfs direct backend", () => {
    expect(runs[0]?.env?.LIBGUESTFS_BACKEND).toBe(process.env.LIBGUESTFS_BACKEND ?? "direct");
  });

  it("reports sha256 of output image", async () => {
    expect(await sha256File(manifest.image)).toBe(manifest.sha256);
  });

  it("writes manifest beside image", async () => {
    const written = JSON.parse(
      await readFile(path.join(outputDir, BASE_IMAGE_MANIFEST), "utf8"),
    ) as unknown;
    expect(written).toEqual(manifest);
  });

  it("keeps verified download unchanged", async () => {
    const downloads = await readdir(path.join(outputDir, "downloads"));
    const base = downloads.find((name) => name.endsWith("cloud.qcow2")) ?? "";
    expect(await sha256File(path.join(outputDir, "downloads", base))).toBe(baseImageSha256);
  });

  it("leaves no working copy", async () => {
    const names = await readdir(outputDir);
    expect(names.filter((name) => name.startsWith(".customizing-"))).toEqual([]);
  });
});

describe("buildProductionImage failures", () => {
  it("rejects runner with wrong digest", async () => {
    const runs: RecordedRun[] = [];
    const build = buildProductionImage(
      configFor(path.join(scratch, "mismatch"), { runnerSha256: "f".repeat(64) }),
      { logger, runCommand: fakeVirtCustomize(runs) },
    );
    await expect(build).rejects.toThrow(ChecksumMismatchError);
    await expect(build).rejects.toThrow(`expected ${"f".repeat(64)}, got ${runnerSha256}`);
    expect(runs).toEqual([]);
  });

  it("removes working copy after failure", async () => {
    const outputDir = path.join(scratch, "failing");
    const build = buildProductionImage(configFor(outputDir), {
      logger,
      runCommand: fakeVirtCustomize([], true),
    });
    await expect(build).rejects.toThrow("virt-customize failed: exit status 1");
    const names = await readdir(outputDir);
    expect(names).toEqual(["downloads"]);
  });
});
