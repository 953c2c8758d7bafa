import { chmod, mkdir } from "node:fs/promises";
import { join } from "node:path";

import { VirshSession } from "../../../controller/src/libvirt/virsh-session.js";
import { createLogger } from "../../../controller/src/log.js";
import { detectQemuAccel } from "../../../images/test/accel.js";
import { buildTestImage } from "../../../images/test/build.js";
import type { LibvirtInput } from "./fault-world.js";

export const QEMU_URI = "qemu:///system";
/** Base volume name without the prefix, so the leak count never includes it. */
export const BASE_VOLUME = "base.qcow2";

const logger = createLogger({ level: "silent" });

function names(output: string): string[] {
  return output
    .split("\n")
    .map((line) => line.trim().split(/\s+/)[0] ?? "")
    .filter((name) => name.length > 0 && name !== "Name" && !name.startsWith("--"));
}

/**
 * A dir pool on qemu:///system with a base volume, plus the test image and accelerator, for
 * controllers that boot real guests. Every domain and volume the controllers make starts with
 * `prefix`, and {@link RealLibvirt.remove} deletes all of them and the pool.
 */
export class RealLibvirt {
  private constructor(
    readonly session: VirshSession,
    readonly prefix: string,
    readonly pool: string,
    readonly libvirt: LibvirtInput,
  ) {}

  static async create(prefix: string, folder: string): Promise<RealLibvirt> {
    // QEMU runs as an unprivileged user here, so every folder it opens must be traversable.
    await chmod(folder, 0o755);
    const poolDir = join(folder, "pool");
    await mkdir(poolDir, { recursive: true });
    const image = await buildTestImage({ logger });
    const accel = await detectQemuAccel(image.kernel);
    const session = new VirshSession({ uri: QEMU_URI, logger, commandTimeoutMs: 60_000 });
    const pool = `${prefix}pool`;
    await session.run(["pool-define-as", "--name", pool, "--type", "dir", "--target", poolDir]);
    await session.run(["pool-start", "--pool", pool]);
    const real = new RealLibvirt(session, prefix, pool, {
      uri: QEMU_URI,
      network: { type: "user" },
      pool,
      baseVolume: BASE_VOLUME,
      namePrefix: prefix,
      directKernel: { kernel: image.kernel, initrd: image.initrd },
      domainType: accel === "kvm" ? "kvm" : "qemu",
    });
    await real.createBaseVolume();
    return real;
  }

  async createBaseVolume(): Promise<void> {
    await this.session.run([
      ...["vol-create-as", "--pool", this.pool, "--name", BASE_VOLUME],
      ...["--capacity", "64M", "--format", "qcow2"],
    ]);
  }

  async deleteBaseVolume(): Promise<void> {
    await this.session.run(["vol-delete", "--pool", this.pool, "--vol", BASE_VOLUME]);
  }

  /** Domains and volumes with the prefix, listed by libvirt itself. */
  async leftovers(): Promise<{ domains: string[]; volumes: string[] }> {
    const domains = names(await this.session.run(["list", "--all", "--name"])).filter((name) =>
      name.startsWith(this.prefix),
    );
    await this.session.run(["pool-refresh", "--pool", this.pool]).catch(() => undefined);
    const volumes = names(await this.session.run(["vol-list", "--pool", this.pool])).filter(
      (name) => name.startsWith(this.prefix),
    );
    return { domains, volumes };
  }

  /** Removes every domain and volume with the prefix and the pool; ignores what is gone. */
  async remove(): Promise<void> {
    const ignore = (): undefined => undefined;
    const listed = await this.session.run(["list", "--all", "--name"]).catch(() => "");
    for (const domain of names(listed).filter((name) => name.startsWith(this.prefix))) {
      await this.session.run(["destroy", "--domain", domain]).catch(ignore);
      await this.session.run(["undefine", "--domain", domain]).catch(ignore);
    }
    const volumes = await this.session.run(["vol-list", "--pool", this.pool]).catch(() => "");
    for (const volume of names(volumes)) {
      await this.session.run(["vol-delete", "--pool", this.pool, "--vol", volume]).catch(ignore);
    }
    await this.session.run(["pool-destroy", "--pool", this.pool]).catch(ignore);
    await this.session.run(["pool-undefine", "--pool", this.pool]).catch(ignore);
    await this.session.close();
  }
}
