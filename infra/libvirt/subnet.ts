/** Addresses the guest network derives from its subnet. */
export interface SubnetPlan {
  gateway: string;
  prefixLength: number;
  dhcpRange: { start: string; end: string };
}

function toInt(address: string): number {
  return address.split(".").reduce((sum, octet) => sum * 256 + Number(octet), 0);
}

function toAddress(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join(".");
}

/**
 * Plans a subnet given as `address/prefix`: the gateway is the first host address and DHCP hands
 * out the rest but the broadcast address. Raises for prefixes longer than /29, which leave too few
 * addresses for a gateway and guests.
 */
export function planSubnet(cidr: string): SubnetPlan {
  const [address = "", prefixText = ""] = cidr.split("/");
  const prefixLength = Number(prefixText);
  if (!Number.isInteger(prefixLength) || prefixLength < 8 || prefixLength > 29) {
    throw new Error(`subnet ${cidr}: prefix must be between /8 and /29`);
  }
  const size = 2 ** (32 - prefixLength);
  const base = Math.floor(toInt(address) / size) * size;
  return {
    gateway: toAddress(base + 1),
    prefixLength,
    dhcpRange: { start: toAddress(base + 2), end: toAddress(base + size - 2) },
  };
}
