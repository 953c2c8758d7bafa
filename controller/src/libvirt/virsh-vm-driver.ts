import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

import type { Logger } from "../log.js";
import type { VmDriver, VmInfo, VmMetadata, VmSpec } from "./driver.js";
import { LibvirtNotFoundError, VirshCommandError, VmStoppedError } from "./errors.js";
import type { GuestChannels } from "./guests/guest-channels.js";
import type { VirshSession } from "./virsh-session.js";
import { renderDomainXml } from "./xml/domain.js";
import type { DomainBoot, DomainConsole, DomainNetwork } from "./xml/domain.js";
import {
  InvalidMetadataError,
  METADATA_NAMESPACE,
  METADATA_PREFIX,
  parseVirshMetadata,
  renderMetadataForVirsh,
} from "./xml/metadata.js";

/** Options for {@link VirshVmDriver}. */
export interface VirshVmDriverOptions {
  session: VirshSession;
  /** Whether {@link VirshVmDriver.close} also closes the session. */
  ownsSession: boolean;
  guests: GuestChannels;
  logger: Logger;
  /** Storage pool of the base volume and the overlays. */
  pool: string;
  /** Base volume in the pool; every overlay is a qcow2 file backed by it. */
  baseVolume: string;
  /** Prefix of every domain and overlay name the driver lists. */
  namePrefix: string;
  /** Folder of the channel sockets; each VM's socket is `<channelDir>/<name>.sock`. */
  channelDir: string;
  domainType: "kvm" | "qemu";
  boot: DomainBoot;
  network: DomainNetwork;
  /** Serial console of each VM, given its name; default a pty with no log. */
  console?: (vmName: string) => DomainConsole;
  vcpus: number;
  memoryMiB: number;
  diskGiB: number;
}

/** Names that virsh cannot mistake for options and that are safe as file names. */
const VM_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** Interval between checks that a booting VM's domain still runs, in ms. */
const BOOT_WATCH_INTERVAL_MS = 1_000;

/** virsh's message for `destroy` on a domain that is already shut off. */
const NOT_RUNNING = /domain is not running/i;

/** The libvirt VM driver: runs virsh commands through one long-lived session. */
export class VirshVmDriver implements VmDriver {
  private readonly session: VirshSession;
  private readonly logger: Logger;

  constructor(private readonly options: VirshVmDriverOptions) {
    this.session = options.session;
    this.logger = options.logger.child({ component: "vm-driver", uri: options.session.uri });
  }

  async listVms(): Promise<VmInfo[]> {
    const names = await this.ourDomainNames();
    const vms: VmInfo[] = [];
    for (const name of names) {
      const vm = await this.describe(name);
      if (vm !== null) {
        vms.push(vm);
      }
    }
    return vms;
  }

  async listOverlays(): Promise<string[]> {
    const { pool, baseVolume, namePrefix } = this.options;
    // Volumes made outside libvirt show up only after a refresh; a failed refresh still lists.
    await this.session.run(["pool-refresh", "--pool", pool]).catch((error: unknown) => {
      this.logger.warn({ err: error, pool }, "pool refresh failed");
    });
    const output = await this.session.run(["vol-list", "--pool", pool]);
    return output
      .split("\n")
      .map((line) => line.trim().split(/\s+/)[0] ?? "")
      .filter((name) => name.startsWith(namePrefix) && name !== baseVolume);
  }

  async createVm(spec: VmSpec): Promise<void> {
    const name = this.checkName(spec.name);
    const logger = this.logger.child({ vm: name, jobId: spec.metadata.jobId });
    if (await this.domainExists(name)) {
      throw new VirshCommandError("define", `domain ${name} already exists; destroy it first`);
    }
    // An overlay without a domain is left from an interrupted create of this same VM, which
    // never ran a job, so it is replaced rather than reused.
    await this.deleteOverlay(name);
    await this.createOverlay(name);

    let defined = false;
    try {
      const xml = renderDomainXml({
        name,
        domainType: this.options.domainType,
        memoryMiB: this.options.memoryMiB,
        vcpus: this.options.vcpus,
        boot: this.options.boot,
        disk: { pool: this.options.pool, volume: name },
        network: this.options.network,
        console: this.options.console?.(name) ?? { type: "pty" },
        channelPath: this.channelPath(name),
        metadata: spec.metadata,
      });
      await this.session.runWithFile(xml, (path) => ["define", "--file", path]);
      defined = true;
      await this.options.guests.prepare(name, this.channelPath(name));
      await this.session.run(["start", "--domain", name]);
      logger.info("VM created and started");
    } catch (error) {
      logger.error({ err: error }, "VM creation failed; removing what was created");
      await this.rollBack(name, defined);
      throw error;
    }
  }

  async setMetadata(name: string, metadata: VmMetadata): Promise<void> {
    this.checkName(name);
    const args = [
      "metadata",
      "--domain",
      name,
      "--uri",
      METADATA_NAMESPACE,
      "--key",
      METADATA_PREFIX,
      "--set",
      renderMetadataForVirsh(metadata),
      "--config",
    ];
    try {
      await this.session.run([...args, "--live"]);
    } catch (error) {
      // A shut-off domain has no live state; its persistent configuration is all there is.
      if (!(error instanceof VirshCommandError && NOT_RUNNING.test(error.stderr))) {
        throw error;
      }
      await this.session.run(args);
    }
  }

