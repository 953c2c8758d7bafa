#!/usr/bin/env node
import { runCli } from "./cli/dispatch.js";

process.exitCode = await runCli(process.argv.slice(2));
