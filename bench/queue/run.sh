#!/bin/sh
# bench/queue/run.sh - the job queue's throughput and latency beside
# pgbench running the same claim-and-complete SQL.
#
# Starts a private PostgreSQL (tests/pg.sh: Unix socket only, fsync off),
# then:
#   1. build/bench/queue/bench_queue: enqueue BENCH_JOBS (20000) no-op
#      jobs, drain them with 4 and with 16 workers (jobs/s, best of 3),
#      once with the default claim batch (queue.batch_size = 16) and once
#      with 50 jobs per round like the batched pgbench; and the
#      enqueue-to-start latency p50/p99 of 500 jobs enqueued one by one,
#      5 ms apart, into an idle pool;
#   2. pgbench on the same queue_jobs table and indexes, the claim and
#      completion statements the workers run (FOR UPDATE SKIP LOCKED, the
#      same ORDER BY), two ways: one job claimed and one completed per
#      transaction, and 50 claimed and 50 completed per transaction; and,
#      for reference, hawk's own queue_claim() function 50 per round;
#      each best of 3 runs;
# and prints hawk's best drain rate at batch 50 as a share of the batched
# pgbench rate.
#
# Environment: HAWK_BUILD_DIR (default build), BENCH_JOBS (20000),
# BENCH_PGBENCH_CLIENTS (4), BENCH_REPEAT (3).
set -eu

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${HAWK_BUILD_DIR:-$ROOT/build}
JOBS=${BENCH_JOBS:-20000}
REPEAT=${BENCH_REPEAT:-3}
CLIENTS=${BENCH_PGBENCH_CLIENTS:-4}
BENCH=$BUILD/bench/queue/bench_queue
PORT=${BENCH_PG_PORT:-55432}

[ -x "$BENCH" ] || {
    echo "run.sh: $BENCH is missing; build first with 'make'" >&2
    exit 1
}
BINDIR=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -x "$BINDIR/pgbench" ] || {
    echo "run.sh: pgbench not found (apt-get install postgresql)" >&2
    exit 1
}

TMP=$(mktemp -d /tmp/hawk-qbench.XXXXXX)
chmod 755 "$TMP"
cleanup() {
    "$ROOT/tests/pg.sh" stop "$TMP/pg" "$PORT" >/dev/null 2>&1 || true
    rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

"$ROOT/tests/pg.sh" start "$TMP/pg" "$PORT" >/dev/null
URL="host=$TMP/pg/sock port=$PORT user=postgres dbname=postgres"
PSQL="$BINDIR/psql -X -q -v ON_ERROR_STOP=1 -d"

echo "queue benchmark: $(nproc) cores, $("$BINDIR/postgres" --version), fsync off"
echo
echo "== hawk, default batch (50 per round, as the batched pgbench)"
"$BENCH" --db "$URL" --jobs "$JOBS" --batch 50 --workers 4,16 \
    --repeat "$REPEAT" --latency-jobs 500 | tee "$TMP/hawk.txt"
echo
echo "== hawk, smaller batches (16 per round)"
"$BENCH" --db "$URL" --jobs "$JOBS" --batch 16 --workers 4,16 \
    --repeat "$REPEAT" --latency-jobs 0

# pgbench: the same table (bench_queue migrated it) and statements.
cat >"$TMP/one.sql" <<'EOF'
BEGIN;
UPDATE queue_jobs SET state = 'done', finished_at = now(), worker = NULL,
  heartbeat_at = NULL, progress = 100
WHERE state = 'running' AND worker = 'pgbench-' || :client_id;
WITH c AS (
  SELECT id FROM queue_jobs
  WHERE state = 'queued' AND run_at <= now() AND queue = 'pgb'
  ORDER BY priority DESC, run_at, id
  LIMIT 1 FOR UPDATE SKIP LOCKED)
UPDATE queue_jobs j SET state = 'running', attempts = j.attempts + 1,
  started_at = now(), heartbeat_at = now(), worker = 'pgbench-' || :client_id
FROM c WHERE j.id = c.id;
COMMIT;
EOF
sed 's/LIMIT 1 FOR/LIMIT 50 FOR/' "$TMP/one.sql" >"$TMP/fifty.sql"
# the workers' own claim (queue_claim: claim lock, paused queues, user and
# queue limits) and completion, as the dispatcher sends them: two
# statements, each its own transaction
cat >"$TMP/hawksql.sql" <<'EOF'
UPDATE queue_jobs SET state = 'done', finished_at = now(), worker = NULL,
  heartbeat_at = NULL, progress = 100
WHERE state = 'running' AND worker = 'pgbench-' || :client_id;
SELECT count(*) FROM queue_claim('pgbench-' || :client_id,
  (extract(epoch FROM clock_timestamp()) * 1000)::bigint, NULL, 50, 50, 2,
  '{}', '{}');
EOF

seed() {
    $PSQL "$URL" -c "TRUNCATE queue_jobs" \
        -c "INSERT INTO queue_jobs (queue, kind, run_at, created_at)
            SELECT 'pgb', 'noop', now(), now() FROM generate_series(1, $1)" \
        -c "VACUUM ANALYZE queue_jobs"
}

pgb() { # script, transactions per client, jobs per transaction: best rate
    best=0
    for _ in $(seq "$REPEAT"); do
        seed $(( CLIENTS * $2 * $3 ))
        tps=$("$BINDIR/pgbench" -n -c "$CLIENTS" -j 2 -t "$2" -f "$1" "$URL" 2>&1 \
            | sed -n 's/^tps = \([0-9.]*\).*/\1/p' | head -n 1)
        best=$(echo "$tps $3 $best" | awk '{ r = $1 * $2; m = (r > $3) ? r : $3; printf "%.0f", m }')
    done
    echo "$best"
}

echo
echo "== pgbench, $CLIENTS clients, same claim + complete statements (best of $REPEAT)"
one=$(pgb "$TMP/one.sql" $(( JOBS / CLIENTS )) 1)
echo "one job per transaction:           $one jobs/s"
fifty=$(pgb "$TMP/fifty.sql" $(( JOBS / CLIENTS / 50 )) 50)
echo "50 claimed + 50 completed per tx:  $fifty jobs/s"
hawksql=$(pgb "$TMP/hawksql.sql" $(( JOBS / CLIENTS / 50 )) 50)
echo "hawk's queue_claim(), 50 per round: $hawksql jobs/s"

best=$(sed -n 's/^drain .*: \([0-9]*\) jobs\/s.*/\1/p' "$TMP/hawk.txt" | sort -n | tail -n 1)
echo
echo "hawk best drain at 50 per round: $best jobs/s = $(echo "$best $fifty" | awk '{ printf "%.0f", 100 * $1 / $2 }')% of batched pgbench, $(echo "$best $hawksql" | awk '{ printf "%.0f", 100 * $1 / $2 }')% of pgbench running hawk's own claim, $(echo "$best $one" | awk '{ printf "%.1f", $1 / $2 }')x one-per-transaction"
