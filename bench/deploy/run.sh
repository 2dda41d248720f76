#!/bin/sh
# bench/deploy/run.sh - hawk behind nginx (etc/nginx/hawk.conf, over TLS)
# beside hawk direct, in the same run: wrk on /health/liveness and on an
# authenticated list page (GET /api/v1/job-applications), requests per second
# and latency, and the proxy's cost as a ratio.  Needs `make` first, nginx
# and wrk (scripts/install-deps.sh test).  Environment: BENCH_SECONDS (5),
# BENCH_CONNECTIONS (32), BENCH_ROUNDS (3: the best round counts).
# The image size and the container's start-to-ready time are printed by
# tests/integration/test_deploy_docker.py.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
exec /usr/bin/python3 -B "$here/bench.py" "$@"
