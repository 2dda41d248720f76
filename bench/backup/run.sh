#!/bin/sh
# bench/backup/run.sh - `hawk backup create` and `hawk backup restore`
# with S3, beside the pipelines an administrator would type by hand:
#     pg_dump -Fc -Z0 | zstd -3 | aws s3 cp - s3://bucket/key
#     aws s3 cp s3://bucket/key - | zstd -d | pg_restore --clean
#         --if-exists --single-transaction -d DB
#
# Starts a private PostgreSQL (tests/pg.sh: Unix socket only, fsync off)
# and the S3 peer of the tests (tests/peers/s3, checks SigV4), loads
# BENCH_BACKUP_MB (1024) MiB of rows (text that compresses like real
# application data: half repeated words, half random hex), then runs each
# BENCH_REPEAT (2) times, alternating, and prints the best wall time of
# each, MiB/s of database, the stored sizes, hawk's peak RSS, and hawk's
# time as a share of the hand pipeline's (each run also shows its CPU
# seconds); then the same for restoring the
# last backup of each into the same database (both replace everything in
# one transaction; hawk also checks the checksum first).  Both use zstd
# level 3 and 8 MiB multipart parts.
#
# Environment: HAWK_BUILD_DIR (default build), BENCH_BACKUP_MB,
# BENCH_REPEAT, BENCH_PG_PORT (55433).
set -eu

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${HAWK_BUILD_DIR:-$ROOT/build}
MB=${BENCH_BACKUP_MB:-1024}
REPEAT=${BENCH_REPEAT:-2}
PORT=${BENCH_PG_PORT:-55433}
HAWK=$BUILD/hawk

[ -x "$HAWK" ] && [ -f "$BUILD/plugins/s3backup.so" ] || {
    echo "run.sh: $HAWK or the s3backup plugin is missing; build first with 'make'" >&2
    exit 1
}
for p in zstd aws node /usr/bin/time; do
    command -v "$p" >/dev/null || {
        echo "run.sh: $p not found (scripts/install-deps.sh test)" >&2
        exit 1
    }
done
[ -d "$ROOT/tests/peers/s3/node_modules/@20minutes/s3rver" ] || {
    echo "run.sh: the S3 peer is not installed (scripts/install-deps.sh test)" >&2
    exit 1
}
BINDIR=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)

