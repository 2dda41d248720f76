#!/bin/sh
# tests/fuzz/run.sh [SECONDS] - builds the libFuzzer targets with clang
# (-fsanitize=fuzzer,address,undefined) and runs each for SECONDS (default
# 10).  Longer runs: tests/fuzz/run.sh 600.  Build output goes to
# $HAWK_BUILD_DIR/fuzz (default build/fuzz); crashes are written there
# as crash-* files and make the script fail.
set -eu
secs=${1:-10}
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
out=${HAWK_BUILD_DIR:-$src/build}/fuzz
cc=${CLANG:-$(command -v clang || command -v clang-14 || true)}
if [ -z "$cc" ]; then
    echo "fuzz: clang not found (scripts/install-deps.sh test installs it)" >&2
    exit 1
fi
mkdir -p "$out"
flags="-g -O1 -std=c11 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined
-fno-sanitize-recover=undefined -I$src/core/include -I$src/core/src
$(pkg-config --cflags json-c yaml-0.1 libpq)"
libs="$(pkg-config --libs json-c yaml-0.1)"
util="$src/core/src/util/alloc.c $src/core/src/util/str.c $src/core/src/util/buf.c
$src/core/src/util/err.c $src/core/src/util/json_check.c"
pf="$src/core/src/platform"

build() {
    name=$1
    shift
    # shellcheck disable=SC2086
    "$cc" $flags -o "$out/$name" "$here/$name.c" "$@" $util $libs
}
build fuzz_multipart "$src/core/src/http/multipart.c" "$pf/resumes/filetype.c"
build fuzz_json_validate "$pf/resumes/schema.c" "$pf/resumes/import.c" \
    "$pf/jobconfigs/filters.c" "$pf/jobconfigs/schema.c"

status=0
for t in fuzz_multipart fuzz_json_validate; do
    corpus="$out/corpus-$t"
    mkdir -p "$corpus"
    seeds="$here/corpus/${t#fuzz_}"
    echo "fuzz: $t for ${secs}s"
    if ! (cd "$out" && ASAN_OPTIONS=detect_leaks=1 "./$t" \
            -max_total_time="$secs" -max_len=65536 -timeout=10 \
            -print_final_stats=1 "$corpus" "$seeds" >"$out/$t.log" 2>&1); then
        echo "fuzz: $t FAILED; see $out/$t.log" >&2
        tail -n 40 "$out/$t.log" >&2
        status=1
    else
        grep -E "stat::number_of_executed_units|Done" "$out/$t.log" | tail -n 2
    fi
done
[ "$status" = 0 ] && echo "fuzz: 2 passed, 0 failed"
exit $status
