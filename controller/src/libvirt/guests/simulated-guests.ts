import { setTimeout as sleep } from "node:timers/promises";

import type { Logger } from "../../log.js";
import { BootTimeoutError } from "../errors.js";
import type { GuestChannels } from "./guest-channels.js";
import { GuestGoneError, decodeEmulatorJitConfig, runSimulatedRunner } from "./simulated-runner.js";
import type { StepMode } from "./simulated-runner.js";

/** A fault a simulated guest can play, for tests of the controller's cleanup paths. */
export type GuestFault =
  /** Boots and runs its job normally. */
  | "none"
  /** Never writes `ready`, so waiting for its boot times out. */
  | "never-boots"
  /** Runs its job, then its runner exits with status 1; the guest still powers off. */
  | "runner-exits-nonzero"
  /** Boots and reads its config, but its runner never connects to GitHub. */
  | "runner-never-connects";

/** Options of the guests simulated on libvirt's test driver. */
export interface SimulatedGuestOptions {
  /** Time from domain start to the guest's `ready`, in ms; default 20. */
  bootDelayMs?: number;
  /** The fault every guest plays, or a function that picks one by VM name; default `none`. */
  fault?: GuestFault | ((vmName: string) => GuestFault);
  /** Whether steps run their scripts on the host or just succeed; default `run`. */
  stepMode?: StepMode;
  /** Time one step's script may run, in ms; default 60,000. */
  stepTimeoutMs?: number;
  /** Long polls on `acquire` before a runner with no job exits; default 40. */
  maxAcquirePolls?: number;
}

interface GuestState {
  startedAt: number;
  fault: GuestFault;
  configRead: boolean;
  abort: AbortController;
}

const DEFAULT_BOOT_DELAY_MS = 20;
const NONZERO_EXIT_STATUS = 1;

/**
 * Guests simulated in the controller's process, for libvirt's test driver where no guest runs.
 * Each one follows the guest contract: it reports ready after its boot delay, reads exactly one
 * config line, runs a stand-in runner with it, and powers its domain off when the runner exits,
 * whatever the exit status.
 */
export class SimulatedGuests implements GuestChannels {
  private readonly guests = new Map<string, GuestState>();
  private readonly running = new Set<Promise<void>>();
  private readonly logger: Logger;

  constructor(
    private readonly options: SimulatedGuestOptions,
    logger: Logger,
    /** Powers a domain off, as the guest's `poweroff` would. The driver runs `virsh destroy`. */
    private readonly powerOff: (vmName: string) => Promise<void>,
    /** Returns whether a domain is running, so a guest stops when its domain was destroyed. */
    private readonly domainRunning: (vmName: string) => Promise<boolean> = async () => true,
  ) {
    this.logger = logger.child({ component: "simulated-guests" });
  }

  async prepare(vmName: string): Promise<void> {
    this.forget(vmName);
    this.guests.set(vmName, this.newGuest(vmName, Date.now()));
  }

  async waitForReady(
    vmName: string,
    _channelPath: string,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<void> {
    const guest = this.guest(vmName);
    const bootDelayMs = this.options.bootDelayMs ?? DEFAULT_BOOT_DELAY_MS;
    const remainingMs = guest.startedAt + bootDelayMs - Date.now();
    const bootsInTime = guest.fault !== "never-boots" && remainingMs <= timeoutMs;
    const waitMs = bootsInTime ? Math.max(0, remainingMs) : timeoutMs;
    const stop =
      signal === undefined ? guest.abort.signal : AbortSignal.any([guest.abort.signal, signal]);
    await sleep(waitMs, undefined, { signal: stop }).catch(() => undefined);
    if (!bootsInTime || stop.aborted) {
      throw new BootTimeoutError(vmName, timeoutMs);
    }
  }

  async deliver(vmName: string, _channelPath: string, line: string): Promise<void> {
    const guest = this.guest(vmName);
    // The guest reads exactly one line; a second delivery stays unread, as on a real guest.
    if (guest.configRead || guest.fault === "never-boots") {
      this.logger.warn({ vm: vmName }, "simulated guest is not reading its channel; line ignored");
      return;
    }
    guest.configRead = true;
    const run = this.runGuest(vmName, guest, line).finally(() => this.running.delete(run));
    this.running.add(run);
  }

  forget(vmName: string): void {
    this.guests.get(vmName)?.abort.abort();
    this.guests.delete(vmName);
  }

  async close(): Promise<void> {
    for (const vmName of [...this.guests.keys()]) {
      this.forget(vmName);
    }
    await Promise.allSettled([...this.running]);
  }

  /**
   * Returns the state of a guest. A VM this process did not start, for example after a controller
   * restart, counts as booted.
   */
  private guest(vmName: string): GuestState {
    let guest = this.guests.get(vmName);
    if (guest === undefined) {
      guest = this.newGuest(vmName, 0);
      this.guests.set(vmName, guest);
    }
    return guest;
  }

  private newGuest(vmName: string, startedAt: number): GuestState {
    const fault =
      typeof this.options.fault === "function"
        ? this.options.fault(vmName)
        : (this.options.fault ?? "none");
    return { startedAt, fault, configRead: false, abort: new AbortController() };
  }

  private async runGuest(vmName: string, guest: GuestState, line: string): Promise<void> {
    const logger = this.logger.child({ vm: vmName });
    if (guest.fault === "runner-never-connects") {
      logger.info("simulated runner never connects");
      return;
    }
    try {
      const config = decodeEmulatorJitConfig(line);
      await runSimulatedRunner(config, {
        logger,
        stepMode: this.options.stepMode ?? "run",
        stepTimeoutMs: this.options.stepTimeoutMs ?? 60_000,
        maxAcquirePolls: this.options.maxAcquirePolls ?? 40,
        signal: guest.abort.signal,
        domainRunning: () => this.domainRunning(vmName),
      });
      if (guest.fault === "runner-exits-nonzero") {
        logger.info(
          { exitStatus: NONZERO_EXIT_STATUS },
          "simulated runner exited with an error status",
        );
      }
    } catch (error) {
      if (guest.abort.signal.aborted) {
        return;
      }
      if (error instanceof GuestGoneError) {
        logger.info("simulated guest stops because its domain is no longer running");
        return;
      }
      logger.warn({ err: error }, "simulated runner failed");
    }
    if (guest.abort.signal.aborted) {
      return;
    }
    logger.info("simulated guest powers off");
    await this.powerOff(vmName).catch((error: unknown) =>
      logger.warn({ err: error }, "simulated guest could not power off its domain"),
    );
  }
}
