import { describe, expect, test } from "vitest";

import { planSubnet } from "./subnet.js";

describe("planSubnet", () => {
  test("slash 24 plan", () => {
    expect(planSubnet("192.168.150.0/24")).toEqual({
      gateway: "192.168.150.1",
      prefixLength: 24,
      dhcpRange: { start: "192.168.150.2", end: "192.168.150.254" },
    });
  });

  test("host bits are ignored", () => {
    expect(planSubnet("10.20.30.77/28").gateway).toBe("10.20.30.65");
  });

  test("slash 30 is rejected", () => {
    expect(() => planSubnet("10.0.0.0/30")).toThrow("prefix must be between /8 and /29");
  });
});
