#!/bin/sh
# bench/lua/run.sh [N] - workflow runs per second through the sandbox
# process pool beside the same script in-process and beside bare
# luaL_newstate + luaL_openlibs runs, one thread; then throughput with 1
# and 8 concurrent users and how far past its wall-clock limit a
# misbehaving run is stopped.  Uses $HAWK_BUILD_DIR (default build/),
# building the bench_lua and hawk-sandbox targets when missing.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
build=${HAWK_BUILD_DIR:-$src/build}
bin=$build/bench/lua/bench_lua
if [ ! -x "$bin" ] || [ ! -x "$build/hawk-sandbox" ]; then
    [ -f "$build/CMakeCache.txt" ] ||
        cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
    cmake --build "$build" -j1 --target bench_lua hawk-sandbox >/dev/null
fi
HAWK_LUA_SANDBOX=${HAWK_LUA_SANDBOX:-$build/hawk-sandbox} "$bin" "${1:-20000}"
