#!/bin/sh
# scripts/format.sh [--check] - formats hawk's C sources with the
# repository's .clang-format (clang-format 14, as Debian 12 ships it).
# With --check, changes nothing and fails listing the files that differ.
set -eu
cd "$(dirname "$0")/.."
cf=${CLANG_FORMAT:-clang-format}
if ! command -v "$cf" >/dev/null 2>&1; then
    echo "format: $cf not found (apt-get install clang-format)" >&2
    exit 2
fi
files=$(git ls-files 'core/*.[ch]' 'plugins/*.[ch]' 'tests/*.[ch]' \
        'bench/*.[ch]' 'examples/*.[ch]' 2>/dev/null || true)
[ -n "$files" ] || files=$(find core plugins tests bench -name '*.[ch]' | sort)
if [ "${1:-}" = --check ]; then
    bad=""
    for f in $files; do
        [ -f "$f" ] || continue
        if ! "$cf" --dry-run -Werror "$f" >/dev/null 2>&1; then
            bad="$bad $f"
        fi
    done
    if [ -n "$bad" ]; then
        echo "format: these files differ from .clang-format (run 'make format'):"
        for f in $bad; do echo "  $f"; done
        exit 1
    fi
    echo "format check passed"
    exit 0
fi
# shellcheck disable=SC2086
"$cf" -i $files
