#!/usr/bin/env bash
# "test && ok || bad" is intended below (ok never fails):
# shellcheck disable=SC2015
# Smoke-test the local images built by scripts/images/build.sh.
#
#   scripts/images/verify.sh
#
# 0. ZooKeeper with no configuration at all: standalone.
# 1. 3-node ZooKeeper ensemble configured only through the env contract
#    (ZOO_MY_ID, ZOO_SERVERS), started as root (entrypoint drops to the
#    zookeeper user): one leader + two followers, zkCli.sh write/read across
#    nodes, zkServer.sh status.
# 2. The same ensemble with a bind-mounted /conf/zoo.cfg enabling the
#    Prometheus metrics provider, run as --user 1000:1000 with named volumes
#    for /data and /datalog: leader/followers, metrics served on the
#    published loopback port, and scraped by the prometheus image.
# 3. prometheus and alertmanager images: /-/ready on loopback ports, user
#    nobody, promtool/amtool.
# 4. node image: node runs, user node is uid 1000.
# Everything created is named zkimgtest-* and removed at the end.
set -euo pipefail

P=zkimgtest
NET="$P-net"
ZK="zkpd.local/zookeeper:3.9.4"
PROM="zkpd.local/prometheus:latest"
AM="zkpd.local/alertmanager:latest"
NODE="zkpd.local/node:20"
TMP="$(mktemp -d)"
FAILS=0

say() { printf '[verify] %s\n' "$*"; }
ok() { printf '[verify]   ok: %s\n' "$*"; }
bad() { printf '[verify]   FAIL: %s\n' "$*" >&2; FAILS=$((FAILS + 1)); }

cleanup() {
  local c v
  for c in $(docker ps -aq --filter "name=^$P-"); do docker rm -fv "$c" >/dev/null 2>&1 || true; done
  docker network rm "$NET" >/dev/null 2>&1 || true
  for v in $(docker volume ls -q --filter "name=$P-"); do docker volume rm "$v" >/dev/null 2>&1 || true; done
  rm -rf "$TMP"
}
trap cleanup EXIT
cleanup_containers() {
  local c
  for c in $(docker ps -aq --filter "name=^$P-"); do docker rm -fv "$c" >/dev/null 2>&1 || true; done
}

srvr() { docker exec "$1" bash -c 'printf srvr | nc -w 2 127.0.0.1 2181' 2>/dev/null || true; }
mode_of() { srvr "$1" | sed -n 's/^Mode: //p'; }

roles() { local n; for n in 1 2 3; do printf '%s ' "$(mode_of "$P-$n")"; done; }
settled() { # one leader and two followers
  local r; r="$(roles)"
  [ "$(grep -o leader <<<"$r" | wc -l)" = 1 ] && [ "$(grep -o follower <<<"$r" | wc -l)" = 2 ]
}

# wait_ensemble: until the 3 nodes settle as 1 leader + 2 followers, at most
# 120 s (a node that joins late may briefly stop serving while it syncs).
wait_ensemble() {
  local deadline=$(( $(date +%s) + 120 ))
  until settled; do
    [ "$(date +%s)" -lt "$deadline" ] || return 1
    sleep 2
  done
}

check_roles() {
  local n m modes=""
  for n in 1 2 3; do m="$(mode_of "$P-$n")"; modes="$modes $m"; say "  $P-$n: $m"; done
  local leaders followers
  leaders="$(tr ' ' '\n' <<<"$modes" | grep -c '^leader$' || true)"
  followers="$(tr ' ' '\n' <<<"$modes" | grep -c '^follower$' || true)"
  if [ "$leaders" = 1 ] && [ "$followers" = 2 ]; then ok "1 leader + 2 followers"; else bad "roles:$modes"; fi
}

# wait_http <url> <seconds>: until HTTP 200
wait_http() {
  local deadline=$(( $(date +%s) + $2 ))
  until curl -fsS -o /dev/null "$1" 2>/dev/null; do
    [ "$(date +%s)" -lt "$deadline" ] || return 1
    sleep 1
  done
}

servers="server.1=$P-1:2888:3888;2181 server.2=$P-2:2888:3888;2181 server.3=$P-3:2888:3888;2181"
docker network create "$NET" >/dev/null

# ------------------------------------------------------------------ 0
say "0) defaults only: one container, no configuration"
docker run -d --name "$P-solo" "$ZK" >/dev/null
m=""
for _ in $(seq 1 30); do m="$(mode_of "$P-solo")"; [ -n "$m" ] && break; sleep 1; done
[ "$m" = standalone ] && ok "Mode: standalone" || bad "default container mode '$m'"
cleanup_containers

