# Shared by scripts/multihost/setup.sh, teardown.sh and check-route.sh: the simulated hosts' names,
# addresses and the traffic safety rules (../shared/research/multi-host-here.md, "Safety first").
#
# Topology: each host is a network namespace with its own dockerd; all of them and the root
# namespace hang off one bridge that lives in a hub namespace (not in the root namespace, whose
# FORWARD policy and bridge netfilter belong to the default daemon).
#
#   root ns  -- veth zkmh-root 10.213.0.1/24 --+
#                                               hub ns zkmh-hub: bridge br0 10.213.0.254/24
#   host ns zkmh-h1  eth0 10.213.0.11/24 -------+
#   host ns zkmh-hN  eth0 10.213.0.(10+N)/24 ---+
#
# Every test subnet lies outside Docker's default pools (172.17-31.0.0/16, 192.168.0.0/16) and has
# an `unreachable` route in the root namespace, so a packet to one of them never takes the default
# route off the machine: the link (10.213.0.0/24 of 10.213.0.0/16), the swarm's overlay pool and
# the hosts' docker bridges (10.215.N.0/24) and their other local networks (10.216.0.0/16).
# shellcheck shell=bash disable=SC2034  # the variables are for the scripts that source this file

MH_PREFIX=zkmh
MH_HUB="${MH_PREFIX}-hub"
MH_ROOT_LINK="${MH_PREFIX}-root"
MH_STATE_DIR="/run/${MH_PREFIX}"
MH_LINK_NET=10.213.0.0/16
MH_LINK_PREFIX=10.213.0
MH_ROOT_ADDR="${MH_LINK_PREFIX}.1"
MH_HUB_ADDR="${MH_LINK_PREFIX}.254"
MH_OVERLAY_POOL=10.214.0.0/16
MH_BRIDGE_NET=10.215.0.0/16
# The local networks each daemon makes itself (docker_gwbridge, user bridges): 10.216.(16N).0/20.
MH_LOCAL_POOLS=10.216.0.0/16
MH_SAFETY_NETS=("$MH_LINK_NET" "$MH_OVERLAY_POOL" "$MH_BRIDGE_NET" "$MH_LOCAL_POOLS")
# This folder (the resolver script lives here).
MH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# Hosts 1..9: two-digit last octets keep the names and addresses in step.
MH_MAX_HOSTS=9

mh_say() { echo "multihost: $*" >&2; }
mh_die() { echo "multihost: error: $*" >&2; exit 1; }

mh_host() { echo "${MH_PREFIX}-h$1"; }
mh_host_addr() { echo "${MH_LINK_PREFIX}.$((10 + $1))"; }
mh_bridge_cidr() { echo "10.215.$1.1/24"; }
mh_local_pool() { echo "10.216.$((16 * $1)).0/20"; }
mh_socket() { echo "/run/$(mh_host "$1")/docker.sock"; }
mh_data_root() { echo "/var/lib/$(mh_host "$1")-docker"; }
mh_exec_root() { echo "/run/$(mh_host "$1")-exec"; }
mh_pidfile() { echo "/run/$(mh_host "$1")/dockerd.pid"; }
mh_resolver_pidfile() { echo "/run/$(mh_host "$1")/resolver.pid"; }
mh_log() { echo "$MH_STATE_DIR/$(mh_host "$1").log"; }
# The docker CLI against host i.
mh_docker() { local i="$1"; shift; docker -H "unix://$(mh_socket "$i")" "$@"; }

mh_hosts_count() {
  local n="${1:-3}"
  [[ "$n" =~ ^[1-9]$ ]] || mh_die "the number of hosts '$n' is not allowed: use 1..$MH_MAX_HOSTS"
  echo "$n"
}

# The hosts recorded by setup (teardown works from this, never from a guess).
mh_recorded_hosts() { cat "$MH_STATE_DIR/hosts" 2>/dev/null || echo 0; }

