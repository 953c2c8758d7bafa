import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

import { KernelNotFoundError, compareKernelVersions, findInstalledKernel } from "./kernel.js";

let root: string;

beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), "tr-kernel-"));
  await mkdir(path.join(root, "boot"));
  await mkdir(path.join(root, "modules"));
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function installKernel(version: string, withModules: boolean): Promise<void> {
  await writeFile(path.join(root, "boot", `vmlinuz-${version}`), "kernel");
  if (withModules) await mkdir(path.join(root, "modules", version));
}

describe("findInstalledKernel", () => {
  it("picks newest kernel with modules", async () => {
    await installKernel("6.1.0-9-amd64", true);
    await installKernel("6.1.0-57-amd64", true);
    const kernel = await findInstalledKernel(path.join(root, "boot"), path.join(root, "modules"));
    expect(kernel.version).toBe("6.1.0-57-amd64");
  });

  it("skips kernel without modules folder", async () => {
    await installKernel("6.1.0-9-amd64", true);
    await installKernel("6.1.0-57-amd64", false);
    const kernel = await findInstalledKernel(path.join(root, "boot"), path.join(root, "modules"));
    expect(kernel.version).toBe("6.1.0-9-amd64");
  });

  it("honours requested version", async () => {
    await installKernel("6.1.0-9-amd64", true);
    await installKernel("6.1.0-57-amd64", true);
    const kernel = await findInstalledKernel(
      path.join(root, "boot"),
      path.join(root, "modules"),
      "6.1.0-9-amd64",
    );
    expect(kernel.image).toBe(path.join(root, "boot", "vmlinuz-6.1.0-9-amd64"));
  });

  it("fails when no kernel is installed", async () => {
    await expect(
      findInstalledKernel(path.join(root, "boot"), path.join(root, "modules")),
    ).rejects.toThrow(KernelNotFoundError);
  });
});

describe("compareKernelVersions", () => {
  it("compares numeric runs as numbers", () => {
    expect(compareKernelVersions("6.1.0-57-amd64", "6.1.0-9-amd64")).toBeGreaterThan(0);
  });

  it("orders major versions", () => {
    expect(compareKernelVersions("5.10.0-30-amd64", "6.1.0-1-amd64")).toBeLessThan(0);
  });
});
