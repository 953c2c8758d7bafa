/** A GitHub call failed with a status the caller did not handle. */
export class GithubCallError extends Error {
  override readonly name = "GithubCallError";

  constructor(
    readonly call: string,
    readonly status: number | undefined,
    options?: { cause?: unknown },
  ) {
    super(`GitHub call ${call} failed with status ${status ?? "none (no response)"}`, options);
  }
}

/** `generate-jitconfig` returned 409: a runner with that name already exists. */
export class RunnerNameTakenError extends Error {
  override readonly name = "RunnerNameTakenError";

  constructor(readonly runnerName: string) {
    super(`a runner named ${runnerName} already exists; delete it before requesting a new config`);
  }
}

/** Returns the HTTP status of an Octokit request error, or undefined for other errors. */
export function statusOf(error: unknown): number | undefined {
  if (typeof error === "object" && error !== null && "status" in error) {
    const status = (error as { status: unknown }).status;
    return typeof status === "number" ? status : undefined;
  }
  return undefined;
}
