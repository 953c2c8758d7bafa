import { describe, expect, it } from "vitest";

import type { VmMetadata } from "../driver.js";
import { renderDomainXml } from "./domain.js";
import {
  InvalidMetadataError,
  parseDomainMetadata,
  parseVirshMetadata,
  renderMetadataForVirsh,
} from "./metadata.js";

const assigned: VmMetadata = { jobId: 123, state: "assigned", createdAt: "2026-12-04T15:00:00Z" };
const warm: VmMetadata = { jobId: null, state: "idle", createdAt: "2026-12-04T15:00:00.000Z" };

describe("VM metadata XML", () => {
  it("round-trips through virsh form", () => {
    expect(parseVirshMetadata(renderMetadataForVirsh(assigned))).toEqual(assigned);
  });

  it("renders empty job id for warm VM", () => {
    expect(renderMetadataForVirsh(warm)).toContain('job-id=""');
  });

  it("parses warm VM job id as null", () => {
    expect(parseVirshMetadata(renderMetadataForVirsh(warm)).jobId).toBeNull();
  });

  it("parses virsh output with namespace prefix", () => {
    const xml = `<tr:vm xmlns:tr="https://trusted-runners.dev/xmlns/vm/1" job-id="9" state="running" created-at="2026-12-04T15:00:00Z"/>`;
    expect(parseVirshMetadata(xml).jobId).toBe(9);
  });

  it.each([
    ["unknown state", `<vm job-id="1" state="lost" created-at="2026-12-04T15:00:00Z"/>`],
    ["non-numeric job id", `<vm job-id="x" state="idle" created-at="2026-12-04T15:00:00Z"/>`],
    ["invalid time", `<vm job-id="1" state="idle" created-at="yesterday"/>`],
    ["missing element", `<other/>`],
  ])("rejects %s", (_case, xml) => {
    expect(() => parseVirshMetadata(xml)).toThrow(InvalidMetadataError);
  });

  it("parses metadata from domain XML", () => {
    const xml = renderDomainXml({
      name: "tr-a",
      domainType: "qemu",
      memoryMiB: 256,
      vcpus: 1,
      boot: { type: "disk" },
      disk: { pool: "pool", volume: "tr-a" },
      network: { type: "user" },
      console: { type: "pty" },
      channelPath: "/run/tr-a.sock",
      metadata: assigned,
    });
    expect(parseDomainMetadata(xml)).toEqual(assigned);
  });

  it("ignores a vm element in another namespace", () => {
    const xml = `<domain><metadata><x:vm xmlns:x="urn:other" job-id="1" state="idle" created-at="2026-12-04T15:00:00Z"/></metadata></domain>`;
    expect(() => parseDomainMetadata(xml)).toThrow(InvalidMetadataError);
  });
});
