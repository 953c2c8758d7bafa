import * as pulumi from "@pulumi/pulumi";

import type { HostTarget } from "../host/host-target.js";
import { renderBaseImageDeleteScript, renderBaseImageEnsureScript } from "./base-image-script.js";

/** Arguments of {@link BaseImage}. */
export interface BaseImageArgs {
  host: HostTarget;
  /** libvirt URI on the host. */
  uri: string;
  /** Pool that receives the volume; pass the pool resource in `dependsOn`. */
  pool: string;
  /** Volume name in the pool. */
  volumeName: string;
  /** `https://` or `file://` URL of the image. */
  url: string;
  /** Lowercase hex sha256 of the image file; a download with another digest is rejected. */
  sha256: string;
}

/**
 * The base volume every VM overlay is backed by, imported from its source after its sha256 is
 * checked. A new URL or digest imports the image again into the same volume.
 */
export class BaseImage extends pulumi.ComponentResource {
  readonly volumeName: pulumi.Output<string>;

  constructor(name: string, args: BaseImageArgs, opts?: pulumi.ComponentResourceOptions) {
    super("trusted-runners:libvirt:BaseVolume", name, {}, opts);

    const spec = { ...args, name: args.volumeName };
    const volume = args.host.run(
      `${name}-volume`,
      {
        create: renderBaseImageEnsureScript(spec),
        delete: renderBaseImageDeleteScript(spec),
        triggers: [args.uri, args.volumeName],
      },
      { parent: this, deleteBeforeReplace: true, replaceOnChanges: ["triggers"] },
    );

    this.volumeName = volume.urn.apply(() => args.volumeName);
    this.registerOutputs({ volumeName: this.volumeName });
  }
}
