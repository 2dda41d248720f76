#!/bin/sh
# bench/http/run.sh - HTTP throughput of hawk beside two references.
#
# Measures with wrk (-t2 -c64 -d10s by default):
#   1. hawk serve: GET /health/liveness and an authenticated GET
#      /api/v1/user (a user is registered and logged in with curl first);
#      hawk runs with a temporary data dir (embedded PostgreSQL) and
#      request logging at info, written to a file
#   2. the HTTP layer alone (build/bench/http/hk_http_only): same body,
#      a quiet route and a logged route
#   3. bare libmicrohttpd (build/bench/http/bare_mhd) answering the same
#      bytes as liveness: the reference
#   4. nginx `return 200` with the same body
# Every server is started here on a free port and stopped at the end.  The
# targets are measured in turn, BENCH_ROUNDS times, so that load from
# elsewhere on the machine spreads over all of them; the table shows the
# best round of each and its ratio to bare libmicrohttpd.
#
# Environment: HAWK_BUILD_DIR (default build), BENCH_DURATION (10s),
# BENCH_ROUNDS (3), BENCH_THREADS (wrk threads, 2), BENCH_CONNS (64),
# BENCH_SERVER_THREADS (2).
set -eu

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${HAWK_BUILD_DIR:-$ROOT/build}
DURATION=${BENCH_DURATION:-10s}
ROUNDS=${BENCH_ROUNDS:-3}
WRK_THREADS=${BENCH_THREADS:-2}
CONNS=${BENCH_CONNS:-64}
SRV_THREADS=${BENCH_SERVER_THREADS:-2}
HAWK=$BUILD/hawk
BARE=$BUILD/bench/http/bare_mhd
ONLY=$BUILD/bench/http/hk_http_only

for tool in wrk curl python3; do
    command -v "$tool" >/dev/null 2>&1 || {
        echo "run.sh: '$tool' is needed; install it (apt-get install $tool)" >&2
        exit 1
    }
done
for bin in "$HAWK" "$BARE" "$ONLY"; do
    [ -x "$bin" ] || {
        echo "run.sh: $bin is missing; build first with 'make'" >&2
        exit 1
    }
done
NGINX=$(command -v nginx || true)
if [ -z "$NGINX" ] && [ -x /usr/sbin/nginx ]; then
    NGINX=/usr/sbin/nginx
fi

TMP=$(mktemp -d /tmp/hawk-bench.XXXXXX)
# the embedded PostgreSQL runs as another user: it must reach the data dir
chmod 755 "$TMP"
mkdir -m 755 "$TMP/var"
PIDS=""
RESULTS="$TMP/results"
TARGETS="$TMP/targets"
: >"$RESULTS"
: >"$TARGETS"

