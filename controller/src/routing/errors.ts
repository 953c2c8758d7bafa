import type { z } from "zod";

/** Raised when an event payload, Actions context or API record lacks a field the policy reads. */
export class RoutingInputError extends Error {
  override name = "RoutingInputError";
}

/** Formats the first zod issue as `source: path: message`, for one-line CLI errors. */
export function describeZodError(source: string, error: z.ZodError): string {
  const issue = error.issues[0];
  if (issue === undefined) {
    return `${source}: invalid`;
  }
  const path = issue.path.length > 0 ? issue.path.join(".") : "(root)";
  return `${source}: ${path}: ${issue.message}`;
}
