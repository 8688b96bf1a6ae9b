#!/usr/bin/env bash
# `pulumi package get-schema` on the packed package, the way another Pulumi language reaches it: npm
# packs into a temporary directory outside the repository, the tarball is extracted there, Pulumi
# installs the plugin's dependencies and asks the component provider for its schema (inferred from
# the shipped TypeScript sources). check-schema.js then checks it and prints the counts.
#   bash scripts/package/get-schema.sh [SCHEMA_OUT]    (npm run schema)
# Needs the toolchain (npm run toolchain) for the CLI, the Node.js language host and the docker
# plugin, whose schema the package's outputs refer to.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="${1:-}"
work="$(mktemp -d "${TMPDIR:-/tmp}/zkpd-schema-XXXXXX")"
trap 'rm -rf "$work"' EXIT

(cd "$repo" && npm run --silent build && npm pack --silent --pack-destination "$work" > /dev/null)
tar -xzf "$work"/*.tgz -C "$work"
started=$SECONDS
if ! (cd "$work" && pulumi package get-schema ./package > schema.json 2> get-schema.log); then
    cat "$work/get-schema.log" >&2
    echo "error: pulumi package get-schema failed on the packed package" >&2
    exit 1
fi
echo "pulumi package get-schema: $((SECONDS - started)) s (plugin dependencies installed, schema inferred)"
node "$repo/scripts/package/check-schema.js" "$work/schema.json" "$repo/dist/components/shared/typeTokens.js"
if [[ -n "$out" ]]; then
    cp "$work/schema.json" "$out"
fi
