import { createHash } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { rename, rm } from "node:fs/promises";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { fileURLToPath } from "node:url";

import type { Logger } from "../../controller/src/log.js";

/** Raised when a download's sha256 differs from the pinned one. */
export class ChecksumMismatchError extends Error {
  constructor(
    readonly url: string,
    readonly expected: string,
    readonly actual: string,
  ) {
    super(
      `sha256 mismatch for ${url}: expected ${expected}, got ${actual}. ` +
        "The file was deleted; check the pinned digest in the image config, or the source.",
    );
    this.name = "ChecksumMismatchError";
  }
}

/** Raised when a download fails before its checksum can be checked. */
export class DownloadError extends Error {
  constructor(
    readonly url: string,
    reason: string,
  ) {
    super(`download of ${url} failed: ${reason}`);
    this.name = "DownloadError";
  }
}

export interface DownloadOptions {
  /** `http:`, `https:` or `file:` URL. */
  url: string;
  /** Expected sha256, lowercase hex. */
  sha256: string;
  /** Final path; written only once the digest matches. */
  destination: string;
  /** Limit for the whole transfer, in ms. */
  timeoutMs: number;
  logger: Logger;
}

/** Computes the sha256 of a file. */
export async function sha256File(file: string): Promise<string> {
  const hash = createHash("sha256");
  await pipeline(createReadStream(file), hash);
  return hash.digest("hex");
}

async function openSource(url: string, signal: AbortSignal): Promise<Readable> {
  const protocol = new URL(url).protocol;
  if (protocol === "file:") return createReadStream(fileURLToPath(url));
  if (protocol !== "http:" && protocol !== "https:") {
    throw new DownloadError(url, `unsupported protocol ${protocol}; use http, https or file`);
  }
  let response: Response;
  try {
    response = await fetch(url, { signal, redirect: "follow" });
  } catch (error) {
    throw new DownloadError(url, String(error));
  }
  if (response.status !== 200 || response.body === null) {
    throw new DownloadError(url, `HTTP status ${response.status}`);
  }
  return Readable.fromWeb(response.body as WebReadableStream<Uint8Array>);
}

/**
 * Downloads `url` to `destination` and checks its sha256 on the way. The bytes go to a `.part`
 * file that is renamed only when the digest matches, so a path that exists contains verified
 * content. An existing destination with the expected digest is reused without a download.
 */
export async function downloadVerified(options: DownloadOptions): Promise<void> {
  const { url, sha256, destination, logger } = options;
  const log = logger.child({ url, destination });
  const existing = await sha256File(destination).catch(() => undefined);
  if (existing === sha256) {
    log.info("download found in cache with the pinned sha256");
    return;
  }
  if (existing !== undefined) log.warn({ actual: existing }, "cached download has another sha256");

  const partial = `${destination}.part`;
  const hash = createHash("sha256");
  const hashing = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      callback(null, chunk);
    },
  });
  log.info("download started");
  const signal = AbortSignal.timeout(options.timeoutMs);
  try {
    const source = await openSource(url, signal);
    await pipeline(source, hashing, createWriteStream(partial), { signal });
  } catch (error) {
    await rm(partial, { force: true });
    if (error instanceof DownloadError) throw error;
    throw new DownloadError(
      url,
      signal.aborted ? `timed out after ${options.timeoutMs} ms` : String(error),
    );
  }

  const actual = hash.digest("hex");
  if (actual !== sha256) {
    await rm(partial, { force: true });
    throw new ChecksumMismatchError(url, sha256, actual);
  }
  await rename(partial, destination);
  log.info({ sha256 }, "download verified");
}
