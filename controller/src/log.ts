import { pino } from "pino";
import type { Logger, DestinationStream } from "pino";

export type { Logger } from "pino";

/**
 * Field paths whose values are replaced before a log line is written. JIT configs, installation
 * tokens, private keys and webhook secrets must never reach a log, so every module logs them under
 * one of these names if it logs them at all.
 */
export const REDACTED_PATHS: readonly string[] = [
  "jitConfig",
  "encodedJitConfig",
  "encoded_jit_config",
  "token",
  "privateKey",
  "webhookSecret",
  "secret",
  "authorization",
  "*.jitConfig",
  "*.encodedJitConfig",
  "*.encoded_jit_config",
  "*.token",
  "*.privateKey",
  "*.webhookSecret",
  "*.secret",
  "*.authorization",
  "headers.authorization",
  "req.headers.authorization",
];

/** Options for {@link createLogger}. */
export interface LoggerOptions {
  /** Minimum level written; default `info`, or `LOG_LEVEL` when set. */
  level?: string;
  /** Destination stream of the lines; default standard output. Tests pass one to capture lines. */
  destination?: DestinationStream;
}

/** Creates the process's root logger: JSON lines with secrets redacted. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? process.env.LOG_LEVEL ?? "info";
  const config = {
    level,
    base: { service: "trusted-runners" },
    redact: { paths: [...REDACTED_PATHS], censor: "[redacted]" },
  };
  return options.destination === undefined ? pino(config) : pino(config, options.destination);
}
