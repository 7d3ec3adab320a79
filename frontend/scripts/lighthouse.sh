#!/usr/bin/env bash
# Lighthouse (performance, accessibility, best practices, SEO) of the built site,
# served by the mock API with the production CSP, in Debian's Chromium.
# Needs network access to the npm registry the first time (npx fetches lighthouse@12.8.2,
# the last release that runs on Node 20). Reports go to test-results/lighthouse/.
set -euo pipefail
cd "$(dirname "$0")/.."
[[ -f dist/index.html ]] || npm run build
out=test-results/lighthouse
mkdir -p "$out"
log=$(mktemp)
node tests/e2e/mock-api/server.mjs --port 0 --idle-seconds 120 >"$log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; rm -f "$log"' EXIT
for _ in $(seq 50); do grep -q 'listening on' "$log" && break; sleep 0.1; done
url=$(grep -o 'http://127.0.0.1:[0-9]*' "$log" | head -1)
flags="--headless=new --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking --disable-component-update --disable-sync"
for preset in mobile desktop; do
  extra=()
  [[ $preset == desktop ]] && extra=(--preset=desktop)
  CHROME_PATH=${CHROME_PATH:-/usr/bin/chromium} npx --yes lighthouse@12.8.2 "$url/" --quiet "${extra[@]}" \
    --only-categories=performance,accessibility,best-practices,seo --chrome-flags="$flags" \
    --output=json --output=html --output-path="$out/$preset"
  node -e '
    const r = require(process.argv[1]);
    const s = Object.entries(r.categories).map(([k, v]) => `${k} ${Math.round(v.score * 100)}`).join(", ");
    const a = r.audits;
    console.log(`${process.argv[2]}: ${s}; FCP ${a["first-contentful-paint"].displayValue}, LCP ${a["largest-contentful-paint"].displayValue}, TBT ${a["total-blocking-time"].displayValue}, CLS ${a["cumulative-layout-shift"].displayValue}`);
  ' "$PWD/$out/$preset.report.json" "$preset"
done
