import { randomBytes } from "node:crypto";

import { verifyAppJwt } from "./jwt.js";
import { ApiError } from "../model/errors.js";
import type { Store } from "../model/store.js";

/** Caller of a REST request, from its `Authorization` header. */
export type Identity =
  | { kind: "app"; appId: number }
  | { kind: "installation"; installationId: number; orgId: number; token: string }
  | { kind: "control"; token: string }
  | { kind: "anonymous" };

/** Creates a token in GitHub's installation token format (`ghs_` and 36 characters). */
export function newTokenValue(prefix: "ghs" | "ghp"): string {
  return `${prefix}_${randomBytes(27).toString("base64url").slice(0, 36)}`;
}

/**
 * Resolves the `Authorization` header. Octokit sends `token X` for installation tokens and
 * `bearer X` for App JWTs; both schemes are accepted for both, as GitHub does.
 */
export function resolveIdentity(header: string | undefined, store: Store, nowMs: number): Identity {
  if (header === undefined || header === "") return { kind: "anonymous" };
  const match = /^(?:token|bearer)\s+(\S+)$/i.exec(header.trim());
  if (match === null) throw new ApiError(401, "Bad credentials");
  const credential = match[1] ?? "";

  if (credential.split(".").length === 3) {
    return { kind: "app", appId: verifyAppJwt(credential, store.apps, nowMs).id };
  }
  const token = store.tokens.get(credential);
  if (token === undefined || token.expiresAt <= nowMs) throw new ApiError(401, "Bad credentials");
  if (token.installationId === null) return { kind: "control", token: credential };
  const installation = store.installations.get(token.installationId);
  if (installation === undefined) throw new ApiError(401, "Bad credentials");
  return {
    kind: "installation",
    installationId: installation.id,
    orgId: installation.orgId,
    token: credential,
  };
}

/** Rate-limit bucket of an identity: one per token, one per App, one shared by anonymous callers. */
export function rateLimitKey(identity: Identity): string {
  switch (identity.kind) {
    case "app":
      return `app:${identity.appId}`;
    case "installation":
      return `installation:${identity.installationId}`;
    case "control":
      return `control:${identity.token}`;
    case "anonymous":
      return "anonymous";
  }
}
