import { describe, expect, test } from "vitest";

import { loadStackFile, runProgram, withConfig } from "../testing/stack-harness.js";
import type { DeclaredResource, StackFileConfig } from "../testing/stack-harness.js";
import { StackConfigError } from "./errors.js";
import { parseStackConfig } from "./parse.js";
import type { RawStackConfig } from "./parse.js";
import { SECRET_KEYS } from "./schema.js";

// Decodes a stack file's flat string map the way readStackConfig decodes Pulumi config.
function toRaw(config: StackFileConfig): RawStackConfig {
  const raw: RawStackConfig = { values: {}, secrets: {} };
  for (const [fullKey, text] of Object.entries(config.values)) {
    const key = fullKey.slice("trusted-runners:".length);
    if ((SECRET_KEYS as readonly string[]).includes(key)) {
      raw.secrets[key as (typeof SECRET_KEYS)[number]] = text;
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

function problemsOf(stack: string, changes: Record<string, unknown>): readonly string[] {
  try {
    parseStackConfig(toRaw(withConfig(loadStackFile(stack), changes)));
  } catch (error) {
    if (error instanceof StackConfigError) {
      return error.problems;
    }
    throw error;
  }
  return [];
}

describe("parseStackConfig", () => {
  test("example stacks are valid", () => {
    for (const stack of ["dark", "canary", "tuned"]) {
      expect(problemsOf(stack, {})).toEqual([]);
    }
  });

  test("routing defaults from phase", () => {
    expect(parseStackConfig(toRaw(loadStackFile("dark"))).trustedRouting).toBe(false);
    expect(parseStackConfig(toRaw(loadStackFile("canary"))).trustedRouting).toBe(true);
  });

  test("missing key names the command", () => {
    expect(problemsOf("canary", { organization: undefined })).toEqual([
      "trusted-runners:organization = (not set): missing; set it with " +
        "pulumi config set --path 'organization' VALUE",
    ]);
  });

  test("dark with routing on", () => {
    expect(problemsOf("dark", { trustedRouting: true })).toEqual([
      "trusted-runners:trustedRouting = true: the dark phase never routes traffic; " +
        "remove the key, or set phase to canary",
    ]);
  });

  test("canary with warm pool", () => {
    const problems = problemsOf("canary", { warmPool: 1 });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^trusted-runners:warmPool = 1: the canary phase .*set it to 0/);
  });

  test("tuned without warm pool", () => {
    expect(problemsOf("tuned", { warmPool: 0 })).toEqual([
      "trusted-runners:warmPool = 0: the tuned phase keeps warm VMs; set it to 1 or more",
    ]);
  });

  test("warm pool above max", () => {
    expect(problemsOf("tuned", { warmPool: 5, maxVms: 4 })).toEqual([
      "trusted-runners:warmPool = 5: exceeds maxVms (4); lower warmPool or raise maxVms",
    ]);
  });

  test("host without room for VMs", () => {
    const problems = problemsOf("canary", { maxVms: 5 });
    expect(problems).toEqual([
      "trusted-runners:maxVms = 5: 5 VMs × 4 vCPUs = 20 vCPUs exceeds hostResources.vcpus (16); " +
        "lower maxVms or vcpus, or raise hostResources.vcpus",
    ]);
  });

  test("label set without x64", () => {
    const labels = ["self-hosted", "linux", "chem-trusted-pr"];
    expect(problemsOf("canary", { runnerLabels: labels })).toEqual([
      `trusted-runners:runnerLabels = ${JSON.stringify(labels)}: missing x64; add them to the list`,
    ]);
  });

  test("label set of required labels only", () => {
    const problems = problemsOf("canary", { runnerLabels: ["self-hosted", "linux", "X64"] });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/needs a label beyond self-hosted, linux and x64/);
  });

  test("label with space rejected", () => {
    const labels = ["self-hosted", "linux", "x64", "trusted pr"];
    expect(problemsOf("canary", { runnerLabels: labels })).toEqual([
      'trusted-runners:runnerLabels[3] = "trusted pr": a runner label may contain only letters, ' +
        "digits, '.', '_' and '-'; fix it with pulumi config set --path 'runnerLabels[3]' VALUE",
    ]);
  });

  test("label set with repeats", () => {
    const labels = ["self-hosted", "linux", "x64", "gpu", "GPU"];
    const problems = problemsOf("canary", { runnerLabels: labels });
    expect(problems).toEqual([
      `trusted-runners:runnerLabels = ${JSON.stringify(labels)}: lists gpu more than once; ` +
        "remove the repeats",
    ]);
  });

  test("bad sha256 names value", () => {
    const baseImage = { url: "https://images.example.com/base.qcow2", sha256: "ABC123" };
    expect(problemsOf("canary", { baseImage })).toEqual([
      'trusted-runners:baseImage.sha256 = "ABC123": expected 64 lowercase hexadecimal digits; ' +
        "fix it with pulumi config set --path 'baseImage.sha256' VALUE",
    ]);
  });

  test("ssh host without host key", () => {
    const host = { connection: "ssh", address: "vm-host.example.com", port: 22, user: "deploy" };
    expect(problemsOf("canary", { host })).toEqual([
      "trusted-runners:host.hostKey = (not set): missing; set it with " +
        "pulumi config set --path 'host.hostKey' VALUE",
    ]);
  });

  test("subnet prefix too long", () => {
    const network = { subnet: "10.0.0.0/31" };
    expect(problemsOf("canary", { network })).toEqual([
      'trusted-runners:network.subnet = "10.0.0.0/31": expected a prefix from /8 to /29, which ' +
        "leaves room for a gateway and guests; fix it with " +
        "pulumi config set --path 'network.subnet' VALUE",
    ]);
  });

  test("subnet too small for VMs", () => {
    const network = { subnet: "10.0.0.0/29" };
    expect(problemsOf("tuned", { network })).toEqual([
      "trusted-runners:maxVms = 6: exceeds the 5 guest addresses of network.subnet 10.0.0.0/29; " +
        "lower maxVms or give network.subnet a shorter prefix",
    ]);
  });

  test("repeated repository rejected", () => {
    const repositories = [
      { name: "example-repo", id: 100000001 },
      { name: "Example-Repo", id: 100000002 },
    ];
    expect(problemsOf("canary", { repositories })).toEqual([
      'trusted-runners:repositories[1] = {"name":"Example-Repo","id":100000002}: repeats an ' +
        "earlier repository's name or id; remove the repeat",
    ]);
  });

  test("misspelt nested key rejected", () => {
    const network = { name: "tr-runners", subnett: "10.0.0.0/24" };
    expect(problemsOf("canary", { network })).toEqual([
      "trusted-runners:network.subnett = [hidden]: unknown key; " +
        "remove it with pulumi config rm --path 'network.subnett'",
    ]);
  });

  test("key in wrong case names the right one", () => {
    const controller = { publicURL: "https://runners.example.com/github/webhook" };
    expect(problemsOf("canary", { controller })).toEqual([
      "trusted-runners:controller.publicURL = [hidden]: unknown key; remove it with pulumi config rm --path 'controller.publicURL', " +
        "or set publicUrl instead",
    ]);
  });

  test("misspelt secret key hides value", () => {
    const pem = "-----BEGIN PRIVATE KEY-----\nplain-text-key-4711\n-----END PRIVATE KEY-----";
    const problems = problemsOf("canary", { githubAppPrivatekey: pem });
    expect(problems).toHaveLength(1);
    expect(problems[0]).not.toContain("plain-text-key-4711");
  });

  test("private key in plain key hidden", () => {
    const pem = "-----BEGIN PRIVATE KEY-----\nplain-text-key-4711\n-----END PRIVATE KEY-----";
    expect(problemsOf("canary", { githubAppId: pem })).toEqual([
      "trusted-runners:githubAppId = [private key]: Invalid input: expected number, " +
        "received string; fix it with pulumi config set --path 'githubAppId' VALUE",
    ]);
  });

  test("missing secret names set command", () => {
    expect(problemsOf("canary", { webhookSecret: undefined })).toEqual([
      "trusted-runners:webhookSecret = (not set): missing; " +
        "run pulumi config set --secret webhookSecret < FILE",
    ]);
  });

  test("invalid secret hides its value", () => {
    const problems = problemsOf("canary", { githubAppPrivateKey: "not-a-key-value-4711" });
    expect(problems).toEqual([
      "trusted-runners:githubAppPrivateKey = [secret]: expected a PEM private key; " +
        "set it from the key file",
    ]);
  });

  test("blank webhook secret too short", () => {
    const problems = problemsOf("canary", { webhookSecret: " ".repeat(30) });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain("shorter than 20 characters");
  });

  test("several problems listed together", () => {
    const problems = problemsOf("dark", { trustedRouting: true, warmPool: 1 });
    expect(problems).toHaveLength(2);
  });

  test("error message lists every problem", () => {
    const error = new StackConfigError(["first problem", "second problem"]);
    expect(error.message).toBe(
      "invalid stack configuration, 2 problems:\n  first problem\n  second problem",
    );
  });
});

describe("program with invalid config", () => {
  test("rejects a misspelt top-level key", async () => {
    // A dropped `trustedrouting: false` would leave routing on during a rollback.
    const config = withConfig(loadStackFile("canary"), { trustedrouting: false });
    const problems = await runProgram(config, "canary").then(
      () => [],
      (error: unknown) => (error instanceof StackConfigError ? error.problems : [String(error)]),
    );
    expect(problems).toEqual([
      "trusted-runners:trustedrouting = [hidden]: unknown key; remove it with " +
        "pulumi config rm --path 'trustedrouting', or set trustedRouting instead",
    ]);
  });

  test("secret set in plain text rejected", async () => {
    const config = loadStackFile("canary");
    const plain = {
      ...config,
      secretKeys: config.secretKeys.filter((key) => key !== "trusted-runners:webhookSecret"),
    };
    const problems = await runProgram(plain, "canary").then(
      () => [],
      (error: unknown) => (error instanceof StackConfigError ? error.problems : [String(error)]),
    );
    expect(problems).toEqual([
      "trusted-runners:webhookSecret = [secret]: stored in plain text in the stack file; run " +
        "pulumi config rm webhookSecret, then pulumi config set --secret webhookSecret < FILE",
    ]);
  });

  test("fails before declaring resources", async () => {
    const config = withConfig(loadStackFile("dark"), { trustedRouting: true });
    const resources: DeclaredResource[] = [];
    await expect(runProgram(config, "dark", resources)).rejects.toBeInstanceOf(StackConfigError);
    expect(resources).toEqual([]);
  });
});
