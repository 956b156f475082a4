#!/usr/bin/env bash
# screenshot.sh — renders an Adaptive Card with the official JavaScript
# renderer in headless Chromium and saves a PNG.
#
#   .ci/cardcheck/screenshot.sh card.json out.png [width]
#
# Needs node, Chromium (Debian: apt-get install -y chromium
# fonts-noto-color-emoji fonts-liberation2) and `npm ci` in .ci/cardcheck.
# The page is built from node_modules (render.js): no network is used.
# The digest's screenshot is regenerated with `go generate ./dialogs/digest/`.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
card="$1"
out="$2"
width="${3:-560}"

browser=""
for b in chromium chromium-browser google-chrome; do
  if command -v "$b" >/dev/null 2>&1; then browser="$b"; break; fi
done
if [ -z "$browser" ]; then
  echo "screenshot.sh: no Chromium; install it with: apt-get install -y chromium fonts-noto-color-emoji fonts-liberation2" >&2
  exit 1
fi
if [ ! -d "$here/node_modules/adaptivecards" ]; then
  echo "screenshot.sh: run (cd $here && npm ci) first" >&2
  exit 1
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
node "$here/render.js" "$card" "$width" > "$tmp/page.html"

flags=(--headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update
  --disable-sync --disable-quic --no-first-run --hide-scrollbars --force-device-scale-factor=1
  --user-data-dir="$tmp/profile")

# First pass: learn the card's height from the rendered page.
height="$("$browser" "${flags[@]}" --virtual-time-budget=5000 --dump-dom "file://$tmp/page.html" 2>/dev/null |
  sed -n 's/.*data-height="\([0-9]*\)".*/\1/p' | head -n1)"
if [ -z "$height" ]; then
  echo "screenshot.sh: the page did not render the card" >&2
  exit 1
fi

"$browser" "${flags[@]}" --virtual-time-budget=5000 --window-size="$((width + 32)),$height" \
  --screenshot="$tmp/shot.png" "file://$tmp/page.html" >/dev/null 2>&1
mv "$tmp/shot.png" "$out"
echo "screenshot.sh: wrote $out ($((width + 32))x$height)"
