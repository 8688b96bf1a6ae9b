#!/usr/bin/env bash
# bash scripts/multihost/check-route.sh ADDR...: exits 0 only when the root namespace reaches every
# ADDR over the simulated hosts' link; otherwise it names the address and its route, and fails.
# The multi-host suite runs it before its first packet to a host (multi-host-here.md, "Safety first").
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$here/lib.sh"

[[ $# -ge 1 ]] || mh_die "usage: check-route.sh ADDR..."
for addr in "$@"; do mh_check_local "$addr"; done
mh_say "$* on the hosts' link"
