#!/bin/sh
# bench/run-all.sh - runs every benchmark in turn (each prints its numbers
# beside its reference run).  Needs `make` first.  Not a test: numbers on
# a shared machine are noisy; read the ratios, not the absolute figures.
set -u
here=$(cd "$(dirname "$0")" && pwd)
status=0
for b in http queue lua llm plugin platform backup browser deploy billing; do
    if [ -x "$here/$b/run.sh" ]; then
        echo "=== bench/$b ==="
        "$here/$b/run.sh" || status=1
        echo
    fi
done
exit $status
