#!/usr/bin/env bash
# Issue 17: measure the peers side by side and write docs/peers/<label>.json and docs/peers/<label>.md.
#   scripts/peers.sh quiet            # on an otherwise idle machine
#   scripts/peers.sh loaded --busy 2  # with two `yes > /dev/null` beside it, killed by PID afterwards
# Builds the modules peers needs (no tests but PeersRunIT), about 10 minutes in all.
set -euo pipefail
cd "$(dirname "$0")/.."
label="${1:-quiet}"
busy=0
if [[ "${2:-}" == "--busy" ]]; then busy="${3:-2}"; fi
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
for ((i = 0; i < busy; i++)); do yes > /dev/null & pids+=($!); done
mvn -B -pl peers -am verify -Ppeers \
  -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false -DskipITs -Dpeers.skipITs=false \
  -Dpeers.out="$PWD/docs/peers/$label.json" "${@:4}"
cat "docs/peers/$label.md"
