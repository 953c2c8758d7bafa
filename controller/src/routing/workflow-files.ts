import { isMap, isPair, isScalar, parseDocument } from "yaml";
import type { Pair } from "yaml";

import { actionsEquals } from "./actions-strings.js";
import { ROUTING_VARIABLE } from "./rules.js";

/**
 * Labels that every self-hosted runner carries, because GitHub adds them at registration. They do
 * not mark a job as one that requests the trusted pool. Only the configured labels beyond them do.
 */
const GENERIC_RUNNER_LABELS = ["self-hosted", "linux", "windows", "macos", "x64", "arm", "arm64"];

/** A job whose `runs-on` takes part in routing, and whether it matches the rendered expression. */
export interface RoutedJob {
  jobId: string;
  /** 1-based line of the `runs-on` key. */
  line: number;
  /** The `runs-on` source text after `runs-on:`, trimmed. */
  source: string;
  /** True when the source is exactly the rendered expression on the key's line. */
  upToDate: boolean;
}

interface RunsOnEntry {
  jobId: string;
  pair: Pair;
  keyEnd: number;
  valueEnd: number;
}

/**
 * Lists the jobs of a workflow whose `runs-on` mentions the routing variable or a trusted label
 * that is not generic. A job that hard-codes the trusted labels is listed too, because it would
 * bypass the policy. Throws when the text is not valid YAML.
 */
export function findRoutedJobs(
  text: string,
  expression: string,
  labels: readonly string[],
): RoutedJob[] {
  const markers = [ROUTING_VARIABLE, ...labels.filter((label) => !isGeneric(label))];
  const lineStarts = computeLineStarts(text);

  return listRunsOn(text)
    .filter((entry) => mentionsAny(entry.pair.value, markers))
    .map((entry) => {
      const source = text.slice(entry.keyEnd, entry.valueEnd).replace(/^:/, "").trim();
      return {
        jobId: entry.jobId,
        line: lineOf(lineStarts, entry.keyEnd),
        source,
        upToDate: text.slice(entry.keyEnd, entry.valueEnd).trimEnd() === `: ${expression}`,
      };
    });
}

/**
 * Replaces the `runs-on` value of every routed job with the rendered expression, on the key's
 * line, and leaves every other byte of the file as it was.
 */
export function renderWorkflow(
  text: string,
  expression: string,
  labels: readonly string[],
): string {
  const markers = [ROUTING_VARIABLE, ...labels.filter((label) => !isGeneric(label))];
  const entries = listRunsOn(text).filter((entry) => mentionsAny(entry.pair.value, markers));

  // Replace from the end so earlier offsets stay valid.
  let output = text;
  for (const entry of [...entries].reverse()) {
    const old = output.slice(entry.keyEnd, entry.valueEnd);
    const trailing = /\s*$/.exec(old)?.[0] ?? "";
    output =
      output.slice(0, entry.keyEnd) + `: ${expression}${trailing}` + output.slice(entry.valueEnd);
  }
  return output;
}

function listRunsOn(text: string): RunsOnEntry[] {
  const document = parseDocument(text);
  if (document.errors.length > 0) {
    throw new Error(`invalid YAML: ${document.errors[0]?.message ?? "unknown error"}`);
  }
  const jobs = document.get("jobs", true);
  if (!isMap(jobs)) {
    return [];
  }

  const entries: RunsOnEntry[] = [];
  for (const job of jobs.items) {
    if (!isPair(job) || !isScalar(job.key) || !isMap(job.value)) {
      continue;
    }
    const pair = job.value.items.find(
      (item): item is Pair => isPair(item) && isScalar(item.key) && item.key.value === "runs-on",
    );
    const keyRange = isScalar(pair?.key) ? pair.key.range : undefined;
    const valueRange = (pair?.value as { range?: [number, number, number] } | null)?.range;
    if (pair === undefined || keyRange == null || valueRange === undefined) {
      continue;
    }
    entries.push({
      jobId: String(job.key.value),
      pair,
      keyEnd: keyRange[1],
      valueEnd: valueRange[1],
    });
  }
  return entries;
}

function mentionsAny(value: unknown, markers: readonly string[]): boolean {
  const text = JSON.stringify(value ?? null);
  return markers.some((marker) => actionsIncludes(text, marker));
}

function actionsIncludes(text: string, part: string): boolean {
  return text.toUpperCase().includes(part.toUpperCase());
}

function isGeneric(label: string): boolean {
  return GENERIC_RUNNER_LABELS.some((generic) => actionsEquals(generic, label));
}

function computeLineStarts(text: string): number[] {
  const starts = [0];
  for (let index = 0; index < text.length; index += 1) {
    if (text[index] === "\n") {
      starts.push(index + 1);
    }
  }
  return starts;
}

function lineOf(lineStarts: readonly number[], offset: number): number {
  let line = 0;
  while (line + 1 < lineStarts.length && (lineStarts[line + 1] ?? Infinity) <= offset) {
    line += 1;
  }
  return line + 1;
}
