import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

import { verify } from "@octokit/webhooks-methods";

import { SECRET_ENV } from "../../controller/src/config/schema.js";

/**
 * The baseline for webhook ingestion: a bare node:http server that reads the body and checks
 * `X-Hub-Signature-256` with the same `verify` as the controller, and does nothing else.
 * It listens on loopback and reports its URL over IPC.
 */

const secret = process.env[SECRET_ENV.webhookSecret];
if (secret === undefined || secret.length === 0)
  throw new Error(`${SECRET_ENV.webhookSecret} is not set`);

const server = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on("data", (chunk: Buffer) => chunks.push(chunk));
  request.on("end", () => {
    const body = Buffer.concat(chunks).toString("utf8");
    const signature = request.headers["x-hub-signature-256"];
    const check =
      typeof signature === "string" ? verify(secret, body, signature) : Promise.resolve(false);
    check
      .catch(() => false)
      .then((valid) => {
        const text = valid ? "ok\n" : "invalid signature\n";
        response.writeHead(valid ? 200 : 401, {
          "content-type": "text/plain",
          "content-length": Buffer.byteLength(text),
        });
        response.end(text);
      });
  });
});

server.listen(0, "127.0.0.1", () => {
  const { port } = server.address() as AddressInfo;
  process.send?.({ ready: true, url: `http://127.0.0.1:${port}` });
});
process.on("disconnect", () => {
  server.close();
  server.closeAllConnections();
});
