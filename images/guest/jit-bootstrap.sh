#!/bin/sh
# Guest side of the JIT config delivery, shared by the production image (run by a systemd unit)
# and the test image (run by the initramfs /init):
#   1. find the virtio-serial port by its name under /sys/class/virtio-ports/*/name;
#   2. write "ready" and a newline to it every second until one config line has been read;
#   3. run "run.sh --jitconfig <line>";
#   4. power off when run.sh exits, whatever its exit status.
# The config line is a secret: it is never echoed, logged or written to a file.
#
# Environment, for the test image and for tests (production uses the defaults):
#   TR_ROOT           prefix of /sys and /dev, so a test can use a fake port (default: empty)
#   TR_PORT_NAME      virtio-serial port name (default: org.trusted-runners.jit.0)
#   TR_RUNNER         the runner's run.sh (default: /home/runner/actions-runner/run.sh)
#   TR_RUN_AS         user that runs run.sh through runuser; empty runs it as the caller
#                     (default: runner)
#   TR_POWEROFF       command run after run.sh exits (default: systemctl poweroff)
#   TR_PORT_WAIT      seconds to wait for the port to appear before powering off (default: 120)

root="${TR_ROOT:-}"
port_name="${TR_PORT_NAME:-org.trusted-runners.jit.0}"
runner="${TR_RUNNER:-/home/runner/actions-runner/run.sh}"
run_as="${TR_RUN_AS-runner}"
poweroff_command="${TR_POWEROFF:-systemctl poweroff}"
port_wait="${TR_PORT_WAIT:-120}"

log() {
  echo "jit-bootstrap: $*" >&2
}

power_off() {
  log "powering off"
  # Word splitting of the command is intended because it may carry arguments ("poweroff -f").
  $poweroff_command
  exit "$1"
}

find_port() {
  for name_file in "$root"/sys/class/virtio-ports/*/name; do
    [ -r "$name_file" ] || continue
    if [ "$(cat "$name_file")" = "$port_name" ]; then
      port_dir="${name_file%/name}"
      echo "$root/dev/${port_dir##*/}"
      return 0
    fi
  done
  return 1
}

port=""
waited=0
while [ -z "$port" ]; do
  port="$(find_port)" && break
  port=""
  if [ "$waited" -ge "$port_wait" ]; then
    log "virtio-serial port $port_name not found after ${port_wait}s"
    power_off 1
  fi
  sleep 1
  waited=$((waited + 1))
done
log "using port $port"

# The kernel allows one open of a virtio port at a time, so reads and writes share one
# descriptor, opened for both.
exec 3<>"$port"

# Writes block while no host is connected, so a child writes the ready lines and the parent
# keeps reading meanwhile.
(
  while echo ready >&3; do
    sleep 1
  done
) &
beacon=$!

config=""
while [ -z "$config" ]; do
  # A read at end of file means the host side is not connected yet, so wait and read again.
  # A partial line before end of file is dropped because the contract is one whole line.
  if ! IFS= read -r config <&3; then
    config=""
    sleep 1
  fi
done
kill "$beacon" 2>/dev/null
wait "$beacon" 2>/dev/null
exec 3<&-
log "config line received (${#config} bytes)"

if [ -n "$run_as" ]; then
  runuser -u "$run_as" -- "$runner" --jitconfig "$config"
else
  "$runner" --jitconfig "$config"
fi
status=$?
config=""
log "runner exited with status $status"
power_off "$status"
