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
# Without a record, anything of ours is from a run whose record went with /run (a reboot): its data
# roots hold a swarm and services that a new run would trip over.
traces="$(mh_traces)"
if ((recorded == 0)) && [[ -n "$traces" ]]; then
  mh_die "left by an earlier run whose record is gone: ${traces//$'\n'/ } - run scripts/multihost/teardown.sh first"
fi
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

# 4. A dockerd per host, inside its namespace, and its upstream resolver (lib.sh).
for ((i = 1; i <= n; i++)); do
  mh_start_host "$i"
done
for ((i = 1; i <= n; i++)); do mh_wait_dockerd "$i"; done
daemons_at=$SECONDS

# 5. The local images, the same image ids on every host (there is no registry).
archive="$MH_STATE_DIR/images.tar"
declare -A local_ids=()
for image in "${images[@]}"; do
  local_ids[$image]="$(docker image inspect -f '{{.Id}}' "$image" 2>/dev/null)" ||
    mh_die "image $image is not in the local engine: run npm run toolchain, then npm run images"
done
missing=()
for ((i = 1; i <= n; i++)); do
  for image in "${images[@]}"; do
    [[ "$(mh_docker "$i" image inspect -f '{{.Id}}' "$image" 2>/dev/null)" == "${local_ids[$image]}" ]] || { missing+=("$i"); break; }
  done
done
if ((${#missing[@]} > 0)); then
  docker save -o "$archive" "${images[@]}"
  for i in "${missing[@]}"; do mh_docker "$i" load -q -i "$archive" >/dev/null; done
  rm -f "$archive"
fi
images_at=$SECONDS

# 6. The swarm: host 1 initialises it, the others join as managers; a label per node. Run again
# over a swarm a fault left (a restarted or healed manager), it waits for each node to settle.
for ((i = 1; i <= n; i++)); do
  mh_settle "$(mh_host "$i") did not leave swarm state pending" mh_not_pending "$i"
  state="$(mh_node_state "$i")"
  case "$state" in
    active) continue ;;
    inactive) ;;
    *) mh_die "$(mh_host "$i") is in swarm state '$state'; run scripts/multihost/teardown.sh first" ;;
  esac
  if ((i == 1)); then
    mh_docker 1 swarm init --advertise-addr "$(mh_host_addr 1)" --listen-addr "$(mh_host_addr 1):2377" \
      --default-addr-pool "$MH_OVERLAY_POOL" --default-addr-pool-mask-length 24 >/dev/null
  else
    token="$(mh_settle "the swarm gave no join token" mh_docker 1 swarm join-token -q manager)"
    mh_docker "$i" swarm join --token "$token" --advertise-addr "$(mh_host_addr "$i")" \
      --listen-addr "$(mh_host_addr "$i"):2377" "$(mh_host_addr 1):2377" >/dev/null
  fi
done
mh_settle "the swarm did not get all $n managers Ready with one leader" mh_swarm_whole "$n"
# A healed manager can still call an election after the swarm was whole: a label waits it out.
for ((i = 1; i <= n; i++)); do
  node="$(mh_docker "$i" info -f '{{.Swarm.NodeID}}')"
  mh_settle "$(mh_host "$i") could not be labelled" mh_docker 1 node update --label-add "zookeeper-docker.host=h$i" "$node" >/dev/null
done

mh_say "$n hosts ready in $((SECONDS - started)) s (daemons $((daemons_at - started)) s, images $((images_at - daemons_at)) s, swarm $((SECONDS - images_at)) s)"
for ((i = 1; i <= n; i++)); do echo "h$i unix://$(mh_socket "$i") $(mh_host_addr "$i")"; done
