#!/bin/sh
# udhcpc event script: applies the lease to the interface. udhcpc passes the event as $1 and the
# lease in the environment ($interface, $ip, $subnet, $router).
case "$1" in
  deconfig)
    ip addr flush dev "$interface"
    ;;
  bound | renew)
    ifconfig "$interface" "$ip" netmask "${subnet:-255.255.255.0}" up
    if [ -n "$router" ]; then
      route del default 2>/dev/null
      for gateway in $router; do
        route add default gw "$gateway" dev "$interface"
        break
      done
    fi
    echo "udhcpc: $interface has address $ip"
    ;;
esac
exit 0
