import { readdir, stat } from "node:fs/promises";
import path from "node:path";

/** Raised when no installed kernel has both an image in the boot folder and a modules folder. */
export class KernelNotFoundError extends Error {
  constructor(bootDir: string, modulesRoot: string) {
    super(
      `no kernel found with both ${bootDir}/vmlinuz-<version> and ${modulesRoot}/<version>; ` +
        "install linux-image-amd64 (Debian) or pass kernelVersion",
    );
    this.name = "KernelNotFoundError";
  }
}

/** One installed kernel. */
export interface InstalledKernel {
  version: string;
  /** Path of the compressed kernel image. */
  image: string;
  /** `/lib/modules/<version>`. */
  modulesDir: string;
}

/**
 * Compares kernel versions such as `6.1.0-57-amd64` by their numeric runs, so `6.1.0-57` sorts
 * after `6.1.0-9`. Non-numeric runs compare as strings.
 */
export function compareKernelVersions(left: string, right: string): number {
  const split = (version: string): string[] => version.match(/\d+|\D+/g) ?? [];
  const a = split(left);
  const b = split(right);
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i];
    const y = b[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    if (x === y) continue;
    const numeric = /^\d+$/.test(x) && /^\d+$/.test(y);
    if (numeric) return Number(x) - Number(y);
    return x < y ? -1 : 1;
  }
  return 0;
}

async function isDirectory(target: string): Promise<boolean> {
  try {
    return (await stat(target)).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Finds the newest installed kernel that has a matching modules folder. The running kernel is
 * deliberately ignored: on CI and in containers `uname -r` names the host's kernel, whose image
 * and modules are usually not installed.
 */
export async function findInstalledKernel(
  bootDir = "/boot",
  modulesRoot = "/lib/modules",
  version?: string,
): Promise<InstalledKernel> {
  const names = await readdir(bootDir).catch(() => [] as string[]);
  const versions = names
    .filter((name) => name.startsWith("vmlinuz-"))
    .map((name) => name.slice("vmlinuz-".length))
    .filter((candidate) => version === undefined || candidate === version)
    .sort(compareKernelVersions)
    .reverse();
  for (const candidate of versions) {
    const modulesDir = path.join(modulesRoot, candidate);
    if (await isDirectory(modulesDir)) {
      return { version: candidate, image: path.join(bootDir, `vmlinuz-${candidate}`), modulesDir };
    }
  }
  throw new KernelNotFoundError(bootDir, modulesRoot);
}
