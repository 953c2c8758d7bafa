import type { Database } from "better-sqlite3";

/**
 * Schema migrations, applied in order; `user_version` stores how many ran. Append new steps,
 * never edit one that has shipped.
 */
const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE jobs (
    id INTEGER PRIMARY KEY,
    run_id INTEGER NOT NULL,
    repo TEXT NOT NULL,
    labels TEXT NOT NULL,
    status TEXT NOT NULL,
    trust TEXT NOT NULL DEFAULT 'unknown',
    reasons TEXT NOT NULL DEFAULT '[]',
    boot_attempts INTEGER NOT NULL DEFAULT 0,
    abandoned INTEGER NOT NULL DEFAULT 0,
    runner_name TEXT,
    queued_at INTEGER NOT NULL,
    vm_booted_at INTEGER,
    job_started_at INTEGER,
    vm_destroyed_at INTEGER,
    updated_at INTEGER NOT NULL
  );
  CREATE INDEX jobs_status ON jobs (status);
  CREATE TABLE vms (
    name TEXT PRIMARY KEY,
    job_id INTEGER,
    state TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    state_changed_at INTEGER NOT NULL,
    runner_id INTEGER
  );
  CREATE TABLE deliveries (
    id TEXT PRIMARY KEY,
    received_at INTEGER NOT NULL
  );
  CREATE INDEX deliveries_received_at ON deliveries (received_at);
  CREATE TABLE runner_sightings (
    name TEXT PRIMARY KEY,
    runner_id INTEGER NOT NULL,
    first_seen_at INTEGER NOT NULL
  );
  `,
  `
  CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
  );
  `,
];

/** Brings the database schema up to date inside one transaction per step. */
export function migrate(db: Database): void {
  const current = db.pragma("user_version", { simple: true }) as number;
  for (let version = current; version < MIGRATIONS.length; version += 1) {
    db.transaction(() => {
      db.exec(MIGRATIONS[version]!);
      db.pragma(`user_version = ${version + 1}`);
    })();
  }
}
