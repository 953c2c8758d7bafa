import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";

import { build } from "esbuild";

/** The bundle file and its sha256. */
export interface BuiltBundle {
  path: string;
  sha256: string;
}

const repositoryRoot = fileURLToPath(new URL("../../", import.meta.url));

/** Path of the bundle that the Pulumi program copies to the VM host. */
export const BUNDLE_PATH = `${repositoryRoot}dist/controller.mjs`;

/**
 * Bundles the controller CLI into one ESM file for Node 20. better-sqlite3 stays external because
 * it loads a native addon built for the host.
 * TODO: the Pulumi program copies only the bundle, so better-sqlite3 must be installed on the host
 * by hand where Node resolves it from /opt/trusted-runners.
 */
export async function buildControllerBundle(): Promise<BuiltBundle> {
  await build({
    entryPoints: [`${repositoryRoot}controller/src/cli.ts`],
    outfile: BUNDLE_PATH,
    bundle: true,
    platform: "node",
    target: "node20",
    format: "esm",
    external: ["better-sqlite3"],
    // Bundled CommonJS dependencies call require(); ESM output needs it defined.
    banner: {
      js: "import { createRequire as trCreateRequire } from 'node:module'; const require = trCreateRequire(import.meta.url);",
    },
    legalComments: "none",
    logLevel: "warning",
  });
  const content = await readFile(BUNDLE_PATH);
  return { path: BUNDLE_PATH, sha256: createHash("sha256").update(content).digest("hex") };
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const bundle = await buildControllerBundle();
  process.stdout.write(`${bundle.path} sha256 ${bundle.sha256}\n`);
}
