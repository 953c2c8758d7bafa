import { describe, expect, it } from "vitest";

import {
  extractReply,
  quoteVirshArgument,
  requestLines,
  requestMarkers,
} from "./virsh-protocol.js";

describe("quoteVirshArgument", () => {
  it.each([
    ["tr-vm-1", "tr-vm-1"],
    ["/var/lib/pool/a.qcow2", "/var/lib/pool/a.qcow2"],
    ["a b", "'a b'"],
    ["it's", `'it'\\''s'`],
    ["", "''"],
    ["#comment", "'#comment'"],
  ])("quotes %j as %s", (argument, quoted) => {
    expect(quoteVirshArgument(argument)).toBe(quoted);
  });

  it("rejects a carriage return", () => {
    expect(() => quoteVirshArgument("a\rb")).toThrow(/line break/);
  });
});

describe("extractReply", () => {
  const markers = requestMarkers("abc", 4);

  it("waits for both final markers", () => {
    expect(
      extractReply(markers, `${markers.start}out${markers.end}${markers.final}`, ""),
    ).toBeNull();
  });

  it("cuts output and errors between markers", () => {
    const stdout = `virsh # echo ...\n${markers.start}hello\n${markers.end}virsh # \n${markers.final}rest`;
    const stderr = `error: ${markers.start}\nerror: failed to get domain 'x'\nerror: ${markers.end}\nerror: ${markers.final}\nmore`;
    const reply = extractReply(markers, stdout, stderr);
    expect(reply?.stdout).toBe("hello\n");
    expect(reply?.errors).toEqual(["failed to get domain 'x'"]);
    expect(reply?.stdoutRest).toBe("rest");
    expect(reply?.stderrRest).toBe("more");
  });

  it("treats a reconnect as a warning", () => {
    const stdout = `${markers.start}out\n${markers.end}${markers.final}`;
    const stderr = `error: ${markers.start}\nerror: Reconnected to the hypervisor\nerror: ${markers.end}\nerror: ${markers.final}\n`;
    const reply = extractReply(markers, stdout, stderr);
    expect(reply?.errors).toEqual([]);
    expect(reply?.otherStderr).toEqual(["error: Reconnected to the hypervisor"]);
  });

  it("reports a line that failed to parse", () => {
    const stderr = `error: command 'list' doesn't support option --x\nerror: ${markers.final}\n`;
    const reply = extractReply(markers, `virsh # ...\n${markers.final}`, stderr);
    expect(reply?.errors).toEqual(["command 'list' doesn't support option --x"]);
  });

  it("never matches markers in the echoed line", () => {
    const lines = requestLines("abc", 4, ["list"]);
    expect(lines).not.toContain(markers.start);
    expect(lines).not.toContain(markers.final);
  });
});
