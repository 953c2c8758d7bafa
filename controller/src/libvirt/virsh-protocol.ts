/**
 * The line protocol spoken with an interactive `virsh -q` process. Each command goes out on one
 * line between `echo` markers, so its reply on standard output and its errors on standard error
 * can be cut out of the two streams. A second line prints a final marker: virsh rejects a line
 * that fails to parse without running any of it, and the final marker still tells us that the
 * line was consumed.
 *
 * virsh 9.0 echoes every input line on standard output after its prompt, because readline draws
 * the line even when standard input is a pipe. The markers are printed from two arguments
 * (`echo '@@tr-N' 'S1@@'` prints `@@tr-N S1@@`), so the echoed command line never contains the
 * printed marker.
 */

/** Characters that cannot be sent because they end or corrupt the command line. */
const FORBIDDEN_CHARACTERS = /[\n\r\0]/;

/** Tokens that virsh reads literally without quotes. */
const BARE_TOKEN = /^[A-Za-z0-9_@%+=:,./-]+$/;

/**
 * Quotes one argument for virsh's tokenizer, which follows POSIX shell rules for single quotes.
 * Quoting does not stop virsh from reading a token that begins with `--` as an option, so data
 * that may begin with `-` must follow its option name (`--pool NAME`) or a `--` separator.
 */
export function quoteVirshArgument(argument: string): string {
  if (FORBIDDEN_CHARACTERS.test(argument)) {
    throw new Error(
      `virsh argument contains a line break or NUL character: ${JSON.stringify(argument)}`,
    );
  }
  if (BARE_TOKEN.test(argument)) {
    return argument;
  }
  return `'${argument.replaceAll("'", `'\\''`)}'`;
}

/** Markers of one request, as printed by virsh. */
export interface RequestMarkers {
  start: string;
  end: string;
  final: string;
}

/** Builds the markers of request number `sequence` in a session with the given nonce. */
export function requestMarkers(nonce: string, sequence: number): RequestMarkers {
  const print = (kind: string): string => `@@tr-${nonce} ${kind}${sequence}@@`;
  return { start: print("S"), end: print("E"), final: print("F") };
}

function markerCommands(nonce: string, kind: string, sequence: number): string {
  const words = `'@@tr-${nonce}' '${kind}${sequence}@@'`;
  return `echo ${words}; echo --err ${words}`;
}

/** Builds the two input lines of one request, each ending with a newline. */
export function requestLines(nonce: string, sequence: number, args: readonly string[]): string {
  const command = args.map(quoteVirshArgument).join(" ");
  const start = markerCommands(nonce, "S", sequence);
  const end = markerCommands(nonce, "E", sequence);
  const final = markerCommands(nonce, "F", sequence);
  return `${start}; ${command}; ${end}\n${final}\n`;
}

/** A request's reply cut out of the streams. */
export interface RequestReply {
  /** Standard output of the command. */
  stdout: string;
  /** virsh's error lines for the command without the `error: ` prefix, empty on success. */
  errors: string[];
  /** Other standard error lines, such as warnings. */
  otherStderr: string[];
  /** Unconsumed standard output after the final marker. */
  stdoutRest: string;
  /** Unconsumed standard error after the final marker. */
  stderrRest: string;
}

const ERROR_PREFIX = "error: ";
/**
 * virsh prints this as an error line when it reconnects after libvirtd restarted, and then runs
 * the command as usual (virsh 9.0, `virshConnectionHandler`), so it is a warning, not a failure.
 */
const RECONNECTED = "Reconnected to the hypervisor";

/** Extracts a reply once both streams contain the final marker, or returns null before that. */
export function extractReply(
  markers: RequestMarkers,
  stdout: string,
  stderr: string,
): RequestReply | null {
  const finalLine = `${ERROR_PREFIX}${markers.final}\n`;
  const stdoutFinal = stdout.indexOf(markers.final);
  const stderrFinal = stderr.indexOf(finalLine);
  if (stdoutFinal < 0 || stderrFinal < 0) {
    return null;
  }
  const stdoutRest = stdout.slice(stdoutFinal + markers.final.length);
  const stderrRest = stderr.slice(stderrFinal + finalLine.length);

  const stdoutHead = stdout.slice(0, stdoutFinal);
  const stderrHead = stderr.slice(0, stderrFinal);
  const outputStart = stdoutHead.indexOf(markers.start);
  const outputEnd = stdoutHead.indexOf(markers.end);
  let output = "";
  if (outputStart >= 0 && outputEnd > outputStart) {
    output = stdoutHead.slice(outputStart + markers.start.length, outputEnd);
    // virsh 9.0 prints `echo` output without a newline, and other versions may add one.
    if (output.startsWith("\n")) {
      output = output.slice(1);
    }
  }

  // Without the start marker on standard error, the line failed to parse and nothing ran. The
  // parse error is then everything before the final marker.
  const startLine = `${ERROR_PREFIX}${markers.start}\n`;
  const endLine = `${ERROR_PREFIX}${markers.end}\n`;
  const errorStart = stderrHead.indexOf(startLine);
  const errorEnd = stderrHead.indexOf(endLine);
  const errorText =
    errorStart >= 0 && errorEnd > errorStart
      ? stderrHead.slice(errorStart + startLine.length, errorEnd)
      : stderrHead;

  const errors: string[] = [];
  const otherStderr: string[] = [];
  for (const line of errorText.split("\n")) {
    if (line.startsWith(ERROR_PREFIX) && line.slice(ERROR_PREFIX.length) !== RECONNECTED) {
      errors.push(line.slice(ERROR_PREFIX.length));
    } else if (line.trim() !== "") {
      otherStderr.push(line);
    }
  }
  if (outputStart < 0 && errors.length === 0) {
    errors.push("virsh did not run the command line");
  }
  return { stdout: output, errors, otherStderr, stdoutRest, stderrRest };
}
