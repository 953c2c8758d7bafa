#!/usr/bin/env node
import { runCli } from "./cli/dispatch.js";

// Exit as soon as the command is done: a GitHub call that timed out may still be retrying in the
// background, and it must not keep a finished one-shot command alive. Standard output and error
// are synchronous for files and pipes on Linux, so nothing written is lost.
process.exit(await runCli(process.argv.slice(2)));
