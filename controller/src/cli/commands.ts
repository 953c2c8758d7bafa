import { controllerCommand } from "./controller.js";
import type { Command } from "./dispatch.js";
import { drainCommand } from "./drain.js";
import { reconcileCommand } from "./reconcile.js";
import { renderWorkflowsCommand } from "./render-workflows.js";
import { routeCommand } from "./route.js";
import { statusCommand } from "./status.js";

/**
 * The table of CLI subcommands. Each subcommand lives in its own file under this folder and is
 * registered here by name.
 */
export const commands: Record<string, Command> = {
  route: routeCommand,
  "render-workflows": renderWorkflowsCommand,
  controller: controllerCommand,
  status: statusCommand,
  reconcile: reconcileCommand,
  drain: drainCommand,
};
