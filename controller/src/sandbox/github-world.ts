import { createTestWorld } from "../../../emulator/src/test-support.js";
import type { TestWorld } from "../../../emulator/src/test-support.js";
import { DEFAULT_TRUSTED_LABELS, ROUTING_VARIABLE } from "../routing/index.js";

/** Organisation and repository the sandbox's pull requests target. */
export const ORG = "acme";
export const REPO = "app";
export const REPO_FULL_NAME = `${ORG}/${REPO}`;

/** The accounts behind the sandbox's pull requests. */
export const ACTORS = {
  member: "alice",
  forkOwner: "mallory",
  bot: "dependabot[bot]",
  contributor: "carol",
} as const;

/** The emulated GitHub the sandbox runs against, with the runner group of trusted runners. */
export interface SandboxGithub {
  world: TestWorld;
  runnerGroupId: number;
  labels: string[];
}

/**
 * Starts the emulator with the accounts of every scenario: the organisation, its private
 * repository with the routing variable `true`, a member, a fork owner with a fork, a bot and
 * a contributor. The runner group lists the repository, as the canary stack declares it.
 */
export async function createSandboxGithub(
  runnerBaseUrl: string | undefined,
): Promise<SandboxGithub> {
  const world = await createTestWorld({
    ...(runnerBaseUrl === undefined ? {} : { runnerBaseUrl }),
    // Short long polls and a quick loss of silent runners keep cancellation and teardown brisk.
    acquireWaitMs: 5000,
    runnerLostAfterMs: 20_000,
  });
  const { control } = world.emulator;
  await control.addMember({ org: ORG, login: ACTORS.member });
  await control.createUser({ login: ACTORS.forkOwner });
  await control.createRepo({ owner: ACTORS.forkOwner, name: REPO, fork: true, private: false });
  await control.createUser({ login: ACTORS.bot, type: "Bot" });
  await control.createUser({ login: ACTORS.contributor });
  await control.setVariable({ repo: REPO_FULL_NAME, name: ROUTING_VARIABLE, value: "true" });
  const group = await control.createRunnerGroup({
    org: ORG,
    name: "trusted-pr",
    visibility: "selected",
    selectedRepositories: [REPO_FULL_NAME],
  });
  return { world, runnerGroupId: group.id, labels: [...DEFAULT_TRUSTED_LABELS] };
}
