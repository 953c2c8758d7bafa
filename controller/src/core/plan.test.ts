import { describe, expect, it } from "vitest";
import type { VmInfo } from "../libvirt/driver.js";
import { plan } from "./plan.js";
import type { Action, JobRecord, RunnerRecord, Snapshot, VmRecord } from "./types.js";

const NOW = 1_000_000;

function job(id: number, fields: Partial<JobRecord> = {}): JobRecord {
  return {
    id,
    runId: id * 10,
    repo: "acme/app",
    labels: ["self-hosted", "linux", "x64", "chem-trusted-pr"],
    status: "queued",
    trust: "trusted",
    reasons: [],
    bootAttempts: 0,
    abandoned: false,
    runnerName: null,
    queuedAt: NOW - 1000,
    vmBootedAt: null,
    jobStartedAt: null,
    vmDestroyedAt: null,
    ...fields,
  };
}

function vm(name: string, fields: Partial<VmRecord> = {}): VmRecord {
  return {
    name,
    jobId: null,
    state: "booted",
    createdAt: NOW - 5000,
    stateChangedAt: NOW - 5000,
    runnerId: null,
    ...fields,
  };
}

function domain(name: string, domainState = "running"): VmInfo {
  return {
    name,
    metadata: { jobId: null, state: "idle", createdAt: "2026-12-04T15:00:00Z" },
    domainState,
  };
}

function runner(id: number, name: string, firstSeenAt = NOW - 1_000_000): RunnerRecord {
  return { id, name, status: "offline", busy: false, firstSeenAt };
}

function snapshot(fields: Partial<Snapshot> = {}): Snapshot {
  return {
    now: NOW,
    jobs: [],
    vms: [],
    domains: null,
    overlays: null,
    runners: null,
    inFlight: new Set(),
    limits: {
      maxVms: 4,
      warmPool: 0,
      bootAttempts: 3,
      bootTimeoutMs: 60_000,
      jobTimeoutMs: 3_600_000,
      orphanGraceMs: 120_000,
    },
    namePrefix: "tr-",
    nameNonce: "n",
    draining: false,
    ...fields,
  };
}

function kinds(actions: Action[]): string[] {
  return actions.map((action) => action.kind);
}

interface PlanCase {
  name: string;
  input: Partial<Snapshot>;
  expected: Action[];
}

