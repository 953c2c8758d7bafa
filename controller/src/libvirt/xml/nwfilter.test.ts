import { XMLParser } from "fast-xml-parser";
import { describe, expect, test } from "vitest";

import { NON_PUBLIC_IPV4_CIDRS, renderGuestFilterXml } from "./nwfilter.js";

interface ParsedRule {
  action: string;
  direction: string;
  priority: string;
  [protocol: string]: unknown;
}

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "",
  isArray: (name) => name === "rule",
});

function rulesOf(extra: string[] = []): ParsedRule[] {
  const xml = renderGuestFilterXml({
    name: "tr-runner-guard",
    uuid: "0f3c8d9e-1a2b-5c3d-8e4f-5a6b7c8d9e0f",
    gateway: "192.168.150.1",
    blockedCidrs: [...NON_PUBLIC_IPV4_CIDRS, ...extra],
  });
  return parser.parse(xml).filter.rule as ParsedRule[];
}

function dropsTo(rules: ParsedRule[], address: string, mask: string): ParsedRule | undefined {
  return rules.find((rule) => {
    const all = rule.all as { dstipaddr?: string; dstipmask?: string } | undefined;
    return rule.action === "drop" && all?.dstipaddr === address && all.dstipmask === mask;
  });
}

describe("renderGuestFilterXml", () => {
  test("includes clean-traffic", () => {
    const xml = renderGuestFilterXml({
      name: "g",
      uuid: "0f3c8d9e-1a2b-5c3d-8e4f-5a6b7c8d9e0f",
      gateway: "192.168.150.1",
      blockedCidrs: [],
    });
    expect(parser.parse(xml).filter.filterref).toEqual({ filter: "clean-traffic" });
  });

  test("blocks link-local metadata range", () => {
    expect(dropsTo(rulesOf(), "169.254.0.0", "16")).toBeDefined();
  });

  test("blocks every private range", () => {
    const rules = rulesOf();
    expect(dropsTo(rules, "10.0.0.0", "8")).toBeDefined();
    expect(dropsTo(rules, "172.16.0.0", "12")).toBeDefined();
    expect(dropsTo(rules, "192.168.0.0", "16")).toBeDefined();
  });

  test("blocks extra host address", () => {
    expect(dropsTo(rulesOf(["203.0.113.10/32"]), "203.0.113.10", "32")).toBeDefined();
  });

  test("gateway DNS precedes gateway drop", () => {
    const rules = rulesOf();
    const dns = rules.find(
      (rule) => (rule.udp as { dstportstart?: string })?.dstportstart === "53",
    );
    const gatewayDrop = rules.find(
      (rule) =>
        rule.action === "drop" &&
        (rule.all as { dstipaddr?: string } | undefined)?.dstipaddr === "192.168.150.1",
    );
    expect(dns?.action).toBe("accept");
    expect(Number(dns?.priority)).toBeLessThan(Number(gatewayDrop?.priority));
  });

  test("private drops precede public accept", () => {
    const rules = rulesOf();
    const publicAccept = rules.find((rule) => rule.action === "accept" && rule.all !== undefined);
    const privateDrop = dropsTo(rules, "10.0.0.0", "8");
    expect(Number(privateDrop?.priority)).toBeLessThan(Number(publicAccept?.priority));
  });

  test("drops all IPv6", () => {
    const ipv6 = rulesOf().find((rule) => rule["all-ipv6"] !== undefined);
    expect(ipv6?.action).toBe("drop");
    expect(ipv6?.direction).toBe("inout");
  });

  test("invalid CIDR is rejected", () => {
    expect(() =>
      renderGuestFilterXml({
        name: "g",
        uuid: "0f3c8d9e-1a2b-5c3d-8e4f-5a6b7c8d9e0f",
        gateway: "192.168.150.1",
        blockedCidrs: ["10.0.0.0"],
      }),
    ).toThrow('invalid CIDR "10.0.0.0"');
  });
});
