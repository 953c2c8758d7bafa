import { createServer, request } from "node:http";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A loopback HTTP proxy between the controller and the emulator that keeps every installation
 * token and JIT config the emulator hands out. The emulator's state does not return them, and the
 * secret scan needs their exact values to grep for.
 */
export class RecordingProxy {
  private constructor(
    private readonly server: Server,
    readonly url: string,
    readonly secrets: Set<string>,
  ) {}

  static async start(targetUrl: string): Promise<RecordingProxy> {
    const target = new URL(targetUrl);
    const secrets = new Set<string>();
    const server = createServer((incoming, outgoing) => {
      forward(target, incoming, outgoing, (body) => recordSecrets(body, secrets));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    return new RecordingProxy(server, `http://127.0.0.1:${port}`, secrets);
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}

/** Keeps `token` and `encoded_jit_config` values, and the runner token inside each config. */
function recordSecrets(body: string, secrets: Set<string>): void {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return;
  }
  if (parsed === null || typeof parsed !== "object") return;
  const fields = parsed as { token?: unknown; encoded_jit_config?: unknown };
  if (typeof fields.token === "string") secrets.add(fields.token);
  if (typeof fields.encoded_jit_config === "string") {
    secrets.add(fields.encoded_jit_config);
    const decoded = JSON.parse(
      Buffer.from(fields.encoded_jit_config, "base64").toString("utf8"),
    ) as { token?: unknown };
    if (typeof decoded.token === "string") secrets.add(decoded.token);
  }
}

function forward(
  target: URL,
  incoming: IncomingMessage,
  outgoing: ServerResponse,
  onBody: (body: string) => void,
): void {
  const upstream = request(
    {
      host: target.hostname,
      port: target.port,
      method: incoming.method,
      path: incoming.url,
      headers: { ...incoming.headers, host: target.host },
    },
    (reply) => {
      const chunks: Buffer[] = [];
      reply.on("data", (chunk: Buffer) => chunks.push(chunk));
      reply.on("end", () => {
        const body = Buffer.concat(chunks);
        onBody(body.toString("utf8"));
        outgoing.writeHead(reply.statusCode ?? 502, reply.headers);
        outgoing.end(body);
      });
    },
  );
  upstream.on("error", () => {
    if (!outgoing.headersSent) outgoing.writeHead(502);
    outgoing.end();
  });
  incoming.pipe(upstream);
}
