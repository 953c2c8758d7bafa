import * as pulumi from "@pulumi/pulumi";

import { SECRET_KEYS } from "./schema.js";
import type { SecretKey } from "./schema.js";
import type { RawStackConfig } from "./parse.js";

/**
 * Reads every key of the config's namespace from Pulumi config, known or not, so the schema can
 * reject a misspelt key instead of never seeing it. Pulumi stores values as strings, with
 * numbers, booleans, lists and objects as JSON, so each value is decoded from JSON where it parses
 * and kept as text otherwise.
 */
export function readStackConfig(config: pulumi.Config): RawStackConfig {
  const secretKeys: readonly string[] = SECRET_KEYS;
  const prefix = `${config.name}:`;
  const values: Record<string, unknown> = {};
  for (const fullKey of Object.keys(pulumi.runtime.allConfig())) {
    const key = fullKey.slice(prefix.length);
    if (!fullKey.startsWith(prefix) || secretKeys.includes(key)) {
      continue;
    }
    const text = config.get(key);
    if (text !== undefined) {
      values[key] = decodeValue(text);
    }
  }

  const secrets: RawStackConfig["secrets"] = {};
  const plainSecretKeys: SecretKey[] = [];
  for (const key of SECRET_KEYS) {
    // Config.get returns a secret's plain text, which the checks need before any resource exists.
    // parseStackConfig wraps it with pulumi.secret before it reaches any resource or output.
    const text = config.get(key);
    if (text !== undefined) {
      secrets[key] = text;
      if (isConfigSecret(`${prefix}${key}`) === false) plainSecretKeys.push(key);
    }
  }
  return { values, secrets, plainSecretKeys };
}

/**
 * Whether Pulumi stores a config key encrypted, or undefined when the runtime cannot tell.
 * NOTE: @pulumi/pulumi 3.248 exports `runtime.isConfigSecret` from its JavaScript but leaves it
 * out of its type definitions, so it is looked up by name.
 */
function isConfigSecret(fullKey: string): boolean | undefined {
  const runtime = pulumi.runtime as unknown as { isConfigSecret?: (key: string) => boolean };
  return typeof runtime.isConfigSecret === "function" ? runtime.isConfigSecret(fullKey) : undefined;
}

function decodeValue(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
