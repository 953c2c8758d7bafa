import path from "node:path";

/**
 * The virt-customize steps that turn a cloud image into the trusted-runners base image. They use
 * only what both Debian 12 and Ubuntu 24.04 cloud images ship (useradd, tar, systemd, apt through
 * the runner's installdependencies.sh), so one list serves both.
 *
 * NOTE: virt-customize is not installed where this was written and tested, so the tests check
 * this list as arguments only. It has not yet run against a real cloud image.
 */

/** Guest paths the steps install to; the unit and the bootstrap refer to the same ones. */
export const GUEST_PATHS = {
  runnerHome: "/home/runner",
  runnerDir: "/home/runner/actions-runner",
  bootstrap: "/usr/local/libexec/trusted-runners/jit-bootstrap",
  unit: "/etc/systemd/system/trusted-runners-jit.service",
  unitWantedLink: "/etc/systemd/system/multi-user.target.wants/trusted-runners-jit.service",
  cloudConfig: "/etc/cloud/cloud.cfg.d/99-trusted-runners.cfg",
  nocloudSeedDir: "/var/lib/cloud/seed/nocloud",
  uploadedTarball: "/var/tmp/actions-runner.tar.gz",
} as const;

/** Host files that the steps upload into the image. */
export interface CustomizeInputs {
  /** The qcow2 file edited in place. */
  image: string;
  runnerTarball: string;
  bootstrapScript: string;
  unitFile: string;
  cloudConfig: string;
  /** NoCloud `meta-data` and `user-data` seed files. */
  nocloudMetaData: string;
  nocloudUserData: string;
}

/** virt-customize splits `--upload FILE:DEST` at the colon, so host paths must not contain one. */
function uploadArgument(hostPath: string, guestPath: string): string {
  if (hostPath.includes(":")) {
    throw new Error(`host path ${hostPath} contains ":", which virt-customize cannot upload`);
  }
  return `${path.resolve(hostPath)}:${guestPath}`;
}

/** Builds the virt-customize argument list. */
export function virtCustomizeArgs(inputs: CustomizeInputs): string[] {
  const paths = GUEST_PATHS;
  return [
    ...["-a", path.resolve(inputs.image)],
    // The runner refuses to run as root, so it gets its own user without a password.
    ...["--run-command", `useradd --create-home --shell /bin/bash runner`],
    ...["--mkdir", paths.runnerDir],
    ...["--upload", uploadArgument(inputs.runnerTarball, paths.uploadedTarball)],
    ...[
      "--run-command",
      `tar -xzf ${paths.uploadedTarball} -C ${paths.runnerDir} && rm -f ${paths.uploadedTarball}`,
    ],
    // The release's own script installs the .NET dependencies (libicu and others) with apt.
    ...["--run-command", `${paths.runnerDir}/bin/installdependencies.sh`],
    ...["--run-command", `chown -R runner:runner ${paths.runnerHome}`],
    ...["--mkdir", path.posix.dirname(paths.bootstrap)],
    ...["--upload", uploadArgument(inputs.bootstrapScript, paths.bootstrap)],
    ...["--chmod", `0755:${paths.bootstrap}`],
    ...["--upload", uploadArgument(inputs.unitFile, paths.unit)],
    ...["--chmod", `0644:${paths.unit}`],
    // A symlink, as `systemctl enable` would make, without running systemctl in the appliance.
    ...["--link", `${paths.unit}:${paths.unitWantedLink}`],
    ...["--mkdir", path.posix.dirname(paths.cloudConfig)],
    ...["--upload", uploadArgument(inputs.cloudConfig, paths.cloudConfig)],
    ...["--mkdir", paths.nocloudSeedDir],
    ...["--upload", uploadArgument(inputs.nocloudMetaData, `${paths.nocloudSeedDir}/meta-data`)],
    ...["--upload", uploadArgument(inputs.nocloudUserData, `${paths.nocloudSeedDir}/user-data`)],
    // Every VM boots an overlay of this image, so each must generate its own machine id.
    ...["--truncate", "/etc/machine-id"],
  ];
}
