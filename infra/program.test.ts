import { describe, expect, test } from "vitest";

import type { ControllerConfig } from "../controller/src/config/schema.js";
import {
  findResource,
  isSecretInput,
  loadStackFile,
  plainInput,
  runProgram,
  withConfig,
} from "./testing/stack-harness.js";
import type { DeclaredResource } from "./testing/stack-harness.js";

const GROUP = "github:index/actionsRunnerGroup:ActionsRunnerGroup";
const VARIABLE = "github:index/actionsVariable:ActionsVariable";
const WEBHOOK = "github:index/repositoryWebhook:RepositoryWebhook";
const REMOTE_COMMAND = "command:remote:Command";

function controllerConfig(resources: DeclaredResource[]): ControllerConfig {
  const command = findResource(resources, REMOTE_COMMAND, "controller-config");
  return JSON.parse(plainInput(command.inputs.stdin) as string) as ControllerConfig;
}

function inputsByName(resources: DeclaredResource[]): Map<string, string> {
  return new Map(resources.map((r) => [`${r.type} ${r.name}`, JSON.stringify(r.inputs)]));
}

const STACKS = [
  { stack: "dark", routing: "false", warmPool: 0 },
  { stack: "canary", routing: "true", warmPool: 0 },
  { stack: "tuned", routing: "true", warmPool: 2 },
];

describe.each(STACKS)("stack $stack", ({ stack, routing, warmPool }) => {
  test("routing variable matches phase", async () => {
    const { resources, outputs } = await runProgram(loadStackFile(stack), stack);
    const variable = findResource(resources, VARIABLE);
    expect(variable.inputs.variableName).toBe("CI_SELF_HOSTED_TRUSTED_ROUTING");
    expect(variable.inputs.value).toBe(routing);
    expect(outputs.routingVariableValue).toBe(routing);
  });

  test("runner group selects the repository", async () => {
    const { resources, outputs } = await runProgram(loadStackFile(stack), stack);
    const group = findResource(resources, GROUP);
    expect(group.inputs.visibility).toBe("selected");
    expect(group.inputs.selectedRepositoryIds).toEqual([100000001]);
    expect(group.inputs.allowsPublicRepositories).toBe(false);
    expect(outputs.runnerGroupId).toBe("4242");
  });

  test("controller config carries capacity", async () => {
    const { resources } = await runProgram(loadStackFile(stack), stack);
    const config = controllerConfig(resources);
    expect(config.capacity.warmPool).toBe(warmPool);
    expect(config.github.runnerGroupId).toBe(4242);
    expect(config.github.labels).toEqual(["self-hosted", "linux", "x64", "chem-trusted-pr"]);
    expect(config.libvirt.network).toEqual({
      type: "network",
      name: "tr-runners",
      filter: "tr-runner-guard",
    });
  });

  test("secrets stay secret in inputs", async () => {
    const { resources } = await runProgram(loadStackFile(stack), stack);
    const envFile = findResource(resources, REMOTE_COMMAND, "controller-env-file");
    expect(isSecretInput(envFile.inputs.stdin)).toBe(true);
    expect(plainInput(envFile.inputs.stdin)).toMatch(/^TR_GITHUB_APP_PRIVATE_KEY="-----BEGIN/);
    const webhook = findResource(resources, WEBHOOK);
    expect(isSecretInput(webhook.inputs.configuration)).toBe(true);
    const network = findResource(resources, REMOTE_COMMAND, "guest-network-network");
    expect(isSecretInput(network.inputs.connection)).toBe(true);
  });

  test("ssh connection pins host key", async () => {
    const { resources } = await runProgram(loadStackFile(stack), stack);
    const network = findResource(resources, REMOTE_COMMAND, "guest-network-network");
    const connection = plainInput(network.inputs.connection) as { hostKey?: string };
    expect(connection.hostKey).toMatch(/^ssh-ed25519 AAAA/);
  });

  test("controller config holds no secret", async () => {
    const { resources } = await runProgram(loadStackFile(stack), stack);
    const command = findResource(resources, REMOTE_COMMAND, "controller-config");
    expect(plainInput(command.inputs.stdin)).not.toMatch(/PRIVATE KEY/);
  });

  test("bundle step installs native addon", async () => {
    const { resources } = await runProgram(loadStackFile(stack), stack);
    const bundle = findResource(resources, REMOTE_COMMAND, "controller-bundle");
    expect(String(bundle.inputs.create)).toContain("/opt/trusted-runners/better_sqlite3.node");
    expect(bundle.inputs.triggers).toEqual(["0".repeat(64), "1".repeat(64)]);
  });

  test("outputs name libvirt objects", async () => {
    const { outputs } = await runProgram(loadStackFile(stack), stack);
    expect(outputs.libvirtNetwork).toBe("tr-runners");
    expect(outputs.libvirtPool).toBe("tr-pool");
    expect(outputs.baseVolume).toBe("tr-base.qcow2");
    expect(outputs.controllerUrl).toBe("https://runners.example.com/github/webhook");
  });
});

describe("rollback", () => {
  test("routing off changes only variable", async () => {
    const base = loadStackFile("canary");
    const before = inputsByName((await runProgram(base, "canary")).resources);
    const rolledBack = await runProgram(withConfig(base, { trustedRouting: false }), "canary");
    const after = inputsByName(rolledBack.resources);

    const changed = [...after.keys()].filter((key) => after.get(key) !== before.get(key));
    expect(changed).toEqual([`${VARIABLE} github-routing-example-repo`]);
    expect(findResource(rolledBack.resources, VARIABLE).inputs.value).toBe("false");
    expect(after.size).toBe(before.size);
  });

  test("repository access off empties group", async () => {
    const base = loadStackFile("canary");
    const before = inputsByName((await runProgram(base, "canary")).resources);
    const rolledBack = await runProgram(withConfig(base, { repositoryAccess: false }), "canary");
    const after = inputsByName(rolledBack.resources);

    const changed = [...after.keys()].filter((key) => after.get(key) !== before.get(key));
    expect(changed).toEqual([`${GROUP} github-runner-group`]);
    expect(findResource(rolledBack.resources, GROUP).inputs.selectedRepositoryIds).toEqual([]);
    expect(after.size).toBe(before.size);
  });
});

describe("program options", () => {
  test("no public URL declares no webhook", async () => {
    const base = loadStackFile("canary");
    const controller = { listen: "127.0.0.1:8080", namePrefix: "tr-", domainType: "kvm" };
    const { resources, outputs } = await runProgram(withConfig(base, { controller }), "canary");
    expect(resources.filter((r) => r.type === WEBHOOK)).toEqual([]);
    expect(outputs.controllerUrl).toBe("http://127.0.0.1:8080");
  });

  test("local host uses local commands", async () => {
    const base = loadStackFile("canary");
    const config = withConfig(base, { host: { connection: "local" }, sshPrivateKey: undefined });
    const { resources } = await runProgram(config, "canary");
    expect(resources.filter((r) => r.type.startsWith("command:remote:"))).toEqual([]);
    const unit = findResource(resources, "command:local:Command", "controller-unit");
    expect(unit.inputs.interpreter).toEqual(["/bin/bash", "-c"]);
  });

  test("workflow restriction reaches group", async () => {
    const workflows = ["example-org/example-repo/.github/workflows/ci.yml@refs/heads/main"];
    const config = withConfig(loadStackFile("canary"), { restrictedWorkflows: workflows });
    const group = findResource((await runProgram(config, "canary")).resources, GROUP);
    expect(group.inputs.restrictedToWorkflows).toBe(true);
    expect(group.inputs.selectedWorkflows).toEqual(workflows);
  });
});
