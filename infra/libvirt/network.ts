import * as pulumi from "@pulumi/pulumi";

import { renderNetworkXml } from "../../controller/src/libvirt/xml/network.js";
import {
  NON_PUBLIC_IPV4_CIDRS,
  renderGuestFilterXml,
} from "../../controller/src/libvirt/xml/nwfilter.js";
import type { HostTarget } from "../host/host-target.js";
import { stableMac, stableUuid } from "../host/stable-ids.js";
import { planSubnet } from "./subnet.js";
import { renderDeleteScript, renderEnsureScript } from "./virsh-scripts.js";

/** Arguments of {@link GuestNetwork}. */
export interface GuestNetworkArgs {
  /** Host the scripts run on. */
  host: HostTarget;
  /** libvirt URI on the host. */
  uri: string;
  /** Network name. */
  name: string;
  /** Linux bridge, at most 15 characters. */
  bridge: string;
  /** Guest subnet `address/prefix`; the gateway is its first address. */
  subnet: string;
  /** Name of the nwfilter that guest interfaces reference. */
  filterName: string;
  /** Ranges blocked on top of the non-public IPv4 ranges, such as the host's public address. */
  extraBlockedCidrs: string[];
}

/**
 * The runner guests' libvirt network: a NAT network on its own bridge with DHCP and DNS from the
 * host, and the nwfilter that keeps guests to DHCP, DNS and the public internet.
 */
export class GuestNetwork extends pulumi.ComponentResource {
  readonly networkName: pulumi.Output<string>;
  readonly filterName: pulumi.Output<string>;

  constructor(name: string, args: GuestNetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super("trusted-runners:libvirt:Network", name, {}, opts);

    const plan = planSubnet(args.subnet);
    const filterXml = renderGuestFilterXml({
      name: args.filterName,
      uuid: stableUuid("nwfilter", args.filterName),
      gateway: plan.gateway,
      blockedCidrs: [...NON_PUBLIC_IPV4_CIDRS, ...args.extraBlockedCidrs],
    });
    const filterSpec = { kind: "nwfilter" as const, uri: args.uri, name: args.filterName };
    const filter = args.host.run(
      `${name}-filter`,
      {
        create: renderEnsureScript({ ...filterSpec, xml: filterXml }),
        delete: renderDeleteScript(filterSpec),
        triggers: [args.uri, args.filterName],
      },
      { parent: this, deleteBeforeReplace: true, replaceOnChanges: ["triggers"] },
    );

    const networkXml = renderNetworkXml({
      name: args.name,
      uuid: stableUuid("network", args.name),
      bridge: args.bridge,
      mac: stableMac(args.name),
      gateway: plan.gateway,
      prefixLength: plan.prefixLength,
      forward: "nat",
      dhcpRange: plan.dhcpRange,
      dns: true,
    });
    const networkSpec = { kind: "network" as const, uri: args.uri, name: args.name };
    const network = args.host.run(
      `${name}-network`,
      {
        create: renderEnsureScript({ ...networkSpec, xml: networkXml }),
        delete: renderDeleteScript(networkSpec),
        triggers: [args.uri, args.name],
      },
      {
        parent: this,
        dependsOn: [filter],
        deleteBeforeReplace: true,
        replaceOnChanges: ["triggers"],
      },
    );

    this.networkName = network.urn.apply(() => args.name);
    this.filterName = filter.urn.apply(() => args.filterName);
    this.registerOutputs({ networkName: this.networkName, filterName: this.filterName });
  }
}
