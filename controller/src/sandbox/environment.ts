import { randomBytes } from "node:crypto";
import { chmod, mkdir, rm } from "node:fs/promises";
import { join } from "node:path";

import { pino } from "pino";

import { buildTestImage } from "../../../images/test/build.js";
import { detectQemuAccel } from "../../../images/test/accel.js";
import { REPOSITORY_ROOT } from "../../../images/test/manifest.js";
import { controllerConfigSchema } from "../config/schema.js";
import type { ControllerConfig } from "../config/schema.js";
import { startController } from "../controller.js";
import type { RunningController } from "../controller.js";
import { createVmDriver } from "../libvirt/create-vm-driver.js";
import type { VirshVmDriver } from "../libvirt/virsh-vm-driver.js";
import { VirshSession } from "../libvirt/virsh-session.js";
import { createLogger } from "../log.js";
import type { Logger } from "../log.js";
import { createSandboxGithub, ORG, REPO } from "./github-world.js";
import type { SandboxGithub } from "./github-world.js";
import { ensureLibvirt } from "./preflight.js";
import { BASE_VOLUME, createSandboxPool, removeSandboxPool } from "./sandbox-libvirt.js";

/** The libvirt driver of a sandbox run: real QEMU guests, or libvirt's test driver. */
export type SandboxDriver = "qemu" | "test";

/** Folder of every sandbox run's files. Each run uses its own subfolder and log file. */
export const SANDBOX_CACHE = join(REPOSITORY_ROOT, ".cache", "sandbox");

const QEMU_URI = "qemu:///system";
const TEST_URI = "test:///default";

/** Everything one sandbox run started, and the one way to tear it down. */
export interface SandboxEnvironment {
  driverKind: SandboxDriver;
  /** Prefix of every domain, overlay and runner name of this run. */
  prefix: string;
  config: ControllerConfig;
  github: SandboxGithub;
  controller: RunningController;
  driver: VirshVmDriver;
  /** A virsh session of our own on the same connection, to count leftovers from libvirt. */
  session: VirshSession;
  logFile: string;
  /** Folder of each real guest's serial console log, `<name>.log`; null on the test driver. */
  consoleLogDir: string | null;
  /** Stops the controller and the emulator and removes the pool, every VM and the run folder. */
  close(): Promise<void>;
}

/** Options of {@link startSandboxEnvironment}. */
export interface EnvironmentOptions {
  driver: SandboxDriver;
  progress: (line: string) => void;
}

/** Teardown steps, run in reverse order. A failed step is logged and the others still run. */
class Teardown {
  private readonly steps: { what: string; run: () => Promise<void> }[] = [];
  constructor(private readonly logger: Logger) {}

  add(what: string, run: () => Promise<void>): void {
    this.steps.push({ what, run });
  }

  async run(): Promise<void> {
    for (const step of this.steps.splice(0).reverse()) {
      try {
        await step.run();
      } catch (error) {
        this.logger.warn({ err: error, step: step.what }, "sandbox teardown step failed");
      }
    }
  }
}

/**
 * Checks libvirt, builds the test image, creates this run's pool, starts the emulator and the
 * controller on loopback and subscribes the controller to signed `workflow_job` webhooks.
 * Whatever was made before a failure is torn down before the error is rethrown.
 */
