import { createHash } from "node:crypto";

import * as pulumi from "@pulumi/pulumi";

import type { HostTarget } from "../host/host-target.js";
import { bashScript, shellQuote } from "../host/shell.js";
import { HOST_PATHS } from "./paths.js";

/** A file built on the machine that runs Pulumi. */
export interface BuiltFile {
  path: string;
  /** Lowercase hex sha256 of the file; a new digest installs it again and restarts the service. */
  sha256: string;
}

/** The esbuild bundle of the controller and the SQLite native addon it loads from its folder. */
export interface ControllerBundle extends BuiltFile {
  nativeAddon: BuiltFile;
}

/** Arguments of {@link ControllerService}. */
export interface ControllerServiceArgs {
  host: HostTarget;
  bundle: ControllerBundle;
  /** Configuration file contents, JSON that the controller's config schema accepts. */
  configJson: pulumi.Output<string>;
  /** Environment file contents with the secrets; a Pulumi secret. */
  envFile: pulumi.Output<string>;
  /** Unit file contents. */
  unit: string;
}

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/**
 * The controller as a systemd service on the VM host: the bundle, the configuration file, the
 * root-only secrets file and the unit, then a step that reloads systemd, enables the unit and
 * restarts it whenever any of those four change. File contents reach the host on standard input,
 * so no secret is part of a command line.
 */
export class ControllerService extends pulumi.ComponentResource {
  readonly unitName: pulumi.Output<string>;

  constructor(name: string, args: ControllerServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("trusted-runners:controller:Service", name, {}, opts);
    const root = args.host.rootPrefix;
    const childOpts = { parent: this };

    const stagedBundle = args.host.stageFile(
      `${name}-bundle-copy`,
      args.bundle.path,
      args.bundle.sha256,
      { parent: this },
    );
    const stagedAddon = args.host.stageFile(
      `${name}-native-addon-copy`,
      args.bundle.nativeAddon.path,
      args.bundle.nativeAddon.sha256,
      { parent: this },
    );
    const stagedResources = [stagedBundle.resource, stagedAddon.resource].filter(
      (resource): resource is pulumi.Resource => resource !== undefined,
    );
    const bundle = args.host.run(
      `${name}-bundle`,
      {
        create: bashScript([
          "if ! command -v node >/dev/null; then",
          "  echo 'node not found on the host; install Node.js 20, the major version the bundle was built with' >&2",
          "  exit 1",
          "fi",
          `${root}install -D -m 0644 ${shellQuote(stagedBundle.path)} ${HOST_PATHS.bundle}`,
          `${root}install -D -m 0755 ${shellQuote(stagedAddon.path)} ${HOST_PATHS.nativeAddon}`,
          `echo "installed ${HOST_PATHS.bundle} and ${HOST_PATHS.nativeAddon}"`,
        ]),
        delete: bashScript([`${root}rm -f ${HOST_PATHS.bundle} ${HOST_PATHS.nativeAddon}`]),
        triggers: [args.bundle.sha256, args.bundle.nativeAddon.sha256],
      },
      { ...childOpts, dependsOn: stagedResources },
    );

    const installFromStdin = (path: string, mode: string): string =>
      bashScript([
        `${root}install -D -m ${mode} -o root -g root /dev/stdin ${path}`,
        `echo "installed ${path}"`,
      ]);

    const config = args.host.run(
      `${name}-config`,
      {
        create: installFromStdin(HOST_PATHS.config, "0644"),
        delete: bashScript([`${root}rm -f ${HOST_PATHS.config}`]),
        stdin: args.configJson,
      },
      childOpts,
    );
    const envFile = args.host.run(
      `${name}-env-file`,
      {
        create: installFromStdin(HOST_PATHS.envFile, "0600"),
        delete: bashScript([`${root}rm -f ${HOST_PATHS.envFile}`]),
        stdin: args.envFile,
      },
      { ...childOpts, additionalSecretOutputs: ["stdin"] },
    );
    const unit = args.host.run(
      `${name}-unit`,
      {
        create: installFromStdin(HOST_PATHS.unit, "0644"),
        delete: bashScript([
          `${root}systemctl disable --now ${HOST_PATHS.unitName} || true`,
          `${root}rm -f ${HOST_PATHS.unit}`,
          `${root}systemctl daemon-reload`,
        ]),
        stdin: args.unit,
      },
      childOpts,
    );

    // Deleting this step does nothing: stopping the service belongs to the unit's delete script.
    args.host.run(
      `${name}-restart`,
      {
        create: bashScript([
          `${root}systemctl daemon-reload`,
          `${root}systemctl enable ${HOST_PATHS.unitName}`,
          `${root}systemctl restart ${HOST_PATHS.unitName}`,
          `echo "restarted ${HOST_PATHS.unitName}"`,
        ]),
        triggers: [
          args.bundle.sha256,
          args.bundle.nativeAddon.sha256,
          args.configJson.apply(sha256),
          args.envFile.apply(sha256),
          sha256(args.unit),
        ],
      },
      { ...childOpts, dependsOn: [bundle, config, envFile, unit] },
    );

    this.unitName = pulumi.output(HOST_PATHS.unitName);
    this.registerOutputs({ unitName: this.unitName });
  }
}
