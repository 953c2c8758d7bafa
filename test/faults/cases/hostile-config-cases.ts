import { describe, expect, it } from "vitest";

import { StackConfigError } from "../../../infra/config/errors.js";
import { parseStackConfig } from "../../../infra/config/parse.js";
import type { RawStackConfig } from "../../../infra/config/parse.js";
import { SECRET_KEYS } from "../../../infra/config/schema.js";
import type { SecretKey } from "../../../infra/config/schema.js";
import { loadStackFile } from "../../../infra/testing/stack-harness.js";
import { suiteRecord } from "../support/suite-record.js";

const NAMESPACE = "trusted-runners:";
const LONG = "x".repeat(10_000);

/** Hostile values per config key path; every one must be rejected with a line naming the path. */
const HOSTILE_VALUES: Record<string, unknown[]> = {
  phase: ["canary; rm -rf /", "__proto__", 1, null, "CANARY"],
  trustedRouting: ["true", "yes", 1],
  organization: ["../etc", "a b", "acme\nevil", LONG, "", { $ne: null }],
  repositories: [[], "acme/app", [{ name: "../x", id: 1 }], [{ name: "app", id: -1 }]],
  runnerLabels: [["self-hosted", "a b"], ["self-hosted", "$(id)"], "self-hosted"],
  githubApiUrl: ["not a url", "", 42],
  githubAppId: [-1, 0, 1.5, "1; drop table", "NaN"],
  githubAppInstallationId: [-5, "x", 2 ** 60 + 0.5],
  "host.port": [0, 70_000, "22; id", -22],
  "host.user": ["root;id", "$(id)", "a b", LONG],
  "hostResources.vcpus": [0, -1, 1.5],
  "network.name": ["../x", "a b", "x;y", LONG],
  "network.subnet": ["10.0.0.0/33", "999.1.1.1/24", "10.0.0.0", "fe80::/64"],
  "network.extraBlockedCidrs": [["not-a-cidr"], "10.0.0.0/8"],
  "pool.path": ["relative/path", "", "/var/lib\npool"],
  "baseImage.url": ["http://insecure.example.com/x.qcow2", "ftp://x/y", "javascript:alert(1)"],
  "baseImage.sha256": ["zz", "abc", LONG],
  warmPool: [-1, 1.5, "0"],
  maxVms: [0, -3, "4"],
  vcpus: [0, 65, 1e9],
  memoryMiB: [1, -8192],
  diskGiB: [0, 0.5],
  "controller.listen": ["0.0.0.0:99999", "host", ":8080 --evil"],
  "controller.publicUrl": ["http://runners.example.com/hook", "not a url"],
  "controller.namePrefix": ["TR-", "../", LONG, "a b"],
  "controller.domainType": ["xen", "KVM", ""],
  libvirtUri: ["", 5],
};

/** Reads the canary stack file as the program does, with test secrets. */
function canaryRaw(): RawStackConfig {
  const file = loadStackFile("canary");
  const raw: RawStackConfig = { values: {}, secrets: {} };
  for (const [fullKey, text] of Object.entries(file.values)) {
    const key = fullKey.slice(NAMESPACE.length);
    if ((SECRET_KEYS as readonly string[]).includes(key)) {
      raw.secrets[key as SecretKey] = text;
      continue;
    }
    try {
      raw.values[key] = JSON.parse(text) as unknown;
    } catch {
      raw.values[key] = text;
    }
  }
  return raw;
}

/** Sets `value` at a dotted path, copying each object on the way. */
function withValue(raw: RawStackConfig, path: string, value: unknown): RawStackConfig {
  const [head, ...rest] = path.split(".");
  const values = structuredClone(raw.values);
  if (rest.length === 0) {
    values[head!] = value;
  } else {
    const parent = values[head!] as Record<string, unknown>;
    parent[rest.join(".")] = value;
  }
  return { values, secrets: raw.secrets };
}

function problemsOf(raw: RawStackConfig): readonly string[] {
  try {
    parseStackConfig(raw);
  } catch (error) {
    if (error instanceof StackConfigError) return error.problems;
    throw error;
  }
  return [];
}

/** Hostile stack config values through the infra parser. */
export function describeHostileConfigCases(): void {
  describe("hostile stack config", () => {
    it("rejects each value naming its key", () => {
      const base = canaryRaw();
      expect(problemsOf(base)).toEqual([]);
      const unnamed: string[] = [];
      for (const [path, values] of Object.entries(HOSTILE_VALUES)) {
        for (const value of values) {
          const problems = problemsOf(withValue(base, path, value));
          suiteRecord.add("hostile config", { cases: 1, faults: 1 });
          const named = problems.some((line) => line.startsWith(`${NAMESPACE}${path}`));
          if (!named) unnamed.push(`${path} = ${JSON.stringify(value)?.slice(0, 60)}`);
        }
      }
      expect(unnamed).toEqual([]);
    });
  });
}
