import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { Store } from "./store.js";
import type { JobObservation } from "./store.js";

const queued: JobObservation = {
  id: 1,
  runId: 10,
  repo: "acme/app",
  labels: ["self-hosted"],
  status: "queued",
  runnerName: null,
};

describe("Store", () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it("job status never moves back", () => {
    const store = new Store(":memory:");
    store.observeJob({ ...queued, status: "completed" }, 1);
    store.observeJob(queued, 2);
    expect(store.getJob(1)?.status).toBe("completed");
  });

  it("job start rebinds the runner's VM", () => {
    const store = new Store(":memory:");
    store.insertVm("tr-a", 5, 1);
    store.transitionVm("tr-a", ["creating"], "registered", 2);
    store.observeJob({ ...queued, status: "in_progress", runnerName: "tr-a" }, 3);
    const vm = store.getVm("tr-a");
    expect(vm?.jobId).toBe(1);
    expect(vm?.state).toBe("running");
    expect(store.getJob(1)?.jobStartedAt).toBe(3);
  });

  it("transition skips a newer state", () => {
    const store = new Store(":memory:");
    store.insertVm("tr-a", 1, 1);
    store.transitionVm("tr-a", ["creating"], "running", 2);
    expect(store.transitionVm("tr-a", ["registering"], "registered", 3)).toBe(false);
  });

  it("delivery ids are deduplicated", () => {
    const store = new Store(":memory:");
    expect(store.recordDelivery("d1", 1)).toBe(true);
    expect(store.recordDelivery("d1", 2)).toBe(false);
  });

  it("runner sightings keep first time", () => {
    const store = new Store(":memory:");
    store.recordRunnerSightings([{ id: 1, name: "tr-a", status: "offline", busy: false }], 5);
    const [runner] = store.recordRunnerSightings(
      [{ id: 1, name: "tr-a", status: "offline", busy: false }],
      9,
    );
    expect(runner?.firstSeenAt).toBe(5);
  });

  it("state survives reopening the file", () => {
    const dir = mkdtempSync(join(tmpdir(), "tr-store-"));
    dirs.push(dir);
    const first = new Store(dir);
    first.insertVm("tr-a", null, 1);
    first.close();
    const second = new Store(dir);
    expect(second.getVm("tr-a")?.state).toBe("creating");
    second.close();
  });
});
