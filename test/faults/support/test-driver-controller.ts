import { join } from "node:path";

import Database from "better-sqlite3";

import { ControllerProcess } from "./controller-process.js";
import type { FaultWorld } from "./fault-world.js";

/** A controller child process on libvirt's test driver, with simulated guests. */
export interface TestDriverController {
  process: ControllerProcess;
  url: string;
  stateDir: string;
}

/** Starts the `controller` command on `test:///default` and subscribes it to the world. */
export async function startTestDriverController(
  world: FaultWorld,
  folder: string,
  prefix: string,
  label: string,
): Promise<TestDriverController> {
  const stateDir = join(folder, "state");
  const config = world.configInput(
    {
      uri: "test:///default",
      network: { type: "user" },
      pool: `${prefix}pool`,
      baseVolume: "base.qcow2",
      namePrefix: prefix,
    },
    stateDir,
  );
  const child = ControllerProcess.start({
    config,
    folder,
    privateKey: world.world.privateKey,
    webhookSecret: world.webhookSecret,
    label,
  });
  const url = await child.url();
  await world.subscribe(`${url}/webhook`);
  return { process: child, url, stateDir };
}

/** Rows per table of the controller's database, read from the file on disk. */
export function countRows(stateDir: string): { jobs: number; vms: number } {
  const db = new Database(join(stateDir, "controller.db"), { readonly: true });
  try {
    const count = (table: string): number =>
      (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    return { jobs: count("jobs"), vms: count("vms") };
  } finally {
    db.close();
  }
}

/** Trust decision per job id, read from the controller's database file. */
export function jobTrust(stateDir: string): Map<number, string> {
  const db = new Database(join(stateDir, "controller.db"), { readonly: true });
  try {
    const rows = db.prepare("SELECT id, trust FROM jobs").all() as { id: number; trust: string }[];
    return new Map(rows.map((row) => [row.id, row.trust]));
  } finally {
    db.close();
  }
}
