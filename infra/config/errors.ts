import * as pulumi from "@pulumi/pulumi";

/** Config namespace of every stack key; the Pulumi project name. */
export const CONFIG_NAMESPACE = "trusted-runners";

/**
 * An invalid stack configuration, raised before any resource is declared. Each problem is one line
 * that names the key, its value and the fix. Extends `RunError` so Pulumi prints the message alone,
 * without a stack trace.
 */
export class StackConfigError extends pulumi.RunError {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    const count = problems.length === 1 ? "1 problem" : `${problems.length} problems`;
    super(`invalid stack configuration, ${count}:\n${problems.map((p) => `  ${p}`).join("\n")}`);
    this.name = "StackConfigError";
    this.problems = problems;
  }
}

/** Formats one problem line: the full key, the value as JSON (or a marker) and the message. */
export function formatProblem(key: string, value: unknown, message: string): string {
  return `${CONFIG_NAMESPACE}:${key} = ${describeValue(value)}: ${message}`;
}

/** Value marker for secret keys, whose values never appear in messages. */
export const SECRET_VALUE = Symbol("secret value");

/**
 * Value marker for unknown keys. Their values are not printed, because a misspelt secret key
 * such as `githubAppPrivatekey` set without `--secret` holds a secret in plain text.
 */
export const HIDDEN_VALUE = Symbol("hidden value");

function describeValue(value: unknown): string {
  if (value === SECRET_VALUE) {
    return "[secret]";
  }
  if (value === HIDDEN_VALUE) {
    return "[hidden]";
  }
  // A private key pasted into the wrong key stays out of the message too.
  if (typeof value === "string" && /-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(value)) {
    return "[private key]";
  }
  if (value === undefined) {
    return "(not set)";
  }
  return JSON.stringify(value);
}
