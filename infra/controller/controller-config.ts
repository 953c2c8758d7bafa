import * as pulumi from "@pulumi/pulumi";

import { controllerConfigSchema } from "../../controller/src/config/schema.js";
import type { ControllerConfigInput } from "../../controller/src/config/schema.js";
import type { StackConfig } from "../config/parse.js";

/** Parses the runner group's resource id, which GitHub assigns as a positive integer. */
export function parseRunnerGroupId(id: string): number {
  const value = Number(id);
  if (!Number.isInteger(value) || value <= 0) {
    throw new Error(`runner group id "${id}" is not a positive integer`);
  }
  return value;
}

/**
 * Renders the controller's configuration file from the stack configuration and the runner group
 * id GitHub assigned. The result is checked against the controller's own schema, so a mismatch
 * between the two fails `pulumi up` instead of the service at start.
 */
export function renderControllerConfig(
  stack: StackConfig,
  runnerGroupId: pulumi.Input<string>,
): pulumi.Output<ControllerConfigInput> {
  return pulumi.output(runnerGroupId).apply((groupId) => {
    const groupNumber = parseRunnerGroupId(groupId);
    const config: ControllerConfigInput = {
      github: {
        apiUrl: stack.githubApiUrl,
        appId: stack.githubAppId,
        installationId: stack.githubAppInstallationId,
        organization: stack.organization,
        repositories: stack.repositories.map((repo) => ({
          owner: stack.organization,
          name: repo.name,
          id: repo.id,
        })),
        runnerGroupId: groupNumber,
        labels: stack.runnerLabels,
      },
      libvirt: {
        uri: stack.libvirtUri,
        network: { type: "network", name: stack.network.name, filter: stack.network.filterName },
        pool: stack.pool.name,
        baseVolume: stack.baseImage.volumeName,
        namePrefix: stack.controller.namePrefix,
        domainType: stack.controller.domainType,
      },
      vm: { vcpus: stack.vcpus, memoryMiB: stack.memoryMiB, diskGiB: stack.diskGiB },
      capacity: {
        warmPool: stack.warmPool,
        maxVms: stack.maxVms,
        maxVcpus: stack.maxVms * stack.vcpus,
        maxMemoryMiB: stack.maxVms * stack.memoryMiB,
      },
      server: { listen: stack.controller.listen },
    };
    // NOTE: during preview the group id is unknown and this callback does not run.
    const result = controllerConfigSchema.safeParse(config);
    if (!result.success) {
      const problems = result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
      throw new Error(`rendered controller config is invalid: ${problems.join("; ")}`);
    }
    return config;
  });
}
