import { mkdir } from "node:fs/promises";
import { basename, join } from "node:path";

import { bundleNodeEntry, copyNativeAddon } from "../../controller/scripts/build.js";

/** Entry points the benchmark runs in child processes. */
export const CHILD_ENTRIES = {
  controller: join(import.meta.dirname, "controller-child.ts"),
  bareServer: join(import.meta.dirname, "bare-webhook-server.ts"),
} as const;

export type ChildBundles = Record<keyof typeof CHILD_ENTRIES, string>;

/**
 * Bundles the child entry points as the controller ships: one ESM file for Node 20 with
 * better-sqlite3's addon beside it. Children then run under plain `node`, as in production,
 * with no TypeScript loader in their memory or on their start-up path.
 */
export async function bundleChildren(outDir: string): Promise<ChildBundles> {
  await mkdir(outDir, { recursive: true });
  const entries = Object.entries(CHILD_ENTRIES) as [keyof typeof CHILD_ENTRIES, string][];
  const bundles = {} as ChildBundles;
  for (const [name, entry] of entries) {
    const outfile = join(outDir, `${basename(entry, ".ts")}.mjs`);
    await bundleNodeEntry(entry, outfile);
    bundles[name] = outfile;
  }
  await copyNativeAddon(join(outDir, "better_sqlite3.node"));
  return bundles;
}
