import { describe, expect, test } from "vitest";

import { runScript } from "../testing/run-script.js";
import { bashScript, shellQuote, writeFileCommand } from "./shell.js";

describe("shell helpers", () => {
  test("quoted value survives bash", () => {
    const value = `it's "$HOME" and \`date\``;
    const result = runScript(bashScript([`printf %s ${shellQuote(value)}`]));
    expect(result.stdout).toBe(value);
  });

  test("here-document writes content verbatim", () => {
    const content = "line with $HOME and `date`\nsecond line";
    const result = runScript(
      bashScript([
        "file=$(mktemp)",
        writeFileCommand('"$file"', content),
        'cat "$file"',
        'rm "$file"',
      ]),
    );
    expect(result.stdout).toBe(`${content}\n`);
  });

  test("end marker in content rejected", () => {
    expect(() => writeFileCommand("/tmp/x", "a\nTR_HEREDOC_END\nb")).toThrow(
      "contains the line TR_HEREDOC_END",
    );
  });
});
