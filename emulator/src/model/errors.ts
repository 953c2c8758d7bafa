/**
 * A request that GitHub would reject. REST handlers turn it into GitHub's error body
 * `{message, documentation_url, status}`; the control API turns it into `{error}`.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = "ApiError";
  }
}

export function notFound(): ApiError {
  return new ApiError(404, "Not Found");
}
