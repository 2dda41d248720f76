#!/bin/sh
# scripts/check-source.sh [DIR] - fails on banned C functions in hawk's
# sources: unbounded string functions, ato* without error checks,
# shelling out, and raw allocation in the core (use the hk_* wrappers).
set -eu
root=${1:-$(dirname "$0")/..}
cd "$root"
status=0
banned='\b(sprintf|vsprintf|strcpy|strcat|strncpy|strncat|strtok|atoi|atol|atoll|gets|system|popen)[[:space:]]*\('
files=$(find core plugins tests/plugins -name '*.c' -o -name '*.h' | sort)
# shellcheck disable=SC2086
hits=$(grep -HnE "$banned" $files | grep -vE '^\S+:[0-9]+:\s*(/?\*|//)' || true)
if [ -n "$hits" ]; then
    echo "banned functions (use snprintf, hk_strlcpy, hk_parse_i64, fork+exec):"
    echo "$hits"
    status=1
fi
core_files=$(find core/src -name '*.c' ! -path 'core/src/util/alloc.c' | sort)
# shellcheck disable=SC2086
raw=$(grep -HnE '(^|[^_a-z])(malloc|calloc|realloc|free|strdup|strndup)[[:space:]]*\(' $core_files \
      | grep -vE '^\S+:[0-9]+:\s*(/?\*|//)' | grep -vE 'PQfreemem|json_object|hk_(try_)?(malloc|calloc|realloc|free|strdup|strndup)|\bfreeaddrinfo|curl_free|free_|_free\b|->free|\.free' || true)
if [ -n "$raw" ]; then
    echo "raw allocation in core (use hk_malloc/hk_calloc/hk_realloc/hk_free/hk_strdup):"
    echo "$raw"
    status=1
fi
[ $status = 0 ] && echo "source check passed: no banned functions"
exit $status
