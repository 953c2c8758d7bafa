import { describe, expect, it } from "vitest";

import { RoutingInputError } from "./errors.js";
import { routingFactsFromApiRecords } from "./from-api.js";
import { decideRouting } from "./policy.js";

const alice = { login: "alice", type: "User" };
const solver = { full_name: "chem-lab/solver" };

function workflowRun(overrides: Record<string, unknown> = {}) {
  return {
    id: 30433642,
    event: "pull_request",
    repository: solver,
    head_repository: solver,
    actor: alice,
    triggering_actor: alice,
    ...overrides,
  };
}

function pullRequest(overrides: Record<string, unknown> = {}) {
  return {
    number: 7,
    user: alice,
    author_association: "MEMBER",
    head: { repo: solver },
    base: { repo: solver },
    ...overrides,
  };
}

function decideFromApi(run: unknown, pull: unknown, routingVariable: string | undefined) {
  return decideRouting(
    routingFactsFromApiRecords({ workflowRun: run, pullRequest: pull, routingVariable }),
  );
}

function codes(run: unknown, pull: unknown, routingVariable: string | undefined) {
  return decideFromApi(run, pull, routingVariable).reasons.map((reason) => reason.code);
}

describe("routingFactsFromApiRecords", () => {
  it("member pull request is trusted", () => {
    expect(decideFromApi(workflowRun(), pullRequest(), "true").trusted).toBe(true);
  });

  it("run head repository deleted", () => {
    expect(codes(workflowRun({ head_repository: null }), pullRequest(), "true")).toEqual([
      "head-repo-deleted",
    ]);
  });

  it("pull request head repository deleted", () => {
    expect(codes(workflowRun(), pullRequest({ head: { repo: null } }), "true")).toEqual([
      "head-repo-deleted",
    ]);
  });

  it("run head repository is a fork", () => {
    const run = workflowRun({ head_repository: { full_name: "alice/solver" } });
    expect(codes(run, pullRequest(), "true")).toEqual(["head-repo-fork"]);
  });

  it("bot triggering actor by type", () => {
    const run = workflowRun({ triggering_actor: { login: "ci-helper", type: "Bot" } });
    expect(codes(run, pullRequest(), "true")).toEqual(["triggering-actor-bot"]);
  });

  it("bot actor by type", () => {
    const bot = { login: "ci-helper", type: "Bot" };
    expect(
      codes(workflowRun({ actor: bot, triggering_actor: bot }), pullRequest(), "true"),
    ).toEqual(["actor-bot"]);
  });

  it("missing triggering actor is allowed", () => {
    expect(
      decideFromApi(workflowRun({ triggering_actor: undefined }), pullRequest(), "true").trusted,
    ).toBe(true);
  });

  it("contributor association is untrusted", () => {
    expect(
      codes(workflowRun(), pullRequest({ author_association: "CONTRIBUTOR" }), "true"),
    ).toEqual(["author-association-untrusted"]);
  });

  it("run without pull request", () => {
    expect(codes(workflowRun({ event: "push" }), null, "true")).toEqual([
      "event-not-pull-request",
      "pull-request-missing",
      "author-association-untrusted",
    ]);
  });

  it("unset variable is untrusted", () => {
    expect(codes(workflowRun(), pullRequest(), undefined)).toEqual(["routing-variable-missing"]);
  });

  it("pull request of another repository is rejected", () => {
    const pull = pullRequest({ base: { repo: { full_name: "chem-lab/other" } } });
    expect(() => decideFromApi(workflowRun(), pull, "true")).toThrow(RoutingInputError);
  });

  it("run without actor is rejected", () => {
    expect(() => decideFromApi(workflowRun({ actor: null }), pullRequest(), "true")).toThrow(
      /^workflow run: actor:/,
    );
  });
});
