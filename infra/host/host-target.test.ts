import { spawnSync } from "node:child_process";

import { describe, expect, test } from "vitest";

import { bashScript } from "./shell.js";
import { HostTarget, wrapForSsh } from "./host-target.js";

describe("HostTarget", () => {
  test("ssh wrapper runs script under sh", () => {
    const script = bashScript([
      `value='it'"'"'s $HOME'`,
      'printf "%s|%s" "$value" "${BASH_VERSION:+bash}"',
    ]);
    // The SSH server runs the command line with the login shell; dash stands in for it here.
    const result = spawnSync("/bin/sh", ["-c", wrapForSsh(script)], { encoding: "utf8" });
    expect(result.stdout).toBe("it's $HOME|bash");
    expect(result.status).toBe(0);
  });

  test("root over ssh needs no sudo", () => {
    const host = new HostTarget({
      connection: "ssh",
      address: "h",
      port: 22,
      user: "root",
      hostKey: "ssh-ed25519 AAAA",
    });
    expect(host.rootPrefix).toBe("");
  });

  test("other ssh user uses sudo", () => {
    const host = new HostTarget({
      connection: "ssh",
      address: "h",
      port: 22,
      user: "deploy",
      hostKey: "ssh-ed25519 AAAA",
    });
    expect(host.rootPrefix).toBe("sudo -n ");
  });

  test("local root uses no sudo", () => {
    expect(new HostTarget({ connection: "local" }, undefined, true).rootPrefix).toBe("");
  });

  test("local non-root uses sudo", () => {
    expect(new HostTarget({ connection: "local" }, undefined, false).rootPrefix).toBe("sudo -n ");
  });
});
