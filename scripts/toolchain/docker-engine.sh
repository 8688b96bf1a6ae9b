#!/usr/bin/env bash
# Make sure a Docker engine (dockerd) is installed and answering.
#
# Idempotent:
#   * if `dockerd` is missing, install Debian's docker.io (apt-get update only
#     when the package is not known to apt yet);
#   * if the engine does not answer, start it (systemd when it is PID 1,
#     otherwise a detached `dockerd` whose log goes to a cache dir outside
#     the repository) and wait, bounded, for the socket and `docker info`.
#
# Environment:
#   DOCKER_ENGINE_WAIT   seconds to wait for the engine (default 60)
#   XDG_CACHE_HOME       cache root (default ~/.cache); log in zk-toolchain/
set -euo pipefail

WAIT_SECS="${DOCKER_ENGINE_WAIT:-60}"
CACHE_DIR="${XDG_CACHE_HOME:-$HOME/.cache}/zk-toolchain"
LOG_FILE="$CACHE_DIR/dockerd.log"
SOCK=/var/run/docker.sock
PIDFILE=/var/run/docker.pid

say() { printf '[docker-engine] %s\n' "$*"; }
die() { printf '[docker-engine] ERROR: %s\n' "$*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else die "need root to run: $*"; fi
}

engine_answers() {
  command -v docker >/dev/null 2>&1 || return 1
  timeout 10 docker info >/dev/null 2>&1
}

# --- 1. install -------------------------------------------------------------
if command -v dockerd >/dev/null 2>&1; then
  say "dockerd present: $(command -v dockerd) ($(dockerd --version 2>/dev/null || echo '?'))"
else
  command -v apt-get >/dev/null 2>&1 || die "dockerd missing and apt-get not available; install a Docker engine by hand"
  if ! apt-cache show docker.io >/dev/null 2>&1; then
    say "apt-get update (docker.io not in the package lists yet)"
    as_root apt-get update -qq || die "apt-get update failed"
  fi
  say "installing docker.io"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io >/dev/null \
    || die "apt-get install docker.io failed"
  command -v dockerd >/dev/null 2>&1 || die "docker.io installed but dockerd still not on PATH"
  say "installed: $(dockerd --version)"
fi
command -v docker >/dev/null 2>&1 || die "no docker client on PATH"

# --- 2. start ---------------------------------------------------------------
if engine_answers; then
  say "engine already answering (server $(docker version -f '{{.Server.Version}}' 2>/dev/null))"
  exit 0
fi

if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
  say "starting docker via systemd"
  as_root systemctl start docker || say "systemctl start docker failed; falling back to a manual dockerd"
fi

if ! engine_answers && ! pgrep -x dockerd >/dev/null 2>&1; then
  mkdir -p "$CACHE_DIR"
  # A stale pid file from a dead dockerd makes a new one refuse to start.
  if [ -f "$PIDFILE" ]; then
    oldpid="$(cat "$PIDFILE" 2>/dev/null || true)"
    if [ -z "$oldpid" ] || ! kill -0 "$oldpid" 2>/dev/null; then
      say "removing stale $PIDFILE (pid '${oldpid}')"
      as_root rm -f "$PIDFILE"
    fi
  fi
  say "starting dockerd in the background (log: $LOG_FILE)"
  # setsid + nohup: the daemon gets its own session and survives this script.
  as_root setsid nohup dockerd >>"$LOG_FILE" 2>&1 </dev/null &
  disown || true
elif ! engine_answers; then
  say "a dockerd process exists but does not answer yet; waiting for it"
fi

# --- 3. wait ----------------------------------------------------------------
deadline=$(( $(date +%s) + WAIT_SECS ))
until [ -S "$SOCK" ] && engine_answers; do
  if [ "$(date +%s)" -ge "$deadline" ]; then
    [ -f "$LOG_FILE" ] && { echo "--- last lines of $LOG_FILE ---" >&2; tail -n 20 "$LOG_FILE" >&2; }
    die "engine not answering after ${WAIT_SECS}s"
  fi
  sleep 1
done
say "engine answering (server $(docker version -f '{{.Server.Version}}' 2>/dev/null)) after $(( WAIT_SECS - (deadline - $(date +%s)) ))s"
