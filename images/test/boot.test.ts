import { spawn, spawnSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { connect } from "node:net";
import type { Socket } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { createLogger } from "../../controller/src/log.js";
import { detectQemuAccel } from "./accel.js";
import { buildTestImage } from "./build.js";
import type { BuildTestImageResult } from "./build.js";
import { encodeFakeJitConfig, startRunnerProtocolServer } from "./runner-protocol-server.js";
import type { RunnerProtocolServer } from "./runner-protocol-server.js";

const QEMU = "qemu-system-x86_64";
const PORT_NAME = "org.trusted-runners.jit.0";
const TOKEN = "boot-test-token";
const BOOT_TIMEOUT_MS = 150_000;
/** Time QEMU may run before it is killed, inside the hook timeout with room for the KVM probe. */
const QEMU_KILL_AFTER_MS = 100_000;

const qemuMissing = spawnSync(QEMU, ["--version"]).error !== undefined;

/** Connects to QEMU's chardev socket, retrying while QEMU has not created it yet. */
async function connectWithRetry(socketPath: string, attempts: number): Promise<Socket> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await new Promise<Socket>((resolve, reject) => {
        const socket = connect(socketPath);
        socket.once("connect", () => resolve(socket));
        socket.once("error", reject);
      });
    } catch (error) {
      if (attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

interface BootOutcome {
  exitCode: number | null;
  console: string;
  /** `ready` lines seen on the second connection, the one that delivers the config. */
  readyLinesBeforeConfig: number;
  /** Whether the first connection, closed without a config, saw a `ready` line. */
  readyOnFirstConnection: boolean;
}

/** Resolves at the next `ready` line on the socket, counting each one in `seen`. */
function nextReady(socket: Socket, seen: { count: number }): Promise<void> {
  return new Promise((resolve) => {
    let buffered = "";
    const onData = (chunk: Buffer): void => {
      buffered += chunk.toString();
      const lines = buffered.split("\n");
      buffered = lines.pop() ?? "";
      const readyCount = lines.filter((line) => line === "ready").length;
      if (readyCount === 0) return;
      seen.count += readyCount;
      socket.off("data", onData);
      resolve();
    };
    socket.on("data", onData);
  });
}

/**
 * Boots the image and plays the controller: connects, waits for `ready`, and disconnects without
 * a config, as a controller that restarts would. It then reconnects, waits for `ready` again,
 * writes the config line, and waits for the guest to power off.
 */
async function bootAndDeliver(
  image: BuildTestImageResult,
  socketPath: string,
  config: string,
): Promise<BootOutcome> {
  const accel = await detectQemuAccel(image.kernel);
  const qemu = spawn(
    QEMU,
    [
      ...["-accel", accel, "-m", "256", "-smp", "1"],
      ...["-nographic", "-no-reboot"],
      ...["-kernel", image.kernel, "-initrd", image.initrd, "-append", image.cmdline],
      // User-mode networking: the guest reaches the host's loopback as 10.0.2.2.
      ...["-netdev", "user,id=net0", "-device", "virtio-net-pci,netdev=net0,romfile="],
      ...["-device", "virtio-serial-pci"],
      ...["-chardev", `socket,id=jit,path=${socketPath},server=on,wait=off`],
      ...["-device", `virtserialport,chardev=jit,name=${PORT_NAME}`],
    ],
    { stdio: ["pipe", "pipe", "pipe"] },
  );
  let consoleText = "";
  qemu.stdout.on("data", (chunk: Buffer) => (consoleText += chunk.toString()));
  qemu.stderr.on("data", (chunk: Buffer) => (consoleText += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => qemu.once("exit", resolve));
  const exitedEarly = exited.then((code) => {
    throw new Error(`QEMU exited with ${code} before the config was delivered:\n${consoleText}`);
  });
  const timer = setTimeout(() => qemu.kill("SIGKILL"), QEMU_KILL_AFTER_MS);

  try {
    const first = await connectWithRetry(socketPath, 100);
    first.on("error", () => undefined);
    const firstSeen = { count: 0 };
    await Promise.race([nextReady(first, firstSeen), exitedEarly]);
    first.destroy();

    const second = await connectWithRetry(socketPath, 100);
    second.on("error", () => undefined);
    const secondSeen = { count: 0 };
    await Promise.race([nextReady(second, secondSeen), exitedEarly]);
    second.write(`${config}\n`);
    const exitCode = await exited;
    second.destroy();
    return {
      exitCode,
      console: consoleText,
      readyLinesBeforeConfig: secondSeen.count,
      readyOnFirstConnection: firstSeen.count > 0,
    };
  } finally {
    clearTimeout(timer);
    exitedEarly.catch(() => undefined);
    if (qemu.exitCode === null) qemu.kill("SIGKILL");
  }
}

const suiteName = qemuMissing
  ? `test image boot (skipped: ${QEMU} not on PATH; install qemu-system-x86)`
  : "test image boot under QEMU";

describe.skipIf(qemuMissing)(suiteName, () => {
  let scratch: string;
  let server: RunnerProtocolServer;
  let outcome: BootOutcome;
  let config: string;

  beforeAll(async () => {
    scratch = await mkdtemp(path.join(tmpdir(), "tr-boot-"));
    server = await startRunnerProtocolServer({
      token: TOKEN,
      job: {
        jobId: 11,
        runId: 4,
        steps: ["echo hello from the guest", 'test "$(uname -s)" = Linux'],
      },
    });
    const image = await buildTestImage({ logger: createLogger({ level: "silent" }) });
    config = encodeFakeJitConfig(`http://10.0.2.2:${server.port}`, TOKEN);
    outcome = await bootAndDeliver(image, path.join(scratch, "jit.sock"), config);
  }, BOOT_TIMEOUT_MS);

  afterAll(async () => {
    await server?.close();
    await rm(scratch, { recursive: true, force: true });
  });

  it("powers off after the job", () => {
    expect(outcome.exitCode, outcome.console).toBe(0);
  });

  it("writes ready before the config", () => {
    expect(outcome.readyLinesBeforeConfig).toBeGreaterThanOrEqual(1);
  });

  it("writes ready again after reconnect", () => {
    expect(outcome.readyOnFirstConnection).toBe(true);
  });

  it("completes the job with success", () => {
    expect(server.completion, outcome.console).toBe("success");
  });

  it("reports every step", () => {
    expect(server.stepReports.map((report) => report.conclusion)).toEqual(["success", "success"]);
  });

  it("prints step output on console", () => {
    expect(outcome.console).toContain("hello from the guest");
  });

  it("never prints the config on console", () => {
    expect(outcome.console).not.toContain(config);
  });
});
