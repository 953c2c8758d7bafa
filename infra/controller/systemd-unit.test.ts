import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { describe, expect, test } from "vitest";

import { renderSystemdUnit } from "./systemd-unit.js";

describe("renderSystemdUnit", () => {
  const lines = renderSystemdUnit().split("\n");

  test("starts controller with config", () => {
    expect(lines).toContain(
      "ExecStart=/usr/bin/env node --max-semi-space-size=2 /opt/trusted-runners/controller.mjs controller " +
        "--config /etc/trusted-runners/controller.json",
    );
  });

  test("reads secrets from env file", () => {
    expect(lines).toContain("EnvironmentFile=/etc/trusted-runners/controller.env");
  });

  test("hardening options are set", () => {
    for (const option of [
      "NoNewPrivileges=yes",
      "ProtectSystem=strict",
      "PrivateTmp=yes",
      "ProtectHome=yes",
    ]) {
      expect(lines).toContain(option);
    }
  });

  test("writable paths are limited", () => {
    expect(lines).toContain("StateDirectory=trusted-runners");
    expect(lines).toContain("RuntimeDirectory=trusted-runners/channels");
    expect(lines).toContain("ReadWritePaths=-/run/libvirt");
  });
});

const hasSystemdAnalyze = spawnSync("systemd-analyze", ["--version"]).status === 0;

test.skipIf(!hasSystemdAnalyze)("systemd-analyze accepts unit", () => {
  const folder = mkdtempSync(join(tmpdir(), "tr-unit-"));
  const path = join(folder, "trusted-runners.service");
  writeFileSync(path, renderSystemdUnit());
  const result = spawnSync("systemd-analyze", ["verify", path], { encoding: "utf8" });
  rmSync(folder, { recursive: true, force: true });
  expect(result.stderr).toBe("");
  expect(result.status).toBe(0);
});
