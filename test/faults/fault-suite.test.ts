import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

import { describeHostileConfigCases } from "./cases/hostile-config-cases.js";
import { describeHostileInputCases } from "./cases/hostile-input-cases.js";
import { describePrivilegeCases } from "./cases/privilege-cases.js";
import { describeRealLibvirtCases } from "./cases/real-libvirt-cases.js";
import { scanForSecrets } from "./support/secret-scan.js";
import type { SecretScan } from "./support/secret-scan.js";
import { suiteRecord } from "./support/suite-record.js";

/**
 * The fault suite: one file, so every case shares one artefact folder and one list of secrets,
 * and the final scan greps everything the cases produced. Set TR_FAULTS_KEEP=1 to keep the
 * artefact folder for inspection; its path is printed.
 */
describe("fault suite", () => {
  let scan: SecretScan | undefined;

  afterAll(() => {
    suiteRecord.write({
      artefactFiles: scan?.artefactFiles ?? 0,
      bytesScanned: scan?.bytesScanned ?? 0,
      secretsKnown: scan?.secretsKnown ?? suiteRecord.secrets.size,
      hits: scan?.hits.length ?? -1,
    });
    if (process.env.TR_FAULTS_KEEP === "1") {
      process.stdout.write(`fault suite artefacts kept in ${suiteRecord.artefactRoot}\n`);
    } else {
      rmSync(suiteRecord.artefactRoot, { recursive: true, force: true });
    }
  });

  describeRealLibvirtCases();
  describeHostileInputCases();
  describePrivilegeCases();
  describeHostileConfigCases();

  it("secret scan finds a planted token", () => {
    const folder = mkdtempSync(join(suiteRecord.artefactRoot, "planted-"));
    const token = [...suiteRecord.secrets].find((secret) => secret.startsWith("ghs_")) ?? "";
    writeFileSync(join(folder, "log.json"), `{"msg":"x","note":"${token}"}\n`);
    const planted = scanForSecrets([folder], [token]);
    rmSync(folder, { recursive: true });
    expect(token).not.toBe("");
    expect(planted.hits).toHaveLength(1);
  });

  it("artefacts contain no secret", () => {
    scan = scanForSecrets([suiteRecord.artefactRoot], suiteRecord.secrets);
    // Tokens and JIT configs come from the recording proxies; without any the scan proves little.
    expect(scan.secretsKnown).toBeGreaterThan(10);
    expect(scan.hits).toEqual([]);
  });
});
