import { constants } from "node:fs";
import { access, chmod, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { z } from "zod";

import { controllerConfigSchema } from "../../controller/src/config/schema.js";
import { createLogger } from "../../controller/src/log.js";
import { createVmDriver } from "../../controller/src/libvirt/create-vm-driver.js";
import { describeVmDriverContract } from "../../controller/src/libvirt/testing/vm-driver-contract.js";
import { buildTinyGuest } from "../../controller/src/libvirt/testing/tiny-guest.js";
import type { TinyGuest } from "../../controller/src/libvirt/testing/tiny-guest.js";
import { VirshSession } from "../../controller/src/libvirt/virsh-session.js";
import { detectQemuAccel } from "../../images/test/accel.js";

/**
 * The VmDriver contract on qemu:///system with real QEMU guests. Every libvirt object this suite
 * creates starts with PREFIX, and leftovers of an earlier interrupted run are removed first.
 */

const PREFIX = "trvd-";
const URI = "qemu:///system";
const logger = createLogger({ level: process.env.LOG_LEVEL ?? "silent" });

/** The test image's manifest, as the images build writes it. */
const testImageSchema = z.object({ kernel: z.string(), initrd: z.string(), cmdline: z.string() });
const TEST_IMAGE_MANIFEST = join(import.meta.dirname, "../../.cache/images/test/current.json");

/** Prefers the built test image; falls back to a tiny guest built here from the host's kernel. */
async function guestImage(dir: string): Promise<TinyGuest> {
  if (process.env.TR_E2E_TINY_GUEST !== "1") {
    try {
      const manifest = testImageSchema.parse(
        JSON.parse(await readFile(TEST_IMAGE_MANIFEST, "utf8")),
      );
      await access(manifest.kernel, constants.R_OK);
      await access(manifest.initrd, constants.R_OK);
      return manifest;
    } catch {
      // No usable test image: the tiny guest below keeps the same channel contract.
    }
  }
  return buildTinyGuest(dir);
}

/** Removes domains and pools with our prefix left by an earlier run of this suite. */
async function removeLeftovers(session: VirshSession): Promise<void> {
  const domains = (await session.run(["list", "--all", "--name"])).split("\n");
  for (const name of domains.map((line) => line.trim()).filter((line) => line.startsWith(PREFIX))) {
    await session.run(["destroy", "--domain", name]).catch(() => undefined);
    await session.run(["undefine", "--domain", name]).catch(() => undefined);
  }
  const pools = (await session.run(["pool-list", "--all", "--name"])).split("\n");
  for (const pool of pools.map((line) => line.trim()).filter((line) => line.startsWith(PREFIX))) {
    const volumes = (await session.run(["vol-list", "--pool", pool])).split("\n");
    for (const volume of volumes.map((line) => line.trim().split(/\s+/)[0] ?? "").filter(Boolean)) {
      await session.run(["vol-delete", "--pool", pool, "--vol", volume]).catch(() => undefined);
    }
    await session.run(["pool-destroy", "--pool", pool]).catch(() => undefined);
    await session.run(["pool-undefine", "--pool", pool]).catch(() => undefined);
  }
}

let counter = 0;

describeVmDriverContract(`virsh on ${URI}`, async () => {
  const session = new VirshSession({ uri: URI, logger, commandTimeoutMs: 120_000 });
  await removeLeftovers(session);

  // QEMU runs as an unprivileged user here, so every folder it reads must be traversable.
  const dir = await mkdtemp(join(tmpdir(), PREFIX));
  await chmod(dir, 0o755);
  const guest = await guestImage(dir);
  const pool = `${PREFIX}pool-${process.pid}`;
  const poolDir = join(dir, "pool");
  await session.run(["pool-define-as", "--name", pool, "--type", "dir", "--target", poolDir]);
  await session.run(["pool-build", "--pool", pool]);
  await session.run(["pool-start", "--pool", pool]);
  await session.run([
    "vol-create-as",
    "--pool",
    pool,
    "--name",
    `${PREFIX}base.qcow2`,
    "--capacity",
    "1G",
    "--format",
    "qcow2",
  ]);

  const config = controllerConfigSchema.parse({
    github: {
      appId: 1,
      installationId: 1,
      organization: "acme",
      repositories: [{ owner: "acme", name: "app", id: 1 }],
      runnerGroupId: 1,
      labels: ["self-hosted", "linux", "x64", "chem-trusted-pr"],
    },
    libvirt: {
      uri: URI,
      network: { type: "user" },
      pool,
      baseVolume: `${PREFIX}base.qcow2`,
      namePrefix: PREFIX,
      channelDir: join(dir, "channels"),
      directKernel: { kernel: guest.kernel, initrd: guest.initrd },
      domainType: (await detectQemuAccel(guest.kernel)) === "kvm" ? "kvm" : "qemu",
    },
    vm: { vcpus: 1, memoryMiB: 256, diskGiB: 1 },
    capacity: { warmPool: 0, maxVms: 4, maxVcpus: 4, maxMemoryMiB: 1024 },
    server: { listen: "127.0.0.1:0" },
  });
  const driver = await createVmDriver(config, {
    logger,
    session,
    kernelCmdline: guest.cmdline,
    consoleLogDir: join(dir, "console"),
  });

  return {
    driver,
    newVmName: () => `${PREFIX}${process.pid}-${++counter}`,
    bootTimeoutMs: 180_000,
    powerOffTimeoutMs: 120_000,
    cleanup: async () => {
      await removeLeftovers(session);
      await session.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});
