#!/usr/bin/env bash
# bash scripts/multihost/teardown.sh: removes what scripts/multihost/setup.sh created, by the pids
# and names it recorded, or that it finds without a record (a reboot empties /run, not the data
# roots in /var/lib): the hosts' dockerd (and every process left in a host's namespace), their
# data and run directories and cgroups, the namespaces, the root link and the safety routes.
# Idempotent. Exits 1 if anything of it is still there afterwards, naming it.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$here/lib.sh"

[[ "$(id -u)" == 0 ]] || mh_die "needs root"
# The record, or what a run left without one (after a reboot, its data roots): whichever is higher.
n="$(mh_recorded_hosts)"
traced="$(mh_traced_hosts)"
((traced <= n)) || n="$traced"

# Processes inside a host's network namespace: only ours are there.
namespace_pids() { ip netns pids "$1" 2>/dev/null || true; }

stop_host() {
  local i="$1" host
  host="$(mh_host "$i")"
  mh_stop_dockerd "$i"
  # Containers have namespaces of their own, but live in the host's cgroups (--cgroup-parent).
  local cg procs
  procs="$(cat /sys/fs/cgroup/pids/"$host"/*/cgroup.procs /sys/fs/cgroup/pids/"$host"/cgroup.procs 2>/dev/null || true)"
  # shellcheck disable=SC2086
  [[ -z "$procs" ]] || kill -KILL $procs 2>/dev/null || true
  if ip netns list | grep -q "^$host\b"; then
    local left
    left="$(namespace_pids "$host")"
    # shellcheck disable=SC2086
    [[ -z "$left" ]] || kill -KILL $left 2>/dev/null || true
    for _ in $(seq 1 50); do [[ -z "$(namespace_pids "$host")" ]] && break; sleep 0.1; done
    ip netns del "$host"
  fi
  # Overlay mounts of the daemon lived in its own mount namespace, gone with it.
  rm -rf "$(mh_data_root "$i")" "$(mh_exec_root "$i")" "/run/$host"
  for cg in /sys/fs/cgroup/*/"$host"; do
    if [[ -d "$cg" ]]; then find "$cg" -depth -type d -exec rmdir {} + 2>/dev/null || true; fi
  done
}

for ((i = 1; i <= n; i++)); do stop_host "$i"; done
ip link show "$MH_ROOT_LINK" >/dev/null 2>&1 && ip link del "$MH_ROOT_LINK"
ip netns list | grep -q "^$MH_HUB\b" && ip netns del "$MH_HUB"
for net in "${MH_SAFETY_NETS[@]}"; do
  [[ "$(ip route show "$net")" == unreachable* ]] && ip route del unreachable "$net"
done
rm -rf "$MH_STATE_DIR"

# Nothing of the tests may stay behind.
left=()
while read -r ns _; do [[ "$ns" == "$MH_PREFIX"-* ]] && left+=("namespace $ns"); done < <(ip netns list)
for ((i = 1; i <= n; i++)); do
  [[ -e "$(mh_data_root "$i")" ]] && left+=("directory $(mh_data_root "$i")")
  ls -d /sys/fs/cgroup/*/"$(mh_host "$i")" >/dev/null 2>&1 && left+=("cgroups of $(mh_host "$i")")
done
for net in "${MH_SAFETY_NETS[@]}"; do [[ -n "$(ip route show "$net")" ]] && left+=("route $net"); done
ip link show "$MH_ROOT_LINK" >/dev/null 2>&1 && left+=("link $MH_ROOT_LINK")
if pgrep -f -- "--data-root /var/lib/${MH_PREFIX}-h" >/dev/null; then left+=("dockerd $(pgrep -f -- "--data-root /var/lib/${MH_PREFIX}-h" | tr '\n' ' ')"); fi
((${#left[@]} == 0)) || mh_die "left behind: ${left[*]}"
mh_say "removed $n hosts, their daemons, namespaces, link and routes"
