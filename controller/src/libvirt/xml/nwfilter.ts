import { XMLBuilder } from "fast-xml-parser";

/** Settings of the runner guests' traffic filter, for {@link renderGuestFilterXml}. */
export interface GuestFilterXmlSpec {
  /** Filter name; domain interfaces reference it with `<filterref filter='NAME'/>`. */
  name: string;
  /** Fixed UUID, so a redefinition updates the same filter instead of failing as a duplicate. */
  uuid: string;
  /** Host address on the guest network, the only one guests may reach, for DNS and DHCP. */
  gateway: string;
  /**
   * IPv4 ranges guests must never reach, as `address/prefix`. The guest subnet itself, the host's
   * other addresses and every private range belong here; the public internet, where GitHub is,
   * stays reachable.
   */
  blockedCidrs: string[];
}

/**
 * IPv4 ranges that are never a path to GitHub: private networks (RFC 1918), shared address space
 * (RFC 6598), loopback, link-local including the 169.254.169.254 cloud metadata service, and
 * multicast and reserved space.
 */
export const NON_PUBLIC_IPV4_CIDRS: readonly string[] = [
  "10.0.0.0/8",
  "172.16.0.0/12",
  "192.168.0.0/16",
  "100.64.0.0/10",
  "127.0.0.0/8",
  "169.254.0.0/16",
  "224.0.0.0/4",
  "240.0.0.0/4",
];

const builder = new XMLBuilder({
  ignoreAttributes: false,
  attributeNamePrefix: "@_",
  format: true,
  indentBy: "  ",
  suppressEmptyNode: true,
});

type Rule = Record<string, unknown>;

function rule(action: "accept" | "drop", direction: string, priority: number, match: Rule): Rule {
  return { "@_action": action, "@_direction": direction, "@_priority": priority, ...match };
}

function splitCidr(cidr: string): { address: string; prefix: string } {
  const [address, prefix] = cidr.split("/");
  if (address === undefined || prefix === undefined) {
    throw new Error(`invalid CIDR "${cidr}"; expected address/prefix, for example 10.0.0.0/8`);
  }
  return { address, prefix };
}

/**
 * Renders the `<filter>` document that `virsh nwfilter-define` reads. Rules run in priority
 * order, lowest first, and libvirt tracks connection state for them, so an accepted outgoing
 * connection also lets its replies in. The filter:
 * - includes libvirt's `clean-traffic`, which stops MAC, IP and ARP spoofing and non-IP frames;
 * - accepts DHCP and DNS with the gateway, then drops every other packet to the gateway, which
 *   keeps guests away from the host's other services on that address;
 * - drops traffic to every blocked range, link-local metadata included;
 * - accepts new connections out to anywhere else, and drops new connections in and all IPv6.
 */
export function renderGuestFilterXml(spec: GuestFilterXmlSpec): string {
  const gateway = spec.gateway;
  const rules: Rule[] = [
    rule("accept", "out", 100, {
      udp: { "@_srcportstart": 68, "@_dstportstart": 67 },
    }),
    rule("accept", "in", 100, {
      udp: { "@_srcipaddr": gateway, "@_srcportstart": 67, "@_dstportstart": 68 },
    }),
    rule("accept", "out", 110, { udp: { "@_dstipaddr": gateway, "@_dstportstart": 53 } }),
    rule("accept", "out", 110, { tcp: { "@_dstipaddr": gateway, "@_dstportstart": 53 } }),
    rule("drop", "out", 200, { all: { "@_dstipaddr": gateway } }),
    rule("drop", "in", 200, { all: { "@_srcipaddr": gateway, "@_state": "NEW" } }),
  ];

  for (const cidr of spec.blockedCidrs) {
    const { address, prefix } = splitCidr(cidr);
    rules.push(
      rule("drop", "out", 300, { all: { "@_dstipaddr": address, "@_dstipmask": prefix } }),
    );
  }

  rules.push(rule("accept", "out", 500, { all: {} }));
  rules.push(rule("drop", "in", 900, { all: { "@_state": "NEW" } }));
  rules.push(rule("drop", "inout", 900, { "all-ipv6": {} }));

  const filter = {
    "@_name": spec.name,
    "@_chain": "root",
    uuid: spec.uuid,
    filterref: { "@_filter": "clean-traffic" },
    rule: rules,
  };
  return builder.build({ filter }) as string;
}
