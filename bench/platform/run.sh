#!/bin/sh
# bench/platform/run.sh - list-page and stats throughput with realistic data.
#
# Seeds 1,000 users and 200,000 applications (200 per user) with SQL
# generate_series into a private PostgreSQL, runs VACUUM ANALYZE, then
# drives `hawk serve` with wrk (2 threads, 64 connections) against:
#   GET /health/liveness                    (baseline: no database)
#   GET /api/v1/job-applications            (first page with its total)
#   GET /api/v1/job-applications/stats
# and prints requests/s, latency percentiles and the CPU time per request
# spent in hawk and in PostgreSQL (all its processes), read from
# /proc/<pid>/stat before and after each run.
#
# Usage: bench/platform/run.sh [SECONDS]   (default 10 per endpoint)
# Env:   BUILD=build (where the hawk binary is), PORT, THREADS (server.threads)
set -eu
secs=${1:-10}
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
build=${BUILD:-$src/build}
hawk=$build/hawk
port=${PORT:-18471}
threads=${THREADS:-4}
pgport=5499

command -v wrk >/dev/null || { echo "bench: wrk not found (apt-get install wrk)" >&2; exit 1; }
[ -x "$hawk" ] || { echo "bench: $hawk not built (make build)" >&2; exit 1; }

work=$(mktemp -d /tmp/hawk-bench-XXXXXX)
chmod 755 "$work"
pgdir=$work/pg
hawk_pid=""
cleanup() {
    if [ -n "$hawk_pid" ]; then
        kill "$hawk_pid" 2>/dev/null || true
        wait "$hawk_pid" 2>/dev/null || true
    fi
    "$src/tests/pg.sh" stop "$pgdir" "$pgport" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT INT TERM

echo "bench: starting postgresql"
"$src/tests/pg.sh" start "$pgdir" "$pgport" >/dev/null
sock=$pgdir/sock
url="host=$sock port=$pgport dbname=postgres user=postgres"
psql_() { psql -X -q -A -t -v ON_ERROR_STOP=1 -h "$sock" -p "$pgport" -U postgres -d postgres "$@"; }

cat >"$work/hawk.cfg" <<CFG
server = { listen = "127.0.0.1:$port"; threads = $threads; };
data_dir = "$work/var";
log = { level = "warn"; };
database = { url = "$url"; pool_size = $((threads * 2)); };
CFG
"$hawk" serve -c "$work/hawk.cfg" >"$work/hawk.log" 2>&1 &
hawk_pid=$!
i=0
until curl -fs "http://127.0.0.1:$port/health/liveness" >/dev/null 2>&1; do
    i=$((i + 1))
    [ $i -lt 300 ] || { echo "bench: hawk did not start" >&2; tail -20 "$work/hawk.log" >&2; exit 1; }
    sleep 0.1
done

echo "bench: registering the benchmark user"
email=bench@example.test
pass="bench password 123"
curl -fs -H 'Content-Type: application/json' \
    -d "{\"email\":\"$email\",\"password\":\"$pass\"}" \
    "http://127.0.0.1:$port/api/v1/auth/register" >/dev/null

echo "bench: seeding 1000 users, 200000 jobs and applications"
psql_ <<'SQL'
INSERT INTO users (email, password_hash, created_at)
SELECT 'user' || g || '@example.test', (SELECT password_hash FROM users LIMIT 1),
       now() - interval '10 days'
FROM generate_series(2, 1000) g;
INSERT INTO jobs (board, external_id, title, company, location, workplace, description, url)
SELECT 'bench', g::text,
       (ARRAY['Backend Engineer','C Developer','Data Engineer','SRE','Rust Engineer'])[1 + g % 5] || ' ' || g,
       'Company ' || (g % 500), 'City ' || (g % 50),
       (ARRAY['any','onsite','remote','hybrid'])[1 + g % 4],
       'Description of job ' || g, 'https://jobs.example/' || g
FROM generate_series(1, 200000) g;
INSERT INTO user_jobs (user_id, job_id, search_term)
SELECT u.id, (u.rn - 1) * 200 + k, 'term ' || (k % 7)
FROM (SELECT id, row_number() OVER (ORDER BY id) AS rn FROM users) u,
     generate_series(1, 200) k;
INSERT INTO applications (user_id, job_id, status, search_term, company, title,
                          location, board, created_at, updated_at, applied_at)
SELECT uj.user_id, j.id,
       (ARRAY['queued','applied','failed','skipped','viewed','interviewing',
              'offered','rejected','accepted','withdrawn'])[1 + j.id % 10],
       uj.search_term, j.company, j.title, j.location, j.board,
       now() - (j.id % 60) * interval '1 day' - (j.id % 1440) * interval '1 minute',
       now() - (j.id % 60) * interval '1 day',
       CASE WHEN j.id % 10 <> 0 THEN now() - (j.id % 60) * interval '1 day' END
FROM user_jobs uj JOIN jobs j ON j.id = uj.job_id;
VACUUM ANALYZE;
SQL
echo "bench: $(psql_ -c 'SELECT count(*) FROM users') users, $(psql_ -c 'SELECT count(*) FROM applications') applications"

token=$(curl -fs -H 'Content-Type: application/json' \
    -d "{\"email\":\"$email\",\"password\":\"$pass\"}" \
    "http://127.0.0.1:$port/api/v1/auth/login" |
    sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p')
[ -n "$token" ] || { echo "bench: login failed" >&2; exit 1; }
curl -fs -H "Authorization: Bearer $token" \
    "http://127.0.0.1:$port/api/v1/job-applications" | head -c 300
echo

pm_pid=$(head -n 1 "$pgdir/data/postmaster.pid")
# CPU ticks (utime + stime) of one process.
ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
pg_ticks() {
    t=$(ticks "$pm_pid")
    for c in $(ps -o pid= --ppid "$pm_pid"); do
        t=$((t + $(ticks "$c")))
    done
    echo "$t"
}
hz=$(getconf CLK_TCK)

printf '\n%-28s %10s %9s %9s %9s %14s %14s\n' endpoint "req/s" p50 p90 p99 "hawk us/req" "pg us/req"
run() {
    name=$1
    path=$2
    h0=$(ticks "$hawk_pid")
    p0=$(pg_ticks)
    wrk -t2 -c64 -d"${secs}s" --latency -H "Authorization: Bearer $token" \
        "http://127.0.0.1:$port$path" >"$work/wrk.out" 2>&1
    h1=$(ticks "$hawk_pid")
    p1=$(pg_ticks)
    reqs=$(awk '/requests in/ {print $1}' "$work/wrk.out")
    rps=$(awk '/Requests\/sec/ {print $2}' "$work/wrk.out")
    p50=$(awk '$1 == "50%" {print $2}' "$work/wrk.out")
    p90=$(awk '$1 == "90%" {print $2}' "$work/wrk.out")
    p99=$(awk '$1 == "99%" {print $2}' "$work/wrk.out")
    non2xx=$(awk '/Non-2xx/ {print $NF}' "$work/wrk.out")
    hus=$(awk -v a="$h0" -v b="$h1" -v n="$reqs" -v hz="$hz" 'BEGIN {printf "%.1f", (b - a) * 1e6 / hz / (n ? n : 1)}')
    pus=$(awk -v a="$p0" -v b="$p1" -v n="$reqs" -v hz="$hz" 'BEGIN {printf "%.1f", (b - a) * 1e6 / hz / (n ? n : 1)}')
    printf '%-28s %10s %9s %9s %9s %14s %14s\n' "$name" "$rps" "$p50" "$p90" "$p99" "$hus" "$pus"
    [ -z "$non2xx" ] || echo "  warning: $non2xx non-2xx responses"
}
run "GET /health/liveness" /health/liveness
run "GET /job-applications p1" /api/v1/job-applications
run "GET /job-applications/stats" /api/v1/job-applications/stats
echo
echo "bench: wrk -t2 -c64 -d${secs}s, server.threads=$threads, $(nproc) cores"
