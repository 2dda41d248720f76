#!/bin/sh
# tests/docs_plugin_example.sh CC HAWK SRC - the example plugin of
# docs/plugins.md, pasted as it stands: it builds with the documented
# command line against the tree's header, `hawk plugins list` shows it
# loaded, and `hawk llm chat` through it answers with the prompt.
set -eu
cc=$1 hawk=$2 src=$3
dir=$(mktemp -d /tmp/hawk-docs-plugin-XXXXXX)
trap 'rm -rf "$dir"' EXIT
chmod 700 "$dir"
awk '/^```c$/ { on = 1; next } /^```$/ { if (on) exit } on' \
    "$src/docs/plugins.md" >"$dir/echo.c"
"$cc" -std=c11 -Wall -Wextra -Werror -shared -fPIC -fvisibility=hidden \
    -Wl,--no-undefined -I"$src/core/include" -o "$dir/echo.so" "$dir/echo.c"
printf 'plugins = ( { name = "echo"; path = "%s/echo.so"; enabled = true; } );\n' \
    "$dir" >"$dir/hawk.cfg"
list=$("$hawk" -c "$dir/hawk.cfg" plugins list)
echo "$list"
echo "$list" | grep -q '^echo  *llm  *1\.0\.0 .* loaded$'
out=$("$hawk" -c "$dir/hawk.cfg" llm chat --prompt "hi there" --plugin echo 2>/dev/null)
echo "$out"
[ "$out" = "hi there" ]
