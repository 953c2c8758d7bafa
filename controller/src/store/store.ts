import Database from "better-sqlite3";
import type { Database as SqliteDatabase } from "better-sqlite3";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type {
  JobRecord,
  JobStatus,
  RunnerRecord,
  TrustDecision,
  VmRecord,
  VmRowState,
} from "../core/types.js";
import { migrate } from "./migrations.js";

/** Order of job statuses; a status never moves back, so reordered events cannot undo progress. */
const STATUS_RANK: Record<JobStatus, number> = {
  waiting: 0,
  queued: 1,
  in_progress: 2,
  completed: 3,
};

/** One observation of a job, from a webhook or from polling. */
export interface JobObservation {
  id: number;
  runId: number;
  repo: string;
  labels: string[];
  status: JobStatus;
  /** Runner the job was given to; null while queued. */
  runnerName: string | null;
}

/** Timeline points of a job, named as in the metrics. */
export type JobTimelinePoint = "vmBootedAt" | "jobStartedAt" | "vmDestroyedAt";

const TIMELINE_COLUMNS: Record<JobTimelinePoint, string> = {
  vmBootedAt: "vm_booted_at",
  jobStartedAt: "job_started_at",
  vmDestroyedAt: "vm_destroyed_at",
};

interface JobRow {
  id: number;
  run_id: number;
  repo: string;
  labels: string;
  status: JobStatus;
  trust: TrustDecision;
  reasons: string;
  boot_attempts: number;
  abandoned: number;
  runner_name: string | null;
  queued_at: number;
  vm_booted_at: number | null;
  job_started_at: number | null;
  vm_destroyed_at: number | null;
}

interface VmRow {
  name: string;
  job_id: number | null;
  state: VmRowState;
  created_at: number;
  state_changed_at: number;
  runner_id: number | null;
}

function toJob(row: JobRow): JobRecord {
  return {
    id: row.id,
    runId: row.run_id,
    repo: row.repo,
    labels: JSON.parse(row.labels) as string[],
    status: row.status,
    trust: row.trust,
    reasons: JSON.parse(row.reasons) as string[],
    bootAttempts: row.boot_attempts,
    abandoned: row.abandoned === 1,
    runnerName: row.runner_name,
    queuedAt: row.queued_at,
    vmBootedAt: row.vm_booted_at,
    jobStartedAt: row.job_started_at,
    vmDestroyedAt: row.vm_destroyed_at,
  };
}

function toVm(row: VmRow): VmRecord {
  return {
    name: row.name,
    jobId: row.job_id,
    state: row.state,
    createdAt: row.created_at,
    stateChangedAt: row.state_changed_at,
    runnerId: row.runner_id,
  };
}

/**
 * Options that load better-sqlite3's native addon from beside the running bundle, where the
 * build puts it, so an installed controller needs no node_modules. From source, the addon beside
 * this file does not exist and better-sqlite3 finds its own.
 */
function databaseOptions(): Database.Options {
  const bundled = fileURLToPath(new URL("./better_sqlite3.node", import.meta.url));
  return existsSync(bundled) ? { nativeBinding: bundled } : {};
}

/**
 * The controller's state in SQLite (WAL journal). It stores ids, names, states and times, never
 * a JIT config or a token.
 */
export class Store {
  readonly db: SqliteDatabase;

  /** Opens or creates `controller.db` in `stateDir`, or an in-memory database for `:memory:`. */
  constructor(stateDir: string) {
    if (stateDir === ":memory:") {
      this.db = new Database(":memory:", databaseOptions());
    } else {
      mkdirSync(stateDir, { recursive: true });
      this.db = new Database(join(stateDir, "controller.db"), databaseOptions());
      this.db.pragma("journal_mode = WAL");
    }
    this.db.pragma("busy_timeout = 5000");
    migrate(this.db);
  }

  close(): void {
    this.db.close();
  }

