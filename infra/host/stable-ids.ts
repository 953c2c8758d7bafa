import { createHash } from "node:crypto";

/**
 * Derives a fixed UUID from a libvirt object's kind and name. Redefining an object with the same
 * UUID updates it in place, where a fresh UUID would make libvirt reject the define as a
 * duplicate name. An object of that name made by anything else has another UUID, so the define
 * fails instead of taking it over.
 */
export function stableUuid(kind: string, name: string): string {
  const hex = createHash("sha256").update(`trusted-runners/${kind}/${name}`).digest("hex");
  // Version 5 and the RFC 4122 variant bits, so the value is a well-formed name-based UUID.
  const version = `5${hex.slice(13, 16)}`;
  const variant = ((parseInt(hex.slice(16, 17), 16) & 0x3) | 0x8).toString(16) + hex.slice(17, 20);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${version}-${variant}-${hex.slice(20, 32)}`;
}

/** Derives a fixed MAC address in QEMU's 52:54:00 range from a name. */
export function stableMac(name: string): string {
  const hex = createHash("sha256").update(`trusted-runners/mac/${name}`).digest("hex");
  const octets = [hex.slice(0, 2), hex.slice(2, 4), hex.slice(4, 6)];
  return `52:54:00:${octets.join(":")}`;
}
