import type { z } from "zod";

import type { Identity } from "../auth/identity.js";
import { ApiError, notFound } from "../model/errors.js";
import type { Shapes } from "../model/shapes.js";
import type { Store } from "../model/store.js";
import type { Organization, Repository } from "../model/types.js";
import type { Dispatcher } from "../runner/dispatcher.js";

/** Everything a handler may use besides the request. */
export interface EmulatorEnv {
  store: Store;
  shapes: Shapes;
  dispatcher: Dispatcher;
  /** Lifetime of installation tokens, in milliseconds. */
  tokenTtlMs: number;
  /** Base URL written into JIT configs: the emulator's address from the runner's network. */
  runnerBaseUrl: string;
}

export interface RestContext {
  method: string;
  url: URL;
  params: Record<string, string>;
  body: unknown;
  identity: Identity;
  now: number;
  env: EmulatorEnv;
}

export interface RestReply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type RestHandler = (context: RestContext) => RestReply | Promise<RestReply>;

/** Validates a request body; failures become GitHub's 422 `Invalid request.` */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const details = result.error.issues
    .map((issue) => `${issue.path.join(".") || "body"}: ${issue.message}`)
    .join("\n");
  throw new ApiError(422, `Invalid request.\n\n${details}`);
}

export function intParam(context: RestContext, name: string): number {
  const value = Number(context.params[name]);
  if (!Number.isSafeInteger(value) || value < 1) throw notFound();
  return value;
}

/** Rejects requests without an installation or control token, as GitHub does for these endpoints. */
function requireToken(identity: Identity): void {
  if (identity.kind === "anonymous") throw new ApiError(401, "Requires authentication");
  if (identity.kind === "app") {
    throw new ApiError(
      401,
      "A JSON web token could not be used for this endpoint; use an installation token",
    );
  }
}

/** Returns an organisation the caller's installation may act on; others look absent (404). */
export function accessibleOrg(context: RestContext, login: string): Organization {
  requireToken(context.identity);
  const org = context.env.store.requireOrg(login);
  if (context.identity.kind === "installation" && context.identity.orgId !== org.id)
    throw notFound();
  return org;
}

/**
 * Returns a repository the caller may see: every repository of the installation's organisation,
 * and public repositories elsewhere for reads, as GitHub grants an App installation.
 */
export function accessibleRepo(context: RestContext, write = false): Repository {
  requireToken(context.identity);
  const repo = context.env.store.requireRepo(context.params.owner ?? "", context.params.repo ?? "");
  if (context.identity.kind !== "installation") return repo;
  if (repo.ownerId === context.identity.orgId) return repo;
  if (!write && !repo.private) return repo;
  throw notFound();
}
