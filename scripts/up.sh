#!/usr/bin/env bash
# `npm run up` deploys dev; `bash scripts/up.sh staging|prod` deploys the others.
# State goes to a local file backend (.pulumi-state/ in the repo unless PULUMI_BACKEND_URL is set), so
# no Pulumi Cloud account is needed. Only dev has a default passphrase.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
env="${1:-dev}"
shift || true
case "$env" in
  dev|staging|prod) ;;
  *) echo "error: environment '$env' is not allowed: use dev, staging or prod" >&2; exit 2 ;;
esac

if [[ "$env" != dev && -z "${PULUMI_CONFIG_PASSPHRASE:-}" && -z "${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ]]; then
  echo "error: PULUMI_CONFIG_PASSPHRASE (or PULUMI_CONFIG_PASSPHRASE_FILE) must be set for $env; only dev has a default" >&2
  exit 2
fi
# dev's passphrase protects nothing of value (no real secrets in dev) and lets a newcomer start at once.
export PULUMI_CONFIG_PASSPHRASE="${PULUMI_CONFIG_PASSPHRASE:-dev-only-not-a-secret}"

# Whatever of the toolchain is missing (engine, CLI, plugins, local images); a no-op when all is there.
bash "$repo/scripts/toolchain/run.sh"
source "$repo/scripts/toolchain/env.sh"

# Official images are used when Docker already has them. This machine has no registry, and pulling
# is not attempted: without them, the locally built images with the same contracts are deployed.
if [[ -z "${ZK_IMAGE_SOURCE:-}" ]]; then
  missing=()
  for image in $(node "$repo/scripts/official-images.js" "$repo/stacks/Pulumi.$env.yaml"); do
    docker image inspect "$image" >/dev/null 2>&1 || missing+=("$image")
  done
  if ((${#missing[@]} > 0)); then
    echo "note: official images not present locally: ${missing[*]}"
    echo "note: deploying the local images instead (images.source=local; Grafana off, it has no local image)."
    echo "note: run with ZK_IMAGE_SOURCE=official to let Docker pull the official ones."
    export ZK_IMAGE_SOURCE=local
  fi
fi

export PULUMI_BACKEND_URL="${PULUMI_BACKEND_URL:-file://$repo/.pulumi-state}"
mkdir -p "$repo/.pulumi-state"
cd "$repo"
pulumi stack select --create "$env" --non-interactive >/dev/null
pulumi up --yes --non-interactive --stack "$env" "$@"
