#!/bin/sh
# scripts/check-source.sh [DIR] - fails on banned C functions in hawk's
# sources: unbounded string functions, ato* without error checks,
# shelling out, raw allocation in the core (use the hk_* wrappers), and
# includes that point up the module layers.
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

# Include direction.  Each folder of core/src may include its own headers,
# the SDK (hawk/) and the folders of lower layers:
#   util < log < db, config < plugin, http < domain modules < app < main.c
# Domain modules may also include the domain modules listed before them
# in `domain` (so they never form a cycle).  app/ is the composition root:
# the only code that knows every module; only app/ and main.c include
# app/*.h.  A new folder needs a line here.
domain='queue sched mail backup browser web auth platform billing admin llm apply lua health'
# Files that still receive the whole process context (struct hk_app)
# instead of their module's own dependencies; this list only shrinks
# (docs/architecture.md, "What is left").
app_pending='
core/src/apply/submit.c
core/src/llm/answers.c
core/src/llm/cli.c
core/src/llm/cover_letter.c
core/src/llm/init.c
core/src/llm/llm.c
core/src/llm/routes.c
core/src/llm/routes_answers.c
core/src/llm/score.c
core/src/llm/tailor.c
core/src/llm/tasks.c
core/src/lua/cli.c
core/src/lua/host.c
core/src/lua/host_jobs.c
core/src/lua/job.c
core/src/lua/llm_bridge.c
core/src/lua/routes.c
core/src/queue/cli.c
core/src/queue/complete.c
core/src/queue/dispatch.c
core/src/queue/jobctx.c
core/src/queue/kinds.c
core/src/queue/routes.c
core/src/queue/worker.c
core/src/queue/workers_cfg.c
'
layer_of() {
    case $1 in
    hawk) echo -1 ;;
    util) echo 0 ;;
    log) echo 1 ;;
    db | config) echo 2 ;;
    plugin | http) echo 3 ;;
    app) echo 100 ;;
    main) echo 101 ;;
    *)
        i=10
        for d in $domain; do
            if [ "$d" = "$1" ]; then
                echo $i
                return
            fi
            i=$((i + 1))
        done
        echo unknown
        ;;
    esac
}
layer_bad=$(
    find core/src -name '*.c' -o -name '*.h' | sort | while read -r f; do
        rel=${f#core/src/}
        case $rel in
        */*) from=${rel%%/*} ;;
        *) from=main ;;
        esac
        lf=$(layer_of "$from")
        if [ "$lf" = unknown ]; then
            echo "$f: folder '$from' has no layer (add it to scripts/check-source.sh)"
            continue
        fi
        sed -n 's/^#[[:space:]]*include[[:space:]]*"\([a-z_]*\)\/.*/\1/p' "$f" | sort -u |
            while read -r to; do
                [ "$to" = "$from" ] && continue
                lt=$(layer_of "$to")
                if [ "$to" = app ] && printf '%s\n' "$app_pending" | grep -qx "$f"; then
                    continue
                fi
                if [ "$lt" = unknown ] || [ "$lt" -ge "$lf" ]; then
                    echo "$f: $from/ may not include $to/ (layers: util < log < db, config < plugin, http < $domain < app)"
                fi
            done
    done
)
if [ -n "$layer_bad" ]; then
    echo "include direction broken (see docs/architecture.md):"
    echo "$layer_bad"
    status=1
fi
stale=$(printf '%s\n' "$app_pending" | while read -r f; do
    [ -z "$f" ] && continue
    if [ ! -f "$f" ] || ! grep -q '#include "app/' "$f"; then
        echo "$f"
    fi
done)
if [ -n "$stale" ]; then
    echo "no longer includes app/ (drop it from app_pending in scripts/check-source.sh):"
    echo "$stale"
    status=1
fi
# Configuration is read through the typed struct hk_settings (config/
# settings.h), never by string key outside config/: a mistyped member is
# a build error, a mistyped string only fails when its path runs.
# hk_cfg_origin() (where a value came from, for messages) is allowed.
cfg_pending='core/src/llm/init.c'
# shellcheck disable=SC2086
cfg_reads=$(grep -HnE 'hk_cfg_(int|str|bool|double|list_len|list_item|setting)[[:space:]]*\(' \
    $(find core/src -name '*.c' ! -path 'core/src/config/*' | sort) |
    grep -vE '^\S+:[0-9]+:\s*(/?\*|//)' | grep -v "^$cfg_pending:" || true)
if [ -n "$cfg_reads" ]; then
    echo "config read by string key (use cfg->settings.<section>.<member>, config/settings.h):"
    echo "$cfg_reads"
    status=1
fi
[ $status = 0 ] && echo "source check passed: no banned functions, includes point down"
exit $status
