import { describe, expect, it } from "vitest";

import { ImageConfigError, parseImageConfig, runnerTarballUrl } from "./config.js";

const VALID = {
  baseImage: { url: "https://cloud-images.example/noble.img", sha256: "a".repeat(64) },
  runner: { version: "2.330.0", sha256: "b".repeat(64) },
};

describe("parseImageConfig", () => {
  it("applies defaults to valid config", () => {
    const config = parseImageConfig(VALID, "test.json");
    expect(config.outputDir).toBe(".cache/images/production");
  });

  it("names key of invalid digest", () => {
    const input = { ...VALID, runner: { ...VALID.runner, sha256: "ABC" } };
    expect(() => parseImageConfig(input, "test.json")).toThrow(
      "runner.sha256: must be a sha256 digest",
    );
  });

  it("names missing base image", () => {
    expect(() => parseImageConfig({ runner: VALID.runner }, "test.json")).toThrow(ImageConfigError);
    expect(() => parseImageConfig({ runner: VALID.runner }, "test.json")).toThrow("baseImage");
  });

  it("rejects version with leading v", () => {
    const input = { ...VALID, runner: { ...VALID.runner, version: "v2.330.0" } };
    expect(() => parseImageConfig(input, "test.json")).toThrow("runner.version");
  });

  it("rejects ftp URL", () => {
    const input = { ...VALID, baseImage: { ...VALID.baseImage, url: "ftp://example/x.img" } };
    expect(() => parseImageConfig(input, "test.json")).toThrow("baseImage.url");
  });
});

describe("runnerTarballUrl", () => {
  it("defaults to GitHub release asset", () => {
    const config = parseImageConfig(VALID, "test.json");
    expect(runnerTarballUrl(config.runner)).toBe(
      "https://github.com/actions/runner/releases/download/v2.330.0/actions-runner-linux-x64-2.330.0.tar.gz",
    );
  });

  it("prefers configured mirror URL", () => {
    const runner = { ...VALID.runner, url: "file:///srv/mirror/runner.tar.gz" };
    const config = parseImageConfig({ ...VALID, runner }, "test.json");
    expect(runnerTarballUrl(config.runner)).toBe("file:///srv/mirror/runner.tar.gz");
  });
});
