import { XMLParser } from "fast-xml-parser";
import { describe, expect, test } from "vitest";

import { renderVolumeXml } from "./volume.js";

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "" });

describe("renderVolumeXml", () => {
  test("standalone volume in bytes", () => {
    const { volume } = parser.parse(
      renderVolumeXml({ name: "tr-base.qcow2", capacityBytes: 1024, format: "raw" }),
    );
    expect(volume.name).toBe("tr-base.qcow2");
    expect(volume.capacity).toEqual({ unit: "bytes", "#text": 1024 });
    expect(volume.target.format.type).toBe("raw");
    expect(volume.backingStore).toBeUndefined();
  });

  test("overlay names its backing store", () => {
    const { volume } = parser.parse(
      renderVolumeXml({
        name: "tr-vm-1.qcow2",
        capacityBytes: 42949672960,
        format: "qcow2",
        backingStore: { path: "/var/lib/trusted-runners/pool/tr-base.qcow2", format: "qcow2" },
      }),
    );
    expect(volume.backingStore.path).toBe("/var/lib/trusted-runners/pool/tr-base.qcow2");
    expect(volume.backingStore.format.type).toBe("qcow2");
  });

  test("placeholder capacity kept verbatim", () => {
    const xml = renderVolumeXml({ name: "v", capacityBytes: "TR_SIZE", format: "raw" });
    expect(xml).toContain('<capacity unit="bytes">TR_SIZE</capacity>');
  });
});
