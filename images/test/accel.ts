import { spawn } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";

import { DEFAULT_TEST_IMAGE_CACHE } from "./manifest.js";

/** QEMU accelerator for test guests. */
export type QemuAccel = "kvm" | "tcg";

/** Milliseconds a KVM probe guest may take before KVM counts as unusable. */
const PROBE_TIMEOUT_MS = 15_000;

let probed: Promise<QemuAccel> | undefined;

function kvmDeviceOpens(): boolean {
  try {
    closeSync(openSync("/dev/kvm", "r+"));
    return true;
  } catch {
    return false;
  }
}

/**
 * Boots `kernel` under KVM with no initramfs and no disk. The kernel panics at once for want of
 * a root file system, and with `panic=-1` plus `-no-reboot` QEMU then exits with status 0.
 */
function probeKvm(kernel: string): Promise<boolean> {
  return new Promise((resolve) => {
    const qemu = spawn(
      "qemu-system-x86_64",
      [
        ...["-accel", "kvm", "-m", "128", "-nographic", "-nodefaults", "-no-reboot"],
        ...["-kernel", kernel, "-append", "panic=-1 quiet"],
      ],
      { stdio: "ignore" },
    );
    const timer = setTimeout(() => qemu.kill("SIGKILL"), PROBE_TIMEOUT_MS);
    qemu.once("error", () => resolve(false));
    qemu.once("exit", (code) => {
      clearTimeout(timer);
      resolve(code === 0);
    });
  });
}

/** Where the probe result is kept, so later processes in the same host boot skip the probe. */
const PROBE_RESULT_FILE = path.join(DEFAULT_TEST_IMAGE_CACHE, "accel.json");

const probeResultSchema = z.object({
  bootId: z.string(),
  accel: z.enum(["kvm", "tcg"]),
});

/** Identifies the host's current boot; KVM usability does not change within one boot. */
async function readBootId(): Promise<string | undefined> {
  const text = await readFile("/proc/sys/kernel/random/boot_id", "utf8").catch(() => undefined);
  return text?.trim();
}

async function probeWithCache(kernel: string): Promise<QemuAccel> {
  const bootId = await readBootId();
  const stored = await readFile(PROBE_RESULT_FILE, "utf8")
    .then((text) => probeResultSchema.parse(JSON.parse(text)))
    .catch(() => undefined);
  if (bootId !== undefined && stored?.bootId === bootId) {
    return stored.accel;
  }

  const accel: QemuAccel = (await probeKvm(kernel)) ? "kvm" : "tcg";
  if (bootId !== undefined) {
    const temporary = `${PROBE_RESULT_FILE}.${process.pid}.tmp`;
    await mkdir(path.dirname(PROBE_RESULT_FILE), { recursive: true });
    await writeFile(temporary, `${JSON.stringify({ bootId, accel })}\n`);
    await rename(temporary, PROBE_RESULT_FILE);
  }
  return accel;
}

/**
 * Picks the accelerator for test guests: `TR_QEMU_ACCEL` when set, else KVM when /dev/kvm opens
 * and a probe guest actually runs under it, else TCG. The probe exists because an openable
 * /dev/kvm is not enough: under some nested hypervisors KVM guests hang in the firmware, or QEMU
 * aborts setting an MSR. The result is kept per process and, in `.cache/images/test/accel.json`,
 * per host boot, because it depends on the host and not on the guest kernel.
 */
export function detectQemuAccel(kernel: string): Promise<QemuAccel> {
  const forced = process.env.TR_QEMU_ACCEL;
  if (forced === "kvm" || forced === "tcg") return Promise.resolve(forced);
  probed ??= kvmDeviceOpens() ? probeWithCache(kernel) : Promise.resolve("tcg");
  return probed;
}
