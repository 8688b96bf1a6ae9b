#!/bin/bash
# Rendered by pulumi-zookeeper-docker: starts this server with the membership on its data volume.
set -uo pipefail
newest_dynamic() {
  local best="" bestv=-1 f v
  for f in /data/conf/zoo.cfg.dynamic.*; do
    [ -f "$f" ] || continue
    v="${f##*.}"
    [[ "$v" =~ ^[0-9a-f]+$ ]] || continue
    if (( 16#$v > bestv )); then best="$f"; bestv=$((16#$v)); fi
  done
  printf '%s' "$best"
}
lists_me() { grep -q "^server\.${ZOO_MY_ID}=" "$1"; }
own_line="server.${ZOO_MY_ID}=${HOSTNAME}:2888:3888:participant;2181"
current="$(newest_dynamic)"
if [ -z "$current" ]; then
  echo "start-server: no membership file in /data/conf; the server's seed step writes it before the first start (run pulumi up)" >&2
  exit 78
fi
if [ -f /data/removed-from-ensemble ] || ! lists_me "$current"; then
  why="$(cat /data/removed-from-ensemble 2>/dev/null || echo "not a member of ${current##*/}")"
  others="$(grep "^server\." "$current" | grep -v "^server\.${ZOO_MY_ID}=")"
  echo "start-server: $why; clearing this server's data, it joins as a new server"
  find /data /datalog -mindepth 1 -delete
  mkdir -p /data/conf
  current=/data/conf/zoo.cfg.dynamic.0
  { [ -n "$others" ] && printf '%s\n' "$others"; echo "$own_line"; } > "$current"
fi
echo "$ZOO_MY_ID" > /data/myid
{ cat /conf/zoo.cfg.template; echo "dynamicConfigFile=$current"; } > /data/conf/zoo.cfg
echo "start-server: server $ZOO_MY_ID starts with membership ${current##*/}"
pid=""
trap '[ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null' TERM INT
zkServer.sh start-foreground /data/conf/zoo.cfg &
pid=$!
status=0
wait "$pid" || status=$?
while kill -0 "$pid" 2>/dev/null; do wait "$pid" || status=$?; done
current="$(newest_dynamic)"
if [ -n "$current" ] && ! lists_me "$current"; then
  echo "removed at config version ${current##*.}" > /data/removed-from-ensemble
  echo "start-server: not a member of config version ${current##*.}: data marked for clearing"
fi
exit "$status"
