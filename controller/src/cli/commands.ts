import type { Command } from "./dispatch.js";

/**
 * The table of CLI subcommands. Each subcommand lives in its own file under this folder and is
 * registered here by name.
 */
export const commands: Record<string, Command> = {};
