import * as pulumi from "@pulumi/pulumi";

import { buildControllerBundle } from "../controller/scripts/build.js";
import { CONFIG_NAMESPACE } from "./config/errors.js";
import { parseStackConfig } from "./config/parse.js";
import { readStackConfig } from "./config/read.js";
import { declareFleet } from "./program.js";

// Validation comes first, so an invalid stack fails before any resource or build step.
const stack = parseStackConfig(readStackConfig(new pulumi.Config(CONFIG_NAMESPACE)));
const bundle = await buildControllerBundle();
const outputs = declareFleet(stack, bundle);

export const runnerGroupId = outputs.runnerGroupId;
export const routingVariableValue = outputs.routingVariableValue;
export const controllerUrl = outputs.controllerUrl;
export const libvirtNetwork = outputs.libvirtNetwork;
export const libvirtPool = outputs.libvirtPool;
export const baseVolume = outputs.baseVolume;
