#!/usr/bin/env bash
# Scripted end-to-end run in the Microsoft 365 Agents Playground:
# builds Digibot, starts it in dev mode with a fresh embedded store,
# starts the Playground against it and drives it in headless Chromium.
# Needs node/npm and chromium (apt-get install -y chromium). Not part of CI.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$here/../.."
work="$(mktemp -d)"
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

(cd "$here" && npm ci --no-audit --no-fund --loglevel=error)
go build -C "$root" -o "$work/digibot" ./cmd/digibot
DIGIBOT_DATA_DIR="$work/data" DIGIBOT_ADDR=127.0.0.1:3978 "$work/digibot" serve 2>"$work/digibot.log" &
for _ in $(seq 1 50); do curl -sf http://127.0.0.1:3978/readyz >/dev/null && break; sleep 0.2; done
# The Playground writes a devTools/ folder into its working directory.
(cd "$work" && exec "$here/node_modules/.bin/agentsplayground" -e http://127.0.0.1:3978/api/messages -c msteams --dt -p 56150 >"$work/playground.log" 2>&1) &
for _ in $(seq 1 50); do curl -sf http://127.0.0.1:56150 >/dev/null && break; sleep 0.2; done
node "$here/e2e.js" http://localhost:56150 "$here"
