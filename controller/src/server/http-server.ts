import { createServer } from "node:http";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "../log.js";
import type { Registry } from "prom-client";
import type { WebhookReply } from "../signals/webhook-handler.js";
import { errorSummary } from "../github/api.js";

/** Routes of the controller's HTTP server. */
export interface HttpRoutes {
  webhook(headers: IncomingMessage["headers"], body: string): Promise<WebhookReply>;
  registry: Registry;
  /** True once the database is open and the first reconcile is done. */
  ready(): boolean;
  maxBodyBytes: number;
  logger: Logger;
}

class BodyTooLargeError extends Error {}

/** Reads the request body up to `limit` bytes; larger bodies reject without being buffered. */
async function readBody(request: IncomingMessage, limit: number): Promise<string> {
  const declared = Number(request.headers["content-length"]);
  if (Number.isFinite(declared) && declared > limit) throw new BodyTooLargeError();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new BodyTooLargeError();
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function send(response: ServerResponse, status: number, body: string, type = "text/plain"): void {
  response.writeHead(status, { "content-type": type, "content-length": Buffer.byteLength(body) });
  response.end(body);
}

async function route(routes: HttpRoutes, request: IncomingMessage, response: ServerResponse) {
  const path = new URL(request.url ?? "/", "http://controller").pathname;
  // Any POST is a webhook delivery: a reverse proxy may keep its own path prefix (for example
  // `/github/webhook`), and the signature check rejects everything GitHub did not sign.
  if (request.method === "POST") {
    let body: string;
    try {
      body = await readBody(request, routes.maxBodyBytes);
    } catch (error) {
      if (!(error instanceof BodyTooLargeError)) throw error;
      routes.logger.warn({ limit: routes.maxBodyBytes }, "webhook rejected: body too large");
      response.setHeader("connection", "close");
      send(response, 413, "body too large\n");
      request.resume();
      return;
    }
    const reply = await routes.webhook(request.headers, body);
    send(response, reply.status, reply.body);
  } else if (request.method === "GET" && path === "/metrics") {
    send(response, 200, await routes.registry.metrics(), routes.registry.contentType);
  } else if (request.method === "GET" && path === "/healthz") {
    send(response, 200, "ok\n");
  } else if (request.method === "GET" && path === "/readyz") {
    if (routes.ready()) send(response, 200, "ready\n");
    else send(response, 503, "not ready\n");
  } else {
    send(response, 404, "not found\n");
  }
}

/** Starts the webhook, metrics and health server on `host:port`; port 0 picks a free one. */
export async function startHttpServer(
  routes: HttpRoutes,
  listen: string,
): Promise<{ server: Server; url: string }> {
  const server = createServer((request, response) => {
    route(routes, request, response).catch((error: unknown) => {
      routes.logger.error({ err: errorSummary(error), url: request.url }, "HTTP request failed");
      if (!response.headersSent) send(response, 500, "internal error\n");
      else response.destroy();
    });
  });
  const separator = listen.lastIndexOf(":");
  const host = listen.slice(0, separator).replace(/^\[|\]$/g, "");
  const port = Number(listen.slice(separator + 1));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return { server, url: `http://${shownHost}:${address.port}` };
}
