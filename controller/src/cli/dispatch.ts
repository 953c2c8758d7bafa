import { commands } from "./commands.js";

/** Exit status for invalid input: a missing or bad argument, file or payload. */
export const EXIT_USAGE = 2;

/** A CLI subcommand: receives the arguments after its name and returns the exit status. */
export interface Command {
  summary: string;
  run(argv: string[]): Promise<number>;
}

/**
 * Runs the subcommand named by the first argument. Unknown or missing subcommands print the list
 * of commands and return {@link EXIT_USAGE}.
 */
export async function runCli(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  const command = name === undefined ? undefined : commands[name];

  if (command === undefined) {
    const list = Object.entries(commands)
      .map(([key, value]) => `  ${key.padEnd(18)} ${value.summary}`)
      .join("\n");
    const problem = name === undefined ? "missing command" : `unknown command "${name}"`;
    process.stderr.write(`trusted-runners: ${problem}\nCommands:\n${list}\n`);
    return EXIT_USAGE;
  }

  return command.run(rest);
}
