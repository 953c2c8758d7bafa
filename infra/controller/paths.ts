/** Where the controller lives on the VM host. */
export const HOST_PATHS = {
  bundle: "/opt/trusted-runners/controller.mjs",
  config: "/etc/trusted-runners/controller.json",
  envFile: "/etc/trusted-runners/controller.env",
  unit: "/etc/systemd/system/trusted-runners.service",
  unitName: "trusted-runners.service",
} as const;
