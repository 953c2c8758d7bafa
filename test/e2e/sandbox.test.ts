import { beforeAll, describe, expect, it } from "vitest";

import type { SandboxResult } from "../../controller/src/sandbox/sandbox.js";
import { checkOutcome, runSandboxOnRealGuests } from "./support/sandbox-run.js";

/**
 * The sandbox's scenarios on qemu:///system with real test-image guests (QEMU TCG when KVM is
 * not usable): one run, then one assertion per verification item and per kind of leftover.
 */
describe("sandbox on real guests", () => {
  let result: SandboxResult;

  beforeAll(async () => {
    result = await runSandboxOnRealGuests();
  });

  it("routes a member's PR to our VMs", () => {
    expect(checkOutcome(result.checks.trustedRoutesSelfHosted)).toMatchObject({ passed: true });
  });

  it("routes fork, bot and contributor PRs hosted", () => {
    expect(checkOutcome(result.checks.untrustedRoutesHosted)).toMatchObject({ passed: true });
  });

  it("gives each runner one job", () => {
    expect(checkOutcome(result.checks.ephemeralRunner)).toMatchObject({ passed: true });
  });

  it("cleans up failed and cancelled jobs", () => {
    expect(checkOutcome(result.checks.failedJobCleanedUp)).toMatchObject({ passed: true });
  });

  it("routes hosted after the variable rollback", () => {
    expect(checkOutcome(result.checks.rollbackRoutesHosted)).toMatchObject({ passed: true });
  });

  it("gives no runner after the hard rollback", () => {
    expect(checkOutcome(result.checks.hardRollbackRemovesAccess)).toMatchObject({ passed: true });
  });

  it("counts a non-zero runner exit as success", () => {
    expect(checkOutcome(result.runnerExit)).toMatchObject({ passed: true });
  });

  it("boots a VM for every trusted job", () => {
    // Two member jobs and the failing, cancelled and runner-exit jobs make five. The hard
    // rollback's job adds one when the controller boots a VM that the group cannot serve.
    expect(result.summary.vmsBooted).toBeGreaterThanOrEqual(5);
  });

  it("leaves no domain behind", () => {
    expect(result.summary.leakedVms).toBe(0);
  });

  it("leaves no overlay volume behind", () => {
    expect(result.summary.leakedVolumes).toBe(0);
  });

  it("leaves no runner registration behind", () => {
    expect(result.summary.leakedRunners).toBe(0);
  });
});
