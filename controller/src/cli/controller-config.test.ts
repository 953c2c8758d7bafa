import { describe, expect, test } from "vitest";

import { SECRET_ENV } from "../config/schema.js";
import { secretsFromEnv, unescapePemNewlines } from "./controller-config.js";

const PEM = "-----BEGIN PRIVATE KEY-----\nAAAA\nBBBB\n-----END PRIVATE KEY-----\n";

describe("secretsFromEnv", () => {
  test("escaped PEM newlines restored", () => {
    const escaped = PEM.replaceAll("\n", "\\n");
    const secrets = secretsFromEnv({
      [SECRET_ENV.githubAppPrivateKey]: escaped,
      [SECRET_ENV.webhookSecret]: "s",
    });
    expect(secrets.githubAppPrivateKey).toBe(PEM);
  });

  test("real PEM newlines kept", () => {
    expect(unescapePemNewlines(PEM)).toBe(PEM);
  });

  test("missing secret names variable", () => {
    expect(() => secretsFromEnv({ [SECRET_ENV.webhookSecret]: "s" })).toThrow(
      SECRET_ENV.githubAppPrivateKey,
    );
  });
});
