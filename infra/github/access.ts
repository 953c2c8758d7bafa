import * as github from "@pulumi/github";
import * as pulumi from "@pulumi/pulumi";

import { ROUTING_VARIABLE } from "../../controller/src/routing/rules.js";

/** Arguments of {@link GitHubAccess}. */
export interface GitHubAccessArgs {
  /** Provider authenticated on the organisation. */
  provider: github.Provider;
  /** Repositories whose trusted pull requests run on the fleet. */
  repositories: { name: string; id: number }[];
  runnerGroupName: string;
  /** Whether public repositories may use the group; always sent, never left to GitHub's default. */
  allowsPublicRepositories: boolean;
  /** Workflow refs the group accepts; absent means every workflow of the selected repositories. */
  restrictedWorkflows?: string[];
  /** Hard rollback switch: false leaves the group with no selected repository. */
  repositoryAccess: boolean;
  /** Immediate rollback switch: the routing variable's value. */
  trustedRouting: boolean;
  /** `workflow_job` webhook to the controller; absent when the controller has no public URL. */
  webhook?: { url: string; secret: pulumi.Output<string> };
}

/**
 * GitHub access for the fleet: the organisation runner group limited to the selected
 * repositories, each repository's routing variable, and the `workflow_job` webhook.
 */
export class GitHubAccess extends pulumi.ComponentResource {
  readonly runnerGroupId: pulumi.Output<string>;
  readonly routingVariableValue: pulumi.Output<string>;

  constructor(name: string, args: GitHubAccessArgs, opts?: pulumi.ComponentResourceOptions) {
    super("trusted-runners:github:Access", name, {}, opts);
    const childOpts = { parent: this, provider: args.provider };

    const restricted = args.restrictedWorkflows !== undefined;
    const group = new github.ActionsRunnerGroup(
      `${name}-runner-group`,
      {
        name: args.runnerGroupName,
        visibility: "selected",
        selectedRepositoryIds: args.repositoryAccess
          ? args.repositories.map((repo) => repo.id)
          : [],
        allowsPublicRepositories: args.allowsPublicRepositories,
        restrictedToWorkflows: restricted,
        ...(restricted ? { selectedWorkflows: args.restrictedWorkflows } : {}),
      },
      childOpts,
    );

    const value = args.trustedRouting ? "true" : "false";
    for (const repo of args.repositories) {
      new github.ActionsVariable(
        `${name}-routing-${repo.name}`,
        { repository: repo.name, variableName: ROUTING_VARIABLE, value },
        childOpts,
      );

      if (args.webhook !== undefined) {
        new github.RepositoryWebhook(
          `${name}-webhook-${repo.name}`,
          {
            repository: repo.name,
            events: ["workflow_job"],
            active: true,
            configuration: {
              url: args.webhook.url,
              contentType: "json",
              insecureSsl: false,
              secret: args.webhook.secret,
            },
          },
          childOpts,
        );
      }
    }

    this.runnerGroupId = group.id;
    this.routingVariableValue = pulumi.output(value);
    this.registerOutputs({
      runnerGroupId: this.runnerGroupId,
      routingVariableValue: this.routingVariableValue,
    });
  }
}
