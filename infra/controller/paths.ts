/** File paths of the controller on the VM host. */
export const HOST_PATHS = {
  bundle: "/opt/trusted-runners/controller.mjs",
  /** better-sqlite3's native addon; the controller loads it from beside the bundle. */
  nativeAddon: "/opt/trusted-runners/better_sqlite3.node",
  config: "/etc/trusted-runners/controller.json",
  envFile: "/etc/trusted-runners/controller.env",
  unit: "/etc/systemd/system/trusted-runners.service",
  unitName: "trusted-runners.service",
} as const;
