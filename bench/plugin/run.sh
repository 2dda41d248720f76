#!/bin/sh
# bench/plugin/run.sh [N] - the cost of calling a plugin op through
# plugin/calls.h beside calling its ops table pointer directly, for a
# thread-safe LLM fixture and a locked job board fixture.  Uses
# $HAWK_BUILD_DIR (default build/), building what is missing.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
build=${HAWK_BUILD_DIR:-$src/build}
bin=$build/bench/plugin/bench_plugin
fx=$build/tests/plugins
if [ ! -x "$bin" ] || [ ! -f "$fx/abi10_llm.so" ] || [ ! -f "$fx/abi10_board.so" ]; then
    [ -f "$build/CMakeCache.txt" ] ||
        cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
    cmake --build "$build" -j1 --target bench_plugin testplugin_abi10_llm \
        testplugin_abi10_board >/dev/null
fi
"$bin" "$fx" "${1:-200000}"
