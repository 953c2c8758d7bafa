import { readFile } from "node:fs/promises";
import { join } from "node:path";

import { data, Evaluator, Lexer, Parser } from "@actions/expressions";
import { truthy } from "@actions/expressions/result";
import { parse } from "yaml";
import { z } from "zod";

import { REPOSITORY_ROOT } from "../../../images/test/manifest.js";
import {
  HOSTED_RUNS_ON,
  actionsContextFromWebhook,
  decideRouting,
  routingFactsFromWebhook,
} from "../routing/index.js";
import type { RoutingDecision } from "../routing/index.js";

/** The example workflow whose jobs the sandbox routes. */
export const PR_WORKFLOW = join(REPOSITORY_ROOT, ".github", "workflows", "pr-ci.yml");

const workflowSchema = z.object({
  name: z.string().min(1),
  jobs: z.record(
    z.string(),
    z.object({
      name: z.string().min(1).optional(),
      if: z.string().optional(),
      "runs-on": z.string().min(1),
      steps: z.array(
        z.object({
          name: z.string().optional(),
          run: z.string().optional(),
          uses: z.string().optional(),
        }),
      ),
    }),
  ),
});

/** The workflow's jobs, as read from the file. */
export type PrWorkflow = z.infer<typeof workflowSchema>;

/** A job's `runs-on` in the workflow differs from the routing policy's decision. */
export class RoutingMismatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RoutingMismatchError";
  }
}

/** One workflow job that a pull request starts, with its runner labels. */
export interface RoutedPrJob {
  jobKey: string;
  name: string;
  /** The trusted labels, or `ubuntu-latest`. */
  runsOn: string[] | typeof HOSTED_RUNS_ON;
  /** One `echo` per workflow step, so a guest runs a job shaped like the real one. */
  steps: string[];
}

/** A pull request's routing: the policy's decision and the jobs the workflow starts. */
export interface RoutedPullRequest {
  decision: RoutingDecision;
  jobs: RoutedPrJob[];
}

export async function loadPrWorkflow(file = PR_WORKFLOW): Promise<PrWorkflow> {
  return workflowSchema.parse(parse(await readFile(file, "utf8")));
}

type Contexts = { github: Record<string, unknown>; vars: Record<string, string> };

// NOTE: `@actions/expressions` 0.3.61 is GitHub's TypeScript implementation of the expression
// language. The routing tests check the rendered expression with the same package.
function evaluate(source: string, contexts: Contexts): data.ExpressionData {
  const body = source.trim().replace(/^\$\{\{([\s\S]*)\}\}$/, "$1");
  const parsed = new Parser(new Lexer(body).lex().tokens, ["github", "vars"], []).parse();
  const contextData = JSON.parse(JSON.stringify(contexts), data.reviver) as data.Dictionary;
  return new Evaluator(parsed, contextData).evaluate();
}

function quoteForShell(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

function stepEcho(step: PrWorkflow["jobs"][string]["steps"][number], index: number): string {
  const label = step.name ?? step.run ?? step.uses ?? `step ${index + 1}`;
  return `echo ${quoteForShell(label.split("\n")[0] ?? label)}`;
}

/**
 * Routes a `pull_request` event through the workflow. Evaluates each job's `if` and `runs-on`
 * with `@actions/expressions` and applies the routing policy to the same payload. Throws
 * {@link RoutingMismatchError} when a job's `runs-on` differs from the policy's decision.
 */
export function routePullRequest(
  workflow: PrWorkflow,
  payload: { number: number },
  routingVariable: string | undefined,
): RoutedPullRequest {
  const decision = decideRouting(routingFactsFromWebhook("pull_request", payload, routingVariable));
  const github = {
    ...actionsContextFromWebhook("pull_request", payload),
    ref: `refs/pull/${payload.number}/merge`,
  };
  const contexts: Contexts = {
    github,
    vars: routingVariable === undefined ? {} : { CI_SELF_HOSTED_TRUSTED_ROUTING: routingVariable },
  };
  const jobs: RoutedPrJob[] = [];
  for (const [jobKey, job] of Object.entries(workflow.jobs)) {
    if (job.if !== undefined && !truthy(evaluate(job.if, contexts))) continue;
    const result = JSON.parse(
      JSON.stringify(evaluate(job["runs-on"], contexts), data.replacer),
    ) as unknown;
    const runsOn = z.union([z.literal(HOSTED_RUNS_ON), z.array(z.string())]).safeParse(result);
    if (!runsOn.success || JSON.stringify(runsOn.data) !== JSON.stringify(decision.runsOn)) {
      throw new RoutingMismatchError(
        `job ${jobKey} of pr-ci.yml runs on ${JSON.stringify(result)} but the routing policy expects ${JSON.stringify(decision.runsOn)}; run: npm run render-workflows`,
      );
    }
    jobs.push({
      jobKey,
      name: job.name ?? jobKey,
      runsOn: runsOn.data,
      steps: job.steps.map(stepEcho),
    });
  }
  return { decision, jobs };
}
