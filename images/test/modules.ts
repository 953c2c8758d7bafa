import { readFile } from "node:fs/promises";
import path from "node:path";

/** Kernel modules the test guest needs: the PCI transport, the serial port and the NIC. */
export const GUEST_MODULES: readonly string[] = ["virtio_pci", "virtio_console", "virtio_net"];

/** Raised when a requested module is neither in modules.dep nor built into the kernel. */
export class ModuleNotFoundError extends Error {
  constructor(
    readonly moduleName: string,
    readonly modulesDir: string,
  ) {
    super(
      `kernel module ${moduleName} not found in ${modulesDir}/modules.dep or modules.builtin; ` +
        "install the matching linux-image package or pick another kernel version",
    );
    this.name = "ModuleNotFoundError";
  }
}

/** One module file, as a path relative to `/lib/modules/<version>`. */
export interface ModuleFile {
  name: string;
  relativePath: string;
}

/** Maps a module path such as `kernel/drivers/virtio/virtio-rng.ko` to `virtio_rng`. */
export function moduleNameOf(relativePath: string): string {
  const base = path.posix.basename(relativePath).replace(/\.ko(\.(gz|xz|zst))?$/, "");
  return base.replaceAll("-", "_");
}

/** Parses modules.dep into module name -> { path, direct and indirect dependency paths }. */
export function parseModulesDep(text: string): Map<string, { path: string; deps: string[] }> {
  const entries = new Map<string, { path: string; deps: string[] }>();
  for (const line of text.split("\n")) {
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    const modulePath = line.slice(0, colon).trim();
    const deps = line
      .slice(colon + 1)
      .trim()
      .split(/\s+/)
      .filter((dep) => dep !== "");
    entries.set(moduleNameOf(modulePath), { path: modulePath, deps });
  }
  return entries;
}

/**
 * Orders the requested modules and everything they depend on so that each module comes after
 * its dependencies. modules.dep lists the whole dependency closure of a module on one flat line
 * without the edges between those dependencies, so the order comes from a depth-first walk that
 * visits each dependency's own line first.
 */
export function resolveLoadOrder(
  requested: readonly string[],
  modulesDep: string,
  builtin: ReadonlySet<string>,
  modulesDir: string,
): ModuleFile[] {
  const entries = parseModulesDep(modulesDep);
  const ordered: ModuleFile[] = [];
  const visited = new Set<string>();

  const visit = (name: string): void => {
    if (visited.has(name)) return;
    visited.add(name);
    const entry = entries.get(name);
    if (entry === undefined) {
      if (builtin.has(name)) return;
      throw new ModuleNotFoundError(name, modulesDir);
    }
    // Sorting the flat list keeps the output independent of depmod's line order.
    for (const dep of [...entry.deps].sort()) visit(moduleNameOf(dep));
    ordered.push({ name, relativePath: entry.path });
  };

  for (const name of requested) visit(name.replaceAll("-", "_"));
  return ordered;
}

/** Reads modules.dep and modules.builtin of one kernel and orders the requested modules. */
export async function loadOrderFor(
  modulesDir: string,
  requested: readonly string[] = GUEST_MODULES,
): Promise<ModuleFile[]> {
  const modulesDep = await readFile(path.join(modulesDir, "modules.dep"), "utf8");
  const builtinText = await readFile(path.join(modulesDir, "modules.builtin"), "utf8").catch(
    () => "",
  );
  const builtin = new Set(
    builtinText
      .split("\n")
      .filter((line) => line !== "")
      .map(moduleNameOf),
  );
  return resolveLoadOrder(requested, modulesDep, builtin, modulesDir);
}
