#!/bin/sh
# scripts/install-deps.sh [runtime|test] - installs the Debian packages hawk
# needs, only those missing (fast when everything is present).  Idempotent.
# scripts/install-deps.sh --print build - prints the build packages only
# (the Dockerfile's build stage installs those).
set -eu
mode=${1:-runtime}

build_pkgs="cmake make gcc pkg-config libmicrohttpd-dev libpq-dev libcurl4-openssl-dev
libjson-c-dev libconfig-dev liblua5.4-dev libargon2-dev libssl-dev libyaml-dev
libzstd-dev libsodium-dev libseccomp-dev"
runtime_pkgs="postgresql ca-certificates tzdata"
test_pkgs="libcmocka-dev python3 nginx wrk procps binutils clang postgresql-client clang-format"
# fuzz_smoke links libFuzzer (libclang_rt.fuzzer-x86_64.a), which clang
# only recommends: --no-install-recommends leaves it out.
test_pkgs="$test_pkgs libclang-rt-14-dev"
# systemd-analyze verify checks the units under etc/systemd
test_pkgs="$test_pkgs systemd"
# SMTP sink for the mail tests
test_pkgs="$test_pkgs python3-aiosmtpd"
# The browser service (Easy Apply, PDFs) and the linkedin plugin's parser;
# xmllint is the reference of bench/browser.
build_pkgs="$build_pkgs libxml2-dev"
runtime_pkgs="$runtime_pkgs chromium chromium-driver"
test_pkgs="$test_pkgs libxml2-utils"
# Language detection of postings and cover letters (n-gram models).
build_pkgs="$build_pkgs libexttextcat-dev"
runtime_pkgs="$runtime_pkgs libexttextcat-2.0-0 libexttextcat-data"
# S3 client and zstd for the backup tests
test_pkgs="$test_pkgs awscli zstd"
# The image tests: a Docker engine, base images made with debootstrap,
# `docker-compose config`, and promtool for the /metrics format
test_pkgs="$test_pkgs docker.io debootstrap docker-compose prometheus"

if [ "$mode" = --print ]; then
    [ "${2:-}" = build ] || { echo "usage: install-deps.sh --print build" >&2; exit 2; }
    echo $build_pkgs
    exit 0
fi

pkgs="$build_pkgs $runtime_pkgs"
[ "$mode" = test ] && pkgs="$pkgs $test_pkgs"

# Node.js and npm (the web pages' build, the OpenAPI linter) only when no
# npm is on PATH: a machine may carry its own Node.js build, which
# Debian's npm conflicts with.
if ! command -v npm >/dev/null 2>&1; then
    pkgs="$pkgs nodejs npm"
fi
# The browser tests drive Debian's Chromium (never a downloaded browser).
[ "$mode" = test ] && pkgs="$pkgs chromium"

missing=""
for p in $pkgs; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
        missing="$missing $p"
    fi
done

if [ -n "$missing" ]; then
    echo "install-deps: installing:$missing"
    SUDO=""
    [ "$(id -u)" = 0 ] || SUDO=sudo
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -q
    # shellcheck disable=SC2086
    $SUDO apt-get install -y -q --no-install-recommends $missing
else
    echo "install-deps: all $mode packages present"
fi

# Node tools for the tests (the OpenAPI linter), pinned by
# tests/package-lock.json to versions whose declared engines accept Debian
# 12's Node 18.20 and npm 9.2 (no EBADENGINE): @redocly/cli 1.27.2 (from
# 1.28 on it wants npm >= 9.5), and tests/package.json overrides cheerio,
# which it pulls in, to 1.0.0 (1.2 wants node >= 20.18).
# Runs again when the lock file is newer than the installed tree (a tool
# was added or bumped since the last install).
tests_dir="$(dirname "$0")/../tests"
if [ "$mode" = test ] && { [ ! -x "$tests_dir/node_modules/.bin/redocly" ] ||
    [ "$tests_dir/package-lock.json" -nt "$tests_dir/node_modules/.package-lock.json" ]; }; then
    echo "install-deps: npm ci --prefix tests"
    npm ci --prefix "$(dirname "$0")/../tests" --no-audit --no-fund
fi

# The web pages' build tools (web/package-lock.json) and, for the tests,
# the browser-test tools (tests/e2e/package-lock.json); again only when the
# lock file changed since the last install.
npm_ci() {
    dir="$(dirname "$0")/../$1"
    if [ ! -f "$dir/node_modules/.package-lock.json" ] ||
       [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
        echo "install-deps: npm ci --prefix $1"
        npm ci --prefix "$dir" --no-audit --no-fund
    fi
}
npm_ci web
[ "$mode" = test ] && npm_ci tests/e2e

# The S3 peer of the backup tests (@20minutes/s3rver, which checks SigV4),
# pinned by tests/peers/s3/package-lock.json, in its own directory.  That
# one package declares node >= 20, yet runs on Debian's Node 18.20 (checked:
# signed PUT/GET/HEAD, multipart, paged listing, wrong-secret 403), and it
# is the maintained S3 server that checks SigV4.  Its one dependency that
# wants node >= 20 (commander, used only by its CLI, which the peer never
# loads) is overridden in tests/peers/s3/package.json.  So npm's engine
# notice for exactly @20minutes/s3rver is dropped; every other line, an
# engine notice for any other package included, is shown.
# Again only when the lock file changed since the last install.
s3_dir="$(dirname "$0")/../tests/peers/s3"
if [ "$mode" = test ] && { [ ! -f "$s3_dir/node_modules/.package-lock.json" ] ||
    [ "$s3_dir/package-lock.json" -nt "$s3_dir/node_modules/.package-lock.json" ]; }; then
    echo "install-deps: npm ci --prefix tests/peers/s3"
    s3log=$(mktemp)
    if ! npm ci --prefix "$s3_dir" --no-audit --no-fund >"$s3log" 2>&1; then
        cat "$s3log" >&2
        rm -f "$s3log"
        exit 1
    fi
    awk '/EBADENGINE Unsupported engine/ { blk = $0 "\n"; inblk = 1; next }
         inblk { blk = blk $0 "\n"
                 if ($0 ~ /EBADENGINE }/) { inblk = 0
                     if (blk !~ /package: .@20minutes\/s3rver@/) printf "%s", blk }
                 next }
         { print }
         END { if (inblk) printf "%s", blk }' "$s3log" >&2
    rm -f "$s3log"
fi
exit 0
