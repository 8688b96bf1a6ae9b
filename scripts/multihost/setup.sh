#!/usr/bin/env bash
# bash scripts/multihost/setup.sh [N]: N simulated Docker hosts (default 3) on this machine, each a
# network namespace with its own dockerd, joined by a bridge, loaded with the local images and
# formed into a swarm in which every host is a manager, labelled zookeeper-docker.host=hN.
# Idempotent: what exists is kept. Undo with scripts/multihost/teardown.sh. Needs root.
# Prints one line per host on stdout: "hN unix:///run/zkmh-hN/docker.sock 10.213.0.1N".
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$here/lib.sh"

n="$(mh_hosts_count "${1:-3}")"
[[ "$(id -u)" == 0 ]] || mh_die "needs root (network namespaces, routes, dockerd)"
recorded="$(mh_recorded_hosts)"
((recorded == 0 || recorded == n)) || mh_die "$recorded hosts exist already; run scripts/multihost/teardown.sh first"
# The local images every host gets: the tags of LOCAL_IMAGES in stacks/configSchema.ts, which the
# swarm stack uses (MH_IMAGES: a space-separated list instead).
read -r -a images <<<"${MH_IMAGES:-zkpd.local/zookeeper:3.9.4 zkpd.local/zk-client-app:latest zkpd.local/prometheus:latest zkpd.local/alertmanager:latest}"
started=$SECONDS

# 1. Safety first: no packet to a test subnet can leave the machine, even before the link exists.
mkdir -p "$MH_STATE_DIR"
echo "$n" >"$MH_STATE_DIR/hosts"
mh_ensure_safety_routes

# 2. The hub with its bridge, and the root namespace's link to it.
ip netns list | grep -qx "$MH_HUB\( .*\)\?" || ip netns add "$MH_HUB"
ip -n "$MH_HUB" link set lo up
ip -n "$MH_HUB" link show br0 >/dev/null 2>&1 || ip -n "$MH_HUB" link add br0 type bridge
ip -n "$MH_HUB" addr show dev br0 | grep -q "inet $MH_HUB_ADDR/" || ip -n "$MH_HUB" addr add "$MH_HUB_ADDR/24" dev br0
ip -n "$MH_HUB" link set br0 up
if ! ip link show "$MH_ROOT_LINK" >/dev/null 2>&1; then
  ip link add "$MH_ROOT_LINK" type veth peer name uplink netns "$MH_HUB"
fi
ip -n "$MH_HUB" link set uplink master br0 up
ip addr show dev "$MH_ROOT_LINK" | grep -q "inet $MH_ROOT_ADDR/" || ip addr add "$MH_ROOT_ADDR/24" dev "$MH_ROOT_LINK"
ip link set "$MH_ROOT_LINK" up

# 3. The hosts: a namespace each, no default route, one address on the link.
for ((i = 1; i <= n; i++)); do
  host="$(mh_host "$i")"
  ip netns list | grep -qx "$host\( .*\)\?" || ip netns add "$host"
  ip -n "$host" link set lo up
  if ! ip -n "$host" link show eth0 >/dev/null 2>&1; then
    ip link add "h${i}p" netns "$MH_HUB" type veth peer name eth0 netns "$host"
  fi
  ip -n "$MH_HUB" link set "h${i}p" master br0 up
  ip -n "$host" addr show dev eth0 | grep -q "inet $(mh_host_addr "$i")/" || ip -n "$host" addr add "$(mh_host_addr "$i")/24" dev eth0
  ip -n "$host" link set eth0 up
  if ip -n "$host" route show default | grep -q .; then mh_die "$host has a default route: refusing to go on"; fi
done
for ((i = 1; i <= n; i++)); do mh_check_local "$(mh_host_addr "$i")"; done

# 4. A dockerd per host, inside its namespace (the research file's recipe: private cgroup, run
#    and containerd mounts, its own hostname, no image pulls).
start_dockerd() {
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
start_resolver() {
  local i="$1" host
  host="$(mh_host "$i")"
  mkdir -p "/run/$host"
  setsid ip netns exec "$host" node "$here/nxdomain-resolver.js" "$(mh_host_addr "$i")" >>"$(mh_log "$i")" 2>&1 </dev/null &
  echo $! >"$(mh_resolver_pidfile "$i")"
}
for ((i = 1; i <= n; i++)); do
  mh_live_pid "$(mh_resolver_pidfile "$i")" >/dev/null || start_resolver "$i"
  mh_live_pid "$(mh_pidfile "$i")" >/dev/null || start_dockerd "$i"
done
for ((i = 1; i <= n; i++)); do
  for _ in $(seq 1 150); do mh_docker "$i" version >/dev/null 2>&1 && break; sleep 0.2; done
  mh_docker "$i" version >/dev/null 2>&1 || mh_die "the dockerd of $(mh_host "$i") does not answer; its log: $(mh_log "$i")"
done
daemons_at=$SECONDS

# 5. The local images, the same image ids on every host (there is no registry).
archive="$MH_STATE_DIR/images.tar"
missing=()
for ((i = 1; i <= n; i++)); do
  for image in "${images[@]}"; do
    [[ "$(mh_docker "$i" image inspect -f '{{.Id}}' "$image" 2>/dev/null)" == "$(docker image inspect -f '{{.Id}}' "$image")" ]] || { missing+=("$i"); break; }
  done
done
if ((${#missing[@]} > 0)); then
  docker save -o "$archive" "${images[@]}"
  for i in "${missing[@]}"; do mh_docker "$i" load -q -i "$archive" >/dev/null; done
  rm -f "$archive"
fi
images_at=$SECONDS

# 6. The swarm: host 1 initialises it, the others join as managers; a label per node.
state="$(mh_docker 1 info -f '{{.Swarm.LocalNodeState}}')"
if [[ "$state" != active ]]; then
  mh_docker 1 swarm init --advertise-addr "$(mh_host_addr 1)" --listen-addr "$(mh_host_addr 1):2377" \
    --default-addr-pool "$MH_OVERLAY_POOL" --default-addr-pool-mask-length 24 >/dev/null
fi
token="$(mh_docker 1 swarm join-token -q manager)"
for ((i = 2; i <= n; i++)); do
  if [[ "$(mh_docker "$i" info -f '{{.Swarm.LocalNodeState}}')" != active ]]; then
    mh_docker "$i" swarm join --token "$token" --advertise-addr "$(mh_host_addr "$i")" \
      --listen-addr "$(mh_host_addr "$i"):2377" "$(mh_host_addr 1):2377" >/dev/null
  fi
done
for ((i = 1; i <= n; i++)); do
  node="$(mh_docker "$i" info -f '{{.Swarm.NodeID}}')"
  mh_docker 1 node update --label-add "zookeeper-docker.host=h$i" "$node" >/dev/null
done
ready="$(mh_docker 1 node ls --format '{{.Status}} {{.ManagerStatus}}' | grep -c '^Ready \(Leader\|Reachable\)$' || true)"
((ready == n)) || mh_die "the swarm has $ready ready managers of $n: $(mh_docker 1 node ls)"

mh_say "$n hosts ready in $((SECONDS - started)) s (daemons $((daemons_at - started)) s, images $((images_at - daemons_at)) s, swarm $((SECONDS - images_at)) s)"
for ((i = 1; i <= n; i++)); do echo "h$i unix://$(mh_socket "$i") $(mh_host_addr "$i")"; done
