#!/usr/bin/env bash
# Assembles app/.stage/, the only build context content the Dockerfile copies:
#   package.json, package-lock.json, dist/ (freshly compiled) and a
#   production-only node_modules (npm ci --omit=dev).
# The image is built from pre-built files because `npm` inside `docker build`
# may have no registry access; run this on the host first:
#   npm ci && npm run stage && docker build -t zk-client-app:dev .
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [ ! -x node_modules/.bin/tsc ]; then
  echo "stage.sh: dev dependencies missing; run 'npm ci' in app/ first" >&2
  exit 1
fi

rm -rf dist .stage
node_modules/.bin/tsc -p tsconfig.json

mkdir -p .stage
cp package.json package-lock.json .stage/
cp -R dist .stage/dist
# Source maps are useful in stack traces; keep them. Tests are not in dist (tsconfig excludes them).
(
  cd .stage
  npm ci --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error
)

test -f .stage/dist/main.js
test -d .stage/node_modules/node-zookeeper-client
test -d .stage/node_modules/prom-client
test -d .stage/node_modules/zod
if [ -d .stage/node_modules/jest ] || [ -d .stage/node_modules/typescript ]; then
  echo "stage.sh: dev dependencies leaked into .stage/node_modules" >&2
  exit 1
fi
echo "stage.sh: staged $(du -sh .stage | cut -f1) in app/.stage"
