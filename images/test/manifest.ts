import { readFile } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";

/** Repository root, two levels above this folder. */
export const REPOSITORY_ROOT = path.resolve(import.meta.dirname, "..", "..");

/** Default cache folder of test image builds. */
export const DEFAULT_TEST_IMAGE_CACHE = path.join(REPOSITORY_ROOT, ".cache", "images", "test");

/** File name of the pointer to the newest build inside the cache folder. */
export const CURRENT_MANIFEST = "current.json";

/**
 * The test image manifest, `current.json` in the cache folder and `manifest.json` beside each
 * build. The sandbox and the e2e tests boot `kernel` and `initrd` with `cmdline`.
 */
export const testImageManifestSchema = z.object({
  /** sha256 of every build input; the build folder is named by its first 16 hex digits. */
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  kernelVersion: z.string().min(1),
  /** Absolute path of the kernel image copied into the build folder. */
  kernel: z.string().min(1),
  /** Absolute path of the gzip-compressed cpio initramfs. */
  initrd: z.string().min(1),
  /** sha256 of the initramfs file, to compare builds. */
  initrdSha256: z.string().regex(/^[0-9a-f]{64}$/),
  /** Kernel command line the image expects: serial console, reboot at once on panic. */
  cmdline: z.string().min(1),
});

export type TestImageManifest = z.infer<typeof testImageManifestSchema>;

/** Reads `current.json`; throws with the build command when no build exists yet. */
export async function readCurrentTestImage(
  cacheDir = DEFAULT_TEST_IMAGE_CACHE,
): Promise<TestImageManifest> {
  const file = path.join(cacheDir, CURRENT_MANIFEST);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch {
    throw new Error(`test image manifest ${file} not found; run: npx tsx images/test/build.ts`);
  }
  return testImageManifestSchema.parse(JSON.parse(text));
}
