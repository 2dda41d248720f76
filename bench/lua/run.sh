#!/bin/sh
# bench/lua/run.sh [N] - sandboxed workflow runs per second beside bare
# luaL_newstate + luaL_openlibs runs of the same script, one thread.
# Uses $HAWK_BUILD_DIR/bench/lua/bench_lua (target bench_lua) when it
# exists, else builds the program with -O2 from the sources it needs.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
bin=${HAWK_BUILD_DIR:-$src/build}/bench/lua/bench_lua
if [ ! -x "$bin" ]; then
    bin=${TMPDIR:-/tmp}/hawk-bench-lua-$$
    trap 'rm -f "$bin"' EXIT
    cd "$src"
    cc -std=c11 -O2 -D_GNU_SOURCE -Icore/include -Icore/src \
       $(pkg-config --cflags lua5.4 json-c) \
       -o "$bin" bench/lua/bench_lua.c \
       core/src/lua/sandbox.c core/src/lua/sandbox_co.c core/src/lua/pattern.c \
       core/src/lua/runner.c core/src/lua/ljson.c core/src/lua/api.c \
       core/src/lua/api_jobs.c core/src/lua/api_llm.c core/src/lua/limits.c \
       core/src/util/alloc.c core/src/util/buf.c core/src/util/str.c \
       core/src/util/time.c core/src/log/log.c \
       $(pkg-config --libs lua5.4 json-c) -lm -lpthread
fi
"$bin" "${1:-20000}"
