#!/usr/bin/env bash
# `npm run toolchain`: everything a real `pulumi up` here needs, idempotent and timed per step.
# A warm run (nothing missing) only checks; see README "Toolchain".
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"

step() {
  local name="$1"; shift
  local start=$SECONDS
  echo "==> $name"
  "$@"
  echo "<== $name: $((SECONDS - start)) s"
}

total_start=$SECONDS
step "system packages" bash "$here/system-packages.sh"
step "docker engine" bash "$here/docker-engine.sh"
step "pulumi CLI, language host, provider plugins" bash "$here/build-go.sh"
step "local images" bash "$repo/scripts/images/build.sh"
echo "toolchain ready in $((SECONDS - total_start)) s"