const cases: PlanCase[] = [
  { name: "nothing to do", input: {}, expected: [] },
  {
    name: "unchecked queued job is verified",
    input: { jobs: [job(1, { trust: "unknown" })] },
    expected: [{ kind: "verifyTrust", jobId: 1 }],
  },
  {
    name: "refused job gets nothing",
    input: { jobs: [job(1, { trust: "refused" })] },
    expected: [],
  },
  {
    name: "waiting job gets no VM",
    input: { jobs: [job(1, { status: "waiting" })] },
    expected: [],
  },
  {
    name: "trusted queued job boots a VM",
    input: { jobs: [job(1)] },
    expected: [{ kind: "bootVm", vmName: "tr-n-0", jobId: 1 }],
  },
  {
    name: "trusted job takes idle warm VM",
    input: { jobs: [job(1)], vms: [vm("tr-w")] },
    expected: [
      { kind: "assignVm", vmName: "tr-w", jobId: 1 },
      { kind: "registerRunner", vmName: "tr-w", jobId: 1 },
    ],
  },
  {
    name: "booted VM of job registers",
    input: { jobs: [job(1)], vms: [vm("tr-a", { jobId: 1 })] },
    expected: [{ kind: "registerRunner", vmName: "tr-a", jobId: 1 }],
  },
  {
    name: "booting VM in flight is left alone",
    input: {
      jobs: [job(1)],
      vms: [vm("tr-a", { jobId: 1, state: "booting" })],
      inFlight: new Set(["vm:tr-a"]),
    },
    expected: [],
  },
  {
    name: "booting VM after restart is awaited",
    input: {
      jobs: [job(1)],
      vms: [vm("tr-a", { jobId: 1, state: "booting", stateChangedAt: NOW })],
    },
    expected: [{ kind: "awaitBoot", vmName: "tr-a" }],
  },
  {
    name: "late boot is destroyed and retried",
    input: {
      jobs: [job(1)],
      vms: [vm("tr-a", { jobId: 1, state: "booting", stateChangedAt: NOW - 60_001 })],
    },
    expected: [
      { kind: "bootVm", vmName: "tr-n-0", jobId: 1 },
      { kind: "destroyVm", vmName: "tr-a", reason: "boot_timeout" },
    ],
  },
  {
    name: "idle runner of queued job replaced",
    input: {
      jobs: [job(1)],
      vms: [vm("tr-a", { jobId: 1, state: "registered", stateChangedAt: NOW - 60_001 })],
    },
    expected: [
      { kind: "bootVm", vmName: "tr-n-0", jobId: 1 },
      { kind: "destroyVm", vmName: "tr-a", reason: "registration_timeout" },
    ],
  },
  {
    name: "interrupted creation is cleaned up",
    input: { vms: [vm("tr-a", { jobId: 1, state: "creating" })], jobs: [job(1)] },
    expected: [
      { kind: "bootVm", vmName: "tr-n-0", jobId: 1 },
      { kind: "destroyVm", vmName: "tr-a", reason: "interrupted" },
    ],
  },
  {
    name: "interrupted registration is cleaned up",
    input: { vms: [vm("tr-a", { jobId: 1, state: "registering" })], jobs: [job(1)] },
    expected: [
      { kind: "bootVm", vmName: "tr-n-0", jobId: 1 },
      { kind: "destroyVm", vmName: "tr-a", reason: "interrupted" },
    ],
  },
  {
    name: "vanished VM frees capacity",
    input: {
      jobs: [job(1)],
      vms: [vm("tr-a", { jobId: 1, state: "registered" })],
      domains: [],
      limits: { ...snapshot().limits, maxVms: 1 },
    },
    expected: [
      { kind: "bootVm", vmName: "tr-n-0", jobId: 1 },
      { kind: "destroyVm", vmName: "tr-a", reason: "vanished" },
    ],
  },
  {
    name: "VM defined after listing is kept",
    input: {
      jobs: [job(1)],
      vms: [vm("tr-a", { jobId: 1, state: "registered" })],
      domains: [],
      definedBeforeListing: new Set(),
      limits: { ...snapshot().limits, maxVms: 1 },
    },
    expected: [],
  },
  {
    name: "powered off VM is destroyed",
    input: {
      vms: [vm("tr-a", { jobId: 1, state: "running" })],
      jobs: [job(1, { status: "in_progress" })],
      domains: [domain("tr-a", "shut off")],
    },
    expected: [{ kind: "destroyVm", vmName: "tr-a", reason: "powered_off" }],
  },
  {
    name: "completed job destroys its VM",
    input: {
      vms: [vm("tr-a", { jobId: 1, state: "running" })],
      jobs: [job(1, { status: "completed" })],
    },
    expected: [{ kind: "destroyVm", vmName: "tr-a", reason: "job_completed" }],
  },
  {
    name: "untrusted job on our runner",
    input: {
      vms: [vm("tr-a", { jobId: 2, state: "running" })],
      jobs: [job(2, { status: "in_progress", trust: "refused" })],
    },
    expected: [
      { kind: "destroyVm", vmName: "tr-a", reason: "untrusted_job" },
      { kind: "cancelRun", jobId: 2, runId: 20, repo: "acme/app" },
    ],
  },
  {
    name: "unchecked job on our runner",
    input: {
      vms: [vm("tr-a", { jobId: 2, state: "running" })],
      jobs: [job(2, { status: "in_progress", trust: "unknown" })],
    },
    expected: [{ kind: "verifyTrust", jobId: 2 }],
  },
  {
    name: "job running too long times out",
    input: {
      vms: [vm("tr-a", { jobId: 1, state: "running" })],
      jobs: [job(1, { status: "in_progress", jobStartedAt: NOW - 3_600_001 })],
    },
    expected: [
      { kind: "destroyVm", vmName: "tr-a", reason: "job_timeout" },
      { kind: "cancelRun", jobId: 1, runId: 10, repo: "acme/app" },
    ],
  },
  {
    name: "taken runner moves to queued job",
    input: {
      jobs: [job(1), job(2, { status: "in_progress" })],
      vms: [
        vm("tr-a", { jobId: 2, state: "running" }),
        vm("tr-b", { jobId: 2, state: "registered" }),
      ],
    },
    expected: [{ kind: "assignVm", vmName: "tr-b", jobId: 1 }],
  },
  {
    name: "runner of cancelled job destroyed",
    input: {
      jobs: [job(1, { status: "completed" })],
      vms: [vm("tr-a", { jobId: 1, state: "registered" })],
    },
    expected: [{ kind: "destroyVm", vmName: "tr-a", reason: "job_gone" }],
  },
  {
    name: "booting VM of cancelled job turns warm",
    input: {
      jobs: [job(1, { status: "completed" })],
      vms: [vm("tr-a", { jobId: 1, state: "booting" })],
      inFlight: new Set(["vm:tr-a"]),
    },
    expected: [{ kind: "assignVm", vmName: "tr-a", jobId: null }],
  },
  {
    name: "surplus warm VM is destroyed",
    input: { vms: [vm("tr-w")] },
    expected: [{ kind: "destroyVm", vmName: "tr-w", reason: "surplus_warm" }],
  },
  {
    name: "warm pool is filled",
    input: { limits: { ...snapshot().limits, warmPool: 2 } },
    expected: [
      { kind: "bootVm", vmName: "tr-n-0", jobId: null },
      { kind: "bootVm", vmName: "tr-n-1", jobId: null },
    ],
  },
  {
    name: "warm pool refilled after take",
    input: { jobs: [job(1)], vms: [vm("tr-w")], limits: { ...snapshot().limits, warmPool: 1 } },
    expected: [
      { kind: "assignVm", vmName: "tr-w", jobId: 1 },
      { kind: "registerRunner", vmName: "tr-w", jobId: 1 },
      { kind: "bootVm", vmName: "tr-n-0", jobId: null },
    ],
  },
  {
    name: "jobs come before warm pool",
    input: { jobs: [job(1), job(2)], limits: { ...snapshot().limits, maxVms: 2, warmPool: 1 } },
    expected: [
      { kind: "bootVm", vmName: "tr-n-0", jobId: 1 },
      { kind: "bootVm", vmName: "tr-n-1", jobId: 2 },
    ],
  },
  {
    name: "boot attempts exhausted abandons job",
    input: { jobs: [job(1, { bootAttempts: 3 })] },
    expected: [{ kind: "abandonJob", jobId: 1 }],
  },
  {
    name: "draining takes no new job",
    input: { jobs: [job(1)], vms: [vm("tr-w")], draining: true },
    expected: [{ kind: "destroyVm", vmName: "tr-w", reason: "drain" }],
  },
  {
    name: "draining lets running job finish",
    input: {
      jobs: [job(1, { status: "in_progress" })],
      vms: [vm("tr-a", { jobId: 1, state: "running" })],
      draining: true,
    },
    expected: [],
  },
  {
    name: "domain without row is destroyed",
    input: { domains: [domain("tr-x")] },
    expected: [{ kind: "destroyVm", vmName: "tr-x", reason: "orphan_domain" }],
  },
  {
    name: "overlay without domain is deleted",
    input: { domains: [], overlays: ["tr-x"] },
    expected: [{ kind: "deleteOverlay", name: "tr-x" }],
  },
  {
    name: "old registration without VM deleted",
    input: { runners: [runner(7, "tr-x")] },
    expected: [{ kind: "deleteRunner", runnerId: 7, runnerName: "tr-x" }],
  },
  {
    name: "busy registration without VM kept",
    input: { runners: [{ ...runner(7, "tr-x"), busy: true }] },
    expected: [],
  },
  {
    name: "young registration without VM kept",
    input: { runners: [runner(7, "tr-x", NOW - 1000)] },
    expected: [],
  },
  {
    name: "registration of tracked VM kept",
    input: {
      runners: [runner(7, "tr-a")],
      jobs: [job(1)],
      vms: [vm("tr-a", { jobId: 1, state: "registered" })],
    },
    expected: [],
  },
];

