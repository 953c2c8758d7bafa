import { REQUIRED_RUNNER_LABELS } from "./schema.js";
import { formatProblem } from "./errors.js";
import type { StackSettings } from "./schema.js";

/**
 * Checks the rules that span keys: what each rollout phase allows, the warm pool against max VMs,
 * the VMs against the host's room, and the runner label set. Returns one line per problem.
 */
export function checkPhaseRules(settings: StackSettings): string[] {
  return [
    ...checkRouting(settings),
    ...checkWarmPool(settings),
    ...checkHostRoom(settings),
    ...checkGuestAddresses(settings),
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

function checkLabels(labels: string[]): string[] {
  const problems: string[] = [];
  const lower = labels.map((label) => label.toLowerCase());

  const missing = REQUIRED_RUNNER_LABELS.filter((label) => !lower.includes(label));
  if (missing.length > 0) {
    problems.push(
      formatProblem("runnerLabels", labels, `missing ${missing.join(", ")}; add them to the list`),
    );
  }

  // GitHub compares labels case-insensitively, so "X64" and "x64" are the same label.
  const duplicates = lower.filter((label, index) => lower.indexOf(label) !== index);
  if (duplicates.length > 0) {
    problems.push(
      formatProblem(
        "runnerLabels",
        labels,
        `lists ${[...new Set(duplicates)].join(", ")} more than once; remove the repeats`,
      ),
    );
  }

  // Every self-hosted runner has the three required labels, so only a further label keeps
  // untrusted jobs that ask for "self-hosted" alone off the trusted runners' label set.
  if (lower.every((label) => REQUIRED_RUNNER_LABELS.includes(label))) {
    problems.push(
      formatProblem(
        "runnerLabels",
        labels,
        "needs a label beyond self-hosted, linux and x64, such as chem-trusted-pr; add one",
      ),
    );
  }
  return problems;
}
