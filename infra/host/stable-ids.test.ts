import { describe, expect, test } from "vitest";

import { stableMac, stableUuid } from "./stable-ids.js";

describe("stable ids", () => {
  test("uuid is a version 5 UUID", () => {
    expect(stableUuid("network", "tr-runners")).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });

  test("uuid repeats for same name", () => {
    expect(stableUuid("pool", "tr-pool")).toBe(stableUuid("pool", "tr-pool"));
  });

  test("uuid differs between kinds", () => {
    expect(stableUuid("pool", "tr")).not.toBe(stableUuid("network", "tr"));
  });

  test("mac is in QEMU range", () => {
    expect(stableMac("tr-runners")).toMatch(/^52:54:00(:[0-9a-f]{2}){3}$/);
  });
});
