#!/bin/sh
# bench/llm/run.sh [BUILD_DIR] - 1,000 job scoring calls through hawk with 8
# workers against the local OpenAI peer (replying at once), beside a bare
# libcurl loop sending the same request body, in the same run.  Prints the
# calls/s of both and hawk's added latency per call.
#   CALLS=1000 WORKERS=8 ROUNDS=2 bench/llm/run.sh build
set -eu
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
build=$(cd "${1:-$src/build}" && pwd)
calls=${CALLS:-1000}
workers=${WORKERS:-8}
rounds=${ROUNDS:-2}
py=/usr/bin/python3
[ -x "$py" ] || py=python3
bench_llm=$build/bench/llm/bench_llm
bare_curl=$build/bench/llm/bare_curl
for f in "$bench_llm" "$bare_curl" "$build/plugins/openai.so"; do
    [ -x "$f" ] || [ -f "$f" ] || { echo "run.sh: $f missing: build hawk first (make build)" >&2; exit 1; }
done

tmp=$(mktemp -d /tmp/hawk-bench-llm-XXXXXX)
peer_pid=
cleanup() {
    [ -n "$peer_pid" ] && kill "$peer_pid" 2>/dev/null || true
    rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

key=sk-bench-0123456789abcdef
"$py" "$src/tests/peers/openai_peer.py" --port 0 --api-key "$key" >"$tmp/peer.out" 2>&1 &
peer_pid=$!
for _ in $(seq 50); do
    grep -q listening "$tmp/peer.out" 2>/dev/null && break
    sleep 0.1
done
port=$(sed -n 's/.*127.0.0.1:\([0-9]*\).*/\1/p' "$tmp/peer.out")
[ -n "$port" ] || { cat "$tmp/peer.out" >&2; exit 1; }
url=http://127.0.0.1:$port/v1

cat >"$tmp/hawk.cfg" <<CFG
data_dir = "$tmp/var";
log = { level = "info"; };
plugins = ( { name = "openai"; path = "openai.so"; options = {
    api_key = "$key"; base_url = "$url";
    prices = ["gpt-4o-mini:0.15:0.60"]; }; } );
CFG
export HAWK_PLUGIN_PATH="$build/plugins"

# One call through hawk records the exact body the bare loop will send.
"$bench_llm" "$tmp/hawk.cfg" 1 1 >/dev/null
curl -s "http://127.0.0.1:$port/__control/requests" |
    "$py" -c 'import json,sys; print(json.dumps(json.load(sys.stdin)["requests"][-1]["body"], separators=(",", ":")), end="")' \
    >"$tmp/body.json"
curl -s -d '{"log": false}' "http://127.0.0.1:$port/__control/config" >/dev/null
curl -s -X POST "http://127.0.0.1:$port/__control/reset" >/dev/null

: >"$tmp/results"
i=0
while [ "$i" -lt "$rounds" ]; do
    "$bare_curl" "$url/chat/completions" "$key" "$tmp/body.json" "$workers" "$calls" | tee -a "$tmp/results"
    "$bench_llm" "$tmp/hawk.cfg" "$workers" "$calls" | tee -a "$tmp/results"
    i=$((i + 1))
done

"$py" - "$tmp/results" "$calls" "$workers" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
def best(name):
    rs = [r for r in rows if r["name"] == name]
    return max(rs, key=lambda r: r["calls_per_s"])
bare, hawk = best("bare libcurl"), best("hawk scoring")
added = hawk["mean_ms"] - bare["mean_ms"]
print()
print("llm scoring, %s calls, %s workers, best of %d rounds" % (sys.argv[2], sys.argv[3], len(rows) // 2))
print("%-14s %10s %10s %10s %10s" % ("", "calls/s", "mean ms", "p50 ms", "p99 ms"))
for r in (bare, hawk):
    print("%-14s %10.1f %10.3f %10.3f %10.3f" % (r["name"], r["calls_per_s"], r["mean_ms"], r["p50_ms"], r["p99_ms"]))
print("added latency inside hawk: %.3f ms per call (%.1f%% of the bare loop's %.3f ms)"
      % (added, 100.0 * added / bare["mean_ms"], bare["mean_ms"]))
if bare["failures"] or hawk["failures"]:
    sys.exit("failures: bare %d, hawk %d" % (bare["failures"], hawk["failures"]))
PY