# ------------------------------------------------------------------ 1
say "1) ensemble from the env contract only (started as root)"
t0=$(date +%s)
for n in 1 2 3; do
  docker run -d --name "$P-$n" --hostname "$P-$n" --network "$NET" \
    -e ZOO_MY_ID="$n" -e ZOO_SERVERS="$servers" "$ZK" >/dev/null
done
if wait_ensemble; then ok "ensemble settled after $(( $(date +%s) - t0 ))s"; else bad "ensemble did not come up"; docker logs "$P-1" 2>&1 | tail -n 20; fi
check_roles
u="$(docker exec "$P-1" ps -o user= -C java | head -n 1)"
[ "$u" = zookeeper ] && ok "java runs as zookeeper (gosu)" || bad "java runs as '$u'"
[ "$(docker exec "$P-2" cat /data/myid)" = 2 ] && ok "/data/myid written from ZOO_MY_ID" || bad "myid"
docker exec "$P-1" grep -q "^server.3=$P-3:2888:3888;2181$" /conf/zoo.cfg && ok "zoo.cfg generated from ZOO_SERVERS" || bad "zoo.cfg"
docker exec "$P-1" zkCli.sh -server 127.0.0.1:2181 create /zkimgtest hello >/dev/null 2>&1 || true
got=""
for _ in 1 2 3 4 5; do
  got="$(docker exec "$P-3" zkCli.sh -server 127.0.0.1:2181 get /zkimgtest 2>/dev/null || true)"
  grep -qx hello <<<"$got" && break
  sleep 1
done
if grep -qx hello <<<"$got"; then
  ok "zkCli.sh: znode written on node 1 read back on node 3"
else
  bad "zkCli.sh write/read"
fi
st="$(docker exec "$P-2" zkServer.sh status 2>&1 | tail -n 1)"
[[ "$st" == Mode:* ]] && ok "zkServer.sh status -> $st" || bad "zkServer.sh status: $st"
v="$(docker exec "$P-1" zkServer.sh version 2>/dev/null || true)"
grep -q '^Apache ZooKeeper, version 3.9.4' <<<"$v" \
  && ok "zkServer.sh version: 3.9.4" || bad "zkServer.sh version"
cleanup_containers

# ------------------------------------------------------------------ 2
say "2) mounted /conf/zoo.cfg with Prometheus metrics, --user 1000:1000, named volumes"
cat >"$TMP/zoo.cfg" <<EOF
dataDir=/data
dataLogDir=/datalog
tickTime=2000
initLimit=5
syncLimit=2
standaloneEnabled=false
admin.enableServer=true
4lw.commands.whitelist=srvr,ruok,mntr
metricsProvider.className=org.apache.zookeeper.metrics.prometheus.PrometheusMetricsProvider
metricsProvider.httpPort=7000
$(tr ' ' '\n' <<<"$servers")
EOF
chmod 0644 "$TMP/zoo.cfg"
t0=$(date +%s)
for n in 1 2 3; do
  docker run -d --name "$P-$n" --hostname "$P-$n" --network "$NET" --user 1000:1000 \
    -e ZOO_MY_ID="$n" \
    -v "$TMP/zoo.cfg:/conf/zoo.cfg:ro" \
    -v "$P-data-$n:/data" -v "$P-datalog-$n:/datalog" \
    -p 127.0.0.1::7000 "$ZK" >/dev/null
done
if wait_ensemble; then ok "ensemble settled after $(( $(date +%s) - t0 ))s"; else bad "ensemble did not come up"; docker logs "$P-1" 2>&1 | tail -n 20; fi
check_roles
[ "$(docker exec "$P-1" id -u)" = 1000 ] && ok "running as uid 1000" || bad "uid"
docker exec "$P-2" zkCli.sh -server 127.0.0.1:2181 create /zkimgtest2 x >/dev/null 2>&1 || true
if docker exec "$P-1" bash -c 'ls /datalog/version-2/ 2>/dev/null | grep -q ^log'; then
  ok "transaction log written to the named /datalog volume"
else
  bad "no transaction log in /datalog"
fi
port="$(docker port "$P-1" 7000/tcp | sed -n 's/^127\.0\.0\.1://p' | head -n 1)"
metrics="$(curl -fsS "http://127.0.0.1:$port/metrics" || true)"
if grep -q '^znode_count' <<<"$metrics"; then
  ok "metrics on 127.0.0.1:$port serve znode_count"
else
  bad "no znode_count at 127.0.0.1:$port/metrics"
