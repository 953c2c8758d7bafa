import { LibvirtNotFoundError } from "./errors.js";
import type { VirshSession } from "./virsh-session.js";

/** Returns whether a URI names libvirt's test driver, which keeps its state inside one connection. */
export function isTestDriverUri(uri: string): boolean {
  return uri.startsWith("test:");
}

/** Size of the base volume created on the test driver; no data is ever written to it. */
const TEST_BASE_VOLUME_CAPACITY = "1G";

async function exists(check: Promise<unknown>): Promise<boolean> {
  try {
    await check;
    return true;
  } catch (error) {
    if (error instanceof LibvirtNotFoundError) {
      return false;
    }
    throw error;
  }
}

/**
 * Creates the storage pool and the base volume on the test driver when they are missing. The
 * test driver keeps them only inside the session's connection, so this runs once per session.
 * Its built-in pool `default-pool` exists from the start.
 */
export async function ensureTestDriverStorage(
  session: VirshSession,
  pool: string,
  baseVolume: string,
): Promise<void> {
  if (!(await exists(session.run(["pool-info", "--pool", pool])))) {
    // The test driver keeps volumes in memory, so the target path is never created on disk.
    await session.run(["pool-define-as", "--name", pool, "--type", "dir", "--target", `/${pool}`]);
    await session.run(["pool-start", "--pool", pool]);
  }
  if (!(await exists(session.run(["vol-info", "--pool", pool, "--vol", baseVolume])))) {
    await session.run([
      "vol-create-as",
      "--pool",
      pool,
      "--name",
      baseVolume,
      "--capacity",
      TEST_BASE_VOLUME_CAPACITY,
      "--format",
      "qcow2",
    ]);
  }
}
