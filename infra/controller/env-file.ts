import * as pulumi from "@pulumi/pulumi";

import { SECRET_ENV } from "../../controller/src/config/schema.js";
import type { ControllerSecrets } from "../../controller/src/config/schema.js";

/**
 * Quotes a value for a systemd `EnvironmentFile=`. Inside double quotes systemd removes the
 * backslash before `"`, `\`, `$` and a backquote, and keeps it before any other character. A
 * newline written as the two characters `\n` therefore reaches the controller as backslash and
 * `n`, and the controller turns those back into newlines in the PEM key.
 * NOTE: escape rules read from systemd's src/basic/env-file.c (DOUBLE_QUOTE_VALUE_ESCAPE).
 */
function quoteEnvValue(value: string): string {
  const escaped = value.replace(/["\\$`]/g, (char) => `\\${char}`).replace(/\r?\n/g, "\\n");
  return `"${escaped}"`;
}

/** Renders the root-only environment file with the controller's secrets; the result is secret. */
export function renderEnvFile(secrets: {
  [K in keyof ControllerSecrets]: pulumi.Output<string>;
}): pulumi.Output<string> {
  return pulumi
    .all([secrets.githubAppPrivateKey, secrets.webhookSecret])
    .apply(([privateKey, webhookSecret]) =>
      pulumi.secret(
        [
          `${SECRET_ENV.githubAppPrivateKey}=${quoteEnvValue(privateKey.trim())}`,
          `${SECRET_ENV.webhookSecret}=${quoteEnvValue(webhookSecret)}`,
          "",
        ].join("\n"),
      ),
    );
}
