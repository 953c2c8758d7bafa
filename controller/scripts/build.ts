import { createHash } from "node:crypto";
import { copyFile, readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import { build } from "esbuild";

/** One built file and its sha256. */
export interface BuiltFile {
  path: string;
  /** Lowercase hex sha256 of the file's content. */
  sha256: string;
}

/** The bundle and the SQLite native addon that the controller loads from the bundle's folder. */
export interface BuiltBundle extends BuiltFile {
  nativeAddon: BuiltFile;
}

const repositoryRoot = fileURLToPath(new URL("../../", import.meta.url));

/** Path of the bundle that the Pulumi program copies to the VM host. */
export const BUNDLE_PATH = `${repositoryRoot}dist/controller.mjs`;

/** Path of better-sqlite3's native addon beside the bundle; the store loads it from there. */
export const NATIVE_ADDON_PATH = `${repositoryRoot}dist/better_sqlite3.node`;

async function sha256File(path: string): Promise<string> {
  return createHash("sha256")
    .update(await readFile(path))
    .digest("hex");
}

/**
 * Bundles one Node entry point into a single ESM file for Node 20, the way the controller ships.
 * better-sqlite3's addon is not part of it: see {@link copyNativeAddon}.
 */
export async function bundleNodeEntry(entry: string, outfile: string): Promise<void> {
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: "node",
    target: "node20",
    format: "esm",
    // Bundled CommonJS dependencies call require(); ESM output needs it defined.
    banner: {
      js: "import { createRequire as trCreateRequire } from 'node:module'; const require = trCreateRequire(import.meta.url);",
    },
    legalComments: "none",
    logLevel: "error",
  });
}

/** Copies better-sqlite3's native addon to `destination`, where the store loads it from. */
export async function copyNativeAddon(destination: string): Promise<void> {
  const require = createRequire(import.meta.url);
  const addonSource = join(
    dirname(require.resolve("better-sqlite3/package.json")),
    "build/Release/better_sqlite3.node",
  );
  await copyFile(addonSource, destination);
}

/**
 * Bundles the controller CLI and copies better-sqlite3's native addon beside it, so the host
 * needs Node.js and nothing from npm. The addon is built for this machine's Node ABI and C
 * library: the host must run the same Node.js major version on glibc.
 */
export async function buildControllerBundle(): Promise<BuiltBundle> {
  await bundleNodeEntry(`${repositoryRoot}controller/src/cli.ts`, BUNDLE_PATH);
  await copyNativeAddon(NATIVE_ADDON_PATH);

  return {
    path: BUNDLE_PATH,
    sha256: await sha256File(BUNDLE_PATH),
    nativeAddon: { path: NATIVE_ADDON_PATH, sha256: await sha256File(NATIVE_ADDON_PATH) },
  };
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const bundle = await buildControllerBundle();
  process.stdout.write(`${bundle.path} sha256 ${bundle.sha256}\n`);
}
