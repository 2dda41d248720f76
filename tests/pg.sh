#!/bin/sh
# tests/pg.sh start|resume|stop|kill DIR [PORT] - a private PostgreSQL cluster for tests.
# Listens only on a Unix socket in DIR/sock (no TCP).  When run as root the
# cluster runs as the 'postgres' system user (PostgreSQL refuses root).
set -eu
cmd=$1
dir=$2
port=${3:-5432}
bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$bindir" ] || { echo "pg.sh: PostgreSQL server binaries not found (apt-get install postgresql)" >&2; exit 1; }
# From "/": the tools change back to the working directory they started
# in, and the postgres user cannot enter a checkout under /root (the
# "could not change directory ... Permission denied" noise).
as_pg() {
    if [ "$(id -u)" = 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}
case "$cmd" in
start)
    if [ -f "$dir/data/postmaster.pid" ]; then
        as_pg "$bindir/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
    mkdir -p "$dir/sock"
    chmod 0755 "$dir"
    [ "$(id -u)" = 0 ] && chown -R postgres:postgres "$dir"
    as_pg "$bindir/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --no-locale >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; exit 1; }
    as_pg "$bindir/pg_ctl" -D "$dir/data" -l "$dir/pg.log" -w -t 30 \
        -o "-c listen_addresses='' -k $dir/sock -p $port -c fsync=off -c max_connections=200" start >/dev/null \
        || { cat "$dir/pg.log" >&2; exit 1; }
    echo "postgres ready: host=$dir/sock port=$port"
    ;;
resume)
    # start an existing cluster again (after stop), keeping its data
    as_pg "$bindir/pg_ctl" -D "$dir/data" -l "$dir/pg.log" -w -t 30 \
        -o "-c listen_addresses='' -k $dir/sock -p $port -c fsync=off -c max_connections=200" start >/dev/null \
        || { cat "$dir/pg.log" >&2; exit 1; }
    ;;
kill)
    # simulate a crash: SIGKILL the postmaster
    if [ -f "$dir/data/postmaster.pid" ]; then
        kill -9 "$(head -n 1 "$dir/data/postmaster.pid")" 2>/dev/null || true
        sleep 0.5
    fi
    ;;
stop)
    if [ -d "$dir/data" ]; then
        as_pg "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    fi
    ;;
*)
    echo "usage: $0 start|resume|stop|kill DIR [PORT]" >&2
    exit 2
    ;;
esac