  /**
   * Records a job observation and returns the stored job. When the job started on a runner
   * whose VM we track, that VM now serves this job, whichever job it was booted for, because
   * GitHub gives a queued job to any idle runner with matching labels.
   */
  observeJob(observation: JobObservation, now: number): JobRecord {
    const apply = this.db.transaction(() => {
      const existing = this.db
        .prepare<[number], JobRow>("SELECT * FROM jobs WHERE id = ?")
        .get(observation.id);
      if (existing === undefined) {
        this.db
          .prepare(
            `INSERT INTO jobs (id, run_id, repo, labels, status, queued_at, updated_at)
             VALUES (?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(
            observation.id,
            observation.runId,
            observation.repo,
            JSON.stringify(observation.labels),
            observation.status,
            now,
            now,
          );
      } else if (STATUS_RANK[observation.status] > STATUS_RANK[existing.status]) {
        this.db
          .prepare("UPDATE jobs SET status = ?, updated_at = ? WHERE id = ?")
          .run(observation.status, now, observation.id);
      }
      if (observation.runnerName !== null && observation.status !== "queued") {
        this.recordJobStart(observation.id, observation.runnerName, now);
      }
    });
    apply();
    return this.getJob(observation.id)!;
  }

  private recordJobStart(jobId: number, runnerName: string, now: number): void {
    this.db
      .prepare(
        `UPDATE jobs SET runner_name = ?, job_started_at = COALESCE(job_started_at, ?),
         updated_at = ? WHERE id = ?`,
      )
      .run(runnerName, now, now, jobId);
    this.db
      .prepare(
        `UPDATE vms SET job_id = ?, state = 'running', state_changed_at = ?
         WHERE name = ? AND state IN ('registering', 'registered')`,
      )
      .run(jobId, now, runnerName);
  }

  getJob(id: number): JobRecord | undefined {
    const row = this.db.prepare<[number], JobRow>("SELECT * FROM jobs WHERE id = ?").get(id);
    return row === undefined ? undefined : toJob(row);
  }

  /** Jobs the planner needs: every unfinished one and every one a VM still points at. */
  activeJobs(): JobRecord[] {
    return this.db
      .prepare<[], JobRow>(
        `SELECT * FROM jobs WHERE status != 'completed'
         OR id IN (SELECT job_id FROM vms WHERE job_id IS NOT NULL)`,
      )
      .all()
      .map(toJob);
  }

  allJobs(): JobRecord[] {
    return this.db.prepare<[], JobRow>("SELECT * FROM jobs ORDER BY id").all().map(toJob);
  }

  setTrust(jobId: number, trust: TrustDecision, reasons: string[], now: number): void {
    this.db
      .prepare("UPDATE jobs SET trust = ?, reasons = ?, updated_at = ? WHERE id = ?")
      .run(trust, JSON.stringify(reasons), now, jobId);
  }

  countBootFailure(jobId: number, now: number): void {
    this.db
      .prepare("UPDATE jobs SET boot_attempts = boot_attempts + 1, updated_at = ? WHERE id = ?")
      .run(now, jobId);
  }

  abandonJob(jobId: number, now: number): void {
    this.db.prepare("UPDATE jobs SET abandoned = 1, updated_at = ? WHERE id = ?").run(now, jobId);
  }

  /** Sets a timeline point once; later calls keep the first time. */
  markTimeline(jobId: number, point: JobTimelinePoint, now: number): void {
    const column = TIMELINE_COLUMNS[point];
    this.db
      .prepare(`UPDATE jobs SET ${column} = COALESCE(${column}, ?), updated_at = ? WHERE id = ?`)
      .run(now, now, jobId);
  }

  /**
   * Deletes jobs that no VM points at and that last changed before `olderThan`, once they are
   * finished, rejected or abandoned. A rejected job still queued on GitHub is recorded again by
   * the next poll and checked again.
   */
  pruneJobs(olderThan: number): number {
    return this.db
      .prepare(
        `DELETE FROM jobs WHERE updated_at < ?
         AND (status = 'completed' OR trust = 'refused' OR abandoned = 1)
         AND id NOT IN (SELECT job_id FROM vms WHERE job_id IS NOT NULL)`,
      )
      .run(olderThan).changes;
  }

  vms(): VmRecord[] {
    return this.db.prepare<[], VmRow>("SELECT * FROM vms ORDER BY name").all().map(toVm);
  }

  getVm(name: string): VmRecord | undefined {
    const row = this.db.prepare<[string], VmRow>("SELECT * FROM vms WHERE name = ?").get(name);
    return row === undefined ? undefined : toVm(row);
  }

  /** Records the intent to create a VM; written before the domain is created. */
  insertVm(name: string, jobId: number | null, now: number): void {
    this.db
      .prepare(
        `INSERT INTO vms (name, job_id, state, created_at, state_changed_at)
         VALUES (?, ?, 'creating', ?, ?)`,
      )
      .run(name, jobId, now, now);
  }

  /**
   * Moves a VM to `to` only if it is in one of the `from` states, so a step that finishes late
   * never overwrites a newer state (for example `registered` over `running`). Returns whether
   * the row changed.
   */
  transitionVm(name: string, from: readonly VmRowState[], to: VmRowState, now: number): boolean {
    const marks = from.map(() => "?").join(", ");
    return (
      this.db
        .prepare(
          `UPDATE vms SET state = ?, state_changed_at = ? WHERE name = ? AND state IN (${marks})`,
        )
        .run(to, now, name, ...from).changes === 1
    );
  }

  assignVm(name: string, jobId: number | null): void {
    this.db.prepare("UPDATE vms SET job_id = ? WHERE name = ?").run(jobId, name);
  }

  setRunnerId(name: string, runnerId: number): void {
    this.db.prepare("UPDATE vms SET runner_id = ? WHERE name = ?").run(runnerId, name);
  }

  deleteVm(name: string): void {
    this.db.prepare("DELETE FROM vms WHERE name = ?").run(name);
  }

  /** True once `drain` was requested; it stays set until {@link setDraining} clears it. */
  isDraining(): boolean {
    const row = this.db
      .prepare<[], { value: string }>("SELECT value FROM settings WHERE key = 'draining'")
      .get();
    return row?.value === "true";
  }

  setDraining(draining: boolean): void {
    this.db
      .prepare("INSERT OR REPLACE INTO settings (key, value) VALUES ('draining', ?)")
      .run(String(draining));
  }

  /** Records a webhook delivery id; returns false when it was already seen. */
  recordDelivery(id: string, now: number): boolean {
    return (
      this.db
        .prepare("INSERT OR IGNORE INTO deliveries (id, received_at) VALUES (?, ?)")
        .run(id, now).changes === 1
    );
  }

  pruneDeliveries(olderThan: number): number {
    return this.db.prepare("DELETE FROM deliveries WHERE received_at < ?").run(olderThan).changes;
  }

  /**
   * Stores when each listed runner was first seen and deletes the rows of runners no longer listed, then
   * returns the runners with that time.
   */
  recordRunnerSightings(runners: Omit<RunnerRecord, "firstSeenAt">[], now: number): RunnerRecord[] {
    const update = this.db.transaction(() => {
      const insert = this.db.prepare(
        "INSERT OR IGNORE INTO runner_sightings (name, runner_id, first_seen_at) VALUES (?, ?, ?)",
      );
      for (const runner of runners) insert.run(runner.name, runner.id, now);
      const names = new Set(runners.map((runner) => runner.name));
      const rows = this.db
        .prepare<[], { name: string; first_seen_at: number }>("SELECT * FROM runner_sightings")
        .all();
      const firstSeen = new Map<string, number>();
      for (const row of rows) {
        if (names.has(row.name)) firstSeen.set(row.name, row.first_seen_at);
        else this.db.prepare("DELETE FROM runner_sightings WHERE name = ?").run(row.name);
      }
      return runners.map((runner) => ({ ...runner, firstSeenAt: firstSeen.get(runner.name)! }));
    });
    return update();
  }
}
