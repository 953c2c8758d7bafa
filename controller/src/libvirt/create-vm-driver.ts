import { mkdir } from "node:fs/promises";
import { join } from "node:path";

import type { ControllerConfig } from "../config/schema.js";
import type { Logger } from "../log.js";
import type { GuestChannels } from "./guests/guest-channels.js";
import { SimulatedGuests } from "./guests/simulated-guests.js";
import type { SimulatedGuestOptions } from "./guests/simulated-guests.js";
import { SocketGuestChannels } from "./guests/socket-guest-channels.js";
import { ensureTestDriverStorage, isTestDriverUri } from "./test-driver.js";
import { VirshSession } from "./virsh-session.js";
import { VirshVmDriver } from "./virsh-vm-driver.js";
import type { DomainBoot } from "./xml/domain.js";

/**
 * Kernel command line for direct kernel boot: console on the first serial port, and reboot at
 * once on a panic, which the domain's `on_reboot=destroy` turns into the end of the VM.
 */
export const DEFAULT_KERNEL_CMDLINE = "console=ttyS0 quiet panic=-1";

/** Options for {@link createVmDriver} that the configuration file does not carry. */
export interface CreateVmDriverOptions {
  logger: Logger;
  /**
   * A session to share, for example with code that prepares the test driver's storage; the
   * driver then leaves it open on close. By default the driver opens and owns its own session.
   */
  session?: VirshSession;
  /** Time one virsh command may take, in ms; by default `timeouts.callSeconds` of the config. */
  commandTimeoutMs?: number;
  /** Guests simulated on the test driver; used only when the URI is `test:///...`. */
  simulatedGuests?: SimulatedGuestOptions;
  /** Folder for each VM's serial console log, `<dir>/<name>.log`, written by virtlogd. */
  consoleLogDir?: string;
  /** Kernel command line for direct kernel boot; default {@link DEFAULT_KERNEL_CMDLINE}. */
  kernelCmdline?: string;
}

/**
 * Creates the VM driver for a configuration. On the test driver (`test:///default`) it also
 * creates the storage pool and base volume when they are missing, and simulates the guests.
 */
export async function createVmDriver(
  config: ControllerConfig,
  options: CreateVmDriverOptions,
): Promise<VirshVmDriver> {
  const libvirt = config.libvirt;
  const session =
    options.session ??
    new VirshSession({
      uri: libvirt.uri,
      logger: options.logger,
      commandTimeoutMs: options.commandTimeoutMs ?? config.timeouts.callSeconds * 1000,
    });
  const testDriver = isTestDriverUri(libvirt.uri);
  if (testDriver) {
    await ensureTestDriverStorage(session, libvirt.pool, libvirt.baseVolume);
  }

  const boot: DomainBoot =
    libvirt.directKernel === undefined
      ? { type: "disk" }
      : {
          type: "kernel",
          kernel: libvirt.directKernel.kernel,
          initrd: libvirt.directKernel.initrd,
          cmdline: options.kernelCmdline ?? DEFAULT_KERNEL_CMDLINE,
        };
  const consoleLogDir = options.consoleLogDir;
  if (consoleLogDir !== undefined) {
    await mkdir(consoleLogDir, { recursive: true, mode: 0o750 });
  }

  // The simulated guests power their domain off through the driver, which exists only after
  // the guests, so the callback looks it up when it runs.
  let driver: VirshVmDriver | null = null;
  const guests: GuestChannels = testDriver
    ? new SimulatedGuests(
        options.simulatedGuests ?? {},
        options.logger,
        async (vmName) => {
          await driver?.powerOff(vmName);
        },
        async (vmName) => (await driver?.domainRunning(vmName)) ?? false,
      )
    : // TODO: with a remote URI such as qemu+ssh://, QEMU binds the channel sockets on the remote
      // host, where this process cannot connect; the controller must run on the libvirt host.
      new SocketGuestChannels({ logger: options.logger });

  driver = new VirshVmDriver({
    session,
    ownsSession: options.session === undefined,
    guests,
    logger: options.logger,
    pool: libvirt.pool,
    baseVolume: libvirt.baseVolume,
    namePrefix: libvirt.namePrefix,
    channelDir: libvirt.channelDir,
    domainType: libvirt.domainType,
    boot,
    network: libvirt.network,
    console:
      consoleLogDir === undefined
        ? undefined
        : (vmName) => ({ type: "pty", logFile: join(consoleLogDir, `${vmName}.log`) }),
    vcpus: config.vm.vcpus,
    memoryMiB: config.vm.memoryMiB,
    diskGiB: config.vm.diskGiB,
  });
  return driver;
}
