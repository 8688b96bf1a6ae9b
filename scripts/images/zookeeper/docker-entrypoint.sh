#!/usr/bin/env bash
# Entrypoint of the zkpd.local/zookeeper image; follows the behaviour of the
# official zookeeper image's entrypoint:
#   * as root with a zkServer.sh command: give the data/log dirs to the
#     zookeeper user and re-run this script as that user (via gosu);
#   * write $ZOO_CONF_DIR/zoo.cfg from the ZOO_* variables only if it is absent;
#   * write $ZOO_DATA_DIR/myid from ZOO_MY_ID (default 1) only if it is absent;
#   * exec the command.
set -e

if [[ "$1" = 'zkServer.sh' && "$(id -u)" = '0' ]]; then
  chown -R zookeeper:zookeeper "$ZOO_DATA_DIR" "$ZOO_DATA_LOG_DIR" "$ZOO_LOG_DIR" \
    || echo "docker-entrypoint.sh: warning: could not chown the data/log dirs" >&2
  exec gosu zookeeper "$0" "$@"
fi

CONFIG="$ZOO_CONF_DIR/zoo.cfg"
if [[ ! -f "$CONFIG" ]]; then
  {
    echo "dataDir=$ZOO_DATA_DIR"
    echo "dataLogDir=$ZOO_DATA_LOG_DIR"
    echo "tickTime=${ZOO_TICK_TIME:-2000}"
    echo "initLimit=${ZOO_INIT_LIMIT:-5}"
    echo "syncLimit=${ZOO_SYNC_LIMIT:-2}"
    echo "autopurge.snapRetainCount=${ZOO_AUTOPURGE_SNAPRETAINCOUNT:-3}"
    echo "autopurge.purgeInterval=${ZOO_AUTOPURGE_PURGEINTERVAL:-0}"
    echo "maxClientCnxns=${ZOO_MAX_CLIENT_CNXNS:-60}"
    echo "standaloneEnabled=${ZOO_STANDALONE_ENABLED:-true}"
    echo "admin.enableServer=${ZOO_ADMINSERVER_ENABLED:-true}"
    # Space separated "server.N=host:quorumPort:electionPort[;[clientHost:]clientPort]"
    if [[ -z "$ZOO_SERVERS" ]]; then
      ZOO_SERVERS="server.1=localhost:2888:3888;2181"
    fi
    for server in $ZOO_SERVERS; do
      echo "$server"
    done
    if [[ -n "$ZOO_4LW_COMMANDS_WHITELIST" ]]; then
      echo "4lw.commands.whitelist=$ZOO_4LW_COMMANDS_WHITELIST"
    fi
    # Space separated extra "key=value" entries.
    for extra in $ZOO_CFG_EXTRA; do
      echo "$extra"
    done
  } > "$CONFIG"
fi

if [[ ! -f "$ZOO_DATA_DIR/myid" ]]; then
  echo "${ZOO_MY_ID:-1}" > "$ZOO_DATA_DIR/myid"
fi

exec "$@"
