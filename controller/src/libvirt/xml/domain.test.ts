import { XMLParser } from "fast-xml-parser";
import { describe, expect, it } from "vitest";

import { JIT_CHANNEL_NAME, renderDomainXml } from "./domain.js";
import type { DomainXmlSpec } from "./domain.js";

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "" });

const base: DomainXmlSpec = {
  name: "tr-vm-1",
  domainType: "qemu",
  memoryMiB: 512,
  vcpus: 2,
  boot: {
    type: "kernel",
    kernel: "/img/vmlinuz",
    initrd: "/img/initrd.img",
    cmdline: "console=ttyS0",
  },
  disk: { pool: "trusted", volume: "tr-vm-1" },
  network: { type: "user" },
  console: { type: "file", path: "/var/log/tr/tr-vm-1.log" },
  channelPath: "/run/trusted-runners/channels/tr-vm-1.sock",
  metadata: { jobId: 7, state: "booting", createdAt: "2026-12-04T15:00:00Z" },
};

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function parse(spec: DomainXmlSpec): any {
  return parser.parse(renderDomainXml(spec)).domain;
}

describe("renderDomainXml", () => {
  it("sets type, memory and vCPUs", () => {
    const domain = parse(base);
    expect(domain.type).toBe("qemu");
    expect(domain.memory).toEqual({ unit: "MiB", "#text": 512 });
    expect(domain.vcpu).toBe(2);
  });

  it("boots kernel and initrd directly", () => {
    const os = parse(base).os;
    expect(os.kernel).toBe("/img/vmlinuz");
    expect(os.initrd).toBe("/img/initrd.img");
    expect(os.cmdline).toBe("console=ttyS0");
  });

  it("boots production images from disk", () => {
    const os = parse({ ...base, boot: { type: "disk" } }).os;
    expect(os.boot).toEqual({ dev: "hd" });
    expect(os.kernel).toBeUndefined();
  });

  it("attaches the overlay on virtio", () => {
    const disk = parse(base).devices.disk;
    expect(disk.source).toEqual({ pool: "trusted", volume: "tr-vm-1" });
    expect(disk.driver.type).toBe("qcow2");
    expect(disk.target).toEqual({ dev: "vda", bus: "virtio" });
  });

  it("uses user-mode networking in tests", () => {
    expect(parse(base).devices.interface.type).toBe("user");
  });

  it("uses a libvirt network with filter", () => {
    const network = { type: "network" as const, name: "tr-net", filter: "tr-egress" };
    const nic = parse({ ...base, network }).devices.interface;
    expect(nic.source).toEqual({ network: "tr-net" });
    expect(nic.filterref).toEqual({ filter: "tr-egress" });
  });

  it("binds the JIT channel socket", () => {
    const channel = parse(base).devices.channel;
    expect(channel.source).toEqual({ mode: "bind", path: base.channelPath });
    expect(channel.target).toEqual({ type: "virtio", name: JIT_CHANNEL_NAME });
  });

  it("writes the console to a file", () => {
    const devices = parse(base).devices;
    expect(devices.serial.source).toEqual({ path: "/var/log/tr/tr-vm-1.log" });
    expect(devices.console.type).toBe("file");
  });

  it("logs a pty console through virtlogd", () => {
    const serial = parse({ ...base, console: { type: "pty", logFile: "/l/x.log" } }).devices.serial;
    expect(serial.log).toEqual({ file: "/l/x.log", append: "off" });
  });

  it("ends the domain on poweroff, reboot, crash", () => {
    const domain = parse(base);
    expect([domain.on_poweroff, domain.on_reboot, domain.on_crash]).toEqual([
      "destroy",
      "destroy",
      "destroy",
    ]);
  });

  it("escapes markup in values", () => {
    const xml = renderDomainXml({
      ...base,
      boot: { ...base.boot, cmdline: `a="<b>&'` } as DomainXmlSpec["boot"],
    });
    expect(parser.parse(xml).domain.os.cmdline).toBe(`a="<b>&'`);
  });
});
