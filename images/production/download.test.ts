import { createHash } from "node:crypto";
import { once } from "node:events";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { createLogger } from "../../controller/src/log.js";
import { ChecksumMismatchError, DownloadError, downloadVerified } from "./download.js";

const CONTENT = Buffer.from("fixture release tarball bytes\n".repeat(1000));
const DIGEST = createHash("sha256").update(CONTENT).digest("hex");
const WRONG_DIGEST = "0".repeat(64);
const logger = createLogger({ level: "silent" });

let scratch: string;
let server: Server;
let baseUrl: string;
let requests = 0;

beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), "tr-download-"));
  server = createServer((request, response) => {
    requests++;
    if (request.url === "/release.tar.gz") {
      response.writeHead(200, { "content-type": "application/gzip" });
      response.end(CONTENT);
    } else if (request.url === "/moved") {
      response.writeHead(302, { location: "/release.tar.gz" });
      response.end();
    } else {
      response.writeHead(404);
      response.end();
    }
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await rm(scratch, { recursive: true, force: true });
});

function target(name: string): string {
  return path.join(scratch, name);
}

describe("downloadVerified", () => {
  it("stores http download with matching digest", async () => {
    const destination = target("http.tar.gz");
    await downloadVerified({
      url: `${baseUrl}/release.tar.gz`,
      sha256: DIGEST,
      destination,
      timeoutMs: 10_000,
      logger,
    });
    expect((await readFile(destination)).equals(CONTENT)).toBe(true);
  });

  it("follows redirects like GitHub releases", async () => {
    const destination = target("moved.tar.gz");
    await downloadVerified({
      url: `${baseUrl}/moved`,
      sha256: DIGEST,
      destination,
      timeoutMs: 10_000,
      logger,
    });
    expect(existsSync(destination)).toBe(true);
  });

  it("copies file URL with matching digest", async () => {
    const source = target("source.bin");
    await writeFile(source, CONTENT);
    const destination = target("file.bin");
    await downloadVerified({
      url: pathToFileURL(source).href,
      sha256: DIGEST,
      destination,
      timeoutMs: 10_000,
      logger,
    });
    expect((await readFile(destination)).equals(CONTENT)).toBe(true);
  });

  it("rejects mismatch naming both digests", async () => {
    const destination = target("mismatch.tar.gz");
    const download = downloadVerified({
      url: `${baseUrl}/release.tar.gz`,
      sha256: WRONG_DIGEST,
      destination,
      timeoutMs: 10_000,
      logger,
    });
    await expect(download).rejects.toThrow(ChecksumMismatchError);
    await expect(download).rejects.toThrow(`expected ${WRONG_DIGEST}, got ${DIGEST}`);
  });

  it("leaves no file after mismatch", async () => {
    const destination = target("mismatch-cleanup.tar.gz");
    await downloadVerified({
      url: `${baseUrl}/release.tar.gz`,
      sha256: WRONG_DIGEST,
      destination,
      timeoutMs: 10_000,
      logger,
    }).catch(() => undefined);
    expect(existsSync(destination)).toBe(false);
    expect(existsSync(`${destination}.part`)).toBe(false);
  });

  it("reuses cached file without request", async () => {
    const destination = target("cached.tar.gz");
    await downloadVerified({
      url: `${baseUrl}/release.tar.gz`,
      sha256: DIGEST,
      destination,
      timeoutMs: 10_000,
      logger,
    });
    const before = requests;
    await downloadVerified({
      url: `${baseUrl}/release.tar.gz`,
      sha256: DIGEST,
      destination,
      timeoutMs: 10_000,
      logger,
    });
    expect(requests).toBe(before);
  });

  it("replaces cached file with wrong digest", async () => {
    const destination = target("stale.tar.gz");
    await writeFile(destination, "stale");
    await downloadVerified({
      url: `${baseUrl}/release.tar.gz`,
      sha256: DIGEST,
      destination,
      timeoutMs: 10_000,
      logger,
    });
    expect((await readFile(destination)).equals(CONTENT)).toBe(true);
  });

  it("reports HTTP status on failure", async () => {
    const download = downloadVerified({
      url: `${baseUrl}/missing`,
      sha256: DIGEST,
      destination: target("missing"),
      timeoutMs: 10_000,
      logger,
    });
    await expect(download).rejects.toThrow(DownloadError);
    await expect(download).rejects.toThrow("HTTP status 404");
  });

  it("rejects unsupported protocol", async () => {
    const download = downloadVerified({
      url: "ftp://127.0.0.1/x",
      sha256: DIGEST,
      destination: target("ftp"),
      timeoutMs: 10_000,
      logger,
    });
    await expect(download).rejects.toThrow("unsupported protocol ftp:");
  });
});
