import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";

import { HIDDEN_VALUE, SECRET_VALUE, StackConfigError, formatProblem } from "./errors.js";
import { checkPhaseRules } from "./phase-rules.js";
import { SECRET_KEYS, stackConfigSchema } from "./schema.js";
import type { SecretKey, StackSettings } from "./schema.js";

/** Config values as read from the stack: non-secret values decoded from JSON where they parse. */
export interface RawStackConfig {
  values: Record<string, unknown>;
  /** Plain text of each secret key that is set. */
  secrets: Partial<Record<SecretKey, string>>;
  /** Secret keys that the stack stores unencrypted, set without `--secret`. */
  plainSecretKeys?: SecretKey[];
}

/** The validated stack configuration that the program declares resources from. */
export interface StackConfig extends Omit<StackSettings, "trustedRouting"> {
  /** Value of the routing variable: the key when set, else false in dark and true otherwise. */
  trustedRouting: boolean;
  secrets: {
    githubAppPrivateKey: pulumi.Output<string>;
    webhookSecret: pulumi.Output<string>;
    /** Present when the host connection is `ssh`. */
    sshPrivateKey?: pulumi.Output<string>;
  };
}

/**
 * Parses and checks the whole stack configuration. Raises {@link StackConfigError} listing every
 * problem at once, so an operator fixes them in one round.
 */
export function parseStackConfig(raw: RawStackConfig): StackConfig {
  const result = stackConfigSchema.safeParse(raw.values);
  const secretProblems = checkSecrets(raw, result.success ? result.data : undefined);

  if (!result.success) {
    const problems = result.error.issues.flatMap((issue) => describeIssue(issue, raw.values));
    throw new StackConfigError([...problems, ...secretProblems]);
  }

  const problems = [...checkPhaseRules(result.data), ...secretProblems];
  if (problems.length > 0) {
    throw new StackConfigError(problems);
  }

  const settings = result.data;
  const { githubAppPrivateKey, webhookSecret, sshPrivateKey } = raw.secrets;
  return {
    ...settings,
    trustedRouting: settings.trustedRouting ?? settings.phase !== "dark",
    secrets: {
      githubAppPrivateKey: pulumi.secret(githubAppPrivateKey ?? ""),
      webhookSecret: pulumi.secret(webhookSecret ?? ""),
      ...(sshPrivateKey === undefined ? {} : { sshPrivateKey: pulumi.secret(sshPrivateKey) }),
    },
  };
}

function checkSecrets(raw: RawStackConfig, settings: StackSettings | undefined): string[] {
  const problems: string[] = [];
  const required: SecretKey[] = ["githubAppPrivateKey", "webhookSecret"];
  if (settings?.host.connection === "ssh") {
    required.push("sshPrivateKey");
  }

  for (const key of SECRET_KEYS) {
    const value = raw.secrets[key];
    if (value === undefined || value === "") {
      if (required.includes(key)) {
        problems.push(
          formatProblem(key, undefined, `missing; run pulumi config set --secret ${key} < FILE`),
        );
      }
      continue;
    }
    if (raw.plainSecretKeys?.includes(key) === true) {
      problems.push(
        formatProblem(
          key,
          SECRET_VALUE,
          `stored in plain text in the stack file; run pulumi config rm ${key}, then pulumi config set --secret ${key} < FILE`,
        ),
      );
    }
    if (key !== "webhookSecret" && !/^-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(value.trim())) {
      problems.push(
        formatProblem(key, SECRET_VALUE, "expected a PEM private key; set it from the key file"),
      );
    }
  }

  const webhookSecret = raw.secrets.webhookSecret;
  if (webhookSecret !== undefined && webhookSecret !== "" && webhookSecret.trim().length < 20) {
    problems.push(
      formatProblem(
        "webhookSecret",
        SECRET_VALUE,
        "shorter than 20 characters; set a random one, for example from openssl rand -hex 32",
      ),
    );
  }
  return problems;
}

function describeIssue(issue: z.core.$ZodIssue, values: Record<string, unknown>): string[] {
  if (issue.code === "unrecognized_keys") {
    return issue.keys.map((name) => describeUnknownKey([...issue.path, name]));
  }
  return [describeShapeIssue(issue, values)];
}

/** Names the unknown key and, when it differs from a known key only in case, that key. */
function describeUnknownKey(path: readonly PropertyKey[]): string {
  const key = formatPath(path);
  const name = String(path[path.length - 1]);
  const known = knownKeysAt(path.slice(0, -1));
  const match = known.find(
    (candidate) => candidate !== name && candidate.toLowerCase() === name.toLowerCase(),
  );
  const hint = match === undefined ? "" : `, or set ${match} instead`;
  return formatProblem(
    key,
    HIDDEN_VALUE,
    `unknown key; remove it with pulumi config rm --path '${key}'${hint}`,
  );
}

/** Lists the keys the schema accepts in the object at a path, or none when it cannot tell. */
function knownKeysAt(path: readonly PropertyKey[]): string[] {
  let schema: z.core.$ZodType = stackConfigSchema;
  for (const segment of path) {
    schema = unwrapSchema(schema);
    if (typeof segment === "number" && schema instanceof z.ZodArray) {
      schema = schema.element;
    } else if (schema instanceof z.ZodObject) {
      const next = (schema.shape as Record<string, z.core.$ZodType | undefined>)[String(segment)];
      if (next === undefined) {
        return [];
      }
      schema = next;
    } else {
      return [];
    }
  }
  schema = unwrapSchema(schema);
  if (schema instanceof z.ZodObject) {
    return Object.keys(schema.shape);
  }
  if (schema instanceof z.ZodDiscriminatedUnion) {
    return schema.options.flatMap((option) =>
      option instanceof z.ZodObject ? Object.keys(option.shape) : [],
    );
  }
  return [];
}

function unwrapSchema(schema: z.core.$ZodType): z.core.$ZodType {
  if (schema instanceof z.ZodDefault || schema instanceof z.ZodOptional) {
    return unwrapSchema(schema.unwrap() as z.core.$ZodType);
  }
  return schema;
}

function describeShapeIssue(issue: z.core.$ZodIssue, values: Record<string, unknown>): string {
  const key = formatPath(issue.path);
  const value = valueAt(values, issue.path);
  const setCommand = `pulumi config set --path '${key}' VALUE`;

  if (value === undefined) {
    return formatProblem(key, value, `missing; set it with ${setCommand}`);
  }
  return formatProblem(key, value, `${issue.message}; fix it with ${setCommand}`);
}

/** Formats a config path the way `pulumi config set --path` reads it: `network.subnet`, `a[0]`. */
function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((segment, index) => {
      if (typeof segment === "number") {
        return `[${segment}]`;
      }
      return index === 0 ? String(segment) : `.${String(segment)}`;
    })
    .join("");
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let current = root;
  for (const segment of path) {
    if (current === null || typeof current !== "object") {
      return undefined;
    }
    current = (current as Record<PropertyKey, unknown>)[segment];
  }
  return current;
}
