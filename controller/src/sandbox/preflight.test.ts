import { afterEach, describe, expect, it } from "vitest";

import { ensureLibvirt, LibvirtUnavailableError, REQUIRED_DEBIAN_PACKAGES } from "./preflight.js";

const originalPath = process.env.PATH;

afterEach(() => {
  process.env.PATH = originalPath;
});

describe("ensureLibvirt", () => {
  it("rejects a host without virsh", async () => {
    process.env.PATH = "/nonexistent";
    await expect(ensureLibvirt("test:///default", false)).rejects.toBeInstanceOf(
      LibvirtUnavailableError,
    );
  });

  it("names every package to install", async () => {
    process.env.PATH = "/nonexistent";
    const error = await ensureLibvirt("qemu:///system", true).catch((caught: unknown) => caught);
    expect((error as Error).message).toContain(
      `apt-get install ${REQUIRED_DEBIAN_PACKAGES.join(" ")}`,
    );
  });

  it("accepts the test driver", async () => {
    await expect(ensureLibvirt("test:///default", false)).resolves.toBeUndefined();
  });
});
