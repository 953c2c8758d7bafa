import { XMLBuilder } from "fast-xml-parser";

import type { VmMetadata } from "../driver.js";
import { METADATA_NAMESPACE, METADATA_PREFIX, metadataAttributes } from "./metadata.js";

/** Guest port name of the virtio-serial channel that carries the JIT config. */
export const JIT_CHANNEL_NAME = "org.trusted-runners.jit.0";

/** Boot method of the guest. */
export type DomainBoot =
  /** Direct kernel boot, used by the test image (kernel and busybox initramfs). */
  | { type: "kernel"; kernel: string; initrd: string; cmdline: string }
  /** Boot from the overlay disk, used by production images. */
  | { type: "disk" };

/** Guest network. */
export type DomainNetwork =
  /** A libvirt network by name, optionally with an nwfilter on the interface. */
  | { type: "network"; name: string; filter?: string }
  /** QEMU user-mode networking: the guest reaches the host's loopback as 10.0.2.2. */
  | { type: "user" };

/** Destination of the guest's serial console. */
export type DomainConsole =
  /** A plain file on the host that QEMU appends to. */
  | { type: "file"; path: string }
  /** A pty, optionally copied to a log file by virtlogd. */
  | { type: "pty"; logFile?: string };

/** Everything {@link renderDomainXml} puts into a domain. */
export interface DomainXmlSpec {
  name: string;
  /** `kvm` when /dev/kvm is usable, `qemu` (TCG) otherwise. */
  domainType: "kvm" | "qemu";
  memoryMiB: number;
  vcpus: number;
  boot: DomainBoot;
  /** Storage pool and volume name of the qcow2 overlay that becomes the guest's `vda`. */
  disk: { pool: string; volume: string };
  network: DomainNetwork;
  console: DomainConsole;
  /** Host path of the channel socket that QEMU binds. */
  channelPath: string;
  metadata: VmMetadata;
}

const builder = new XMLBuilder({
  ignoreAttributes: false,
  attributeNamePrefix: "@_",
  format: true,
  suppressEmptyNode: true,
});

function renderOs(boot: DomainBoot): Record<string, unknown> {
  const type = { "@_arch": "x86_64", "#text": "hvm" };
  if (boot.type === "disk") {
    return { type, boot: { "@_dev": "hd" } };
  }
  return { type, kernel: boot.kernel, initrd: boot.initrd, cmdline: boot.cmdline };
}

function renderInterface(network: DomainNetwork): Record<string, unknown> {
  const model = { "@_type": "virtio" };
  if (network.type === "user") {
    return { "@_type": "user", model };
  }
  const filterref = network.filter === undefined ? undefined : { "@_filter": network.filter };
  return { "@_type": "network", source: { "@_network": network.name }, model, filterref };
}

function renderConsole(console: DomainConsole): Record<string, unknown> {
  if (console.type === "file") {
    const source = { "@_path": console.path };
    return {
      serial: { "@_type": "file", source, target: { "@_port": "0" } },
      console: { "@_type": "file", source, target: { "@_type": "serial", "@_port": "0" } },
    };
  }
  const log =
    console.logFile === undefined ? undefined : { "@_file": console.logFile, "@_append": "off" };
  return {
    serial: { "@_type": "pty", log, target: { "@_port": "0" } },
    console: { "@_type": "pty", target: { "@_type": "serial", "@_port": "0" } },
  };
}

/**
 * Renders the domain XML of one VM. The guest is one-shot: power off, reboot and crash all end
 * the domain, so a guest that panics or reboots is never started again with the same overlay.
 */
export function renderDomainXml(spec: DomainXmlSpec): string {
  const domain = {
    "@_type": spec.domainType,
    name: spec.name,
    metadata: {
      [`${METADATA_PREFIX}:vm`]: {
        [`@_xmlns:${METADATA_PREFIX}`]: METADATA_NAMESPACE,
        ...metadataAttributes(spec.metadata),
      },
    },
    memory: { "@_unit": "MiB", "#text": String(spec.memoryMiB) },
    vcpu: String(spec.vcpus),
    os: renderOs(spec.boot),
    features: { acpi: "", apic: "" },
    // NOTE: no <cpu mode='host-passthrough'/>: under nested KVM, QEMU 7.2 aborts with "failed to
    // set MSR 0x10a" on this CPU mode, and libvirt's default model boots everywhere.
    on_poweroff: "destroy",
    on_reboot: "destroy",
    on_crash: "destroy",
    devices: {
      disk: {
        "@_type": "volume",
        "@_device": "disk",
        driver: { "@_name": "qemu", "@_type": "qcow2", "@_discard": "unmap" },
        source: { "@_pool": spec.disk.pool, "@_volume": spec.disk.volume },
        target: { "@_dev": "vda", "@_bus": "virtio" },
      },
      interface: renderInterface(spec.network),
      ...renderConsole(spec.console),
      channel: {
        "@_type": "unix",
        source: { "@_mode": "bind", "@_path": spec.channelPath },
        target: { "@_type": "virtio", "@_name": JIT_CHANNEL_NAME },
      },
      rng: { "@_model": "virtio", backend: { "@_model": "random", "#text": "/dev/urandom" } },
      memballoon: { "@_model": "none" },
    },
  };
  return builder.build({ domain }) as string;
}
