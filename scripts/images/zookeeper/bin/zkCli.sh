#!/usr/bin/env bash
# ZooKeeper command line client for the zkpd.local/zookeeper image.
#   zkCli.sh [-server host:port] [-timeout ms] [-readonly] [cmd args...]
# Environment: see zkEnv.sh (CLIENT_JVMFLAGS, JVMFLAGS, ZK_CLIENT_HEAP, ...).
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/zkEnv.sh"

# shellcheck disable=SC2086 # JVM flag variables are word lists by design
exec "$JAVA" \
  "-Dzookeeper.log.dir=$ZOO_LOG_DIR" \
  "-Dzookeeper.log.file=${ZOO_LOG_FILE:-zookeeper-cli.log}" \
  -cp "$CLASSPATH" $ZOO_LOGBACK_OPT $CLIENT_JVMFLAGS $JVMFLAGS \
  org.apache.zookeeper.ZooKeeperMain "$@"
