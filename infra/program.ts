import * as pulumi from "@pulumi/pulumi";

import type { StackConfig } from "./config/parse.js";
import { renderControllerConfig } from "./controller/controller-config.js";
import { renderEnvFile } from "./controller/env-file.js";
import { ControllerService } from "./controller/service.js";
import type { ControllerBundle } from "./controller/service.js";
import { renderSystemdUnit } from "./controller/systemd-unit.js";
import { GitHubAccess } from "./github/access.js";
import { createGitHubProvider } from "./github/provider.js";
import { HostTarget } from "./host/host-target.js";
import { BaseImage } from "./libvirt/base-image.js";
import { GuestNetwork } from "./libvirt/network.js";
import { StoragePool } from "./libvirt/pool.js";

/** The stack outputs. */
export interface FleetOutputs {
  runnerGroupId: pulumi.Output<string>;
  /** `"true"` or `"false"`, the value of the routing variable in every repository. */
  routingVariableValue: pulumi.Output<string>;
  /** Public webhook URL when set, else the controller's listen address on the host. */
  controllerUrl: pulumi.Output<string>;
  libvirtNetwork: pulumi.Output<string>;
  libvirtPool: pulumi.Output<string>;
  baseVolume: pulumi.Output<string>;
}

/** Declares every resource of one stack from its validated configuration. */
export function declareFleet(stack: StackConfig, bundle: ControllerBundle): FleetOutputs {
  const provider = createGitHubProvider({
    organization: stack.organization,
    apiUrl: stack.githubApiUrl,
    appId: stack.githubAppId,
    installationId: stack.githubAppInstallationId,
    privateKey: stack.secrets.githubAppPrivateKey,
  });
  const access = new GitHubAccess("github", {
    provider,
    repositories: stack.repositories,
    runnerGroupName: stack.runnerGroupName,
    allowsPublicRepositories: stack.allowsPublicRepositories,
    restrictedWorkflows: stack.restrictedWorkflows,
    repositoryAccess: stack.repositoryAccess,
    trustedRouting: stack.trustedRouting,
    webhook:
      stack.controller.publicUrl === undefined
        ? undefined
        : { url: stack.controller.publicUrl, secret: stack.secrets.webhookSecret },
  });

  const host = new HostTarget(stack.host, stack.secrets.sshPrivateKey);
  const network = new GuestNetwork("guest-network", {
    host,
    uri: stack.libvirtUri,
    name: stack.network.name,
    bridge: stack.network.bridge,
    subnet: stack.network.subnet,
    filterName: stack.network.filterName,
    extraBlockedCidrs: stack.network.extraBlockedCidrs,
  });
  const pool = new StoragePool("storage-pool", {
    host,
    uri: stack.libvirtUri,
    name: stack.pool.name,
    path: stack.pool.path,
  });
  const baseImage = new BaseImage(
    "base-image",
    {
      host,
      uri: stack.libvirtUri,
      pool: stack.pool.name,
      volumeName: stack.baseImage.volumeName,
      url: stack.baseImage.url,
      sha256: stack.baseImage.sha256,
    },
    { dependsOn: [pool] },
  );

  const controllerConfig = renderControllerConfig(stack, access.runnerGroupId);
  new ControllerService(
    "controller",
    {
      host,
      bundle,
      configJson: controllerConfig.apply((config) => JSON.stringify(config, null, 2) + "\n"),
      envFile: renderEnvFile(stack.secrets),
      unit: renderSystemdUnit(),
    },
    { dependsOn: [network, pool, baseImage] },
  );

  return {
    runnerGroupId: access.runnerGroupId,
    routingVariableValue: access.routingVariableValue,
    controllerUrl: pulumi.output(stack.controller.publicUrl ?? `http://${stack.controller.listen}`),
    libvirtNetwork: network.networkName,
    libvirtPool: pool.poolName,
    baseVolume: baseImage.volumeName,
  };
}
