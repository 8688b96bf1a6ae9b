#!/usr/bin/env bash
# Installs the Debian packages the toolchain and tests use, only those that are missing:
# debootstrap (image rootfs), promtool and amtool (config checks), docker-compose (benchmark baseline),
# shellcheck (actionlint checks the workflows' run: scripts with it, and skips them without it).
set -euo pipefail
declare -A package_of=(
  [debootstrap]=debootstrap
  [promtool]=prometheus
  [amtool]=prometheus-alertmanager
  [docker-compose]=docker-compose
  [shellcheck]=shellcheck
)
missing=()
for cmd in "${!package_of[@]}"; do
  command -v "$cmd" >/dev/null 2>&1 || missing+=("${package_of[$cmd]}")
done
if ((${#missing[@]} == 0)); then
  echo "  system packages: present"
  exit 0
fi
echo "  installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Debian starts the packaged services; the tests run their own, so stop the host copies.
for service in prometheus prometheus-alertmanager; do
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet "$service" 2>/dev/null; then
    systemctl stop "$service" || true
  fi
done
