import { describe, expect, it } from "vitest";

import { contextsFor, loadPayload, loadRoutingCases } from "./fixtures/cases.js";
import { routingFactsFromActionsContext } from "./from-actions-context.js";
import { routingFactsFromWebhook } from "./from-webhook.js";
import { DEFAULT_TRUSTED_LABELS, decideRouting, HOSTED_RUNS_ON } from "./policy.js";

const cases = loadRoutingCases();

function decide(routingCase: (typeof cases)[number]) {
  const payload = loadPayload(routingCase.payload);
  const { github, vars } = contextsFor(
    routingCase.eventName,
    payload,
    routingCase.routingVariable,
    routingCase.triggeringActor,
  );
  return decideRouting(routingFactsFromActionsContext(github, vars));
}

describe("decideRouting", () => {
  it.each(cases)("$name: trusted is $trusted", (routingCase) => {
    expect(decide(routingCase).trusted).toBe(routingCase.trusted);
  });

  it.each(cases)("$name: reason codes", (routingCase) => {
    const codes = decide(routingCase).reasons.map((reason) => reason.code);
    expect(codes).toEqual(routingCase.reasonCodes);
  });

  it.each(cases)("$name: runs-on", (routingCase) => {
    const expected = routingCase.trusted ? [...DEFAULT_TRUSTED_LABELS] : HOSTED_RUNS_ON;
    expect(decide(routingCase).runsOn).toEqual(expected);
  });

  it("reasons carry human-readable messages", () => {
    const facts = routingFactsFromWebhook(
      "pull_request",
      loadPayload("pr-fork-member.json"),
      "true",
    );
    expect(decideRouting(facts).reasons[0]?.message).toBe(
      "head repository alice/solver is not chem-lab/solver",
    );
  });

  it("configured labels replace the defaults", () => {
    const facts = routingFactsFromWebhook("pull_request", loadPayload("pr-member.json"), "true");
    expect(decideRouting(facts, { labels: ["self-hosted", "gpu"] }).runsOn).toEqual([
      "self-hosted",
      "gpu",
    ]);
  });

  it("label with a quote is rejected", () => {
    const facts = routingFactsFromWebhook("pull_request", loadPayload("pr-member.json"), "true");
    expect(() => decideRouting(facts, { labels: ["it's"] })).toThrow(/runner label/);
  });

  it("triggering actor of type Bot", () => {
    const facts = routingFactsFromWebhook("pull_request", loadPayload("pr-member.json"), "true");
    const decision = decideRouting({
      ...facts,
      triggeringActor: { login: "ci-helper", type: "Bot" },
    });
    expect(decision.reasons.map((reason) => reason.code)).toEqual(["triggering-actor-bot"]);
  });
});

describe("routingFactsFromWebhook", () => {
  it("payload without sender is rejected", () => {
    expect(() =>
      routingFactsFromWebhook("push", { repository: { full_name: "o/r" } }, "true"),
    ).toThrow("event payload: sender: Invalid input: expected object, received undefined");
  });

  it("pull request without user is rejected", () => {
    const payload = loadPayload("pr-member.json") as { pull_request: Record<string, unknown> };
    delete payload.pull_request.user;
    expect(() => routingFactsFromWebhook("pull_request", payload, "true")).toThrow(
      /^event payload: pull_request\.user:/,
    );
  });

  it("sender becomes actor with its type", () => {
    const facts = routingFactsFromWebhook(
      "pull_request",
      loadPayload("pr-member-bot-sender.json"),
      "true",
    );
    expect(facts.actor).toEqual({ login: "github-actions[bot]", type: "Bot" });
  });
});
