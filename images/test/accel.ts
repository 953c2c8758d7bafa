import { spawn } from "node:child_process";
import { closeSync, openSync } from "node:fs";

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

/**
 * Picks the accelerator for test guests: `TR_QEMU_ACCEL` when set, else KVM when /dev/kvm opens
 * and a probe guest actually runs under it, else TCG. The probe exists because an openable
 * /dev/kvm is not enough: under some nested hypervisors KVM guests hang in the firmware, or QEMU
 * aborts setting an MSR. The result is computed once per process.
 */
export function detectQemuAccel(kernel: string): Promise<QemuAccel> {
  const forced = process.env.TR_QEMU_ACCEL;
  if (forced === "kvm" || forced === "tcg") return Promise.resolve(forced);
  probed ??= kvmDeviceOpens()
    ? probeKvm(kernel).then((ok) => (ok ? "kvm" : "tcg"))
    : Promise.resolve("tcg");
  return probed;
}
