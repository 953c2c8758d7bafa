#!/bin/sh
# /init of the test image's initramfs, run by the kernel as process 1 with busybox as the only
# userland. It prepares the guest, then hands over to the shared JIT bootstrap, which powers the
# guest off when the stand-in runner exits. Output goes to the console (ttyS0).

/bin/busybox mkdir -p /sbin /usr/bin /usr/sbin
/bin/busybox --install -s

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs -o mode=1777 tmpfs /tmp
mkdir -p /dev/pts
mount -t devpts devpts /dev/pts

log() {
  echo "init: $*"
}

# Process 1 must never exit, or the kernel panics instead of powering off.
halt_guest() {
  log "$1"
  poweroff -f
  while :; do sleep 60; done
}

# The build writes the load order, computed from modules.dep, one path a line.
kernel_version="$(uname -r)"
while read -r module; do
  [ -n "$module" ] || continue
  insmod "/lib/modules/$kernel_version/$module" || log "insmod $module failed"
done </etc/trusted-runners/modules.load

ip link set lo up
waited=0
until [ -e /sys/class/net/eth0 ]; do
  [ "$waited" -lt 20 ] || halt_guest "eth0 did not appear"
  sleep 0.5
  waited=$((waited + 1))
done
ip link set eth0 up
# QEMU user-mode networking replies to DHCP at once, and -n makes udhcpc fail after the bounded
# tries instead of retrying forever.
udhcpc -i eth0 -n -q -t 5 -T 1 -s /etc/trusted-runners/udhcpc.sh || halt_guest "DHCP on eth0 failed"

export TR_RUNNER=/opt/runner/run.sh
export TR_RUN_AS=""
export TR_POWEROFF="poweroff -f"
export TR_PORT_WAIT=30
export HOME=/root
cd /root || halt_guest "no /root"
sh /usr/libexec/trusted-runners/jit-bootstrap
halt_guest "jit-bootstrap returned"
