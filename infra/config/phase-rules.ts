import { labelSetProblems } from "../../controller/src/routing/label-set.js";
import { formatProblem } from "./errors.js";
import type { StackSettings } from "./schema.js";

/**
 * Checks the rules that span keys: what each rollout phase allows, the warm pool against max VMs,
 * the VMs against the host's room and the guest subnet, repeated repositories, and the runner
 * label set. Returns one line per problem.
 */
export function checkPhaseRules(settings: StackSettings): string[] {
  return [
    ...checkRouting(settings),
    ...checkWarmPool(settings),
    ...checkHostRoom(settings),
    ...checkGuestAddresses(settings),
    ...checkRepositories(settings.repositories),
    ...checkLabels(settings.runnerLabels),
  ];
}

function checkGuestAddresses(settings: StackSettings): string[] {
  const { maxVms, network } = settings;
  const prefixLength = Number(network.subnet.split("/")[1]);
  // The network, gateway and broadcast addresses are not handed out by DHCP.
  const guestAddresses = 2 ** (32 - prefixLength) - 3;
  if (maxVms <= guestAddresses) {
    return [];
  }
  return [
    formatProblem(
      "maxVms",
      maxVms,
      `exceeds the ${guestAddresses} guest addresses of network.subnet ${network.subnet}; ` +
        "lower maxVms or give network.subnet a shorter prefix",
    ),
  ];
}

function checkRepositories(repositories: StackSettings["repositories"]): string[] {
  const problems: string[] = [];
  const ids = repositories.map((repository) => repository.id);
  // GitHub compares repository names case-insensitively.
  const names = repositories.map((repository) => repository.name.toLowerCase());
  repositories.forEach((repository, index) => {
    if (ids.indexOf(repository.id) !== index || names.indexOf(names[index] ?? "") !== index) {
      problems.push(
        formatProblem(
          `repositories[${index}]`,
          repository,
          "repeats an earlier repository's name or id; remove the repeat",
        ),
      );
    }
  });
  return problems;
}

function checkRouting(settings: StackSettings): string[] {
  if (settings.phase === "dark" && settings.trustedRouting === true) {
    return [
      formatProblem(
        "trustedRouting",
        true,
        "the dark phase never routes traffic; remove the key, or set phase to canary",
      ),
    ];
  }
  return [];
}

function checkWarmPool(settings: StackSettings): string[] {
  const { phase, warmPool, maxVms } = settings;
  const problems: string[] = [];
  if (phase === "dark" && warmPool > 0) {
    problems.push(formatProblem("warmPool", warmPool, "the dark phase keeps no VMs; set it to 0"));
  }
  if (phase === "canary" && warmPool > 0) {
    problems.push(
      formatProblem(
        "warmPool",
        warmPool,
        "the canary phase boots one VM per job with no warm pool; " +
          "set it to 0, or set phase to tuned",
      ),
    );
  }
  if (phase === "tuned" && warmPool < 1) {
    problems.push(
      formatProblem("warmPool", warmPool, "the tuned phase keeps warm VMs; set it to 1 or more"),
    );
  }
  if (warmPool > maxVms) {
    problems.push(
      formatProblem(
        "warmPool",
        warmPool,
        `exceeds maxVms (${maxVms}); lower warmPool or raise maxVms`,
      ),
    );
  }
  return problems;
}

function checkHostRoom(settings: StackSettings): string[] {
  const { maxVms, hostResources } = settings;
  const needs = [
    { key: "vcpus", perVm: settings.vcpus, room: hostResources.vcpus, unit: "vCPUs" },
    { key: "memoryMiB", perVm: settings.memoryMiB, room: hostResources.memoryMiB, unit: "MiB" },
    { key: "diskGiB", perVm: settings.diskGiB, room: hostResources.diskGiB, unit: "GiB" },
  ];
  const problems: string[] = [];
  for (const need of needs) {
    const total = maxVms * need.perVm;
    if (total > need.room) {
      problems.push(
        formatProblem(
          "maxVms",
          maxVms,
          `${maxVms} VMs × ${need.perVm} ${need.unit} = ${total} ${need.unit} exceeds ` +
            `hostResources.${need.key} (${need.room}); lower maxVms or ${need.key}, ` +
            `or raise hostResources.${need.key}`,
        ),
      );
    }
  }
  return problems;
}

function checkLabels(labels: string[]): string[] {
  return labelSetProblems(labels).map((problem) => formatProblem("runnerLabels", labels, problem));
}
