import { request } from "node:http";

import { operations } from "./operations.js";
import type { EmulatorControl } from "./operations.js";

/** A control API call the emulator rejected. */
export class ControlError extends Error {
  constructor(
    readonly operation: string,
    readonly status: number,
    message: string,
  ) {
    super(`Emulator control ${operation} failed with ${status}: ${message}`);
    this.name = "ControlError";
  }
}

function post(baseUrl: string, operation: string, input: unknown): Promise<unknown> {
  const body = JSON.stringify(input ?? {});
  return new Promise((resolve, reject) => {
    const outgoing = request(new URL(`/_emulator/${operation}`, baseUrl), {
      method: "POST",
      agent: false,
      headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
    });
    outgoing.on("response", (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        const parsed = text === "" ? {} : (JSON.parse(text) as { error?: string });
        const status = response.statusCode ?? 0;
        if (status >= 200 && status < 300) resolve(parsed);
        else
          reject(new ControlError(operation, status, (parsed as { error?: string }).error ?? text));
      });
      response.on("error", reject);
    });
    outgoing.on("error", reject);
    outgoing.end(body);
  });
}

/**
 * Creates a client for the HTTP control API of an emulator running in another process, with the
 * same methods as `emulator.control`. `baseUrl` is the emulator's `url`.
 */
export function createControlClient(baseUrl: string): EmulatorControl {
  const client: Record<string, (input?: unknown) => Promise<unknown>> = {};
  for (const name of Object.keys(operations)) {
    client[name] = (input) => post(baseUrl, name, input);
  }
  return client as EmulatorControl;
}