  async waitForBoot(name: string, timeoutMs: number): Promise<void> {
    this.checkName(name);
    const state = await this.domainState(name);
    if (state !== "running") {
      throw new VmStoppedError(name);
    }
    // A guest that panics or powers off during boot ends its domain. Waiting for the full boot
    // timeout would only delay the retry, so the domain is watched while the guest boots.
    const watch = new AbortController();
    let stopped = false;
    const watcher = (async () => {
      while (!watch.signal.aborted) {
        await sleep(BOOT_WATCH_INTERVAL_MS, undefined, { signal: watch.signal }).catch(
          () => undefined,
        );
        if (!watch.signal.aborted && !(await this.domainRunning(name).catch(() => true))) {
          stopped = true;
          watch.abort();
        }
      }
    })();
    try {
      await this.options.guests.waitForReady(name, this.channelPath(name), timeoutMs, watch.signal);
    } catch (error) {
      if (stopped) {
        this.options.guests.forget(name);
        throw new VmStoppedError(name);
      }
      throw error;
    } finally {
      watch.abort();
      await watcher;
    }
    this.logger.info({ vm: name }, "VM reported ready");
  }

  async deliverJitConfig(name: string, encodedJitConfig: string): Promise<void> {
    this.checkName(name);
    // The guest reads exactly one line, so a line break would cut the config short.
    if (/[\r\n]/.test(encodedJitConfig)) {
      throw new Error(`JIT config for VM ${name} contains a line break; expected one encoded line`);
    }
    await this.options.guests.deliver(name, this.channelPath(name), encodedJitConfig);
  }

  async destroyVm(name: string): Promise<void> {
    this.checkName(name);
    this.options.guests.forget(name);
    await this.powerOff(name);
    await this.ignoreNotFound(this.session.run(["undefine", "--domain", name]));
    await this.deleteOverlay(name);
    this.logger.info({ vm: name }, "VM destroyed");
  }

  async deleteOverlay(name: string): Promise<void> {
    this.checkName(name);
    await this.ignoreNotFound(
      this.session.run(["vol-delete", "--pool", this.options.pool, "--vol", name]),
    );
  }

  async close(): Promise<void> {
    await this.options.guests.close();
    if (this.options.ownsSession) {
      await this.session.close();
    }
  }

  /** Stops a domain at once, as a guest's power-off does; a domain already off or gone is skipped. */
  async powerOff(name: string): Promise<void> {
    try {
      await this.session.run(["destroy", "--domain", name]);
    } catch (error) {
      const alreadyOff = error instanceof VirshCommandError && NOT_RUNNING.test(error.stderr);
      if (!(alreadyOff || error instanceof LibvirtNotFoundError)) {
        throw error;
      }
    }
  }

  /** Returns whether the domain exists and runs. */
  async domainRunning(name: string): Promise<boolean> {
    try {
      return (await this.domainState(name)) === "running";
    } catch (error) {
      if (error instanceof LibvirtNotFoundError) {
        return false;
      }
      throw error;
    }
  }

  private async describe(name: string): Promise<VmInfo | null> {
    try {
      const domainState = await this.domainState(name);
      const metadataXml = await this.session.run([
        "metadata",
        "--domain",
        name,
        "--uri",
        METADATA_NAMESPACE,
      ]);
      return { name, domainState, metadata: parseVirshMetadata(metadataXml) };
    } catch (error) {
      // Gone since the listing, or a domain with our prefix that is not ours: not one of our VMs.
      if (error instanceof LibvirtNotFoundError) {
        return null;
      }
      if (error instanceof InvalidMetadataError) {
        this.logger.warn({ vm: name, err: error }, "domain has invalid metadata; not listed");
        return null;
      }
      throw error;
    }
  }

  private async ourDomainNames(): Promise<string[]> {
    const output = await this.session.run(["list", "--all", "--name"]);
    return output
      .split("\n")
      .map((line) => line.trim())
      .filter((name) => name.startsWith(this.options.namePrefix));
  }

  private async domainState(name: string): Promise<string> {
    const output = await this.session.run(["domstate", "--domain", name]);
    return output.trim();
  }

  private async domainExists(name: string): Promise<boolean> {
    try {
      await this.domainState(name);
      return true;
    } catch (error) {
      if (error instanceof LibvirtNotFoundError) {
        return false;
      }
      throw error;
    }
  }

  private async createOverlay(name: string): Promise<void> {
    await this.session.run([
      "vol-create-as",
      "--pool",
      this.options.pool,
      "--name",
      name,
      "--capacity",
      `${this.options.diskGiB}G`,
      "--format",
      "qcow2",
      "--backing-vol",
      this.options.baseVolume,
      "--backing-vol-format",
      "qcow2",
    ]);
  }

  private async rollBack(name: string, defined: boolean): Promise<void> {
    const steps: Array<[string, () => Promise<void>]> = [
      ["destroy", () => this.powerOff(name)],
      ["undefine", () => this.ignoreNotFound(this.session.run(["undefine", "--domain", name]))],
      ["vol-delete", () => this.deleteOverlay(name)],
    ];
    for (const [step, run] of defined ? steps : steps.slice(2)) {
      try {
        await run();
      } catch (error) {
        this.logger.error(
          { vm: name, step, err: error },
          "rollback step failed; reconcile will retry",
        );
      }
    }
    this.options.guests.forget(name);
  }

  private async ignoreNotFound(result: Promise<unknown>): Promise<void> {
    try {
      await result;
    } catch (error) {
      if (!(error instanceof LibvirtNotFoundError)) {
        throw error;
      }
    }
  }

  private channelPath(name: string): string {
    return join(this.options.channelDir, `${name}.sock`);
  }

  private checkName(name: string): string {
    if (!VM_NAME.test(name) || !name.startsWith(this.options.namePrefix)) {
      throw new Error(
        `invalid VM name ${JSON.stringify(name)}: expected ${this.options.namePrefix} followed by lowercase letters, digits and dashes, at most 63 characters`,
      );
    }
    return name;
  }
}
