import { XMLParser } from "fast-xml-parser";
import { describe, expect, test } from "vitest";

import { renderNetworkXml } from "./network.js";
import type { NetworkXmlSpec } from "./network.js";

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "" });

const spec: NetworkXmlSpec = {
  name: "tr-runners",
  uuid: "0f3c8d9e-1a2b-5c3d-8e4f-5a6b7c8d9e0f",
  bridge: "virbr-tr",
  mac: "52:54:00:aa:bb:cc",
  gateway: "192.168.150.1",
  prefixLength: 24,
  forward: "nat",
  dhcpRange: { start: "192.168.150.2", end: "192.168.150.254" },
  dns: true,
};

describe("renderNetworkXml", () => {
  test("nat network with DHCP", () => {
    const { network } = parser.parse(renderNetworkXml(spec));
    expect(network.name).toBe("tr-runners");
    expect(network.uuid).toBe(spec.uuid);
    expect(network.forward).toEqual({ mode: "nat" });
    expect(network.bridge.name).toBe("virbr-tr");
    expect(network.mac.address).toBe("52:54:00:aa:bb:cc");
    expect(network.ip.address).toBe("192.168.150.1");
    expect(network.ip.prefix).toBe("24");
    expect(network.ip.dhcp.range).toEqual({ start: "192.168.150.2", end: "192.168.150.254" });
  });

  test("isolated network without DHCP", () => {
    const { network } = parser.parse(
      renderNetworkXml({ ...spec, forward: "none", dhcpRange: undefined, dns: false }),
    );
    expect(network.forward).toBeUndefined();
    expect(network.ip.dhcp).toBeUndefined();
    expect(network.dns).toEqual({ enable: "no" });
  });

  test("name with markup is escaped", () => {
    const xml = renderNetworkXml({ ...spec, name: `a<b>&"c'` });
    expect(xml).toContain("<name>a&lt;b&gt;&amp;&quot;c&apos;</name>");
  });
});
