#!/usr/bin/env bash
# Minimal ZooKeeper server control script for the zkpd.local/zookeeper image.
#
#   zkServer.sh [--config <dir>] {start-foreground|start|stop|restart|status|version|print-cmd} [zoo.cfg]
#
# Environment: see zkEnv.sh, plus ZOOPIDFILE, JMXDISABLE, JMXLOCALONLY,
# JMXPORT, JMXAUTH, JMXSSL, JMXHOSTNAME.
set -o pipefail

if [ "${1:-}" = "--config" ]; then
  [ -n "${2:-}" ] || { echo "zkServer.sh: --config needs a directory" >&2; exit 2; }
  ZOOCFGDIR="$2"; shift 2
fi

. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/zkEnv.sh"

cmd="${1:-}"
[ -n "${2:-}" ] && ZOOCFG="$2"
case "$ZOOCFG" in
  /*) ;;
  *) ZOOCFG="$ZOOCFGDIR/$ZOOCFG" ;;
esac

ZOOMAIN="org.apache.zookeeper.server.quorum.QuorumPeerMain"
JMX_OPTS=""
if [ -z "${JMXDISABLE:-}" ] || [ "${JMXDISABLE}" = "false" ]; then
  JMX_OPTS="-Dcom.sun.management.jmxremote -Dcom.sun.management.jmxremote.local.only=${JMXLOCALONLY:-false}"
  if [ -n "${JMXPORT:-}" ]; then
    JMX_OPTS="$JMX_OPTS -Dcom.sun.management.jmxremote.port=$JMXPORT"
    JMX_OPTS="$JMX_OPTS -Dcom.sun.management.jmxremote.authenticate=${JMXAUTH:-false}"
    JMX_OPTS="$JMX_OPTS -Dcom.sun.management.jmxremote.ssl=${JMXSSL:-false}"
    [ -n "${JMXHOSTNAME:-}" ] && JMX_OPTS="$JMX_OPTS -Djava.rmi.server.hostname=$JMXHOSTNAME"
  fi
fi

# Value of a key in the config file (last occurrence wins, like Properties).
cfg_get() {
  [ -f "$ZOOCFG" ] || return 0
  sed -n "s/^[[:space:]]*$1[[:space:]]*=[[:space:]]*//p" "$ZOOCFG" | tail -n 1 | tr -d '\r'
}

data_dir() { cfg_get dataDir; }

pid_file() {
  if [ -n "${ZOOPIDFILE:-}" ]; then echo "$ZOOPIDFILE"; return; fi
  local d; d="$(data_dir)"
  echo "${d:-/tmp}/zookeeper_server.pid"
}

# Client port: clientPort=, else the ";[host:]port" part of this server's
# server.N line (dynamic-config style), else 2181.
client_port() {
  local p myid line
  p="$(cfg_get clientPort)"
  if [ -z "$p" ]; then
    myid="$(cat "$(data_dir)/myid" 2>/dev/null)"
    if [ -n "$myid" ]; then
      line="$(cfg_get "server\\.$myid")"
      case "$line" in *";"*) p="${line##*;}"; p="${p##*:}" ;; esac
    fi
  fi
  echo "${p:-2181}"
}

server_cmd() {
  # shellcheck disable=SC2086 # JVM flag variables are word lists by design
  set -- "$JAVA" \
    "-Dzookeeper.log.dir=$ZOO_LOG_DIR" \
    "-Dzookeeper.log.file=${ZOO_LOG_FILE:-zookeeper-server.log}" \
    -XX:+HeapDumpOnOutOfMemoryError "-XX:OnOutOfMemoryError=kill -9 %p" \
    -cp "$CLASSPATH" $ZOO_LOGBACK_OPT $JMX_OPTS $SERVER_JVMFLAGS $JVMFLAGS \
    "$ZOOMAIN" "$ZOOCFG"
  SERVER_CMD=("$@")
}

check_cfg() {
  if [ ! -f "$ZOOCFG" ]; then
    echo "zkServer.sh: config file $ZOOCFG not found" >&2
    exit 1
  fi
}

running_pid() {
  local f pid; f="$(pid_file)"
  [ -f "$f" ] || return 1
  pid="$(cat "$f" 2>/dev/null)"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && echo "$pid"
}

do_start() {
  check_cfg
  if pid="$(running_pid)"; then
    echo "ZooKeeper already running as process $pid."
    return 0
  fi
  mkdir -p "$ZOO_LOG_DIR"
  server_cmd
  local out
  out="$ZOO_LOG_DIR/zookeeper-$(id -un 2>/dev/null || id -u)-server-$(hostname).out"
  echo "Starting ZooKeeper with config $ZOOCFG (output: $out)"
  nohup "${SERVER_CMD[@]}" >"$out" 2>&1 </dev/null &
  local pid=$!
  mkdir -p "$(dirname "$(pid_file)")"
  echo "$pid" >"$(pid_file)"
  sleep 1
  if kill -0 "$pid" 2>/dev/null; then echo "STARTED (pid $pid)"; else echo "FAILED TO START" >&2; return 1; fi
}

do_stop() {
  local pid
  if ! pid="$(running_pid)"; then
    echo "no ZooKeeper to stop (pid file $(pid_file) missing or stale)"
    rm -f "$(pid_file)"
    return 0
  fi
  echo "Stopping ZooKeeper (pid $pid)"
  kill "$pid"
  for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
  if kill -0 "$pid" 2>/dev/null; then kill -9 "$pid"; fi
  rm -f "$(pid_file)"
  echo "STOPPED"
}

do_status() {
  local port out
  port="$(client_port)"
  # shellcheck disable=SC2086 # JVM flag variables are word lists by design
  out="$("$JAVA" -cp "$CLASSPATH" $ZOO_LOGBACK_OPT $CLIENT_JVMFLAGS \
          -Dlogback.statusListenerClass=ch.qos.logback.core.status.NopStatusListener \
          org.apache.zookeeper.client.FourLetterWordMain localhost "$port" srvr 2>/dev/null)"
  if [ -z "$out" ]; then
    echo "Error contacting service on port $port. It is probably not running." >&2
    return 1
  fi
  echo "Client port found: $port."
  echo "$out" | grep -E '^Mode:'
}

case "$cmd" in
  start-foreground)
    check_cfg
    server_cmd
    exec "${SERVER_CMD[@]}"
    ;;
  start) do_start ;;
  stop) do_stop ;;
  restart) do_stop; sleep 1; do_start ;;
  status) do_status ;;
  print-cmd)
    server_cmd
    printf '%q ' "${SERVER_CMD[@]}"; echo
    ;;
  version)
    exec "$JAVA" -cp "$CLASSPATH" org.apache.zookeeper.version.VersionInfoMain
    ;;
  *)
    echo "Usage: $0 [--config <conf-dir>] {start-foreground|start|stop|restart|status|version|print-cmd} [zoo.cfg]" >&2
    exit 2
    ;;
esac
