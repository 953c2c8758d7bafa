/** Labels every Linux x64 self-hosted runner carries; a trusted label set includes them all. */
export const REQUIRED_RUNNER_LABELS: readonly string[] = ["self-hosted", "linux", "x64"];

/**
 * Checks a trusted runner label set and returns one fix-naming message per problem, empty when it
 * is valid. The stack config, the controller config and `render-workflows` all apply it, so a
 * label set one of them accepts is accepted by all.
 */
export function labelSetProblems(labels: readonly string[]): string[] {
  const problems: string[] = [];
  const lower = labels.map((label) => label.toLowerCase());

  const missing = REQUIRED_RUNNER_LABELS.filter((label) => !lower.includes(label));
  if (missing.length > 0) {
    problems.push(`missing ${missing.join(", ")}; add them to the list`);
  }

  // GitHub compares labels case-insensitively, so "X64" and "x64" are the same label.
  const duplicates = lower.filter((label, index) => lower.indexOf(label) !== index);
  if (duplicates.length > 0) {
    problems.push(
      `lists ${[...new Set(duplicates)].join(", ")} more than once; remove the repeats`,
    );
  }

  // Every self-hosted runner has the three required labels, so only a further label keeps
  // untrusted jobs that ask for "self-hosted" alone off the trusted runners' label set.
  if (lower.every((label) => REQUIRED_RUNNER_LABELS.includes(label))) {
    problems.push(
      "needs a label beyond self-hosted, linux and x64, such as chem-trusted-pr; add one",
    );
  }
  return problems;
}
