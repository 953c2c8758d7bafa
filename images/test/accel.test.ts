import { afterEach, describe, expect, it } from "vitest";

import { detectQemuAccel } from "./accel.js";

const saved = process.env.TR_QEMU_ACCEL;

afterEach(() => {
  if (saved === undefined) delete process.env.TR_QEMU_ACCEL;
  else process.env.TR_QEMU_ACCEL = saved;
});

describe("detectQemuAccel", () => {
  it("honours forced tcg", async () => {
    process.env.TR_QEMU_ACCEL = "tcg";
    expect(await detectQemuAccel("/nonexistent/vmlinuz")).toBe("tcg");
  });

  it("honours forced kvm", async () => {
    process.env.TR_QEMU_ACCEL = "kvm";
    expect(await detectQemuAccel("/nonexistent/vmlinuz")).toBe("kvm");
  });
});
