#!/bin/sh
# bench/browser/run.sh [PAGES] [ROUNDS] - search parse throughput: cards
# per second through the linkedin plugin's parser (libxml2 in-process,
# every card normalized) beside `xmllint --html --xpath` selecting the
# same cards, one process per page as a script would run it, over the
# same saved search pages (tests/fixtures/linkedin/dump.py).  Best of
# ROUNDS for hawk, best of 3 for xmllint.  Uses $HAWK_BUILD_DIR (default
# build/), building bench_li_parse when missing.  Then the Easy Apply
# timings and Chromium's memory per session (bench/browser/apply.py,
# $BENCH_APPLICATIONS applications, default 6).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
build=${HAWK_BUILD_DIR:-$src/build}
bin=$build/bench/browser/bench_li_parse
pages=${1:-50}
rounds=${2:-20}
if [ ! -x "$bin" ]; then
    [ -f "$build/CMakeCache.txt" ] ||
        cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
    cmake --build "$build" -j1 --target bench_li_parse >/dev/null
fi
command -v xmllint >/dev/null || {
    echo "bench/browser: xmllint missing: install the Debian package libxml2-utils" >&2
    exit 1
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 -B "$src/tests/fixtures/linkedin/dump.py" "$tmp" "$pages"
sel=$src/etc/linkedin/selectors.json
files=$(ls "$tmp"/search-*.html)

hawk=$("$bin" "$sel" "$rounds" $files)
cards=$(echo "$hawk" | sed 's/.*cards=\([0-9]*\).*/\1/')
hawk_rate=$(echo "$hawk" | sed 's/.*cards_per_s=\([0-9]*\).*/\1/')

# The card selector as the selectors file writes it.
xp="//div[contains(concat(' ',normalize-space(@class),' '),' base-search-card ')]"
best=""
for r in 1 2 3; do
    t0=$(date +%s.%N)
    n=0
    for f in $files; do
        c=$(xmllint --html --xpath "count($xp)" "$f" 2>/dev/null || echo 0)
        n=$((n + c))
    done
    t1=$(date +%s.%N)
    dt=$(awk "BEGIN { print $t1 - $t0 }")
    if [ -z "$best" ] || [ "$(awk "BEGIN { print ($dt < $best) }")" = 1 ]; then best=$dt; fi
done
xml_rate=$(awk "BEGIN { printf \"%d\", $n / $best }")
echo "pages=$pages cards=$cards"
echo "hawk (libxml2 in-process, normalized):   $hawk_rate cards/s"
echo "xmllint --html --xpath (process a page): $xml_rate cards/s (counted $n)"
echo "ratio hawk/xmllint: $(awk "BEGIN { printf \"%.1f\", $hawk_rate / $xml_rate }")"
echo
python3 -B "$here/apply.py" "${BENCH_APPLICATIONS:-6}"
