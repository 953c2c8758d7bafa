import type { VirshSession } from "../../controller/src/libvirt/virsh-session.js";

/** Name of the base volume in the benchmark's pool; the test image boots by direct kernel. */
export const BASE_VOLUME = "base.qcow2";

function names(output: string): string[] {
  return output
    .split("\n")
    .map((line) => line.trim().split(/\s+/)[0] ?? "")
    .filter((name) => name.length > 0);
}

/** Creates a dir pool at `target` with a small qcow2 base volume for the overlays. */
export async function createBenchPool(
  session: VirshSession,
  pool: string,
  target: string,
): Promise<void> {
  await session.run(["pool-define-as", "--name", pool, "--type", "dir", "--target", target]);
  await session.run(["pool-build", "--pool", pool]);
  await session.run(["pool-start", "--pool", pool]);
  await session.run([
    ...["vol-create-as", "--pool", pool, "--name", BASE_VOLUME],
    ...["--capacity", "64M", "--format", "qcow2"],
  ]);
}

/**
 * Removes every domain whose name starts with `prefix`, every volume of `pool` and the pool.
 * Each step ignores what is already gone, so it also cleans up after a failed run.
 */
export async function removeBenchPool(
  session: VirshSession,
  pool: string,
  prefix: string,
): Promise<void> {
  const domains = names(await session.run(["list", "--all", "--name"]).catch(() => ""));
  for (const domain of domains.filter((name) => name.startsWith(prefix))) {
    await session.run(["destroy", "--domain", domain]).catch(() => undefined);
    await session.run(["undefine", "--domain", domain]).catch(() => undefined);
  }
  const volumes = names(await session.run(["vol-list", "--pool", pool]).catch(() => ""));
  for (const volume of volumes.filter((name) => name !== "Name" && !name.startsWith("---"))) {
    await session.run(["vol-delete", "--pool", pool, "--vol", volume]).catch(() => undefined);
  }
  await session.run(["pool-destroy", "--pool", pool]).catch(() => undefined);
  await session.run(["pool-delete", "--pool", pool]).catch(() => undefined);
  await session.run(["pool-undefine", "--pool", pool]).catch(() => undefined);
}
