import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import type { Server, Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

import { createLogger } from "../../log.js";
import { BootTimeoutError } from "../errors.js";
import { SocketGuestChannels } from "./socket-guest-channels.js";

const logger = createLogger({ level: "silent" });

/**
 * A stand-in for QEMU's side of the channel: a unix socket server that writes `ready` lines and
 * records the lines it reads, like the guest behind a virtio-serial port.
 */
interface FakeGuest {
  server: Server;
  received: Promise<string>;
}

function startFakeGuest(path: string, readyLine = "ready\n"): Promise<FakeGuest> {
  let resolveReceived: (line: string) => void = () => undefined;
  const received = new Promise<string>((resolve) => (resolveReceived = resolve));
  const server = createServer((socket: Socket) => {
    const timer = setInterval(() => socket.write(readyLine), 20);
    let buffered = "";
    socket.on("data", (chunk) => {
      buffered += chunk.toString("utf8");
      if (buffered.includes("\n")) {
        clearInterval(timer);
        resolveReceived(buffered);
      }
    });
    socket.on("close", () => clearInterval(timer));
    socket.on("error", () => undefined);
  });
  return new Promise((resolve) => server.listen(path, () => resolve({ server, received })));
}

let dir: string;
let channels: SocketGuestChannels;
const servers: Server[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "tr-channels-"));
  channels = new SocketGuestChannels({ logger, deliverTimeoutMs: 2_000 });
});

afterEach(async () => {
  await channels.close();
  for (const server of servers.splice(0)) {
    server.close();
  }
  await rm(dir, { recursive: true, force: true });
});

describe("SocketGuestChannels", () => {
  it("waits until the socket appears", async () => {
    const path = join(dir, "tr-late.sock");
    const waiting = channels.waitForReady("tr-late", path, 10_000);
    await sleep(300);
    servers.push((await startFakeGuest(path)).server);
    await expect(waiting).resolves.toBeUndefined();
  });

  it("delivers exactly one line", async () => {
    const path = join(dir, "tr-one.sock");
    const guest = await startFakeGuest(path);
    servers.push(guest.server);
    await channels.waitForReady("tr-one", path, 10_000);
    await channels.deliver("tr-one", path, "ZW5jb2RlZA==");
    expect(await guest.received).toBe("ZW5jb2RlZA==\n");
  });

  it("delivers without a prior wait", async () => {
    const path = join(dir, "tr-direct.sock");
    const guest = await startFakeGuest(path);
    servers.push(guest.server);
    await channels.deliver("tr-direct", path, "Y29uZmln");
    expect(await guest.received).toBe("Y29uZmln\n");
  });

  it("times out without a ready line", async () => {
    const path = join(dir, "tr-silent.sock");
    servers.push((await startFakeGuest(path, "booting\n")).server);
    await expect(channels.waitForReady("tr-silent", path, 300)).rejects.toBeInstanceOf(
      BootTimeoutError,
    );
  });

  it("times out when no socket exists", async () => {
    const path = join(dir, "tr-missing.sock");
    await expect(channels.waitForReady("tr-missing", path, 300)).rejects.toBeInstanceOf(
      BootTimeoutError,
    );
  });

  it("creates the socket folder", async () => {
    const path = join(dir, "nested", "channels", "tr-x.sock");
    await channels.prepare("tr-x", path);
    servers.push((await startFakeGuest(path)).server);
    await expect(channels.waitForReady("tr-x", path, 5_000)).resolves.toBeUndefined();
  });
});
