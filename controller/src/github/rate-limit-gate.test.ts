import { describe, expect, it } from "vitest";
import { RateLimitGate } from "./rate-limit-gate.js";

describe("RateLimitGate", () => {
  it("releases scale-up before housekeeping", async () => {
    const gate = new RateLimitGate();
    gate.block(Date.now() + 100);
    const order: string[] = [];
    const housekeeping = gate.pass("housekeeping").then(() => order.push("housekeeping"));
    const scaleUp = gate.pass("scaleUp").then(() => order.push("scaleUp"));
    await Promise.all([housekeeping, scaleUp]);
    expect(order).toEqual(["scaleUp", "housekeeping"]);
  });

  it("holds housekeeping below the reserve", async () => {
    const gate = new RateLimitGate({ reserve: 10 });
    const resetAt = (Math.ceil(Date.now() / 1000) + 1) * 1000;
    gate.observe({ "x-ratelimit-remaining": "5", "x-ratelimit-reset": String(resetAt / 1000) });
    let passedAt = 0;
    const housekeeping = gate.pass("housekeeping").then(() => {
      passedAt = Date.now();
    });
    await gate.pass("scaleUp");
    expect(passedAt).toBe(0);
    await housekeeping;
    expect(passedAt).toBeGreaterThanOrEqual(resetAt);
  });

  it("passes everything when not limited", async () => {
    const gate = new RateLimitGate();
    gate.observe({ "x-ratelimit-remaining": "4000", "x-ratelimit-reset": "1" });
    await gate.pass("housekeeping");
    expect(gate.remaining).toBe(4000);
  });
});
