import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

/** Figures of one group of fault cases, as RELIABILITY.md reports them. */
export interface GroupFigures {
  /** Distinct cases run: crash points, hostile bodies, privilege attempts and so on. */
  cases: number;
  /** Faults injected: kills, error responses, restarts, failed volume creations. */
  faults: number;
  /** Domains, overlays or registrations left behind, counted from libvirt and the emulator. */
  leaks: number;
}

/** What the whole suite writes to {@link RESULTS_FILE}. */
export interface SuiteResults {
  command: string;
  finishedAt: string;
  /** Wall time from loading the suite to writing the results. */
  durationSeconds: number;
  groups: Record<string, GroupFigures>;
  details: Record<string, Record<string, number>>;
  secretScan: { artefactFiles: number; bytesScanned: number; secretsKnown: number; hits: number };
}

/** Where the suite writes its figures; `render-reliability.ts` builds the table from it. */
export const RESULTS_FILE = join(import.meta.dirname, "../../../.cache/faults/results.json");
export const SUITE_COMMAND = "npm run test:faults";

/**
 * Shared record of one suite run: a temporary folder that contains every artefact the cases produce
 * (controller logs, state folders with their SQLite files, configs), the secrets those cases
 * handled, and the figures per group.
 */
export class SuiteRecord {
  private root: string | null = null;
  private readonly startedAt = Date.now();
  readonly secrets = new Set<string>();
  readonly groups: Record<string, GroupFigures> = {};
  readonly details: Record<string, Record<string, number>> = {};

  /** Folder of every artefact of this run, made on first use. */
  get artefactRoot(): string {
    this.root ??= mkdtempSync(join(tmpdir(), "tr-faults-"));
    return this.root;
  }

  /** Creates a fresh folder under the artefact root. */
  folder(name: string): string {
    const path = mkdtempSync(join(this.artefactRoot, `${name}-`));
    // QEMU opens channel sockets and volumes below these folders, possibly as another user.
    chmodSync(this.artefactRoot, 0o755);
    chmodSync(path, 0o755);
    return path;
  }

  add(group: string, figures: Partial<GroupFigures>): void {
    const current = (this.groups[group] ??= { cases: 0, faults: 0, leaks: 0 });
    current.cases += figures.cases ?? 0;
    current.faults += figures.faults ?? 0;
    current.leaks += figures.leaks ?? 0;
  }

  detail(group: string, key: string, count = 1): void {
    const current = (this.details[group] ??= {});
    current[key] = (current[key] ?? 0) + count;
  }

  write(secretScan: SuiteResults["secretScan"]): void {
    const results: SuiteResults = {
      command: SUITE_COMMAND,
      finishedAt: new Date().toISOString(),
      durationSeconds: Math.round((Date.now() - this.startedAt) / 1000),
      groups: this.groups,
      details: this.details,
      secretScan,
    };
    mkdirSync(dirname(RESULTS_FILE), { recursive: true });
    writeFileSync(RESULTS_FILE, `${JSON.stringify(results, null, 2)}\n`);
  }
}

/** The one record of this run; every case module adds to it. */
export const suiteRecord = new SuiteRecord();