describe("plan", () => {
  for (const testCase of cases) {
    it(testCase.name, () => {
      expect(plan(snapshot(testCase.input))).toEqual(testCase.expected);
    });
  }
});

describe("plan capacity", () => {
  it("never boots past max VMs", () => {
    const jobs = Array.from({ length: 10 }, (_, index) => job(index + 1));
    const actions = plan(snapshot({ jobs, vms: [vm("tr-a", { jobId: 1, state: "running" })] }));
    expect(kinds(actions).filter((kind) => kind === "bootVm")).toHaveLength(3);
  });

  it("counts unknown domains against capacity", () => {
    const domains = [domain("tr-x"), domain("tr-y"), domain("tr-z"), domain("tr-q")];
    const actions = plan(snapshot({ jobs: [job(1)], domains }));
    expect(kinds(actions)).not.toContain("bootVm");
  });

  it("serves oldest queued job first", () => {
    const jobs = [job(2, { queuedAt: NOW - 10 }), job(1, { queuedAt: NOW - 20 })];
    const actions = plan(snapshot({ jobs, limits: { ...snapshot().limits, maxVms: 1 } }));
    expect(actions).toEqual([{ kind: "bootVm", vmName: "tr-n-0", jobId: 1 }]);
  });

  it("gives each job one VM", () => {
    // tr-b is still booting, so it waits in the warm pool until its boot step ends.
    const vms = [vm("tr-a", { jobId: 1 }), vm("tr-b", { jobId: 1, state: "booting" })];
    const actions = plan(snapshot({ jobs: [job(1)], vms, inFlight: new Set(["vm:tr-b"]) }));
    expect(actions).toEqual([
      { kind: "assignVm", vmName: "tr-b", jobId: null },
      { kind: "registerRunner", vmName: "tr-a", jobId: 1 },
    ]);
  });
});
