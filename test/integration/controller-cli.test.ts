import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import { SECRET_ENV } from "../../controller/src/config/schema.js";
import { createHarness, WEBHOOK_SECRET } from "./controller-harness.js";
import type { Harness } from "./controller-harness.js";

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return typeof address === "object" && address !== null ? address.port : 0;
}

describe("controller command", () => {
  let harness: Harness | undefined;
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  it("serves until SIGTERM then exits", async () => {
    harness = await createHarness({ webhooks: false });
    const port = await freePort();
    const configFile = join(harness.stateDir, "controller.json");
    const config = {
      ...harness.config,
      server: { ...harness.config.server, listen: `127.0.0.1:${port}` },
    };
    writeFileSync(configFile, JSON.stringify(config));
    const child = spawn(
      process.execPath,
      ["--import", "tsx", "controller/src/cli.ts", "controller", "--config", configFile],
      {
        env: {
          ...process.env,
          LOG_LEVEL: "silent",
          [SECRET_ENV.githubAppPrivateKey]: harness.world.privateKey,
          [SECRET_ENV.webhookSecret]: WEBHOOK_SECRET,
        },
        stdio: ["ignore", "ignore", "pipe"],
      },
    );
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));

    let ready = false;
    for (let attempt = 0; attempt < 200 && !ready; attempt += 1) {
      ready = await fetch(`http://127.0.0.1:${port}/readyz`)
        .then((response) => response.status === 200)
        .catch(() => false);
      if (!ready) await sleep(100);
    }
    expect(ready).toBe(true);

    child.kill("SIGTERM");
    expect(await exited).toBe(0);
  });

  it("reconcile once reports failed listings", async () => {
    harness = await createHarness({ webhooks: false });
    const configFile = join(harness.stateDir, "controller.json");
    // Nothing listens on the discard port, so every GitHub call fails at once.
    const config = {
      ...harness.config,
      github: { ...harness.config.github, apiUrl: "http://127.0.0.1:9" },
      timeouts: { ...harness.config.timeouts, callSeconds: 2 },
    };
    writeFileSync(configFile, JSON.stringify(config));
    const child = spawn(
      process.execPath,
      ["--import", "tsx", "controller/src/cli.ts", "reconcile", "--once", "--config", configFile],
      {
        env: {
          ...process.env,
          LOG_LEVEL: "silent",
          [SECRET_ENV.githubAppPrivateKey]: harness.world.privateKey,
          [SECRET_ENV.webhookSecret]: WEBHOOK_SECRET,
        },
        stdio: ["ignore", "ignore", "pipe"],
      },
    );
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const status = await new Promise<number | null>((resolve) => child.once("exit", resolve));
    expect(status).toBe(1);
    expect(stderr).toContain("listing runners failed");
  });

  it("missing secret is a usage error", async () => {
    harness = await createHarness({ webhooks: false });
    const configFile = join(harness.stateDir, "controller.json");
    writeFileSync(configFile, JSON.stringify(harness.config));
    const env = { ...process.env };
    delete env[SECRET_ENV.githubAppPrivateKey];
    const child = spawn(
      process.execPath,
      ["--import", "tsx", "controller/src/cli.ts", "controller", "--config", configFile],
      { env, stdio: ["ignore", "ignore", "pipe"] },
    );
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const status = await new Promise<number | null>((resolve) => child.once("exit", resolve));
    expect(status).toBe(2);
    expect(stderr).toContain(SECRET_ENV.githubAppPrivateKey);
  });
});
