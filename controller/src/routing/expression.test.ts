import { createRequire } from "node:module";

import type { WebhookDefinition } from "@octokit/webhooks-examples";
import { describe, expect, it } from "vitest";

import { renderRunsOnExpression, renderTrustCondition } from "./expression.js";
import { contextsFor, loadPayload, loadRoutingCases } from "./fixtures/cases.js";
import type { CaseContexts } from "./fixtures/cases.js";
import {
  evaluateActionsCondition,
  evaluateActionsExpression,
} from "./fixtures/evaluate-expression.js";
import { routingFactsFromActionsContext } from "./from-actions-context.js";
import { decideRouting } from "./policy.js";
import { ROUTING_RULES } from "./rules.js";

const expression = renderRunsOnExpression();

// The package's main file is JSON, which its type declarations describe as a default export that
// TypeScript's NodeNext resolution does not map onto the runtime value, so it is loaded with require.
const examples = createRequire(import.meta.url)(
  "@octokit/webhooks-examples",
) as WebhookDefinition[];

interface AgreementCase {
  name: string;
  contexts: CaseContexts;
}

function constructedCases(): AgreementCase[] {
  return loadRoutingCases().map((routingCase) => ({
    name: routingCase.name,
    contexts: contextsFor(
      routingCase.eventName,
      loadPayload(routingCase.payload),
      routingCase.routingVariable,
      routingCase.triggeringActor,
    ),
  }));
}

// Every example payload that has a repository and a sender, delivered under its own event name
// and as pull_request, with the variable true, upper case and unset.
function exampleCases(): AgreementCase[] {
  const cases: AgreementCase[] = [];
  for (const group of examples) {
    group.examples.forEach((payload: unknown, index: number) => {
      const record = payload as { repository?: unknown; sender?: unknown };
      if (record.repository == null || record.sender == null) {
        return;
      }
      for (const eventName of new Set([group.name, "pull_request"])) {
        for (const variable of ["true", "TRUE", null]) {
          cases.push({
            name: `${group.name}[${index}] as ${eventName}, variable ${String(variable)}`,
            contexts: contextsFor(eventName, payload, variable),
          });
        }
      }
    });
  }
  return cases;
}

function decide(contexts: CaseContexts) {
  return decideRouting(routingFactsFromActionsContext(contexts.github, contexts.vars));
}

describe("renderRunsOnExpression", () => {
  it("renders one line", () => {
    expect(expression).not.toMatch(/[\r\n]/);
  });

  it("renders one expression wrapper", () => {
    expect(expression.match(/\$\{\{/g)).toHaveLength(1);
  });

  it("renders default labels through fromJSON", () => {
    expect(expression).toContain(
      `fromJSON('["self-hosted","linux","x64","chem-trusted-pr"]') || 'ubuntu-latest' }}`,
    );
  });

  it("renders configured labels", () => {
    expect(renderRunsOnExpression({ labels: ["self-hosted", "gpu"] })).toContain(
      `fromJSON('["self-hosted","gpu"]')`,
    );
  });
});

describe("expression agrees with predicate", () => {
  const constructed = constructedCases();
  const fromExamples = exampleCases();

  it("examples cover pull request payloads", () => {
    expect(fromExamples.some((item) => item.name.startsWith("pull_request["))).toBe(true);
  });

  it("examples include a trusted decision", () => {
    expect(fromExamples.some((item) => decide(item.contexts).trusted)).toBe(true);
  });

  it.each(constructed)("$name: runs-on", ({ contexts }) => {
    expect(evaluateActionsExpression(expression, contexts)).toEqual(decide(contexts).runsOn);
  });

  it.each(constructed)("$name: every rule", ({ contexts }) => {
    const facts = routingFactsFromActionsContext(contexts.github, contexts.vars);
    const fromExpression = ROUTING_RULES.map((rule) =>
      evaluateActionsCondition(rule.expression, contexts),
    );
    const fromPredicate = ROUTING_RULES.map((rule) => rule.check(facts) === null);
    expect(fromExpression).toEqual(fromPredicate);
  });

  it.each(constructed)("$name: trust condition", ({ contexts }) => {
    expect(evaluateActionsCondition(renderTrustCondition(), contexts)).toBe(
      decide(contexts).trusted,
    );
  });

  it("webhook examples: runs-on", () => {
    const disagreements = fromExamples
      .filter(({ contexts }) => {
        const fromExpression = evaluateActionsExpression(expression, contexts);
        return JSON.stringify(fromExpression) !== JSON.stringify(decide(contexts).runsOn);
      })
      .map((item) => item.name);
    expect(disagreements).toEqual([]);
  });

  it("webhook examples: every rule", () => {
    const disagreements: string[] = [];
    for (const { name, contexts } of fromExamples) {
      const facts = routingFactsFromActionsContext(contexts.github, contexts.vars);
      ROUTING_RULES.forEach((rule, index) => {
        if (evaluateActionsCondition(rule.expression, contexts) !== (rule.check(facts) === null)) {
          disagreements.push(`${name}: rule ${index}`);
        }
      });
    }
    expect(disagreements).toEqual([]);
  });
});
