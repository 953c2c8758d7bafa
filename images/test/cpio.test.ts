import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";

import { writeCpio } from "./cpio.js";
import type { CpioEntry } from "./cpio.js";

const ENTRIES: CpioEntry[] = [
  { type: "file", path: "bin/tool", data: Buffer.from("#!/bin/sh\necho hi\n"), mode: 0o755 },
  { type: "directory", path: "bin" },
  { type: "symlink", path: "bin/sh", target: "tool" },
  { type: "char-device", path: "dev/console", major: 5, minor: 1, mode: 0o600 },
  { type: "directory", path: "dev" },
];

// GNU cpio reads the archives as an independent implementation of the newc format.
function listWithCpio(archive: Buffer): string {
  return execFileSync("cpio", ["-t", "-v", "--quiet"], { input: archive }).toString();
}

describe("writeCpio", () => {
  it("writes identical bytes for any entry order", () => {
    const reversed = [...ENTRIES].reverse();
    expect(writeCpio(reversed, 0).equals(writeCpio(ENTRIES, 0))).toBe(true);
  });

  it("sorts parents before children", () => {
    const listing = execFileSync("cpio", ["-t", "--quiet"], { input: writeCpio(ENTRIES, 0) });
    const names = listing.toString().trim().split("\n");
    expect(names).toEqual(["bin", "bin/sh", "bin/tool", "dev", "dev/console"]);
  });

  it("records device numbers", () => {
    expect(listWithCpio(writeCpio(ENTRIES, 0))).toMatch(/^crw-------.* 5,\s+1 .*dev\/console$/m);
  });

  it("records symlink targets", () => {
    expect(listWithCpio(writeCpio(ENTRIES, 0))).toMatch(/bin\/sh -> tool$/m);
  });

  it("extracts file contents", () => {
    const archive = writeCpio(ENTRIES, 0);
    const data = execFileSync("cpio", ["-i", "--to-stdout", "--quiet", "bin/tool"], {
      input: archive,
    });
    expect(data.toString()).toBe("#!/bin/sh\necho hi\n");
  });

  it("rejects duplicate paths", () => {
    const duplicated: CpioEntry[] = [...ENTRIES, { type: "directory", path: "bin" }];
    expect(() => writeCpio(duplicated, 0)).toThrow("duplicate cpio entry bin");
  });

  it("rejects absolute paths", () => {
    expect(() => writeCpio([{ type: "directory", path: "/etc" }], 0)).toThrow("relative path");
  });
});