# The highest host index anything of ours exists for: a namespace, a run or data directory, a
# cgroup. The record lives in /run, so after a reboot it is gone while the data roots (with their
# swarm state and services) stay in /var/lib.
mh_traces() {
  local path
  for path in /run/netns/"$MH_PREFIX"-h[1-9] /run/"$MH_PREFIX"-h[1-9] /var/lib/"$MH_PREFIX"-h[1-9]-docker \
    /sys/fs/cgroup/*/"$MH_PREFIX"-h[1-9]; do
    [[ -e "$path" ]] && echo "$path"
  done
  return 0
}
mh_traced_hosts() {
  local highest=0 path i
  while read -r path; do
    [[ "$path" =~ ${MH_PREFIX}-h([1-9]) ]] && i="${BASH_REMATCH[1]}" && ((i > highest)) && highest="$i"
  done < <(mh_traces)
  echo "$highest"
}

# Before anything is addressed: an unreachable route under every test subnet, in the root namespace.
mh_ensure_safety_routes() {
  local net existing
  for net in "${MH_SAFETY_NETS[@]}"; do
    existing="$(ip route show "$net")"
    if [[ "$existing" == unreachable* ]]; then continue; fi
    [[ -z "$existing" ]] || mh_die "the root namespace already routes $net ($existing): refusing to take it over"
    ip route add unreachable "$net"
  done
}

# `mh_check_local ADDR`: the root namespace may address ADDR only over the hosts' link; anything
# else (a gateway, the default route) is refused before a packet leaves.
mh_check_local() {
  local addr="$1" route
  route="$(ip route get "$addr" 2>&1 | head -n 1)" || true
  case "$route" in
    *" via "*) mh_die "$addr would leave through a gateway ($route): refusing to send to it" ;;
    *"dev $MH_ROOT_LINK "*) return 0 ;;
    *) mh_die "$addr is not on the simulated hosts' link ($route): refusing to send to it" ;;
  esac
}

# A process id from a pid file, if that process still runs.
mh_live_pid() {
  local pid
  pid="$(cat "$1" 2>/dev/null)" || return 1
  [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null && echo "$pid"
}

# A dockerd for host i, inside its namespace (the research file's recipe: private cgroup, run and
# containerd mounts, its own hostname, no image pulls).
mh_start_dockerd() {
  local i="$1" host
  host="$(mh_host "$i")"
  mkdir -p "/run/$host" "$(mh_data_root "$i")" "$(mh_exec_root "$i")"
  cat >"/run/$host/daemon.json" <<EOF
{"deprecated-key-path": "$(mh_data_root "$i")/key.json", "log-driver": "json-file", "log-opts": {"max-size": "5m", "max-file": "2"},
 "default-address-pools": [{"base": "$(mh_local_pool "$i")", "size": 24}], "dns": ["$(mh_host_addr "$i")"]}
EOF
  # shellcheck disable=SC2016
  setsid ip netns exec "$host" unshare --uts bash -c '
    set -e
    mount -t tmpfs cgroup_root /sys/fs/cgroup
    grep " - cgroup " /proc/1/mountinfo | while read -r _ _ _ _ mp _ _ _ _ opts; do
      mkdir -p "$mp"; mount -t cgroup -o "${opts#rw,}" cgroup "$mp"
    done
    mount -t tmpfs none /run/docker 2>/dev/null || { mkdir -p /run/docker; mount -t tmpfs none /run/docker; }
    mkdir -p /run/containerd; mount -t tmpfs none /run/containerd
    hostname "$0"
    export DOCKER_SERVICE_PREFER_OFFLINE_IMAGE=1
    exec dockerd -H "unix://$1" --data-root "$2" --exec-root "$3" --pidfile "$4" \
      --config-file "/run/$0/daemon.json" --cgroup-parent "/$0" --bip "$5" \
      --swarm-default-advertise-addr "$6"
  ' "$host" "$(mh_socket "$i")" "$(mh_data_root "$i")" "$(mh_exec_root "$i")" "$(mh_pidfile "$i")" \
    "$(mh_bridge_cidr "$i")" "$(mh_host_addr "$i")" >>"$(mh_log "$i")" 2>&1 </dev/null &
}
# The containers' upstream resolver, on the host's own address: it answers "no such name" at once.
mh_start_resolver() {
  local i="$1" host
  host="$(mh_host "$i")"
  mkdir -p "/run/$host"
  setsid ip netns exec "$host" node "$MH_DIR/nxdomain-resolver.js" "$(mh_host_addr "$i")" >>"$(mh_log "$i")" 2>&1 </dev/null &
  echo $! >"$(mh_resolver_pidfile "$i")"
}

# Host i's resolver and dockerd, each unless it runs already.
mh_start_host() {
  mh_live_pid "$(mh_resolver_pidfile "$1")" >/dev/null || mh_start_resolver "$1"
  mh_live_pid "$(mh_pidfile "$1")" >/dev/null || mh_start_dockerd "$1"
}

# A healed or restarted manager is "pending" until it reaches the others, and a raft election
# after it can leave the swarm without a leader for about a minute (testkit/multihost.ts,
# swarmSettled): setup run again over such a swarm waits it out instead of acting on it.
MH_SWARM_SETTLE_S="${MH_SWARM_SETTLE_S:-180}"

# `mh_settle WHAT CMD...`: runs CMD once a second until it succeeds (its stdout passes through),
# up to MH_SWARM_SETTLE_S; then dies with WHAT and the nodes host 1 sees.
mh_settle() {
  local what="$1" deadline=$((SECONDS + MH_SWARM_SETTLE_S))
  shift
  until "$@" 2>/dev/null; do
    ((SECONDS < deadline)) || mh_die "$what within ${MH_SWARM_SETTLE_S} s: $(mh_docker 1 node ls 2>&1 | tr '\n' ';')"
    sleep 1
  done
}

mh_node_state() { mh_docker "$1" info -f '{{.Swarm.LocalNodeState}}'; }
mh_not_pending() { [[ "$(mh_node_state "$1")" != pending ]]; }

# Host 1 sees n nodes Ready, each a Leader or Reachable manager, and one Leader.
mh_swarm_whole() {
  local nodes
  nodes="$(mh_docker 1 node ls --format '{{.Status}} {{.ManagerStatus}}')" || return 1
  [[ "$(grep -c '^Ready \(Leader\|Reachable\)$' <<<"$nodes")" == "$1" && "$(grep -c ' Leader$' <<<"$nodes")" == 1 ]]
}

mh_wait_dockerd() {
  for _ in $(seq 1 150); do mh_docker "$1" version >/dev/null 2>&1 && return 0; sleep 0.2; done
  mh_die "the dockerd of $(mh_host "$1") does not answer; its log: $(mh_log "$1")"
}

# Stops host i's dockerd; it stops its containers (their stop grace) before it exits.
mh_stop_dockerd() {
  local pid
  pid="$(mh_live_pid "$(mh_pidfile "$1")")" || return 0
  kill -TERM "$pid"
  for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.2; done
  kill -KILL "$pid"
}
