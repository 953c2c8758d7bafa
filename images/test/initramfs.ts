import path from "node:path";

import type { CpioEntry } from "./cpio.js";
import type { ModuleFile } from "./modules.js";

/** Guest files of the initramfs other than busybox and the modules, as read from the repository. */
export interface GuestScripts {
  /** `/init`: mounts, modules, network, then the bootstrap. */
  init: Buffer;
  /** The shared JIT bootstrap. */
  bootstrap: Buffer;
  /** The stand-in runner's run.sh. */
  runner: Buffer;
  /** udhcpc's event script. */
  udhcpcScript: Buffer;
}

/** Everything that goes into the test image's initramfs. */
export interface InitramfsContents {
  kernelVersion: string;
  busybox: Buffer;
  /** Modules in load order, with their file contents. */
  modules: { file: ModuleFile; data: Buffer }[];
  scripts: GuestScripts;
}

/** Path of the module load list inside the initramfs, read by /init. */
export const MODULE_LOAD_LIST = "etc/trusted-runners/modules.load";

function withParents(directories: Set<string>, filePath: string): void {
  let parent = path.posix.dirname(filePath);
  while (parent !== "." && parent !== "/") {
    directories.add(parent);
    parent = path.posix.dirname(parent);
  }
}

/** Lists the initramfs members; the cpio writer sorts them. */
export function initramfsEntries(contents: InitramfsContents): CpioEntry[] {
  const modulesRoot = `lib/modules/${contents.kernelVersion}`;
  const executable = 0o755;
  const entries: CpioEntry[] = [
    { type: "file", path: "init", data: contents.scripts.init, mode: executable },
    { type: "file", path: "bin/busybox", data: contents.busybox, mode: executable },
    // The kernel runs /init through its #!/bin/sh line, before /init installs the applet links.
    { type: "symlink", path: "bin/sh", target: "busybox" },
    { type: "char-device", path: "dev/console", major: 5, minor: 1, mode: 0o600 },
    { type: "char-device", path: "dev/null", major: 1, minor: 3, mode: 0o666 },
    {
      type: "file",
      path: MODULE_LOAD_LIST,
      data: Buffer.from(contents.modules.map(({ file }) => `${file.relativePath}\n`).join("")),
    },
    {
      type: "file",
      path: "etc/trusted-runners/udhcpc.sh",
      data: contents.scripts.udhcpcScript,
      mode: executable,
    },
    { type: "file", path: "opt/runner/run.sh", data: contents.scripts.runner, mode: executable },
    {
      type: "file",
      path: "usr/libexec/trusted-runners/jit-bootstrap",
      data: contents.scripts.bootstrap,
      mode: executable,
    },
  ];
  for (const { file, data } of contents.modules) {
    entries.push({ type: "file", path: `${modulesRoot}/${file.relativePath}`, data });
  }

  const directories = new Set(["proc", "sys", "tmp", "run", "root", "sbin", "usr/bin", "usr/sbin"]);
  for (const entry of entries) withParents(directories, entry.path);
  for (const directory of [...directories]) withParents(directories, `${directory}/x`);
  for (const directory of directories) {
    entries.push({ type: "directory", path: directory, mode: directoryMode(directory) });
  }
  return entries;
}

/** Returns a directory's mode: sticky and world-writable for tmp, private for root's home. */
function directoryMode(directory: string): number {
  if (directory === "tmp") return 0o1777;
  if (directory === "root") return 0o700;
  return 0o755;
}
