import * as pulumi from "@pulumi/pulumi";
import { describe, expect, test } from "vitest";

import { renderEnvFile } from "./env-file.js";

function resolve(output: pulumi.Output<string>): Promise<string> {
  return new Promise((done) => output.apply(done));
}

describe("renderEnvFile", () => {
  test("escapes PEM newlines", async () => {
    const text = await resolve(
      renderEnvFile({
        githubAppPrivateKey: pulumi.secret("-----BEGIN KEY-----\nabc\n-----END KEY-----\n"),
        webhookSecret: pulumi.secret("s3cr3t"),
      }),
    );
    expect(text).toBe(
      'TR_GITHUB_APP_PRIVATE_KEY="-----BEGIN KEY-----\\nabc\\n-----END KEY-----"\n' +
        'TR_WEBHOOK_SECRET="s3cr3t"\n',
    );
  });

  test("escapes systemd quote characters", async () => {
    const text = await resolve(
      renderEnvFile({
        githubAppPrivateKey: pulumi.secret("k"),
        webhookSecret: pulumi.secret('a"b\\c$d`e'),
      }),
    );
    expect(text).toContain('TR_WEBHOOK_SECRET="a\\"b\\\\c\\$d\\`e"');
  });

  test("result stays secret", async () => {
    const output = renderEnvFile({
      githubAppPrivateKey: pulumi.secret("k"),
      webhookSecret: pulumi.secret("s"),
    });
    expect(await pulumi.isSecret(output)).toBe(true);
  });
});