export async function startSandboxEnvironment(
  options: EnvironmentOptions,
): Promise<SandboxEnvironment> {
  const real = options.driver === "qemu";
  const uri = real ? QEMU_URI : TEST_URI;
  const id = randomBytes(3).toString("hex");
  const prefix = `sb${id}-`;
  const runDir = join(SANDBOX_CACHE, `sb${id}`);
  const logFile = join(SANDBOX_CACHE, `sb${id}.log`);
  await mkdir(runDir, { recursive: true });
  // QEMU runs as an unprivileged user on many hosts, so every folder it opens must be traversable.
  await chmod(runDir, 0o755);
  const logger = createLogger({
    level: process.env.LOG_LEVEL ?? "info",
    destination: pino.destination({ dest: logFile, sync: true }),
  });
  const teardown = new Teardown(logger);
  teardown.add("remove run folder", () => rm(runDir, { recursive: true, force: true }));

  try {
    await ensureLibvirt(uri, real);
    options.progress(`libvirt responds on ${uri}`);
    let directKernel: ControllerConfig["libvirt"]["directKernel"];
    let kernelCmdline: string | undefined;
    let domainType: "kvm" | "qemu" = "qemu";
    if (real) {
      const image = await buildTestImage({ logger });
      directKernel = { kernel: image.kernel, initrd: image.initrd };
      kernelCmdline = image.cmdline;
      domainType = (await detectQemuAccel(image.kernel)) === "kvm" ? "kvm" : "qemu";
      options.progress(
        `test image ${image.hash.slice(0, 16)} (${image.cached ? "cached" : "built"}), kernel ${image.kernelVersion}, ${domainType === "kvm" ? "KVM" : "QEMU TCG"}`,
      );
    }

    const session = new VirshSession({
      uri,
      logger: logger.child({ module: "sandbox-virsh" }),
      commandTimeoutMs: 60_000,
    });
    teardown.add("close virsh session", () => session.close());
    const pool = `${prefix}pool`;
    const consoleLogDir = real ? join(runDir, "console") : null;
    if (real) {
      teardown.add("remove pool", () => removeSandboxPool(session, pool, prefix));
      await createSandboxPool(session, pool, join(runDir, "pool"));
      options.progress(`storage pool ${pool} with base volume ${BASE_VOLUME}`);
    }

    const github = await createSandboxGithub(real ? "http://10.0.2.2:{port}" : undefined);
    teardown.add("close emulator", () => github.world.emulator.close());
    options.progress(`GitHub emulator on ${github.world.emulator.url}`);

    const config = controllerConfigSchema.parse({
      github: {
        apiUrl: github.world.emulator.apiUrl,
        appId: github.world.appId,
        installationId: github.world.installationId,
        organization: ORG,
        repositories: [{ owner: ORG, name: REPO, id: github.world.repoId }],
        runnerGroupId: github.runnerGroupId,
        labels: github.labels,
      },
      libvirt: {
        uri,
        network: { type: "user" },
        pool,
        baseVolume: BASE_VOLUME,
        namePrefix: prefix,
        channelDir: join(runDir, "channels"),
        ...(directKernel === undefined ? {} : { directKernel }),
        domainType,
      },
      vm: { vcpus: 1, memoryMiB: 256, diskGiB: 1 },
      capacity: { warmPool: 0, maxVms: 3, maxVcpus: 3, maxMemoryMiB: 768 },
      server: { listen: "127.0.0.1:0" },
      timeouts: {
        bootSeconds: 90,
        bootAttempts: 2,
        jobSeconds: 150,
        orphanGraceSeconds: 5,
        callSeconds: 30,
      },
      intervals: { pollSeconds: 2, reconcileSeconds: 5 },
      stateDir: join(runDir, "state"),
    });
    const driver = await createVmDriver(config, {
      logger: logger.child({ module: "libvirt" }),
      session,
      ...(kernelCmdline === undefined ? {} : { kernelCmdline }),
      consoleLogDir: consoleLogDir ?? undefined,
      simulatedGuests: { bootDelayMs: 300 },
    });
    teardown.add("close VM driver", () => driver.close());

    const webhookSecret = randomBytes(24).toString("hex");
    const controller = await startController(
      config,
      { githubAppPrivateKey: github.world.privateKey, webhookSecret },
      { driver, logger, githubRetries: 2, githubRetryDelayMs: 200 },
    );
    teardown.add("stop controller", () => controller.stop());
    await github.world.emulator.control.addWebhook({
      url: `${controller.url}/webhook`,
      secret: webhookSecret,
      events: ["workflow_job"],
    });
    options.progress(`controller on ${controller.url}, signed workflow_job webhooks`);

    return {
      driverKind: options.driver,
      prefix,
      config,
      github,
      controller,
      driver,
      session,
      logFile,
      consoleLogDir,
      close: () => teardown.run(),
    };
  } catch (error) {
    await teardown.run();
    throw error;
  }
}