cleanup() {
    for pid in $PIDS; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in $PIDS; do
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# wait_http URL SECONDS: until URL answers 200.
wait_http() {
    i=0
    while [ "$i" -lt $(($2 * 10)) ]; do
        if [ "$(curl -s -o /dev/null -w '%{http_code}' "$1" 2>/dev/null)" = 200 ]; then
            return 0
        fi
        sleep 0.1
        i=$((i + 1))
    done
    return 1
}

# target NAME URL [HEADER]: adds a line to the list of measurements.
target() {
    printf '%s|%s|%s\n' "$1" "$2" "${3:-}" >>"$TARGETS"
}

# measure NAME URL [HEADER]: one wrk run, appends "NAME<TAB>requests/s".
measure() {
    if [ -n "${3:-}" ]; then
        out=$(wrk -t"$WRK_THREADS" -c"$CONNS" -d"$DURATION" -H "$3" "$2" </dev/null)
    else
        out=$(wrk -t"$WRK_THREADS" -c"$CONNS" -d"$DURATION" "$2" </dev/null)
    fi
    rps=$(printf '%s\n' "$out" | awk '/Requests\/sec/ {print $2}')
    non2xx=$(printf '%s\n' "$out" | awk '/Non-2xx/ {print $NF}')
    if [ -n "$non2xx" ]; then
        echo "run.sh: $1: $non2xx responses were not 2xx" >&2
    fi
    printf '%s\t%s\n' "$1" "${rps:-0}" >>"$RESULTS"
    printf '  %-36s %12s req/s\n' "$1" "${rps:-0}"
}

echo "wrk -t$WRK_THREADS -c$CONNS -d$DURATION, $ROUNDS round(s);" \
     "servers with $SRV_THREADS threads/workers"

# ---- 1. hawk ------------------------------------------------------------
HAWK_PORT=$(free_port)
{
    echo "server = { listen = \"127.0.0.1:$HAWK_PORT\"; threads = $SRV_THREADS; shutdown_grace = \"5s\"; };"
    echo "data_dir = \"$TMP/var\";"
    echo "log = { level = \"info\"; stdout = false; file = \"$TMP/hawk.log\"; };"
} >"$TMP/hawk.cfg"
echo "starting hawk (embedded PostgreSQL, first start runs initdb)..."
"$HAWK" serve -c "$TMP/hawk.cfg" >"$TMP/hawk.out" 2>&1 &
PIDS="$PIDS $!"
BODY=""
HAWK_URL="http://127.0.0.1:$HAWK_PORT"
if wait_http "$HAWK_URL/health/liveness" 120; then
    BODY=$(curl -s "$HAWK_URL/health/liveness")
    CRED="{\"email\":\"bench$$@example.com\",\"password\":\"bench password $$ long enough\"}"
    curl -s -o /dev/null -X POST -H 'Content-Type: application/json' \
        -d "$CRED" "$HAWK_URL/api/v1/auth/register"
    TOKEN=$(curl -s -X POST -H 'Content-Type: application/json' \
        -d "$CRED" "$HAWK_URL/api/v1/auth/login" |
        python3 -c 'import json,sys; print(json.load(sys.stdin).get("access_token",""))' \
            2>/dev/null || true)
    target "hawk GET /health/liveness" "$HAWK_URL/health/liveness"
    if [ -n "$TOKEN" ]; then
        target "hawk GET /api/v1/user (auth)" "$HAWK_URL/api/v1/user" \
            "Authorization: Bearer $TOKEN"
    else
        echo "run.sh: register/login failed; skipping GET /api/v1/user" >&2
    fi
else
    echo "run.sh: hawk serve did not answer /health/liveness; skipping it" >&2
    tail -n 20 "$TMP/hawk.out" >&2 || true
fi
[ -n "$BODY" ] || BODY='{"status":"ok"}'
echo "liveness body: $BODY"

# ---- 2. the HTTP layer alone ---------------------------------------------
PORT=$(free_port)
"$ONLY" "$PORT" "$SRV_THREADS" "$BODY" >"$TMP/only.log" 2>&1 &
PIDS="$PIDS $!"
if wait_http "http://127.0.0.1:$PORT/health/liveness" 10; then
    target "http layer only, quiet route" "http://127.0.0.1:$PORT/health/liveness"
    target "http layer only, logged route" "http://127.0.0.1:$PORT/api/v1/ping"
fi

# ---- 3. bare libmicrohttpd -------------------------------------------------
PORT=$(free_port)
"$BARE" "$PORT" "$SRV_THREADS" "$BODY" 2>"$TMP/bare.err" &
PIDS="$PIDS $!"
if wait_http "http://127.0.0.1:$PORT/health/liveness" 10; then
    target "bare libmicrohttpd" "http://127.0.0.1:$PORT/health/liveness"
fi

# ---- 4. nginx ------------------------------------------------------------
if [ -n "$NGINX" ]; then
    PORT=$(free_port)
    N=$TMP/nginx
    mkdir -p "$N/logs"
    NBODY=$(printf '%s' "$BODY" | sed "s/'/\\\\'/g")
    {
        echo "worker_processes $SRV_THREADS;"
        echo "daemon off;"
        echo "pid $N/nginx.pid;"
        echo "error_log $N/logs/error.log;"
        echo "events { worker_connections 1024; }"
        echo "http {"
        echo "    access_log off;"
        echo "    client_body_temp_path $N/body;"
        echo "    proxy_temp_path $N/proxy;"
        echo "    fastcgi_temp_path $N/fastcgi;"
        echo "    uwsgi_temp_path $N/uwsgi;"
        echo "    scgi_temp_path $N/scgi;"
        echo "    server {"
        echo "        listen 127.0.0.1:$PORT;"
        echo "        location / {"
        echo "            default_type application/json;"
        echo "            return 200 '$NBODY';"
        echo "        }"
        echo "    }"
        echo "}"
    } >"$N/nginx.conf"
    "$NGINX" -p "$N" -c "$N/nginx.conf" 2>"$N/stderr" &
    PIDS="$PIDS $!"
    if wait_http "http://127.0.0.1:$PORT/health/liveness" 10; then
        target "nginx return 200" "http://127.0.0.1:$PORT/health/liveness"
    else
        echo "run.sh: nginx did not start:" >&2
        cat "$N/stderr" >&2 || true
    fi
else
    echo "run.sh: nginx not installed; skipping it" >&2
fi

# ---- measure -------------------------------------------------------------
round=1
while [ "$round" -le "$ROUNDS" ]; do
    echo "round $round"
    while IFS='|' read -r name url hdr; do
        measure "$name" "$url" "$hdr"
    done <"$TARGETS"
    round=$((round + 1))
done

# ---- table: the best round of each target --------------------------------
echo
awk -F '\t' '
    !($1 in best) { order[++n] = $1; best[$1] = $2 }
    $2 + 0 > best[$1] + 0 { best[$1] = $2 }
    END {
        ref = best["bare libmicrohttpd"]
        printf "%-36s %12s %14s\n", "target (best round)", "requests/s",
               "vs bare MHD"
        for (i = 1; i <= n; i++) {
            r = best[order[i]]
            ratio = (ref > 0) ? sprintf("%.1f%%", 100 * r / ref) : "n/a"
            printf "%-36s %12.0f %14s\n", order[i], r, ratio
        }
    }' "$RESULTS"
