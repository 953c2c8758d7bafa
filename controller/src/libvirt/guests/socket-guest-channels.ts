import { mkdir } from "node:fs/promises";
import { createConnection } from "node:net";
import type { Socket } from "node:net";
import { dirname } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

import type { Logger } from "../../log.js";
import { BootTimeoutError } from "../errors.js";
import type { GuestChannels } from "./guest-channels.js";

const CONNECT_RETRY_MS = 200;
const DEFAULT_DELIVER_TIMEOUT_MS = 10_000;

/** The guest's boot signal: it writes this line every second until it has read its config. */
const READY_LINE = "ready";

/** Options for {@link SocketGuestChannels}. */
export interface SocketGuestChannelsOptions {
  logger: Logger;
  /** Time a delivery may take, connecting included, in ms; default 10,000. */
  deliverTimeoutMs?: number;
}

/** Returns whether an error means that QEMU has not bound the socket yet, or no longer listens. */
function isNotListening(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === "ENOENT" || code === "ECONNREFUSED";
}

function connectOnce(path: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ path });
    socket.once("connect", () => {
      socket.removeListener("error", reject);
      resolve(socket);
    });
    socket.once("error", reject);
  });
}

/** Connects to a unix socket, retrying while it does not exist or refuses, until `deadline`. */
async function connectUntil(
  path: string,
  deadline: number,
  signal?: AbortSignal,
): Promise<Socket | null> {
  while (Date.now() < deadline && signal?.aborted !== true) {
    try {
      return await connectOnce(path);
    } catch (error) {
      if (!isNotListening(error)) {
        throw error;
      }
    }
    const waitMs = Math.min(CONNECT_RETRY_MS, Math.max(0, deadline - Date.now()));
    await sleep(waitMs, undefined, { signal }).catch(() => undefined);
  }
  return null;
}

/** Resolves true at the first `ready` line, false when the socket closes or `deadline` passes. */
function readUntilReady(socket: Socket, deadline: number, signal?: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    let buffered = "";
    const finish = (ready: boolean): void => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      socket.removeListener("data", onData);
      socket.removeListener("close", onClose);
      resolve(ready);
    };
    const onData = (chunk: Buffer): void => {
      buffered += chunk.toString("utf8");
      const lines = buffered.split("\n");
      buffered = lines.pop() ?? "";
      if (lines.some((line) => line.trim() === READY_LINE)) {
        finish(true);
      }
      // A guest that writes without newlines must not grow the buffer without bound.
      buffered = buffered.slice(-64);
    };
    const onClose = (): void => finish(false);
    const onAbort = (): void => finish(false);
    const timer = setTimeout(() => finish(false), Math.max(0, deadline - Date.now()));
    signal?.addEventListener("abort", onAbort);
    socket.on("data", onData);
    socket.once("close", onClose);
  });
}

/**
 * Guest channels over the unix sockets that QEMU binds for each domain's virtio-serial port. The
 * connection that saw `ready` stays open for the delivery, because a warm VM may wait long between
 * the two. A controller that restarts in between simply connects again.
 */
export class SocketGuestChannels implements GuestChannels {
  private readonly logger: Logger;
  private readonly deliverTimeoutMs: number;
  private readonly open = new Map<string, Socket>();

  constructor(options: SocketGuestChannelsOptions) {
    this.logger = options.logger.child({ component: "guest-channels" });
    this.deliverTimeoutMs = options.deliverTimeoutMs ?? DEFAULT_DELIVER_TIMEOUT_MS;
  }

  async prepare(_vmName: string, channelPath: string): Promise<void> {
    await mkdir(dirname(channelPath), { recursive: true, mode: 0o750 });
  }

  async waitForReady(
    vmName: string,
    channelPath: string,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline && signal?.aborted !== true) {
      const socket = await connectUntil(channelPath, deadline, signal);
      if (socket === null) {
        break;
      }
      if (await readUntilReady(socket, deadline, signal)) {
        this.keep(vmName, socket);
        return;
      }
      socket.destroy();
    }
    throw new BootTimeoutError(vmName, timeoutMs);
  }

  async deliver(vmName: string, channelPath: string, line: string): Promise<void> {
    let socket = this.take(vmName);
    if (socket === null) {
      socket = await connectUntil(channelPath, Date.now() + this.deliverTimeoutMs);
    }
    if (socket === null) {
      throw new Error(
        `channel socket ${channelPath} of VM ${vmName} did not accept a connection within ${this.deliverTimeoutMs} ms`,
      );
    }
    await writeAndClose(socket, `${line}\n`, this.deliverTimeoutMs);
    this.logger.info({ vm: vmName }, "JIT config delivered to guest");
  }

  forget(vmName: string): void {
    this.take(vmName)?.destroy();
  }

  async close(): Promise<void> {
    for (const socket of this.open.values()) {
      socket.destroy();
    }
    this.open.clear();
  }

  private keep(vmName: string, socket: Socket): void {
    this.open.get(vmName)?.destroy();
    // Keep reading so the repeated `ready` lines do not pile up in QEMU's buffer.
    socket.on("data", () => undefined);
    socket.on("error", () => undefined);
    socket.once("close", () => {
      if (this.open.get(vmName) === socket) {
        this.open.delete(vmName);
      }
    });
    this.open.set(vmName, socket);
  }

  private take(vmName: string): Socket | null {
    const socket = this.open.get(vmName);
    this.open.delete(vmName);
    if (socket === undefined || socket.destroyed) {
      return null;
    }
    return socket;
  }
}

/** Writes `data`, waits until it is flushed to the kernel, then closes the connection. */
function writeAndClose(socket: Socket, data: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`writing to the guest channel timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once("error", (error) => {
      clearTimeout(timer);
      reject(new Error(`writing to the guest channel failed: ${error.message}`));
    });
    socket.end(data, () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
