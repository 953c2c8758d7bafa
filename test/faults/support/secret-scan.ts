import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

/** Result of scanning the artefacts for secrets. */
export interface SecretScan {
  artefactFiles: number;
  bytesScanned: number;
  secretsKnown: number;
  /** `file: secret kind` for every hit; empty when nothing leaked. */
  hits: string[];
}

/** Shortest fragment searched for; shorter lines of a PEM key (its footer) are not secret. */
const MIN_FRAGMENT = 24;

/**
 * Needles for each secret: the value itself and, for multi-line values such as a PEM key, each
 * long line, so a key written with other line breaks or partly is still found.
 */
function needlesOf(secret: string): Buffer[] {
  const fragments = new Set([secret]);
  for (const line of secret.split("\n")) {
    if (line.length >= MIN_FRAGMENT && !line.startsWith("-----")) fragments.add(line.trim());
  }
  return [...fragments].map((fragment) => Buffer.from(fragment));
}

function filesUnder(root: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(root, { withFileTypes: true })) {
    const path = join(root, entry.name);
    if (entry.isDirectory()) files.push(...filesUnder(path));
    else if (entry.isFile()) files.push(path);
  }
  return files;
}

/** Greps every file under the roots, text and binary (SQLite, WAL), for every secret. */
export function scanForSecrets(roots: string[], secrets: Iterable<string>): SecretScan {
  const all = [...secrets].filter((secret) => secret.length > 0);
  const needles = all.flatMap((secret, index) =>
    needlesOf(secret).map((needle) => ({ needle, index })),
  );
  const scan: SecretScan = {
    artefactFiles: 0,
    bytesScanned: 0,
    secretsKnown: all.length,
    hits: [],
  };
  for (const root of roots) {
    for (const file of filesUnder(root)) {
      if (statSync(file).size > 256 * 1024 * 1024) continue;
      const content = readFileSync(file);
      scan.artefactFiles += 1;
      scan.bytesScanned += content.length;
      for (const { needle, index } of needles) {
        if (content.includes(needle)) scan.hits.push(`${file}: secret #${index}`);
      }
    }
  }
  return scan;
}
