import { spawnSync } from "node:child_process";
import { chmod, copyFile, mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";

import { PRODUCTION_GUEST_FILES } from "./build.js";
import { GUEST_PATHS, virtCustomizeArgs } from "./customize.js";

const systemdAnalyzeMissing = spawnSync("systemd-analyze", ["--version"]).error !== undefined;

/** Parses a systemd unit into section -> key -> values, ignoring comments. */
function parseUnit(text: string): Map<string, Map<string, string[]>> {
  const sections = new Map<string, Map<string, string[]>>();
  let current: Map<string, string[]> | undefined;
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header !== null) {
      current = new Map();
      sections.set(header[1] ?? "", current);
      continue;
    }
    const equals = line.indexOf("=");
    if (current === undefined || equals <= 0) throw new Error(`malformed unit line: ${line}`);
    const key = line.slice(0, equals);
    current.set(key, [...(current.get(key) ?? []), line.slice(equals + 1)]);
  }
  return sections;
}

describe("production unit file", () => {
  let unit: Map<string, Map<string, string[]>>;

  beforeAll(async () => {
    unit = parseUnit(await readFile(PRODUCTION_GUEST_FILES.unitFile, "utf8"));
  });

  it("starts installed bootstrap script", () => {
    expect(unit.get("Service")?.get("ExecStart")).toEqual([GUEST_PATHS.bootstrap]);
  });

  it("runs in runner folder", () => {
    expect(unit.get("Service")?.get("WorkingDirectory")).toEqual([GUEST_PATHS.runnerDir]);
  });

  it("waits for network online", () => {
    expect(unit.get("Unit")?.get("After")?.join(" ")).toContain("network-online.target");
    expect(unit.get("Unit")?.get("Wants")).toEqual(["network-online.target"]);
  });

  it("powers off when bootstrap fails", () => {
    expect(unit.get("Unit")?.get("FailureAction")).toEqual(["poweroff"]);
  });

  it("never restarts the bootstrap", () => {
    expect(unit.get("Service")?.get("Restart")).toEqual(["no"]);
  });

  it("is wanted by multi-user target", () => {
    expect(unit.get("Install")?.get("WantedBy")).toEqual(["multi-user.target"]);
    expect(GUEST_PATHS.unitWantedLink).toContain("multi-user.target.wants");
  });
});

describe.skipIf(systemdAnalyzeMissing)(
  systemdAnalyzeMissing
    ? "systemd-analyze verify (skipped: systemd-analyze not found; structural checks above)"
    : "systemd-analyze verify",
  () => {
    let root: string;

    // The unit and the script sit at their image paths in a temporary root, as virt-customize
    // installs them, because verify also checks that ExecStart is an executable file.
    beforeAll(async () => {
      root = await mkdtemp(path.join(tmpdir(), "tr-unit-"));
      const unitPath = path.join(root, GUEST_PATHS.unit);
      const bootstrapPath = path.join(root, GUEST_PATHS.bootstrap);
      await mkdir(path.dirname(unitPath), { recursive: true });
      await mkdir(path.dirname(bootstrapPath), { recursive: true });
      await copyFile(PRODUCTION_GUEST_FILES.unitFile, unitPath);
      await copyFile(PRODUCTION_GUEST_FILES.bootstrapScript, bootstrapPath);
      await chmod(bootstrapPath, 0o755);
    });

    afterAll(async () => {
      await rm(root, { recursive: true, force: true });
    });

    it("accepts unit in image root", () => {
      const result = spawnSync(
        "systemd-analyze",
        [
          "verify",
          "--man=no",
          "--recursive-errors=no",
          `--root=${root}`,
          path.basename(GUEST_PATHS.unit),
        ],
        { encoding: "utf8" },
      );
      expect(result.stderr).toBe("");
      expect(result.status).toBe(0);
    });
  },
);

