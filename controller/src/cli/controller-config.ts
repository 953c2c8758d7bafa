import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { controllerConfigSchema, SECRET_ENV } from "../config/schema.js";
import { Store } from "../store/store.js";
import type { ControllerConfig, ControllerSecrets } from "../config/schema.js";

/** Invalid command-line input, a bad config file or a missing secret. */
export class CliInputError extends Error {}

/** Parses `--config FILE` plus the given boolean flags. */
export function parseConfigArguments(
  argv: string[],
  usage: string,
  flags: string[] = [],
): { configFile: string; flags: Set<string>; wait?: string } {
  let values: Record<string, string | boolean | undefined>;
  try {
    const options: Record<string, { type: "string" | "boolean" }> = {
      config: { type: "string" },
      wait: { type: "string" },
    };
    for (const flag of flags) options[flag] = { type: "boolean" };
    ({ values } = parseArgs({ args: argv, options, strict: true, allowPositionals: false }));
  } catch (error) {
    throw new CliInputError(`${(error as Error).message}; ${usage}`);
  }
  const configFile = values.config;
  if (typeof configFile !== "string" || configFile === "") {
    throw new CliInputError(`missing --config; ${usage}`);
  }
  const set = new Set(flags.filter((flag) => values[flag] === true));
  const wait = typeof values.wait === "string" ? values.wait : undefined;
  return { configFile, flags: set, ...(wait === undefined ? {} : { wait }) };
}

/** Reads and validates the controller's configuration file; errors name the key and the fix. */
export async function loadControllerConfig(path: string): Promise<ControllerConfig> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new CliInputError(`cannot read config file ${path}: ${(error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new CliInputError(`config file ${path} is not valid JSON: ${(error as Error).message}`);
  }
  const parsed = controllerConfigSchema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`)
      .join("; ");
    throw new CliInputError(`config file ${path} is invalid: ${issues}`);
  }
  return parsed.data;
}

/**
 * Opens the state database in the config's `stateDir`. A folder that cannot be created or a file
 * that is not a database becomes a {@link CliInputError} naming the file and the key.
 */
export function openStore(config: ControllerConfig, configFile: string): Store {
  try {
    return new Store(config.stateDir);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new CliInputError(
      `config file ${configFile}: stateDir ${JSON.stringify(config.stateDir)} cannot be ` +
        `opened: ${reason}; set stateDir to a folder the controller can write`,
    );
  }
}

/** Reads the secrets from the environment variables the systemd unit sets. */
export function secretsFromEnv(env: NodeJS.ProcessEnv = process.env): ControllerSecrets {
  const githubAppPrivateKey = env[SECRET_ENV.githubAppPrivateKey];
  const webhookSecret = env[SECRET_ENV.webhookSecret];
  const missing = [
    githubAppPrivateKey ? null : SECRET_ENV.githubAppPrivateKey,
    webhookSecret ? null : SECRET_ENV.webhookSecret,
  ].filter((name) => name !== null);
  if (missing.length > 0) {
    throw new CliInputError(
      `missing environment variable ${missing.join(" and ")}; set it to the secret's value`,
    );
  }
  return {
    githubAppPrivateKey: unescapePemNewlines(githubAppPrivateKey!),
    webhookSecret: webhookSecret!,
  };
}

/**
 * Turns the two characters `\n` back into newlines. systemd environment files hold one line per
 * variable and keep backslashes, so the Pulumi program writes the PEM key's newlines escaped.
 */
export function unescapePemNewlines(value: string): string {
  // A PEM key never contains a backslash, so a key that already has real newlines is unchanged.
  return value.replaceAll("\\n", "\n");
}

/** Runs a subcommand body, turning {@link CliInputError} into one stderr line and exit 2. */
export async function runWithUsageErrors(
  name: string,
  body: () => Promise<number>,
): Promise<number> {
  try {
    return await body();
  } catch (error) {
    if (error instanceof CliInputError) {
      process.stderr.write(`trusted-runners ${name}: ${error.message.replace(/\s+/g, " ")}\n`);
      return 2;
    }
    throw error;
  }
}
