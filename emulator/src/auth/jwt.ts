import { verify } from "node:crypto";

import { ApiError } from "../model/errors.js";
import type { App } from "../model/types.js";

/** GitHub rejects App JWTs whose lifetime exceeds ten minutes. */
const MAX_JWT_LIFETIME_SECONDS = 600;
/** Clock drift tolerated on `iat`, in seconds. */
const CLOCK_SKEW_SECONDS = 60;

function decodeSegment(segment: string): Record<string, unknown> {
  try {
    const value = JSON.parse(Buffer.from(segment, "base64url").toString("utf8")) as unknown;
    if (typeof value === "object" && value !== null) return value as Record<string, unknown>;
  } catch {
    // Falls through to the same error as a non-object segment.
  }
  throw badJwt("'Authorization' header is not a valid JSON Web Token");
}

function badJwt(message: string): ApiError {
  return new ApiError(401, message);
}

/**
 * Verifies an RS256 App JWT against the registered public key of the App named in `iss`, and
 * checks `iat` and `exp` the way GitHub does. Returns the App.
 */
export function verifyAppJwt(jwt: string, apps: Map<number, App>, nowMs: number): App {
  const parts = jwt.split(".");
  if (parts.length !== 3) throw badJwt("'Authorization' header is not a valid JSON Web Token");
  const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
  const header = decodeSegment(headerPart);
  const payload = decodeSegment(payloadPart);
  if (header.alg !== "RS256") throw badJwt("JWT must use the RS256 algorithm");

  const app = apps.get(Number(payload.iss));
  if (app === undefined) throw badJwt("Integration not found");

  const signed = Buffer.from(`${headerPart}.${payloadPart}`);
  const signature = Buffer.from(signaturePart, "base64url");
  if (!verify("RSA-SHA256", signed, app.publicKey, signature)) {
    throw badJwt("A JSON web token could not be decoded");
  }

  const now = Math.floor(nowMs / 1000);
  const iat = Number(payload.iat);
  const exp = Number(payload.exp);
  if (!Number.isFinite(iat) || iat > now + CLOCK_SKEW_SECONDS) {
    throw badJwt("'Issued at' claim ('iat') must be an Integer representing a time in the past.");
  }
  if (!Number.isFinite(exp) || exp <= now) {
    throw badJwt(
      "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires.",
    );
  }
  if (exp - iat > MAX_JWT_LIFETIME_SECONDS) {
    throw badJwt("'Expiration time' claim ('exp') is too far in the future");
  }
  return app;
}
