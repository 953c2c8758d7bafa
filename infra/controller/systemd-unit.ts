import { CONTROLLER_NODE_FLAGS } from "../../controller/src/node-flags.js";
import { HOST_PATHS } from "./paths.js";

/**
 * Renders the controller's systemd unit. The service runs as root because it connects to the
 * root-owned libvirt socket and to channel sockets that QEMU creates as its own user. The file
 * system is read-only for it apart from its state folder, its channel folder and the libvirt
 * runtime folder, and it can gain no further privilege.
 */
export function renderSystemdUnit(): string {
  return [
    "[Unit]",
    "Description=trusted-runners controller: ephemeral libvirt VMs for trusted pull requests",
    "Wants=network-online.target libvirtd.service",
    "After=network-online.target libvirtd.service",
    "",
    "[Service]",
    "Type=simple",
    `EnvironmentFile=${HOST_PATHS.envFile}`,
    `ExecStart=/usr/bin/env node ${CONTROLLER_NODE_FLAGS.join(" ")} ${HOST_PATHS.bundle} controller --config ${HOST_PATHS.config}`,
    "Restart=on-failure",
    "RestartSec=5s",
    // The controller stops its loops and finishes in-flight calls on SIGTERM.
    "KillSignal=SIGTERM",
    "TimeoutStopSec=90s",
    "NoNewPrivileges=yes",
    "ProtectSystem=strict",
    "ProtectHome=yes",
    "PrivateTmp=yes",
    "PrivateDevices=yes",
    "ProtectKernelTunables=yes",
    "ProtectKernelModules=yes",
    "ProtectKernelLogs=yes",
    "ProtectControlGroups=yes",
    "ProtectClock=yes",
    "ProtectHostname=yes",
    "RestrictSUIDSGID=yes",
    "RestrictRealtime=yes",
    "RestrictNamespaces=yes",
    "LockPersonality=yes",
    "SystemCallArchitectures=native",
    "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6",
    // Reading and connecting to sockets owned by QEMU's user needs these, and nothing more.
    "CapabilityBoundingSet=CAP_DAC_OVERRIDE CAP_DAC_READ_SEARCH",
    "UMask=0077",
    // /var/lib/trusted-runners and /run/trusted-runners/channels: the controller config's default
    // stateDir and channelDir. The channel sockets outlive a controller restart, as the VMs do.
    "StateDirectory=trusted-runners",
    "RuntimeDirectory=trusted-runners/channels",
    "RuntimeDirectoryPreserve=yes",
    // libvirtd, as root, creates each listening channel socket and hands QEMU its descriptor
    // (seen with libvirt 9.0 on Debian 12), so only root needs this folder.
    "RuntimeDirectoryMode=0700",
    "ReadWritePaths=-/run/libvirt",
    "",
    "[Install]",
    "WantedBy=multi-user.target",
    "",
  ].join("\n");
}
