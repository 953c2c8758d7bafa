/** Quotes a value as one POSIX shell word. */
export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

const HEREDOC_END = "TR_HEREDOC_END";

/**
 * Renders a shell command that writes `content` to `path` through a quoted here-document, so the
 * shell expands nothing inside it. Raises when the content contains the end marker line.
 */
export function writeFileCommand(path: string, content: string): string {
  if (content.split("\n").includes(HEREDOC_END)) {
    throw new Error(`content for ${path} contains the line ${HEREDOC_END}; it cannot be embedded`);
  }
  const body = content.endsWith("\n") ? content : `${content}\n`;
  return `cat >${path} <<'${HEREDOC_END}'\n${body}${HEREDOC_END}`;
}

/** Joins script lines after the strict-mode header every host script starts with. */
export function bashScript(lines: string[]): string {
  return ["set -euo pipefail", ...lines].join("\n") + "\n";
}
