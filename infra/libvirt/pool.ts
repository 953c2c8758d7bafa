import * as pulumi from "@pulumi/pulumi";

import { renderPoolXml } from "../../controller/src/libvirt/xml/pool.js";
import type { HostTarget } from "../host/host-target.js";
import { stableUuid } from "../host/stable-ids.js";
import { renderDeleteScript, renderEnsureScript } from "./virsh-scripts.js";

/** Arguments of {@link StoragePool}. */
export interface StoragePoolArgs {
  host: HostTarget;
  /** libvirt URI on the host. */
  uri: string;
  /** Pool name. */
  name: string;
  /** Absolute host folder for the volume files; libvirt creates it. */
  path: string;
}

/**
 * The directory storage pool that contains the base volume and the per-VM overlays. Deleting it
 * stops and undefines the pool but keeps the folder and any files left in it.
 */
export class StoragePool extends pulumi.ComponentResource {
  readonly poolName: pulumi.Output<string>;

  constructor(name: string, args: StoragePoolArgs, opts?: pulumi.ComponentResourceOptions) {
    super("trusted-runners:libvirt:Pool", name, {}, opts);

    const xml = renderPoolXml({
      name: args.name,
      uuid: stableUuid("pool", args.name),
      path: args.path,
      // Owner-only listing, with search for others so QEMU can open files it is given by path.
      mode: "0711",
      uid: 0,
      gid: 0,
    });
    const spec = { kind: "pool" as const, uri: args.uri, name: args.name };
    const pool = args.host.run(
      `${name}-pool`,
      {
        create: renderEnsureScript({ ...spec, xml }),
        delete: renderDeleteScript(spec),
        triggers: [args.uri, args.name],
      },
      { parent: this, deleteBeforeReplace: true, replaceOnChanges: ["triggers"] },
    );

    this.poolName = pool.urn.apply(() => args.name);
    this.registerOutputs({ poolName: this.poolName });
  }
}
