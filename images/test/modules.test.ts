import { describe, expect, it } from "vitest";

import { ModuleNotFoundError, moduleNameOf, resolveLoadOrder } from "./modules.js";

// An excerpt of Debian 6.1's modules.dep, with the lines in depmod's order.
const MODULES_DEP = [
  "kernel/drivers/virtio/virtio.ko: kernel/drivers/virtio/virtio_ring.ko",
  "kernel/drivers/virtio/virtio_ring.ko:",
  "kernel/drivers/virtio/virtio_pci_modern_dev.ko:",
  "kernel/drivers/virtio/virtio_pci_legacy_dev.ko:",
  "kernel/drivers/virtio/virtio_pci.ko: kernel/drivers/virtio/virtio_pci_legacy_dev.ko " +
    "kernel/drivers/virtio/virtio_pci_modern_dev.ko kernel/drivers/virtio/virtio.ko " +
    "kernel/drivers/virtio/virtio_ring.ko",
  "kernel/drivers/char/virtio_console.ko: kernel/drivers/virtio/virtio.ko " +
    "kernel/drivers/virtio/virtio_ring.ko",
  "kernel/drivers/net/virtio_net.ko: kernel/drivers/net/net_failover.ko " +
    "kernel/net/core/failover.ko kernel/drivers/virtio/virtio.ko kernel/drivers/virtio/virtio_ring.ko",
  "kernel/drivers/net/net_failover.ko: kernel/net/core/failover.ko",
  "kernel/net/core/failover.ko:",
  "kernel/drivers/char/hw_random/virtio-rng.ko: kernel/drivers/virtio/virtio.ko",
  "",
].join("\n");

function orderOf(requested: string[], builtin: string[] = []): string[] {
  return resolveLoadOrder(requested, MODULES_DEP, new Set(builtin), "/lib/modules/x").map(
    (file) => file.name,
  );
}

describe("resolveLoadOrder", () => {
  it("loads virtio_ring before virtio", () => {
    const order = orderOf(["virtio_console"]);
    expect(order.indexOf("virtio_ring")).toBeLessThan(order.indexOf("virtio"));
  });

  it("loads every dependency before its user", () => {
    const order = orderOf(["virtio_pci", "virtio_console", "virtio_net"]);
    expect(order).toEqual([
      "virtio_ring",
      "virtio",
      "virtio_pci_legacy_dev",
      "virtio_pci_modern_dev",
      "virtio_pci",
      "virtio_console",
      "failover",
      "net_failover",
      "virtio_net",
    ]);
  });

  it("loads failover before net_failover", () => {
    const order = orderOf(["virtio_net"]);
    expect(order.indexOf("failover")).toBeLessThan(order.indexOf("net_failover"));
  });

  it("lists each module once", () => {
    const order = orderOf(["virtio_net", "virtio_console", "virtio_net"]);
    expect(new Set(order).size).toBe(order.length);
  });

  it("skips modules built into kernel", () => {
    const dep = MODULES_DEP.replace("kernel/net/core/failover.ko:\n", "");
    const order = resolveLoadOrder(["net_failover"], dep, new Set(["failover"]), "/x");
    expect(order.map((file) => file.name)).toEqual(["net_failover"]);
  });

  it("rejects unknown module by name", () => {
    expect(() => orderOf(["virtio_gone"])).toThrow(ModuleNotFoundError);
  });

  it("keeps module paths from modules.dep", () => {
    const [first] = resolveLoadOrder(["virtio_ring"], MODULES_DEP, new Set(), "/x");
    expect(first?.relativePath).toBe("kernel/drivers/virtio/virtio_ring.ko");
  });
});

describe("moduleNameOf", () => {
  it("maps dashes to underscores", () => {
    expect(moduleNameOf("kernel/drivers/char/hw_random/virtio-rng.ko")).toBe("virtio_rng");
  });

  it("strips compressed module suffix", () => {
    expect(moduleNameOf("kernel/net/core/failover.ko.xz")).toBe("failover");
  });
});
