import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { createLogger } from "../../controller/src/log.js";
import { buildTestImage } from "./build.js";
import type { BuildTestImageResult } from "./build.js";
import { findInstalledKernel } from "./kernel.js";
import { readCurrentTestImage } from "./manifest.js";

const kernelInstalled = await findInstalledKernel().then(
  () => true,
  () => false,
);
const busyboxInstalled = existsSync("/bin/busybox");
const suiteName =
  kernelInstalled && busyboxInstalled
    ? "buildTestImage"
    : "buildTestImage (skipped: install linux-image-amd64 and busybox-static)";

const logger = createLogger({ level: "silent" });

describe.skipIf(!kernelInstalled || !busyboxInstalled)(suiteName, () => {
  let scratch: string;
  let first: BuildTestImageResult;
  let second: BuildTestImageResult;
  let elsewhere: BuildTestImageResult;

  beforeAll(async () => {
    scratch = await mkdtemp(path.join(tmpdir(), "tr-test-image-"));
    first = await buildTestImage({ cacheDir: path.join(scratch, "a"), logger });
    second = await buildTestImage({ cacheDir: path.join(scratch, "a"), logger });
    elsewhere = await buildTestImage({ cacheDir: path.join(scratch, "b"), logger });
  });

  afterAll(async () => {
    await rm(scratch, { recursive: true, force: true });
  });

  it("builds on first call", () => {
    expect(first.cached).toBe(false);
  });

  it("reuses cache on second call", () => {
    expect(second.cached).toBe(true);
  });

  it("produces identical initramfs bytes", async () => {
    const [a, b] = await Promise.all([readFile(first.initrd), readFile(elsewhere.initrd)]);
    expect(a.equals(b)).toBe(true);
  });

  it("names build folder by input hash", () => {
    expect(path.basename(path.dirname(first.initrd))).toBe(first.hash.slice(0, 16));
  });

  it("points current.json at build", async () => {
    const current = await readCurrentTestImage(path.join(scratch, "a"));
    expect(current.initrd).toBe(first.initrd);
  });

  it("loads virtio_ring before virtio in guest", async () => {
    const archive = gunzipSync(await readFile(first.initrd));
    const list = execFileSync(
      "cpio",
      ["-i", "--to-stdout", "--quiet", "etc/trusted-runners/modules.load"],
      {
        input: archive,
      },
    )
      .toString()
      .trim()
      .split("\n")
      .map((line) => path.basename(line));
    expect(list.indexOf("virtio_ring.ko")).toBeLessThan(list.indexOf("virtio.ko"));
  });

  it("packs init and stand-in runner", async () => {
    const archive = gunzipSync(await readFile(first.initrd));
    const names = execFileSync("cpio", ["-t", "--quiet"], { input: archive })
      .toString()
      .split("\n");
    expect(names).toEqual(expect.arrayContaining(["init", "opt/runner/run.sh", "bin/busybox"]));
  });

  it("writes gzip header without timestamp", async () => {
    const header = await readFile(first.initrd);
    expect(header.readUInt32LE(4)).toBe(0);
  });
});
