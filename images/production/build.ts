import { copyFile, mkdir, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";

import type { Logger } from "../../controller/src/log.js";
import { runnerTarballUrl } from "./config.js";
import type { ProductionImageConfig } from "./config.js";
import { virtCustomizeArgs } from "./customize.js";
import { downloadVerified, sha256File } from "./download.js";
import { runCommand as defaultRunCommand } from "./run-command.js";
import type { RunCommand } from "./run-command.js";

/**
 * Builds the production base image on an operator's host: download and verify the cloud image
 * and the runner release, customise a copy with virt-customize, and write the qcow2 with its
 * sha256 for the Pulumi stack.
 */

/** Guest files in the repository that the build uploads into the image. */
export const PRODUCTION_GUEST_FILES = {
  bootstrapScript: path.join(import.meta.dirname, "..", "guest", "jit-bootstrap.sh"),
  unitFile: path.join(import.meta.dirname, "guest", "trusted-runners-jit.service"),
  cloudConfig: path.join(import.meta.dirname, "guest", "99-trusted-runners.cfg"),
  nocloudMetaData: path.join(import.meta.dirname, "guest", "nocloud-meta-data"),
  nocloudUserData: path.join(import.meta.dirname, "guest", "nocloud-user-data"),
} as const;

/** Name of the manifest the build writes beside the image. */
export const BASE_IMAGE_MANIFEST = "base-image.json";

/** The built image, as written to the manifest and printed by the CLI. */
export interface BaseImageManifest {
  /** Absolute path of the customised qcow2. */
  image: string;
  /** sha256 of that file. */
  sha256: string;
  runnerVersion: string;
  baseImage: { url: string; sha256: string };
}

export interface BuildProductionImageOptions {
  logger: Logger;
  /** Runs virt-customize; tests replace it. */
  runCommand?: RunCommand;
}

function fileNameOf(url: string): string {
  const name = path.posix.basename(new URL(url).pathname);
  return name === "" ? "download" : name;
}

/** Builds the image and writes `base-image.json`; returns the manifest. */
export async function buildProductionImage(
  config: ProductionImageConfig,
  options: BuildProductionImageOptions,
): Promise<BaseImageManifest> {
  const run = options.runCommand ?? defaultRunCommand;
  const outputDir = path.resolve(config.outputDir);
  const downloads = path.join(outputDir, "downloads");
  const log = options.logger.child({ module: "images/production", outputDir });
  await mkdir(downloads, { recursive: true });

  // Both downloads are named by their digest, so a changed pin never reuses a stale file.
  const timeoutMs = config.downloadTimeoutSeconds * 1000;
  const baseImage = path.join(
    downloads,
    `${config.baseImage.sha256.slice(0, 16)}-${fileNameOf(config.baseImage.url)}`,
  );
  const runnerUrl = runnerTarballUrl(config.runner);
  const runnerTarball = path.join(
    downloads,
    `${config.runner.sha256.slice(0, 16)}-actions-runner-linux-x64-${config.runner.version}.tar.gz`,
  );
  await downloadVerified({
    url: config.baseImage.url,
    sha256: config.baseImage.sha256,
    destination: baseImage,
    timeoutMs,
    logger: log,
  });
  await downloadVerified({
    url: runnerUrl,
    sha256: config.runner.sha256,
    destination: runnerTarball,
    timeoutMs,
    logger: log,
  });

  // virt-customize edits in place, so it works on a copy and the verified download stays intact.
  const working = path.join(outputDir, `.customizing-${process.pid}.qcow2`);
  await copyFile(baseImage, working);
  try {
    const args = virtCustomizeArgs({ image: working, runnerTarball, ...PRODUCTION_GUEST_FILES });
    log.info({ runnerVersion: config.runner.version }, "virt-customize started");
    // The direct backend runs the libguestfs appliance without going through libvirtd.
    await run("virt-customize", args, {
      timeoutMs: config.customizeTimeoutSeconds * 1000,
      env: { LIBGUESTFS_BACKEND: process.env.LIBGUESTFS_BACKEND ?? "direct" },
    });
    const sha256 = await sha256File(working);
    const image = path.join(outputDir, `trusted-runners-base-${sha256.slice(0, 16)}.qcow2`);
    await rename(working, image);
    const manifest: BaseImageManifest = {
      image,
      sha256,
      runnerVersion: config.runner.version,
      baseImage: { url: config.baseImage.url, sha256: config.baseImage.sha256 },
    };
    await writeFile(
      path.join(outputDir, BASE_IMAGE_MANIFEST),
      `${JSON.stringify(manifest, null, 2)}\n`,
    );
    log.info({ image, sha256 }, "base image built");
    return manifest;
  } finally {
    await rm(working, { force: true });
  }
}
