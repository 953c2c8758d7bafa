import type { z } from "zod";

import { accountOperations } from "./accounts.js";
import { actionOperations } from "./actions.js";
import type { ControlEnv, Operation } from "./define.js";
import { systemOperations } from "./system.js";

/** Every control operation by name; the HTTP control API serves each at `POST /_emulator/{name}`. */
export const operations = { ...accountOperations, ...actionOperations, ...systemOperations };

export type OperationName = keyof typeof operations;

type InputOf<O> = O extends Operation<infer S, unknown> ? z.input<S> : never;
type ResultOf<O> = O extends Operation<z.ZodType, infer R> ? Awaited<R> : never;

/** The control API, the same in process (`emulator.control`) and over HTTP (`createControlClient`). */
export type EmulatorControl = {
  [K in OperationName]: (
    input?: InputOf<(typeof operations)[K]>,
  ) => Promise<ResultOf<(typeof operations)[K]>>;
};

export function isOperationName(name: string): name is OperationName {
  return Object.hasOwn(operations, name);
}

/** Validates the input of an operation and runs it. */
export async function runOperation(
  env: ControlEnv,
  name: OperationName,
  input: unknown,
): Promise<unknown> {
  const operation = operations[name] as Operation<z.ZodType, unknown>;
  return operation.run(env, operation.input.parse(input ?? {}));
}

/** Builds the in-process control object. */
export function createLocalControl(env: ControlEnv): EmulatorControl {
  const control: Record<string, (input?: unknown) => Promise<unknown>> = {};
  for (const name of Object.keys(operations)) {
    control[name] = (input) => runOperation(env, name as OperationName, input);
  }
  return control as EmulatorControl;
}
