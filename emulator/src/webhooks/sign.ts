import { createHmac } from "node:crypto";

/** Computes the `X-Hub-Signature-256` value GitHub sends: `sha256=` and the hex HMAC of the body. */
export function signBody(secret: string, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}
