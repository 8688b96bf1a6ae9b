#!/usr/bin/env bash
# bash scripts/multihost/host.sh cut|heal|stop|start N: the faults the multi-host suite injects
# into simulated host N of scripts/multihost/setup.sh.
#   cut    its link to the others and to the root namespace goes down (its processes keep running);
#   heal   the link comes back up;
#   stop   its dockerd stops, and with it every container on the host;
#   start  its dockerd starts again on the same data root (the swarm state and volumes survive).
# Idempotent. Needs root.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$here/lib.sh"

usage="usage: host.sh cut|heal|stop|start N"
[[ $# -eq 2 ]] || mh_die "$usage"
action="$1" i="$2"
[[ "$(id -u)" == 0 ]] || mh_die "needs root"
recorded="$(mh_recorded_hosts)"
if ! [[ "$i" =~ ^[1-9]$ ]] || ((i > recorded)); then mh_die "host '$i' is not one of the $recorded simulated hosts; run scripts/multihost/setup.sh first"; fi
# The host's end of the link is the veth in the hub namespace: taking it down cuts every path.
port="h${i}p"
case "$action" in
  cut) ip -n "$MH_HUB" link set "$port" down ;;
  heal) ip -n "$MH_HUB" link set "$port" up ;;
  stop) mh_stop_dockerd "$i" ;;
  start)
    mh_start_host "$i"
    mh_wait_dockerd "$i"
    ;;
  *) mh_die "the action '$action' is not allowed: $usage" ;;
esac
mh_say "$action $(mh_host "$i"): done"
