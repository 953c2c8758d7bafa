export { startEmulator } from "./emulator.js";
export type { Emulator, EmulatorOptions } from "./emulator.js";
export { createControlClient, ControlError } from "./control/client.js";
export type { EmulatorControl, OperationName } from "./control/operations.js";
export type { EmulatorState } from "./control/system.js";
export type { FaultSpecInput } from "./http/faults.js";
export type { Delivery } from "./webhooks/sender.js";
export { signBody } from "./webhooks/sign.js";
