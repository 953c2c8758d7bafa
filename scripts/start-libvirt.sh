#!/usr/bin/env bash
# Starts virtlogd and libvirtd when they are not running. Uses systemd where it is PID 1 and
# starts the daemons directly otherwise (containers and CI machines without an init system).
set -euo pipefail

if [[ "$(id -u)" != 0 ]]; then
  echo "start-libvirt: must run as root to start libvirtd and virtlogd" >&2
  exit 1
fi

if [[ "$(ps -p 1 -o comm=)" == systemd ]]; then
  systemctl start virtlogd.socket libvirtd.socket libvirtd.service
  exit 0
fi

pgrep -x virtlogd >/dev/null || virtlogd --daemon
pgrep -x libvirtd >/dev/null || libvirtd --daemon

# libvirtd takes a moment to open its socket; wait at most 10 s.
for _ in $(seq 1 50); do
  virsh -c qemu:///system version >/dev/null 2>&1 && exit 0
  sleep 0.2
done
echo "start-libvirt: libvirtd did not respond on qemu:///system within 10 s; check its log" >&2
exit 1
