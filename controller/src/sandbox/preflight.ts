import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";

import { REPOSITORY_ROOT } from "../../../images/test/manifest.js";

const run = promisify(execFile);

/** Debian packages the sandbox needs on the host for real guests. */
export const REQUIRED_DEBIAN_PACKAGES = [
  "libvirt-daemon-system",
  "libvirt-clients",
  "qemu-system-x86",
  "qemu-utils",
  "busybox-static",
  "linux-image-amd64",
] as const;

/** Raised when libvirt or QEMU is missing, or when its daemons are down and this process cannot
 * start them. */
export class LibvirtUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "LibvirtUnavailableError";
  }
}

const INSTALL_HINT = `install them with: sudo apt-get install ${REQUIRED_DEBIAN_PACKAGES.join(" ")}`;

async function commandExists(command: string): Promise<boolean> {
  try {
    await run("sh", ["-c", `command -v ${command}`], { timeout: 5000 });
    return true;
  } catch {
    return false;
  }
}

async function processRuns(name: string): Promise<boolean> {
  try {
    await run("pgrep", ["-x", name], { timeout: 5000 });
    return true;
  } catch {
    return false;
  }
}

async function libvirtAnswers(uri: string): Promise<boolean> {
  try {
    await run("virsh", ["-c", uri, "version"], { timeout: 15_000 });
    return true;
  } catch {
    return false;
  }
}

/**
 * Checks that virsh and, for real guests, QEMU are installed, and that libvirt responds on `uri`
 * with virtlogd running. When not and this process is root, starts libvirtd and virtlogd with
 * `scripts/start-libvirt.sh`. Throws {@link LibvirtUnavailableError} with what to do otherwise.
 */
export async function ensureLibvirt(uri: string, realGuests: boolean): Promise<void> {
  const needed = realGuests ? ["virsh", "qemu-system-x86_64", "qemu-img"] : ["virsh"];
  const missing: string[] = [];
  for (const command of needed) {
    if (!(await commandExists(command))) missing.push(command);
  }
  if (missing.length > 0) {
    throw new LibvirtUnavailableError(`${missing.join(", ")} not found; ${INSTALL_HINT}`);
  }
  // The test driver lives inside virsh. Real guests also need virtlogd for their console logs.
  const daemonsUp = (await libvirtAnswers(uri)) && (!realGuests || (await processRuns("virtlogd")));
  if (daemonsUp) return;
  if (process.getuid?.() !== 0) {
    throw new LibvirtUnavailableError(
      `libvirtd or virtlogd is not running for ${uri}; start them with: sudo bash scripts/start-libvirt.sh`,
    );
  }
  try {
    await run("bash", [join(REPOSITORY_ROOT, "scripts", "start-libvirt.sh")], { timeout: 30_000 });
  } catch (error) {
    const detail = (error as { stderr?: string }).stderr?.trim() ?? String(error);
    throw new LibvirtUnavailableError(
      `starting libvirtd and virtlogd failed: ${detail}; if they are not installed, ${INSTALL_HINT}`,
    );
  }
  if (!(await libvirtAnswers(uri))) {
    throw new LibvirtUnavailableError(
      `libvirt still does not respond on ${uri} after start; check the libvirtd log`,
    );
  }
}
