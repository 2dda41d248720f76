#!/bin/sh
# bench/web/run.sh - the web pages, measured beside references in one run:
#   1. the board with 1,000 applications in headless Chromium (Playwright
#      timings): first contentful paint and time until all cards are on
#      the page and answer input, beside a static HTML page of the same
#      data served by the same hawk;
#   2. JavaScript and CSS bytes transferred for that first load;
#   3. static file requests per second from hawk beside nginx serving the
#      same files (wrk, gzip copies on both sides).
# Needs `make` with Node.js (the built pages), `npm ci --prefix tests/e2e`,
# chromium, nginx and wrk.  Environment: BENCH_ROUNDS (5),
# BENCH_DURATION (5s), BENCH_CONNS (64), HAWK_BUILD_DIR (build).
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
export HAWK_SOURCE_DIR="$ROOT"
export HAWK_BUILD_DIR="${HAWK_BUILD_DIR:-$ROOT/build}"
for tool in node wrk; do
    command -v "$tool" >/dev/null 2>&1 || {
        echo "run.sh: '$tool' is needed (scripts/install-deps.sh test)" >&2
        exit 1
    }
done
[ -d "$ROOT/tests/e2e/node_modules/playwright-core" ] || {
    echo "run.sh: run 'npm ci --prefix tests/e2e' first" >&2
    exit 1
}
exec node "$ROOT/bench/web/bench.mjs"
