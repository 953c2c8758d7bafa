import { spawnSync } from "node:child_process";

/** Exit status and output of one script run. */
export interface ScriptResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a rendered host script with bash, as the local Command does, for at most 120 s. */
export function runScript(script: string, stdin = ""): ScriptResult {
  const result = spawnSync("/bin/bash", ["-c", script], {
    input: stdin,
    encoding: "utf8",
    timeout: 120_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
