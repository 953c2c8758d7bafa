import { XMLBuilder } from "fast-xml-parser";

/** Settings of one libvirt network, for {@link renderNetworkXml}. */
export interface NetworkXmlSpec {
  /** Network name, unique on the host. */
  name: string;
  /** Fixed UUID, so a redefinition updates the same network instead of failing as a duplicate. */
  uuid: string;
  /** Linux bridge the network creates, at most 15 characters. */
  bridge: string;
  /** Fixed bridge MAC, so libvirt does not add a random one that differs on every define. */
  mac: string;
  /** Host address on the bridge: the guests' gateway, DNS and DHCP server. */
  gateway: string;
  /** Prefix length of the guest subnet, for example 24. */
  prefixLength: number;
  /**
   * `nat` forwards guest traffic out through the host's default route. `none` keeps guests on
   * the bridge with the host alone, which needs no firewall rules (tests use it).
   */
  forward: "nat" | "none";
  /** Address range handed out by libvirt's dnsmasq; absent turns DHCP off. */
  dhcpRange?: { start: string; end: string };
  /** Whether libvirt's dnsmasq answers DNS on the gateway; false runs no dnsmasq for DNS. */
  dns: boolean;
}

const builder = new XMLBuilder({
  ignoreAttributes: false,
  attributeNamePrefix: "@_",
  format: true,
  indentBy: "  ",
  suppressEmptyNode: true,
});

/** Renders the `<network>` document that `virsh net-define` reads. */
export function renderNetworkXml(spec: NetworkXmlSpec): string {
  const ip: Record<string, unknown> = { "@_address": spec.gateway, "@_prefix": spec.prefixLength };
  if (spec.dhcpRange !== undefined) {
    ip.dhcp = { range: { "@_start": spec.dhcpRange.start, "@_end": spec.dhcpRange.end } };
  }

  const network: Record<string, unknown> = { name: spec.name, uuid: spec.uuid };
  if (spec.forward === "nat") {
    network.forward = { "@_mode": "nat" };
  }
  network.bridge = { "@_name": spec.bridge, "@_stp": "on", "@_delay": 0 };
  network.mac = { "@_address": spec.mac };
  network.dns = { "@_enable": spec.dns ? "yes" : "no" };
  network.ip = ip;

  return builder.build({ network }) as string;
}
