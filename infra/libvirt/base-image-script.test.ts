import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { afterAll, describe, expect, test } from "vitest";

import { runScript } from "../testing/run-script.js";
import { renderBaseImageDeleteScript, renderBaseImageEnsureScript } from "./base-image-script.js";

const URI = "test:///default";
const workDir = mkdtempSync(join(tmpdir(), "tr-base-image-"));
const imagePath = join(workDir, "image.qcow2");
writeFileSync(imagePath, "stand-in image bytes\n");
const imageDigest = createHash("sha256").update("stand-in image bytes\n").digest("hex");

afterAll(() => rmSync(workDir, { recursive: true, force: true }));

const spec = {
  uri: URI,
  pool: "default-pool",
  name: "tr-unit-base.qcow2",
  url: `file://${imagePath}`,
  sha256: imageDigest,
  format: "qcow2" as const,
};

describe("base image script", () => {
  test("digest mismatch names both digests", () => {
    const wrong = "0".repeat(64);
    const result = runScript(renderBaseImageEnsureScript({ ...spec, sha256: wrong }));
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`expected ${wrong}, actual ${imageDigest}`);
    expect(result.stderr).toContain(`base image file://${imagePath}: sha256 mismatch`);
  });

  test("matching digest reaches upload", () => {
    // The test driver creates the volume but has no vol-upload, so the run ends at the upload.
    // The e2e suite runs the full import against a real libvirtd.
    const result = runScript(renderBaseImageEnsureScript(spec));
    expect(result.stderr).not.toContain("sha256 mismatch");
    expect(result.stderr).toContain("virStorageVolUpload");
  });

  test("missing source fails download", () => {
    const result = runScript(
      renderBaseImageEnsureScript({ ...spec, url: `file://${join(workDir, "absent.qcow2")}` }),
    );
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/curl: \(37\)/);
  });

  test("delete of missing volume", () => {
    const result = runScript(renderBaseImageDeleteScript(spec));
    expect(result.stdout).toBe("volume tr-unit-base.qcow2: not found, nothing to delete\n");
    expect(result.status).toBe(0);
  });
});
