import type { IncomingMessage } from "node:http";

import { ApiError } from "../model/errors.js";

/** Largest request body the emulator reads, far above any body its endpoints take. */
const MAX_BODY_BYTES = 1024 * 1024;

/** Reads a request body as text, rejecting bodies over 1 MiB with 413. */
export async function readText(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) throw new ApiError(413, "Payload too large");
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** Parses a JSON body; an empty body is an empty object, as Octokit sends none for some calls. */
export function parseJson(text: string): unknown {
  if (text.trim() === "") return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ApiError(400, "Problems parsing JSON");
  }
}
