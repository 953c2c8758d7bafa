import type { VirshSession } from "../libvirt/virsh-session.js";

/** Name of the base volume in the sandbox's pool; without the prefix, so it is never a leak. */
export const BASE_VOLUME = "base.qcow2";

/** Objects with the sandbox's prefix that libvirt itself still lists. */
export interface LibvirtLeftovers {
  domains: string[];
  volumes: string[];
}

function names(output: string): string[] {
  return output
    .split("\n")
    .map((line) => line.trim().split(/\s+/)[0] ?? "")
    .filter((name) => name.length > 0);
}

/**
 * Creates a dir pool at `target` with a small qcow2 base volume. The test image boots by direct
 * kernel, so the base volume only gives the overlays something to back onto.
 */
export async function createSandboxPool(
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

/** Lists domains and volumes whose names start with `prefix`, straight from virsh. */
export async function listLibvirtLeftovers(
  session: VirshSession,
  pool: string,
  prefix: string,
): Promise<LibvirtLeftovers> {
  const domains = names(await session.run(["list", "--all", "--name"])).filter((name) =>
    name.startsWith(prefix),
  );
  await session.run(["pool-refresh", "--pool", pool]).catch(() => undefined);
  const volumes = names(await session.run(["vol-list", "--pool", pool])).filter((name) =>
    name.startsWith(prefix),
  );
  return { domains, volumes };
}

/**
 * Removes every domain and volume with `prefix`, then the pool itself. Each step ignores what is
 * already gone, so it is safe after a partial set-up or a failed run.
 */
export async function removeSandboxPool(
  session: VirshSession,
  pool: string,
  prefix: string,
): Promise<void> {
  const domains = names(await session.run(["list", "--all", "--name"]).catch(() => "")).filter(
    (name) => name.startsWith(prefix),
  );
  for (const domain of domains) {
    await session.run(["destroy", "--domain", domain]).catch(() => undefined);
    await session.run(["undefine", "--domain", domain]).catch(() => undefined);
  }
  const volumes = names(await session.run(["vol-list", "--pool", pool]).catch(() => ""));
  for (const volume of volumes) {
    await session.run(["vol-delete", "--pool", pool, "--vol", volume]).catch(() => undefined);
  }
  await session.run(["pool-destroy", "--pool", pool]).catch(() => undefined);
  await session.run(["pool-delete", "--pool", pool]).catch(() => undefined);
  await session.run(["pool-undefine", "--pool", pool]).catch(() => undefined);
}
