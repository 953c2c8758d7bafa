import { describe, expect, test } from "vitest";

import { labelSetProblems } from "./label-set.js";

describe("labelSetProblems", () => {
  test("default trusted labels accepted", () => {
    expect(labelSetProblems(["self-hosted", "linux", "x64", "chem-trusted-pr"])).toEqual([]);
  });

  test("missing required labels named", () => {
    expect(labelSetProblems(["gpu"])).toEqual([
      "missing self-hosted, linux, x64; add them to the list",
    ]);
  });

  test("required labels alone rejected", () => {
    const problems = labelSetProblems(["self-hosted", "linux", "x64"]);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain("needs a label beyond");
  });

  test("repeat in other case rejected", () => {
    const problems = labelSetProblems(["self-hosted", "linux", "x64", "X64", "gpu"]);
    expect(problems).toEqual(["lists x64 more than once; remove the repeats"]);
  });
});
