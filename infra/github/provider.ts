import * as github from "@pulumi/github";
import type * as pulumi from "@pulumi/pulumi";

/** Settings {@link createGitHubProvider} needs to act as the GitHub App on the organisation. */
export interface GitHubProviderArgs {
  organization: string;
  apiUrl: string;
  appId: number;
  installationId: number;
  /** PEM private key of the App, a Pulumi secret. */
  privateKey: pulumi.Output<string>;
}

/** Creates the GitHub provider that authenticates as the App installation on the organisation. */
export function createGitHubProvider(args: GitHubProviderArgs): github.Provider {
  return new github.Provider("github", {
    owner: args.organization,
    baseUrl: args.apiUrl,
    appAuth: {
      id: String(args.appId),
      installationId: String(args.installationId),
      // The provider takes the key's contents in this field despite its name.
      pemFile: args.privateKey,
    },
  });
}