describe("bootstrap script", () => {
  let script: string;

  beforeAll(async () => {
    script = await readFile(PRODUCTION_GUEST_FILES.bootstrapScript, "utf8");
  });

  it("parses as POSIX sh", () => {
    const result = spawnSync("sh", ["-n", PRODUCTION_GUEST_FILES.bootstrapScript], {
      encoding: "utf8",
    });
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
  });

  it("defaults to unpacked runner", () => {
    expect(script).toContain(`runner="\${TR_RUNNER:-${GUEST_PATHS.runnerDir}/run.sh}"`);
  });

  it("defaults to runner user", () => {
    expect(script).toContain('run_as="${TR_RUN_AS-runner}"');
  });

  it("defaults to systemctl poweroff", () => {
    expect(script).toContain('poweroff_command="${TR_POWEROFF:-systemctl poweroff}"');
  });
});

describe("cloud-init config", () => {
  it("uses only baked-in NoCloud seed", async () => {
    const config = parseYaml(await readFile(PRODUCTION_GUEST_FILES.cloudConfig, "utf8")) as unknown;
    expect(config).toEqual({ datasource_list: ["NoCloud", "None"] });
  });

  it("seeds fixed instance id", async () => {
    const metaData = parseYaml(
      await readFile(PRODUCTION_GUEST_FILES.nocloudMetaData, "utf8"),
    ) as unknown;
    expect(metaData).toMatchObject({ "instance-id": "trusted-runners-base" });
  });

  it("seeds empty cloud-config user data", async () => {
    const userData = await readFile(PRODUCTION_GUEST_FILES.nocloudUserData, "utf8");
    expect(userData.startsWith("#cloud-config\n")).toBe(true);
    expect(parseYaml(userData)).toEqual({});
  });

  it("uploads both seed files", () => {
    const args = virtCustomizeArgs({
      image: "/srv/base.qcow2",
      runnerTarball: "/srv/r.tar.gz",
      ...PRODUCTION_GUEST_FILES,
    });
    expect(args).toContain(
      `${PRODUCTION_GUEST_FILES.nocloudMetaData}:${GUEST_PATHS.nocloudSeedDir}/meta-data`,
    );
    expect(args).toContain(
      `${PRODUCTION_GUEST_FILES.nocloudUserData}:${GUEST_PATHS.nocloudSeedDir}/user-data`,
    );
  });
});

describe("virtCustomizeArgs", () => {
  const inputs = {
    image: "/srv/work/base.qcow2",
    runnerTarball: "/srv/dl/runner.tar.gz",
    ...PRODUCTION_GUEST_FILES,
  };

  it("uploads bootstrap to unit's ExecStart", () => {
    const args = virtCustomizeArgs(inputs);
    expect(args).toContain(`${PRODUCTION_GUEST_FILES.bootstrapScript}:${GUEST_PATHS.bootstrap}`);
  });

  it("links unit into multi-user target", () => {
    const args = virtCustomizeArgs(inputs);
    expect(args).toContain(`${GUEST_PATHS.unit}:${GUEST_PATHS.unitWantedLink}`);
  });

  it("creates runner user before chown", () => {
    const args = virtCustomizeArgs(inputs);
    const useradd = args.findIndex((arg) => arg.startsWith("useradd "));
    const chown = args.findIndex((arg) => arg.startsWith("chown -R runner:runner"));
    expect(useradd).toBeGreaterThan(-1);
    expect(chown).toBeGreaterThan(useradd);
  });

  it("empties machine id", () => {
    const args = virtCustomizeArgs(inputs);
    expect(args.slice(args.indexOf("--truncate"), args.indexOf("--truncate") + 2)).toEqual([
      "--truncate",
      "/etc/machine-id",
    ]);
  });

  it("rejects host path with colon", () => {
    expect(() => virtCustomizeArgs({ ...inputs, runnerTarball: "/srv/a:b.tar.gz" })).toThrow(
      'contains ":"',
    );
  });
});
