#!/bin/sh
# bench/billing/run.sh - webhook events per second through hawk beside the
# bare HMAC verification of the same events, and the admin metrics p99 on
# 100,000 users and 1,000,000 invoices (bench_billing.py says how).
# Environment: HAWK_BUILD_DIR (default build) and the BENCH_* of
# bench_billing.py.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${HAWK_BUILD_DIR:-$ROOT/build}
[ -x "$BUILD/hawk" ] || {
    echo "run.sh: $BUILD/hawk is missing; build first with 'make'" >&2
    exit 1
}
HAWK_BIN=$BUILD/hawk HAWK_PLUGIN_PATH=$BUILD/plugins \
    exec python3 "$ROOT/bench/billing/bench_billing.py"
