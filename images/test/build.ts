import { createHash } from "node:crypto";
import { access, chmod, mkdir, mkdtemp, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";
import { pino } from "pino";

import { createLogger } from "../../controller/src/log.js";
import type { Logger } from "../../controller/src/log.js";
import { writeCpio } from "./cpio.js";
import { initramfsEntries } from "./initramfs.js";
import type { GuestScripts, InitramfsContents } from "./initramfs.js";
import { findInstalledKernel } from "./kernel.js";
import { CURRENT_MANIFEST, DEFAULT_TEST_IMAGE_CACHE, testImageManifestSchema } from "./manifest.js";
import type { TestImageManifest } from "./manifest.js";
import { GUEST_MODULES, loadOrderFor } from "./modules.js";

/**
 * Builds the test image: the installed Debian kernel plus a busybox initramfs that loads the
 * virtio modules, takes a DHCP lease, and runs the shared JIT bootstrap with the stand-in runner.
 * The build is reproducible (sorted cpio entries, one fixed mtime, gzip without a timestamp) and
 * cached under the hash of its inputs, so a second call with unchanged inputs writes only the
 * pointer `current.json`.
 */

/** Bumped whenever the image layout changes in a way the input files do not show. */
const BUILD_FORMAT = "trusted-runners-test-image/1";

/** Kernel command line: serial console for debugging, quiet boot, reboot at once on panic. */
export const TEST_IMAGE_CMDLINE = "console=ttyS0 quiet panic=-1";

/** Modification time of every initramfs member. Any constant keeps builds reproducible. */
const ARCHIVE_MTIME = 0;

const GUEST_DIR = path.join(import.meta.dirname, "guest");
const SHARED_GUEST_DIR = path.join(import.meta.dirname, "..", "guest");

export interface BuildTestImageOptions {
  /** Folder for builds and `current.json`; default `.cache/images/test` in the repository. */
  cacheDir?: string;
  /** Folder of `vmlinuz-<version>`; default `/boot`. */
  bootDir?: string;
  /** Parent of the `<version>` modules folders; default `/lib/modules`. */
  modulesRoot?: string;
  /** Kernel version to use; default the newest installed one with a modules folder. */
  kernelVersion?: string;
  /** Statically linked busybox; default `/bin/busybox` from Debian's busybox-static. */
  busybox?: string;
  logger?: Logger;
}

/** The manifest plus whether this call built the image or found it in the cache. */
export interface BuildTestImageResult extends TestImageManifest {
  cached: boolean;
}

async function readGuestScripts(): Promise<GuestScripts> {
  const [init, bootstrap, runner, udhcpcScript] = await Promise.all([
    readFile(path.join(GUEST_DIR, "init.sh")),
    readFile(path.join(SHARED_GUEST_DIR, "jit-bootstrap.sh")),
    readFile(path.join(GUEST_DIR, "run.sh")),
    readFile(path.join(GUEST_DIR, "udhcpc.sh")),
  ]);
  return { init, bootstrap, runner, udhcpcScript };
}

function sha256(data: Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

async function exists(target: string): Promise<boolean> {
  try {
    await access(target);
    return true;
  } catch {
    return false;
  }
}

/** Writes a file through a temporary name and a rename, so readers never see half of it. */
async function writeFileAtomic(target: string, data: string): Promise<void> {
  const temporary = `${target}.${process.pid}.tmp`;
  await writeFile(temporary, data);
  await rename(temporary, target);
}

/** Everything the image is made of, read into memory. */
interface BuildInputs extends InitramfsContents {
  kernelImage: Buffer;
}

async function readBuildInputs(options: BuildTestImageOptions): Promise<BuildInputs> {
  const kernel = await findInstalledKernel(
    options.bootDir,
    options.modulesRoot,
    options.kernelVersion,
  );
  const order = await loadOrderFor(kernel.modulesDir, GUEST_MODULES);
  const [kernelImage, busybox, scripts, moduleData] = await Promise.all([
    readFile(kernel.image),
    readFile(options.busybox ?? "/bin/busybox"),
    readGuestScripts(),
    Promise.all(order.map((file) => readFile(path.join(kernel.modulesDir, file.relativePath)))),
  ]);
  const modules = order.map((file, index) => ({ file, data: moduleData[index] as Buffer }));
  return {
    kernelVersion: kernel.version,
    kernelImage,
    busybox,
    modules,
    scripts,
  };
}

/** Hashes every input with its label and length, so no two input sets share a byte stream. */
function hashInputs(inputs: BuildInputs): string {
  const hash = createHash("sha256");
  const add = (label: string, data: Buffer | string): void => {
    hash.update(`${label}\0${Buffer.byteLength(data)}\0`).update(data);
  };
  add("format", BUILD_FORMAT);
  add("cmdline", TEST_IMAGE_CMDLINE);
  add("kernel-version", inputs.kernelVersion);
  add("kernel", inputs.kernelImage);
  add("busybox", inputs.busybox);
  for (const [name, data] of Object.entries(inputs.scripts)) add(`script:${name}`, data);
  for (const { file, data } of inputs.modules) add(`module:${file.relativePath}`, data);
  return hash.digest("hex");
}

/**
 * Writes the kernel, the initramfs and the manifest into a private folder, then renames it to
 * `buildDir`, so concurrent builds of the same inputs (the sandbox and a test) never read each
 * other's half-written files.
 */
async function writeBuild(inputs: BuildInputs, hash: string, buildDir: string): Promise<void> {
  const archive = writeCpio(initramfsEntries(inputs), ARCHIVE_MTIME);
  const initrd = gzipSync(archive, { level: 9 });
  const manifest: TestImageManifest = {
    hash,
    kernelVersion: inputs.kernelVersion,
    kernel: path.join(buildDir, "vmlinuz"),
    initrd: path.join(buildDir, "initrd.img"),
    initrdSha256: sha256(initrd),
    cmdline: TEST_IMAGE_CMDLINE,
  };

  const staging = await mkdtemp(path.join(path.dirname(buildDir), ".staging-"));
  try {
    // mkdtemp creates 0700, but libvirt's QEMU runs as its own user and must read the files.
    await chmod(staging, 0o755);
    await writeFile(path.join(staging, "vmlinuz"), inputs.kernelImage);
    await writeFile(path.join(staging, "initrd.img"), initrd);
    await writeFile(path.join(staging, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
    await rename(staging, buildDir).catch((error: NodeJS.ErrnoException) => {
      // Another build of the same inputs finished first, and its files are identical.
      if (error.code !== "ENOTEMPTY" && error.code !== "EEXIST") throw error;
    });
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/** Builds the test image, or reuses the cached build of the same inputs, and updates the pointer. */
export async function buildTestImage(
  options: BuildTestImageOptions = {},
): Promise<BuildTestImageResult> {
  const cacheDir = path.resolve(options.cacheDir ?? DEFAULT_TEST_IMAGE_CACHE);
  const log = (options.logger ?? createLogger()).child({ module: "images/test" });
  const inputs = await readBuildInputs(options);
  const hash = hashInputs(inputs);
  const buildDir = path.join(cacheDir, hash.slice(0, 16));
  const manifestPath = path.join(buildDir, "manifest.json");
  await mkdir(cacheDir, { recursive: true });

  const cached = await exists(manifestPath);
  if (!cached) await writeBuild(inputs, hash, buildDir);

  const manifest = testImageManifestSchema.parse(JSON.parse(await readFile(manifestPath, "utf8")));
  await writeFileAtomic(
    path.join(cacheDir, CURRENT_MANIFEST),
    `${JSON.stringify(manifest, null, 2)}\n`,
  );
  const moduleNames = inputs.modules.map(({ file }) => file.name);
  log.info(
    { hash, kernelVersion: inputs.kernelVersion, modules: moduleNames, cached },
    cached ? "test image found in cache" : "test image built",
  );
  return { ...manifest, cached };
}

async function main(): Promise<void> {
  const started = performance.now();
  const logger = createLogger({ destination: pino.destination(2) });
  const result = await buildTestImage({ logger });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  logger.info({ seconds, cached: result.cached }, "test image ready");
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  main().catch((error: unknown) => {
    process.stderr.write(`test image build failed: ${String(error)}\n`);
    process.exit(1);
  });
}
