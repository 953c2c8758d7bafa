import { readFile } from "node:fs/promises";
import { z } from "zod";

/**
 * Build configuration of the production base image, read from a JSON file that the operator
 * keeps with the Pulumi stack. Every download is pinned by its sha256.
 */

const sha256Schema = z
  .string()
  .regex(/^[0-9a-f]{64}$/, "must be a sha256 digest: 64 lowercase hex digits");

const downloadUrlSchema = z
  .url()
  .refine((value) => /^(https?|file):/.test(value), "must be an http, https or file URL");

export const productionImageConfigSchema = z.object({
  /** Cloud image to start from: Debian 12 (bookworm) or Ubuntu 24.04 (noble), amd64, qcow2. */
  baseImage: z.object({
    url: downloadUrlSchema,
    sha256: sha256Schema,
  }),
  /** The actions runner release unpacked into the image. */
  runner: z.object({
    /** Release version without the leading `v`, for example `2.330.0`. */
    version: z.string().regex(/^\d+\.\d+\.\d+$/, "must be a release version such as 2.330.0"),
    /** sha256 of the linux-x64 tarball, as published in the release notes. */
    sha256: sha256Schema,
    /** Tarball URL; default the GitHub release asset of `version`. Set it for a mirror. */
    url: downloadUrlSchema.optional(),
  }),
  /** Folder for downloads and the built image; relative paths are taken from the working folder. */
  outputDir: z.string().min(1).default(".cache/images/production"),
  /** Seconds one download may take. */
  downloadTimeoutSeconds: z.number().int().positive().default(1800),
  /** Seconds virt-customize may take; it installs the runner's dependencies with apt. */
  customizeTimeoutSeconds: z.number().int().positive().default(3600),
});

export type ProductionImageConfig = z.infer<typeof productionImageConfigSchema>;

/** Raised for an invalid build configuration; the message names each key and the fix. */
export class ImageConfigError extends Error {
  constructor(source: string, problems: string[]) {
    super(`invalid image build config ${source}:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ImageConfigError";
  }
}

/** Returns the runner tarball URL: the configured one, or the GitHub release asset. */
export function runnerTarballUrl(runner: ProductionImageConfig["runner"]): string {
  if (runner.url !== undefined) return runner.url;
  const file = `actions-runner-linux-x64-${runner.version}.tar.gz`;
  return `https://github.com/actions/runner/releases/download/v${runner.version}/${file}`;
}

/** Validates a parsed config object; `source` names it in errors. */
export function parseImageConfig(input: unknown, source: string): ProductionImageConfig {
  const result = productionImageConfigSchema.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const key = issue.path.join(".") || "(root)";
    return `${key}: ${issue.message}`;
  });
  throw new ImageConfigError(source, problems);
}

/** Reads and validates the JSON config file. */
export async function loadImageConfig(file: string): Promise<ProductionImageConfig> {
  let input: unknown;
  try {
    input = JSON.parse(await readFile(file, "utf8"));
  } catch (error) {
    throw new ImageConfigError(file, [`not readable as JSON: ${String(error)}`]);
  }
  return parseImageConfig(input, file);
}
