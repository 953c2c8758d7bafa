import { fork } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { SECRET_ENV } from "../controller/src/config/schema.js";
import { CONTROLLER_NODE_FLAGS } from "../controller/src/node-flags.js";
import {
  CHILD_SPEC_ENV,
  readyMessageSchema,
  replyMessageSchema,
  replySchemas,
} from "./child/protocol.js";
import type { ChildCall, ChildReply, ChildSpec } from "./child/protocol.js";

const START_TIMEOUT_MS = 60_000;
const CALL_TIMEOUT_MS = 60_000;

/** Error raised when the child process fails to start or to respond. */
export class ControllerProcessError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ControllerProcessError";
  }
}

/** A controller running in a child process, asked for its state over IPC. */
export class ControllerProcess {
  private nextId = 1;
  private readonly pending = new Map<
    number,
    { resolve: (value: unknown) => void; reject: (error: Error) => void }
  >();

  private constructor(
    private readonly child: ChildProcess,
    /** Base URL of the controller's webhook, metrics and health server. */
    readonly url: string,
  ) {
    child.on("message", (message: unknown) => {
      const reply = replyMessageSchema.safeParse(message);
      if (!reply.success) return;
      const waiter = this.pending.get(reply.data.id);
      this.pending.delete(reply.data.id);
      if (reply.data.ok) waiter?.resolve(reply.data.result);
      else waiter?.reject(new ControllerProcessError(reply.data.error ?? "child call failed"));
    });
    child.on("exit", () => {
      for (const waiter of this.pending.values()) {
        waiter.reject(new ControllerProcessError("controller process exited"));
      }
      this.pending.clear();
    });
  }

  /** Starts the child and resolves once its controller serves HTTP. */
  static async start(
    /** The bundled controller child, from `bundleChildren`. */
    entry: string,
    spec: ChildSpec,
    secrets: { githubAppPrivateKey: string; webhookSecret: string },
  ): Promise<ControllerProcess> {
    const child = fork(entry, [], {
      execArgv: ["--expose-gc", ...CONTROLLER_NODE_FLAGS],
      env: {
        ...process.env,
        [CHILD_SPEC_ENV]: JSON.stringify(spec),
        [SECRET_ENV.githubAppPrivateKey]: secrets.githubAppPrivateKey,
        [SECRET_ENV.webhookSecret]: secrets.webhookSecret,
      },
      stdio: ["ignore", "ignore", "inherit", "ipc"],
    });
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill("SIGKILL");
        reject(new ControllerProcessError("controller process did not start in time"));
      }, START_TIMEOUT_MS);
      child.on("message", (message: unknown) => {
        const ready = readyMessageSchema.safeParse(message);
        if (!ready.success) return;
        clearTimeout(timer);
        resolve(ready.data.url);
      });
      child.once("exit", (code) => {
        clearTimeout(timer);
        reject(new ControllerProcessError(`controller process exited with ${code} at start`));
      });
    });
    return new ControllerProcess(child, url);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  async call<Op extends ChildCall["op"]>(
    request: Extract<ChildCall, { op: Op }>,
  ): Promise<ChildReply<Op>> {
    const id = this.nextId++;
    const result = await new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(
          new ControllerProcessError(
            `${request.op}: no response from the controller process within 60 s`,
          ),
        );
      }, CALL_TIMEOUT_MS);
      this.pending.set(id, {
        resolve: (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      this.child.send({ ...request, id });
    });
    return replySchemas[request.op].parse(result) as ChildReply<Op>;
  }

  /** Stops the controller gracefully; kills the process if it does not exit in time. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once("exit", () => resolve()));
    await this.call({ op: "stop" }).catch(() => undefined);
    const timer = setTimeout(() => this.child.kill("SIGKILL"), 15_000);
    await exited;
    clearTimeout(timer);
  }
}
