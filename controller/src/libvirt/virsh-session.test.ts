import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";

import { createLogger } from "../log.js";
import {
  LibvirtNotFoundError,
  VirshCommandError,
  VirshSessionClosedError,
  VirshTimeoutError,
} from "./errors.js";
import { VirshSession } from "./virsh-session.js";

const logger = createLogger({ level: "silent" });
const sessions: VirshSession[] = [];
let scriptDir: string;

function openSession(
  options: { virshPath?: string; commandTimeoutMs?: number } = {},
): VirshSession {
  const session = new VirshSession({ uri: "test:///default", logger, ...options });
  sessions.push(session);
  return session;
}

/** Writes an executable shell script standing in for virsh. */
async function fakeVirsh(name: string, body: string): Promise<string> {
  const path = join(scriptDir, name);
  await writeFile(path, `#!/bin/sh\n${body}\n`);
  await chmod(path, 0o755);
  return path;
}

beforeAll(async () => {
  scriptDir = await mkdtemp(join(tmpdir(), "tr-virsh-test-"));
});

afterEach(async () => {
  await Promise.all(sessions.splice(0).map((session) => session.close()));
});

afterAll(async () => {
  await rm(scriptDir, { recursive: true, force: true });
});

describe("VirshSession", () => {
  it("returns command standard output", async () => {
    const output = await openSession().run(["list", "--all", "--name"]);
    expect(output.split("\n")).toContain("test");
  });

  it("keeps test driver state between commands", async () => {
    const session = openSession();
    await session.run(["destroy", "--domain", "test"]);
    const state = await session.run(["domstate", "--domain", "test"]);
    expect(state.trim()).toBe("shut off");
  });

  it("passes quotes and spaces unchanged", async () => {
    const argument = `it's a "quoted" ; #value \\ $HOME`;
    const output = await openSession().run(["echo", "--", argument]);
    expect(output).toBe(argument);
  });

  it("maps a missing domain to not found", async () => {
    const result = openSession().run(["dominfo", "--domain", "tr-missing"]);
    await expect(result).rejects.toBeInstanceOf(LibvirtNotFoundError);
  });

  it("reports a parse error and continues", async () => {
    const session = openSession();
    await expect(session.run(["list", "--no-such-option"])).rejects.toBeInstanceOf(
      VirshCommandError,
    );
    const output = await session.run(["list", "--all", "--name"]);
    expect(output.split("\n")).toContain("test");
  });

  it("runs queued commands in order", async () => {
    const session = openSession();
    const outputs = await Promise.all(
      ["a", "b", "c", "d"].map((word) => session.run(["echo", word])),
    );
    expect(outputs).toEqual(["a", "b", "c", "d"]);
  });

  it("rejects a line break in an argument", async () => {
    const result = openSession().run(["echo", "a\nlist"]);
    await expect(result).rejects.toThrow(/line break/);
  });

  it("passes a file to a command", async () => {
    const session = openSession();
    const xml =
      "<domain type='test'><name>tr-file-test</name><memory>65536</memory><os><type>hvm</type></os></domain>";
    await session.runWithFile(xml, (path) => ["define", "--file", path]);
    const names = await session.run(["list", "--all", "--name"]);
    expect(names.split("\n")).toContain("tr-file-test");
  });

  it("times out a hung command", async () => {
    const hung = await fakeVirsh("hung-virsh", "exec sleep 60");
    const result = openSession({ virshPath: hung, commandTimeoutMs: 200 }).run(["list"]);
    await expect(result).rejects.toBeInstanceOf(VirshTimeoutError);
  });

  it("restarts virsh after a timeout", async () => {
    const counter = join(scriptDir, "starts");
    const flaky = await fakeVirsh(
      "flaky-virsh",
      `if [ ! -e ${counter} ]; then touch ${counter}; exec sleep 60; fi\nexec virsh "$@"`,
    );
    const session = openSession({ virshPath: flaky });
    await expect(session.run(["list"], { timeoutMs: 200 })).rejects.toBeInstanceOf(
      VirshTimeoutError,
    );
    const output = await session.run(["echo", "back"]);
    expect(output).toBe("back");
  });

  it("rejects when virsh exits", async () => {
    const exiting = await fakeVirsh("exiting-virsh", "echo 'error: cannot connect' >&2; exit 1");
    const result = openSession({ virshPath: exiting }).run(["list"]);
    await expect(result).rejects.toBeInstanceOf(VirshSessionClosedError);
  });

  it("rejects commands after close", async () => {
    const session = openSession();
    await session.run(["echo", "x"]);
    await session.close();
    await expect(session.run(["echo", "y"])).rejects.toBeInstanceOf(VirshSessionClosedError);
  });
});
