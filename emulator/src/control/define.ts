import type { z } from "zod";

import type { EmulatorEnv } from "../http/context.js";
import type { FaultRegistry } from "../http/faults.js";
import type { WebhookSender } from "../webhooks/sender.js";

/** Environment of control operations: the REST environment plus webhooks and faults. */
export interface ControlEnv extends EmulatorEnv {
  sender: WebhookSender;
  faults: FaultRegistry;
}

/** A control operation: its input schema and what it does. Results are plain JSON values. */
export interface Operation<S extends z.ZodType, R> {
  input: S;
  run(env: ControlEnv, input: z.output<S>): R | Promise<R>;
}

export function defineOperation<S extends z.ZodType, R>(
  input: S,
  run: (env: ControlEnv, input: z.output<S>) => R | Promise<R>,
): Operation<S, R> {
  return { input, run };
}
