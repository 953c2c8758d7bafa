import type { IncomingMessage, ServerResponse } from "node:http";

import { ZodError } from "zod";

import type { ControlEnv } from "./define.js";
import { isOperationName, runOperation } from "./operations.js";
import { parseJson, readText } from "../http/body.js";
import { sendJson } from "../http/reply.js";
import { ApiError } from "../model/errors.js";

/** Path prefix of the control API. */
export const CONTROL_PREFIX = "/_emulator/";

/**
 * Serves `POST /_emulator/{operation}` with a JSON input and `GET /_emulator/state`. Errors are
 * `{error}` with 400 for invalid input, 404 for unknown names and GitHub's status otherwise.
 */
export async function handleControl(
  env: ControlEnv,
  request: IncomingMessage,
  response: ServerResponse,
  path: string,
): Promise<void> {
  const name = path.slice(CONTROL_PREFIX.length);
  const method = request.method ?? "GET";
  try {
    const text = await readText(request);
    const readOnly = method === "GET" && name === "state";
    if (!isOperationName(name) || (method !== "POST" && !readOnly)) {
      throw new ApiError(
        404,
        `Unknown control operation ${method} ${name}; use POST /_emulator/{operation}`,
      );
    }
    const result = await runOperation(env, name, readOnly ? {} : parseJson(text));
    sendJson(response, 200, result, {});
  } catch (error) {
    if (error instanceof ZodError) {
      const details = error.issues.map(
        (issue) => `${issue.path.join(".") || "input"}: ${issue.message}`,
      );
      sendJson(response, 400, { error: `Invalid input for ${name}: ${details.join("; ")}` }, {});
    } else if (error instanceof ApiError) {
      sendJson(response, error.status, { error: error.message }, {});
    } else {
      throw error;
    }
  }
}
