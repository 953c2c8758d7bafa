import { randomBytes } from "node:crypto";
import type { ServerResponse } from "node:http";

/** Writes a JSON reply with GitHub's content type and a request id; 204 and 304 carry no body. */
export function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string>,
): void {
  if (response.headersSent || response.destroyed) return;
  const base = {
    "x-github-request-id": randomBytes(8).toString("hex").toUpperCase(),
    "x-github-media-type": "github.v3; format=json",
    ...headers,
  };
  if (status === 204 || body === undefined) {
    response.writeHead(status, base).end();
    return;
  }
  const text = JSON.stringify(body);
  response.writeHead(status, {
    ...base,
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
  });
  response.end(text);
}

/** GitHub's error body. */
export function errorBody(status: number, message: string): Record<string, string> {
  return { message, documentation_url: "https://docs.github.com/rest", status: String(status) };
}
