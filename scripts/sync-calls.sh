#!/usr/bin/env bash
# Syncs the newest N calls from ElevenLabs into the database, as the seed's script did:
#   ./scripts/sync-calls.sh 100
# Same engine, configuration (.env) and exit codes as `npm run sync:calls -- N`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [ "$#" -ne 1 ]; then
  echo "usage: $0 <N>   (sync the newest N calls)" >&2
  exit 2
fi

# Sources when the dev tooling is installed, else the build (a production install).
if [ -x node_modules/.bin/tsx ]; then
  exec node_modules/.bin/tsx src/cli/sync.ts calls "$1"
elif [ -f dist/src/cli/sync.js ]; then
  exec node dist/src/cli/sync.js calls "$1"
else
  echo "sync-calls.sh: neither node_modules/.bin/tsx nor dist/ found: run npm install (or npm run build) first" >&2
  exit 2
fi
