#!/usr/bin/env bash
# Everything `npm start` and `npm test` need on a fresh machine, idempotently:
#   1. npm dependencies as locked, skipped when node_modules matches the lockfile. `npm install`
#      rather than `npm ci`: the registry here lacks some optional platform packages (e.g.
#      @swc/core-darwin-arm64), which npm ci counts as a lockfile mismatch;
#   2. the external tools (tools/install.sh), cached per user outside the clone.
set -euo pipefail
cd "$(dirname "$0")/.."

need() { command -v "$1" >/dev/null 2>&1 || { echo "nexus-bot setup: \`$1\` is missing from PATH ($2)" >&2; exit 1; }; }
need node "Node 20.19+ is required"
need npm "npm comes with Node"

stamp=node_modules/.nexus-bot-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "[setup] installing npm dependencies (npm install, as locked)" >&2
  # A registry hiccup fails one install now and then (CI, stop 23: npm exited after 29 s and printed
  # only its log's path), so a failed install is tried again before the run is given up.
  installed=no
  for attempt in 1 2 3; do
    if npm install --no-audit --no-fund --loglevel=error >&2; then installed=yes; break; fi
    echo "[setup] npm install attempt $attempt of 3 failed (npm's errors above)" >&2
    if [ "$attempt" -lt 3 ]; then sleep $((attempt * 10)); fi
  done
  if [ "$installed" != yes ]; then
    echo "nexus-bot setup: installing npm dependencies failed: command \`npm install\` exited non-zero three times (errors above)" >&2
    exit 1
  fi
  # npm may normalise the lockfile while installing (optional platform packages): stamp what it left.
  sha256sum package-lock.json | cut -d' ' -f1 > "$stamp"
fi

bash tools/install.sh >/dev/null
