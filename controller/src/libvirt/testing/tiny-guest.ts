import { execFile } from "node:child_process";
import { chmod, copyFile, mkdir, readFile, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/**
 * A minimal guest for driver tests before the test image exists: the host's kernel and an
 * initramfs with static busybox whose /init writes `ready` on the JIT port, reads one line and
 * powers off. It needs the Debian packages `linux-image-amd64` and `busybox-static`.
 */

/** Kernel modules the guest needs for its virtio-serial port, by module name. */
const REQUIRED_MODULES = ["virtio_pci", "virtio_console"];

const INIT_SCRIPT = `#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
while read -r module; do insmod "/modules/$module"; done < /modules/order
port=""
tries=0
while [ -z "$port" ] && [ "$tries" -lt 100 ]; do
  for name in /sys/class/virtio-ports/*/name; do
    if [ "$(cat "$name" 2>/dev/null)" = org.trusted-runners.jit.0 ]; then
      port="$(basename "$(dirname "$name")")"
    fi
  done
  tries=$((tries + 1))
  sleep 0.1
done
if [ -n "$port" ]; then
  # virtio_console allows one open per port, so the writer and the reader share fd 3.
  exec 3<>"/dev/$port"
  ( while :; do echo ready >&3; sleep 1; done ) &
  writer=$!
  read -r line <&3
  kill "$writer"
  echo "tiny-guest: read a line of \${#line} bytes"
else
  echo "tiny-guest: port org.trusted-runners.jit.0 not found"
fi
poweroff -f
while :; do sleep 60; done
`;

/** Parses modules.dep into module path to dependency paths. */
function parseModulesDep(text: string): Map<string, string[]> {
  const dependencies = new Map<string, string[]>();
  for (const line of text.split("\n")) {
    const separator = line.indexOf(":");
    if (separator > 0) {
      const deps = line.slice(separator + 1).trim();
      dependencies.set(line.slice(0, separator), deps === "" ? [] : deps.split(/\s+/));
    }
  }
  return dependencies;
}

/** Orders module paths so each comes after the modules it depends on. */
function loadOrder(dependencies: Map<string, string[]>, required: string[]): string[] {
  const order: string[] = [];
  const visit = (path: string): void => {
    if (order.includes(path)) {
      return;
    }
    for (const dependency of dependencies.get(path) ?? []) {
      visit(dependency);
    }
    order.push(path);
  };
  for (const module of required) {
    const path = [...dependencies.keys()].find((key) => key.endsWith(`/${module}.ko`));
    if (path === undefined) {
      // Not in modules.dep: the module is built into this kernel.
      continue;
    }
    visit(path);
  }
  return order;
}

/** Paths of a built tiny guest. */
export interface TinyGuest {
  kernel: string;
  initrd: string;
  cmdline: string;
}

/** Builds the tiny guest in `dir` from the newest kernel under /boot. */
export async function buildTinyGuest(dir: string): Promise<TinyGuest> {
  const kernels = (await readdir("/boot")).filter((name) => name.startsWith("vmlinuz-")).sort();
  const kernelName = kernels.at(-1);
  if (kernelName === undefined) {
    throw new Error("no /boot/vmlinuz-* found; install the Debian package linux-image-amd64");
  }
  const version = kernelName.slice("vmlinuz-".length);
  const modulesRoot = join("/lib/modules", version);
  const dependencies = parseModulesDep(await readFile(join(modulesRoot, "modules.dep"), "utf8"));
  const modules = loadOrder(dependencies, REQUIRED_MODULES);

  const root = join(dir, "root");
  await mkdir(join(root, "bin"), { recursive: true });
  await mkdir(join(root, "modules"), { recursive: true });
  for (const folder of ["proc", "sys", "dev"]) {
    await mkdir(join(root, folder), { recursive: true });
  }
  await copyFile("/bin/busybox", join(root, "bin", "busybox"));
  await chmod(join(root, "bin", "busybox"), 0o755);
  const names: string[] = [];
  for (const module of modules) {
    const name = module.slice(module.lastIndexOf("/") + 1);
    await copyFile(join(modulesRoot, module), join(root, "modules", name));
    names.push(name);
  }
  await writeFile(join(root, "modules", "order"), `${names.join("\n")}\n`);
  await writeFile(join(root, "init"), INIT_SCRIPT, { mode: 0o755 });

  const initrd = join(dir, "initrd.img");
  await run("sh", [
    "-c",
    `cd "$1" && find . | cpio -o -H newc --quiet | gzip -1 > "$2"`,
    "sh",
    root,
    initrd,
  ]);
  const kernel = join(dir, "vmlinuz");
  await copyFile(join("/boot", kernelName), kernel);
  return { kernel, initrd, cmdline: "console=ttyS0 panic=-1" };
}
