import { request } from "node:http";

/** Decoded emulator JIT config. */
export interface JitConfig {
  url: string;
  runnerName: string;
  token: string;
}

export interface AssignedJob {
  jobId: number;
  runId: number;
  steps: number;
}

/** Decodes the emulator's JIT config: base64 of a flat JSON object. */
export function decodeJitConfig(encoded: string): JitConfig {
  const value = JSON.parse(Buffer.from(encoded, "base64").toString("utf8")) as Partial<JitConfig>;
  if (
    typeof value.url !== "string" ||
    typeof value.runnerName !== "string" ||
    typeof value.token !== "string"
  ) {
    throw new Error("JIT config is invalid: expected url, runnerName and token");
  }
  return { url: value.url, runnerName: value.runnerName, token: value.token };
}

/** A runner protocol call that did not return 200 or 204. */
export class RunnerProtocolError extends Error {
  constructor(
    readonly status: number,
    readonly path: string,
  ) {
    super(`Runner protocol call ${path} failed with ${status}`);
    this.name = "RunnerProtocolError";
  }
}

/**
 * Speaks the runner protocol in TypeScript, as the stand-in runner of the test image does in
 * shell. The base URL comes from the JIT config unless given, because a test on the host cannot
 * reach the guest's 10.0.2.2.
 */
export class RunnerClient {
  private readonly config: JitConfig;
  private readonly baseUrl: string;

  constructor(encodedJitConfig: string, baseUrl?: string) {
    this.config = decodeJitConfig(encodedJitConfig);
    this.baseUrl = baseUrl ?? this.config.url;
  }

  get name(): string {
    return this.config.runnerName;
  }

  async connect(): Promise<number> {
    const reply = await this.call("POST", "/_runner/connect");
    return Number(fields(reply.text).runner_id);
  }

  /** Long-polls for a job; undefined when none was assigned in time. */
  async acquire(): Promise<AssignedJob | undefined> {
    const reply = await this.call("POST", "/_runner/acquire");
    if (reply.status === 204) return undefined;
    const values = fields(reply.text);
    return {
      jobId: Number(values.job_id),
      runId: Number(values.run_id),
      steps: Number(values.steps),
    };
  }

  async stepScript(jobId: number, step: number): Promise<string> {
    return (await this.call("GET", `/_runner/jobs/${jobId}/steps/${step}/script`)).text;
  }

  async reportStep(
    jobId: number,
    step: number,
    conclusion: "success" | "failure",
  ): Promise<"continue" | "cancel"> {
    const reply = await this.call(
      "POST",
      `/_runner/jobs/${jobId}/steps/${step}`,
      `conclusion=${conclusion}`,
    );
    return reply.text.trim() === "cancel" ? "cancel" : "continue";
  }

  async complete(jobId: number, conclusion: "success" | "failure" | "cancelled"): Promise<void> {
    await this.call("POST", `/_runner/jobs/${jobId}/complete`, `conclusion=${conclusion}`);
  }

  private call(method: string, path: string, body = ""): Promise<{ status: number; text: string }> {
    return new Promise((resolve, reject) => {
      const outgoing = request(new URL(path, this.baseUrl), {
        method,
        agent: false,
        headers: {
          authorization: `Bearer ${this.config.token}`,
          "content-type": "application/x-www-form-urlencoded",
          "content-length": Buffer.byteLength(body),
        },
      });
      outgoing.on("response", (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () => {
          const status = response.statusCode ?? 0;
          if (status !== 200 && status !== 204) reject(new RunnerProtocolError(status, path));
          else resolve({ status, text: Buffer.concat(chunks).toString("utf8") });
        });
        response.on("error", reject);
      });
      outgoing.on("error", reject);
      outgoing.end(body);
    });
  }
}

function fields(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const index = line.indexOf("=");
    if (index > 0) values[line.slice(0, index)] = line.slice(index + 1);
  }
  return values;
}
