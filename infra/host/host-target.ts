import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";

import { shellQuote } from "./shell.js";

/** Connection Pulumi uses to reach the VM host. */
export type HostConnection =
  | { connection: "local" }
  | {
      connection: "ssh";
      address: string;
      port: number;
      user: string;
      /** Public key the host must present, `ssh-ed25519 AAAA...`. */
      hostKey: string;
    };

/**
 * Wraps a bash script as one command line for SSH. The SSH server hands the line to the user's
 * login shell, which may not be bash, so the script is passed to bash as one quoted argument.
 */
export function wrapForSsh(script: string): string {
  return `bash -c ${shellQuote(script)}`;
}

/** Scripts of one host resource; each is a complete bash script. */
export interface HostScripts {
  /** Runs when the resource is created. */
  create: string;
  /** Runs when an input changes; defaults to `create`, which every script keeps idempotent. */
  update?: string;
  /** Runs when the resource is deleted; removing what is already gone succeeds. */
  delete?: string;
  /** Standard input of every script; the way secrets and file contents reach the host. */
  stdin?: pulumi.Input<string>;
  /** Values whose change reruns the update script although the scripts are unchanged. */
  triggers?: pulumi.Input<unknown>[];
}

/**
 * Runs bash scripts on the VM host, locally or over SSH, as `@pulumi/command` resources. Scripts
 * carry their inputs inline (names, XML) or on standard input (secrets), never in environment
 * variables, because SSH servers drop variables the client sets unless `AcceptEnv` allows them.
 */
export class HostTarget {
  /** Prefix for commands that need root: empty when the scripts run as root, else `sudo -n `. */
  readonly rootPrefix: string;

  /**
   * @param localIsRoot whether the Pulumi process itself runs as root, which decides sudo for a
   *   local connection; defaults to the current process's user id.
   */
  constructor(
    readonly connection: HostConnection,
    private readonly sshPrivateKey?: pulumi.Input<string>,
    localIsRoot: boolean = process.getuid?.() === 0,
  ) {
    const runsAsRoot = connection.connection === "local" ? localIsRoot : connection.user === "root";
    this.rootPrefix = runsAsRoot ? "" : "sudo -n ";
  }

  /** Declares one resource whose lifecycle runs the given scripts on the host. */
  run(name: string, scripts: HostScripts, opts: pulumi.CustomResourceOptions): pulumi.Resource {
    if (this.connection.connection === "local") {
      return new command.local.Command(
        name,
        {
          interpreter: ["/bin/bash", "-c"],
          create: scripts.create,
          update: scripts.update ?? scripts.create,
          delete: scripts.delete,
          stdin: scripts.stdin,
          triggers: scripts.triggers,
          logging: "stdoutAndStderr",
        },
        opts,
      );
    }

    const wrap = (script: string | undefined): string | undefined =>
      script === undefined ? undefined : wrapForSsh(script);
    return new command.remote.Command(
      name,
      {
        connection: {
          host: this.connection.address,
          port: this.connection.port,
          user: this.connection.user,
          hostKey: this.connection.hostKey,
          privateKey: this.sshPrivateKey,
        },
        create: wrap(scripts.create),
        update: wrap(scripts.update ?? scripts.create),
        delete: wrap(scripts.delete),
        stdin: scripts.stdin,
        triggers: scripts.triggers,
        logging: "stdoutAndStderr",
      },
      opts,
    );
  }

  /**
   * Makes a local file readable on the host and returns its path there. Locally that is the file
   * itself. Over SSH it is copied into the SSH user's home, because SFTP runs without root, and a
   * root script installs it from there.
   */
  stageFile(
    name: string,
    localPath: string,
    contentHash: string,
    opts: pulumi.CustomResourceOptions,
  ): { path: string; resource?: pulumi.Resource } {
    if (this.connection.connection === "local") {
      return { path: localPath };
    }
    const fileName = localPath.split("/").pop() ?? "file";
    // Relative to the SSH user's home, where SFTP starts and where scripts over SSH run.
    const remotePath = `trusted-runners-staged-${fileName}`;
    const resource = new command.remote.CopyToRemote(
      name,
      {
        connection: {
          host: this.connection.address,
          port: this.connection.port,
          user: this.connection.user,
          hostKey: this.connection.hostKey,
          privateKey: this.sshPrivateKey,
        },
        source: new pulumi.asset.FileAsset(localPath),
        remotePath,
        triggers: [contentHash],
      },
      opts,
    );
    return { path: remotePath, resource };
  }
}
