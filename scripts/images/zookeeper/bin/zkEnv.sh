#!/usr/bin/env bash
# Shared environment for zkServer.sh and zkCli.sh (zkpd.local/zookeeper image).
# Sourced, not executed. Honours the variables of the upstream scripts:
#   ZOOCFGDIR ZOOCFG ZOO_LOG_DIR ZOO_LOG_FILE JAVA_HOME JVMFLAGS
#   SERVER_JVMFLAGS CLIENT_JVMFLAGS ZK_SERVER_HEAP ZK_CLIENT_HEAP CLASSPATH
# and sources $ZOOCFGDIR/zookeeper-env.sh and $ZOOCFGDIR/java.env if present.

ZOOBINDIR="${ZOOBINDIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)}"
ZOOKEEPER_PREFIX="${ZOOKEEPER_PREFIX:-$(dirname "$ZOOBINDIR")}"
ZOOCFGDIR="${ZOOCFGDIR:-$ZOOKEEPER_PREFIX/conf}"

if [ -f "$ZOOCFGDIR/zookeeper-env.sh" ]; then . "$ZOOCFGDIR/zookeeper-env.sh"; fi
if [ -f "$ZOOCFGDIR/java.env" ]; then . "$ZOOCFGDIR/java.env"; fi

ZOOCFG="${ZOOCFG:-zoo.cfg}"
ZOO_LOG_DIR="${ZOO_LOG_DIR:-$ZOOKEEPER_PREFIX/logs}"

if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then
  JAVA="$JAVA_HOME/bin/java"
elif command -v java >/dev/null 2>&1; then
  JAVA="$(command -v java)"
else
  echo "zkEnv.sh: no java found (set JAVA_HOME or put java on PATH)" >&2
  exit 1
fi

# Config dir first (zoo.cfg, logback.xml, ...), then every jar of lib/.
CLASSPATH="$ZOOCFGDIR:$ZOOKEEPER_PREFIX/lib/*${CLASSPATH:+:$CLASSPATH}"

# Logging: the logback.xml of the config dir wins; when the config dir was
# replaced wholesale (e.g. a mounted /conf holding only zoo.cfg) fall back to
# the copy shipped with the installation, so output still goes to the console.
if [ -f "$ZOOCFGDIR/logback.xml" ]; then
  ZOO_LOGBACK_OPT="-Dlogback.configurationFile=file:$ZOOCFGDIR/logback.xml"
elif [ -f "$ZOOKEEPER_PREFIX/conf/logback.xml" ]; then
  ZOO_LOGBACK_OPT="-Dlogback.configurationFile=file:$ZOOKEEPER_PREFIX/conf/logback.xml"
else
  ZOO_LOGBACK_OPT=""
fi

ZK_SERVER_HEAP="${ZK_SERVER_HEAP:-1000}"
ZK_CLIENT_HEAP="${ZK_CLIENT_HEAP:-256}"
SERVER_JVMFLAGS="-Xmx${ZK_SERVER_HEAP}m ${SERVER_JVMFLAGS:-}"
CLIENT_JVMFLAGS="-Xmx${ZK_CLIENT_HEAP}m ${CLIENT_JVMFLAGS:-}"
JVMFLAGS="${JVMFLAGS:-}"

export ZOOBINDIR ZOOKEEPER_PREFIX ZOOCFGDIR ZOOCFG ZOO_LOG_DIR JAVA CLASSPATH ZOO_LOGBACK_OPT
export ZK_SERVER_HEAP ZK_CLIENT_HEAP SERVER_JVMFLAGS CLIENT_JVMFLAGS JVMFLAGS
