#!/usr/bin/env bash
# Runs a command with the toolchain on PATH and Pulumi set up for offline use (see env.sh).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
exec "$@"
