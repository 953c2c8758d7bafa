import type * as pulumi from "@pulumi/pulumi";
import { describe, expect, test } from "vitest";

import { parseStackConfig } from "../config/parse.js";
import type { RawStackConfig } from "../config/parse.js";
import { TEST_SECRETS, loadStackFile } from "../testing/stack-harness.js";
import { parseRunnerGroupId, renderControllerConfig } from "./controller-config.js";

function tunedStack() {
  const file = loadStackFile("tuned");
  const raw: RawStackConfig = { values: {}, secrets: TEST_SECRETS };
  for (const [fullKey, text] of Object.entries(file.values)) {
    const key = fullKey.slice("trusted-runners:".length);
    if (!(key in TEST_SECRETS)) {
      try {
        raw.values[key] = JSON.parse(text) as unknown;
      } catch {
        raw.values[key] = text;
      }
    }
  }
  return parseStackConfig(raw);
}

function settle<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply(resolve));
}

describe("renderControllerConfig", () => {
  test("capacity totals follow max VMs", async () => {
    const config = await settle(renderControllerConfig(tunedStack(), "17"));
    expect(config.capacity).toEqual({ warmPool: 2, maxVms: 6, maxVcpus: 24, maxMemoryMiB: 49152 });
  });

  test("repositories carry the owner", async () => {
    const config = await settle(renderControllerConfig(tunedStack(), "17"));
    expect(config.github.repositories).toEqual([
      { owner: "example-org", name: "example-repo", id: 100000001 },
    ]);
  });

  test("non-numeric group id rejected", () => {
    expect(() => parseRunnerGroupId("group-x")).toThrow(
      'runner group id "group-x" is not a positive integer',
    );
  });
});