fi
metrics="$(docker exec "$P-2" bash -c 'exec 3<>/dev/tcp/127.0.0.1/7000; printf "GET /metrics HTTP/1.0\r\n\r\n" >&3; cat <&3' || true)"
if grep -q '^znode_count' <<<"$metrics"; then
  ok "metrics inside the container (/dev/tcp) serve znode_count"
else
  bad "no znode_count inside $P-2"
fi

# ------------------------------------------------------------------ 3
say "3) prometheus and alertmanager"
cat >"$TMP/prometheus.yml" <<EOF
global:
  scrape_interval: 2s
scrape_configs:
  - job_name: zookeeper
    static_configs:
      - targets: ["$P-1:7000", "$P-2:7000", "$P-3:7000"]
EOF
chmod 0644 "$TMP/prometheus.yml"
docker run -d --name "$P-prom" --network "$NET" -p 127.0.0.1::9090 "$PROM" >/dev/null
docker run -d --name "$P-prom-zk" --network "$NET" -p 127.0.0.1::9090 \
  -v "$TMP/prometheus.yml:/etc/prometheus/prometheus.yml:ro" "$PROM" >/dev/null
docker run -d --name "$P-am" --network "$NET" -p 127.0.0.1::9093 "$AM" >/dev/null
pport="$(docker port "$P-prom" 9090/tcp | sed -n 's/^127\.0\.0\.1://p' | head -n 1)"
zport="$(docker port "$P-prom-zk" 9090/tcp | sed -n 's/^127\.0\.0\.1://p' | head -n 1)"
aport="$(docker port "$P-am" 9093/tcp | sed -n 's/^127\.0\.0\.1://p' | head -n 1)"
wait_http "http://127.0.0.1:$pport/-/ready" 60 && ok "prometheus /-/ready on 127.0.0.1:$pport" || { bad "prometheus not ready"; docker logs "$P-prom" 2>&1 | tail -n 10; }
wait_http "http://127.0.0.1:$aport/-/ready" 60 && ok "alertmanager /-/ready on 127.0.0.1:$aport" || { bad "alertmanager not ready"; docker logs "$P-am" 2>&1 | tail -n 10; }
[ "$(docker exec "$P-prom" id -u)" = 65534 ] && ok "prometheus runs as nobody" || bad "prometheus user"
[ "$(docker exec "$P-am" id -u)" = 65534 ] && ok "alertmanager runs as nobody" || bad "alertmanager user"
docker exec "$P-prom" touch /prometheus/.w 2>/dev/null && ok "/prometheus writable by nobody" || bad "/prometheus not writable"
v="$(docker run --rm --entrypoint promtool "$PROM" --version 2>&1 | head -n 1)"
[[ "$v" == promtool* ]] && ok "promtool: $v" || bad "promtool: $v"
v="$(docker run --rm --entrypoint amtool "$AM" --version 2>&1 | head -n 1)"
[[ "$v" == amtool* ]] && ok "amtool: $v" || bad "amtool: $v"
docker exec "$P-prom" promtool check config /etc/prometheus/prometheus.yml >/dev/null 2>&1 \
  && ok "default prometheus.yml passes promtool check" || bad "default prometheus.yml"
docker exec "$P-am" amtool check-config /etc/alertmanager/alertmanager.yml >/dev/null 2>&1 \
  && ok "default alertmanager.yml passes amtool check-config" || bad "default alertmanager.yml"
wait_http "http://127.0.0.1:$zport/-/ready" 60 || true
up=""
for _ in $(seq 1 20); do
  up="$(curl -fsS "http://127.0.0.1:$zport/api/v1/query?query=sum(up%7Bjob%3D%22zookeeper%22%7D)" | sed -n 's/.*"value":\[[^,]*,"\([0-9]*\)"\].*/\1/p')"
  [ "$up" = 3 ] && break
  sleep 2
done
[ "$up" = 3 ] && ok "prometheus scrapes all 3 ZooKeeper metrics endpoints (sum(up)=3)" || bad "sum(up{job=zookeeper}) = '$up'"

# ------------------------------------------------------------------ 4
say "4) node"
v="$(docker run --rm "$NODE" --version)"
[[ "$v" == v20.* ]] && ok "node $v" || bad "node --version: $v"
v="$(docker run --rm --user node "$NODE" -e 'console.log(process.getuid(), process.cwd())')"
[ "$v" = "1000 /home/node" ] && ok "user node uid 1000, workdir /home/node" || bad "node user/workdir: $v"

say "cleaning up"
cleanup
trap - EXIT
if [ "$FAILS" = 0 ]; then say "all checks passed"; else say "$FAILS check(s) FAILED"; exit 1; fi
