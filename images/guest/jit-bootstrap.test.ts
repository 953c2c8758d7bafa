import { spawn, spawnSync } from "node:child_process";
import { chmod, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

/**
 * Runs the shared JIT bootstrap in a temporary root with a fake port, a fake run.sh and a fake
 * poweroff. The fake port must be a character device that one descriptor can both read and
 * write, like a virtio port, so it is a pseudo-terminal: util-linux `script` runs the bootstrap
 * with a pty as its controlling terminal, and the port is a symlink to /dev/tty. The test plays
 * the host through script's standard input and output.
 */

const BOOTSTRAP = path.join(import.meta.dirname, "jit-bootstrap.sh");
const PORT_NAME = "org.trusted-runners.jit.0";
const CONFIG = "eyJ1cmwiOiJodHRwOi8vMTAuMC4yLjI6MTIzNCIsInRva2VuIjoic2VjcmV0In0=";
const RUN_TIMEOUT_MS = 20_000;

const scriptMissing = spawnSync("script", ["--version"]).error !== undefined;

let root: string;

beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), "tr-bootstrap-"));
  await mkdir(path.join(root, "dev"));
  await mkdir(path.join(root, "sys/class/virtio-ports/vport0p0"), { recursive: true });
  await mkdir(path.join(root, "sys/class/virtio-ports/vport0p1"), { recursive: true });
  // A second port with another name checks that the bootstrap matches by name.
  await writeFile(
    path.join(root, "sys/class/virtio-ports/vport0p0/name"),
    "org.qemu.guest_agent.0\n",
  );
  await writeFile(path.join(root, "sys/class/virtio-ports/vport0p1/name"), `${PORT_NAME}\n`);
  await symlink("/dev/tty", path.join(root, "dev/vport0p1"));
  await writeExecutable(
    "run.sh",
    `#!/bin/sh\nprintf '%s\\n' "$@" > "${root}/runner.args"\nid -un > "${root}/runner.user"\nexit 7\n`,
  );
  await writeExecutable("poweroff", `#!/bin/sh\necho powered-off > "${root}/poweroff.marker"\n`);
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function writeExecutable(name: string, text: string): Promise<void> {
  await writeFile(path.join(root, name), text);
  await chmod(path.join(root, name), 0o755);
}

interface BootstrapRun {
  status: number | null;
  readyLines: number;
  log: string;
  terminal: string;
}

/**
 * Runs the bootstrap under `script`. After `readyBeforeConfig` ready lines it writes the config
 * line, the way the controller does after the first one.
 */
function runBootstrap(env: Record<string, string>, readyBeforeConfig = 1): Promise<BootstrapRun> {
  const logFile = path.join(root, "bootstrap.log");
  const command = `stty -echo; exec sh ${BOOTSTRAP} >${logFile} 2>&1`;
  return new Promise((resolve, reject) => {
    const child = spawn("script", ["-q", "-f", "-e", "-c", command, "/dev/null"], {
      env: {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        TR_ROOT: root,
        TR_RUNNER: path.join(root, "run.sh"),
        TR_RUN_AS: "",
        TR_POWEROFF: path.join(root, "poweroff"),
        ...env,
      },
      stdio: ["pipe", "pipe", "pipe"],
      timeout: RUN_TIMEOUT_MS,
    });
    let terminal = "";
    let readyLines = 0;
    child.stdout.on("data", (chunk: Buffer) => {
      terminal += chunk.toString();
      const count = terminal.split("\n").filter((line) => line.trim() === "ready").length;
      if (count >= readyBeforeConfig && readyLines < readyBeforeConfig) {
        child.stdin.write(`${CONFIG}\n`);
      }
      readyLines = count;
    });
    child.on("error", reject);
    child.on("close", async (status) => {
      const log = await readFile(logFile, "utf8").catch(() => "");
      resolve({ status, readyLines, log, terminal });
    });
  });
}

async function readOptional(name: string): Promise<string | undefined> {
  return readFile(path.join(root, name), "utf8").catch(() => undefined);
}

const suiteName = scriptMissing
  ? "jit-bootstrap (skipped: util-linux script not found; install bsdutils)"
  : "jit-bootstrap";

describe.skipIf(scriptMissing)(suiteName, () => {
  it("passes config line to run.sh", async () => {
    await runBootstrap({});
    expect(await readOptional("runner.args")).toBe(`--jitconfig\n${CONFIG}\n`);
  });

  it("powers off after runner fails", async () => {
    const run = await runBootstrap({});
    expect(await readOptional("poweroff.marker")).toBe("powered-off\n");
    expect(run.status).toBe(7);
  });

  it("repeats ready until config arrives", async () => {
    const run = await runBootstrap({}, 2);
    expect(run.readyLines).toBeGreaterThanOrEqual(2);
    expect(await readOptional("runner.args")).toContain(CONFIG);
  });

  it("never logs the config line", async () => {
    const run = await runBootstrap({});
    expect(run.log).toContain("config line received");
    expect(run.log).not.toContain(CONFIG);
    expect(run.terminal).not.toContain(CONFIG);
  });

  it("powers off when port is missing", async () => {
    const run = await runBootstrap({ TR_PORT_NAME: "org.example.absent", TR_PORT_WAIT: "1" });
    expect(run.status).toBe(1);
    expect(run.log).toContain("virtio-serial port org.example.absent not found");
    expect(await readOptional("poweroff.marker")).toBe("powered-off\n");
    expect(await readOptional("runner.args")).toBeUndefined();
  });

  it.skipIf(process.getuid?.() !== 0)("runs runner through runuser", async () => {
    await runBootstrap({ TR_RUN_AS: "root" });
    expect(await readOptional("runner.user")).toBe("root\n");
  });
});