TMP=$(mktemp -d /tmp/hawk-bkbench.XXXXXX)
chmod 755 "$TMP"
PEER_PID=
cleanup() {
    [ -n "$PEER_PID" ] && kill "$PEER_PID" 2>/dev/null || true
    "$ROOT/tests/pg.sh" stop "$TMP/pg" "$PORT" >/dev/null 2>&1 || true
    rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

"$ROOT/tests/pg.sh" start "$TMP/pg" "$PORT" >/dev/null
URL="host=$TMP/pg/sock port=$PORT user=postgres dbname=postgres"
PSQL="$BINDIR/psql -X -q -v ON_ERROR_STOP=1 -d"

KEY=AKIDHAWKBENCH
SECRET=hawk-bench-secret-0123456789
BUCKET=bench
(cd "$ROOT/tests/peers/s3" &&
    NODE_OPTIONS=--openssl-legacy-provider exec node peer.js "$TMP/s3" "$BUCKET" "$KEY" "$SECRET") \
    >"$TMP/peer.out" 2>&1 &
PEER_PID=$!
i=0
while ! grep -q '^{"port"' "$TMP/peer.out" 2>/dev/null; do
    i=$((i + 1))
    [ $i -lt 300 ] || { cat "$TMP/peer.out" >&2; exit 1; }
    sleep 0.1
done
S3_PORT=$(sed -n 's/^{"port":\([0-9]*\)}$/\1/p' "$TMP/peer.out")
ENDPOINT=http://127.0.0.1:$S3_PORT

echo "backup benchmark: $(nproc) cores, $("$BINDIR/postgres" --version), fsync off, $MB MiB of rows"
# Rows of about 4 KiB: 2 KiB of words from a small vocabulary, 2 KiB of
# random hex (incompressible beyond its alphabet).
ROWS=$((MB * 256))
$PSQL "$URL" -c "CREATE TABLE bench (id bigint PRIMARY KEY, words text, noise text);
ALTER TABLE bench ALTER words SET STORAGE EXTERNAL, ALTER noise SET STORAGE EXTERNAL;
INSERT INTO bench SELECT g,
  left(repeat((ARRAY['applied ', 'interview ', 'offer ', 'resume ', 'cover letter ',
                'company ', 'position ', 'salary '])[1 + g % 8], 300), 2048),
  (SELECT string_agg(md5((g * 64 + k)::text), '') FROM generate_series(1, 64) k)
FROM generate_series(1, $ROWS) g;"
DB_BYTES=$($PSQL "$URL" -A -t -c "SELECT pg_database_size(current_database())")
echo "database: $DB_BYTES bytes"
echo

export AWS_ACCESS_KEY_ID=$KEY AWS_SECRET_ACCESS_KEY=$SECRET AWS_DEFAULT_REGION=us-east-1 \
    AWS_EC2_METADATA_DISABLED=true AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null

cat >"$TMP/hawk.cfg" <<EOF
data_dir = "$TMP/var";
database = { url = "$URL"; };
backup = { storage = "s3"; local = false; compression_level = 3; compression_threads = ${BENCH_ZSTD_THREADS:-0}; };
plugins = ( { name = "s3"; path = "s3backup.so"; options = {
    endpoint = "$ENDPOINT"; bucket = "$BUCKET"; prefix = "hawk/";
    access_key_id = "$KEY"; secret_access_key = "$SECRET"; part_size = "8MiB"; }; } );
EOF

# user + system seconds of a command and its children (the S3 peer's own
# work is outside both): on a busy machine wall times favour whichever
# side runs more threads, CPU time does not.
cpu() { awk -v u="$1" -v s="$2" 'BEGIN { printf "%.2f", u + s }'; }
# The smaller of two times, the second empty before the first run.
least() { awk -v a="$1" -v b="$2" 'BEGIN { print (b == "" || a < b) ? a : b }'; }

best_hand=
best_hawk=
rss=
for r in $(seq 1 "$REPEAT"); do
    /usr/bin/time -f "%e %U %S" -o "$TMP/t.hand" sh -c \
        "'$BINDIR/pg_dump' -d '$URL' -Fc -Z0 | zstd -3 -q -c | \
         aws --endpoint-url '$ENDPOINT' s3 cp --only-show-errors \
             --expected-size $DB_BYTES - 's3://$BUCKET/hand/run$r.dump.zst'"
    read -r t u sy <"$TMP/t.hand"
    echo "hand pipeline, run $r: $t s, CPU $(cpu "$u" "$sy") s"
    best_hand=$(least "$t" "$best_hand")

    HAWK_PLUGIN_PATH=$BUILD/plugins /usr/bin/time -f "%e %U %S %M" -o "$TMP/t.hawk" \
        "$HAWK" -c "$TMP/hawk.cfg" backup create --json >"$TMP/hawk.json"
    read -r t u sy kb <"$TMP/t.hawk"
    echo "hawk backup create, run $r: $t s, CPU $(cpu "$u" "$sy") s, peak RSS $((kb / 1024)) MiB"
    best_hawk=$(least "$t" "$best_hawk")
    if [ -z "$rss" ] || [ "$kb" -gt "$rss" ]; then rss=$kb; fi
    sleep 1 # the next backup gets a later name
done
HAWK_NAME=$(sed -n 's/.*"name":"\([^"]*\)".*/\1/p' "$TMP/hawk.json")

best_hand_r=
best_hawk_r=
rss_r=
for r in $(seq 1 "$REPEAT"); do
    /usr/bin/time -f "%e %U %S" -o "$TMP/t.hand" sh -c \
        "aws --endpoint-url '$ENDPOINT' s3 cp --only-show-errors \
             's3://$BUCKET/hand/run$REPEAT.dump.zst' - | zstd -d -q -c | \
         '$BINDIR/pg_restore' --clean --if-exists --single-transaction \
             --no-owner --no-acl -d '$URL'"
    read -r t u sy <"$TMP/t.hand"
    echo "hand restore, run $r: $t s, CPU $(cpu "$u" "$sy") s"
    best_hand_r=$(least "$t" "$best_hand_r")

    HAWK_PLUGIN_PATH=$BUILD/plugins /usr/bin/time -f "%e %U %S %M" -o "$TMP/t.hawk" \
        "$HAWK" -c "$TMP/hawk.cfg" backup restore "$HAWK_NAME" --yes --json >/dev/null
    read -r t u sy kb <"$TMP/t.hawk"
    echo "hawk backup restore, run $r: $t s, CPU $(cpu "$u" "$sy") s, peak RSS $((kb / 1024)) MiB"
    best_hawk_r=$(least "$t" "$best_hawk_r")
    if [ -z "$rss_r" ] || [ "$kb" -gt "$rss_r" ]; then rss_r=$kb; fi
done
ROWS_AFTER=$($PSQL "$URL" -A -t -c "SELECT count(*) FROM bench")
[ "$ROWS_AFTER" = "$ROWS" ] || {
    echo "run.sh: after the restores the table holds $ROWS_AFTER rows, not $ROWS" >&2
    exit 1
}

HAND_SIZE=$(aws --endpoint-url "$ENDPOINT" s3api head-object --bucket "$BUCKET" \
    --key hand/run1.dump.zst --query ContentLength --output text)
HAWK_SIZE=$(sed -n 's/.*"size":\([0-9]*\).*/\1/p' "$TMP/hawk.json")
echo
echo "== best of $REPEAT"
awk -v hand="$best_hand" -v hawk="$best_hawk" -v db="$DB_BYTES" -v hs="$HAND_SIZE" \
    -v ks="$HAWK_SIZE" -v rss="$rss" 'BEGIN {
    printf "hand pipeline:      %8.2f s  %7.1f MiB/s  stored %d bytes\n", hand, db / 1048576 / hand, hs
    printf "hawk backup create: %8.2f s  %7.1f MiB/s  stored %d bytes  peak RSS %d MiB\n", \
        hawk, db / 1048576 / hawk, ks, rss / 1024
    printf "hawk time / hand time: %.2f\n", hawk / hand
}'
awk -v hand="$best_hand_r" -v hawk="$best_hawk_r" -v db="$DB_BYTES" -v rss="$rss_r" 'BEGIN {
    printf "hand restore:        %8.2f s  %7.1f MiB/s\n", hand, db / 1048576 / hand
    printf "hawk backup restore: %8.2f s  %7.1f MiB/s  peak RSS %d MiB (largest of hawk and its children)\n", \
        hawk, db / 1048576 / hawk, rss / 1024
    printf "hawk restore time / hand restore time: %.2f\n", hawk / hand
}'
