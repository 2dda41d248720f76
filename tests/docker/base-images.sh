#!/bin/sh
# tests/docker/base-images.sh CACHE_DIR - makes the base images the
# Dockerfile starts from, debian:bookworm and debian:bookworm-slim, from
# Debian's own packages: no image registry is needed (or reachable).
#
#   debootstrap --variant=minbase bookworm  ->  docker import debian:bookworm
#   the same root without docs, man pages, locales and apt lists, and with
#   dpkg told to leave them out of later installs  ->  debian:bookworm-slim
#
# The root file system is kept in CACHE_DIR/rootfs-bookworm, so a second
# run only imports.  Needs root, debootstrap and a running Docker engine
# (DOCKER_HOST).  Images that exist already are left alone.
set -eu
cache=${1:?usage: base-images.sh CACHE_DIR}
docker=${DOCKER:-docker}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
root="$cache/rootfs-bookworm"

have() { $docker image inspect "$1" >/dev/null 2>&1; }
if have debian:bookworm && have debian:bookworm-slim; then
    echo "base-images: debian:bookworm and debian:bookworm-slim present"
    exit 0
fi
command -v debootstrap >/dev/null 2>&1 ||
    { echo "base-images: debootstrap not installed (apt-get install debootstrap)" >&2; exit 1; }
mkdir -p "$cache"
if [ ! -x "$root/usr/bin/apt-get" ]; then
    rm -rf "$root.tmp"
    echo "base-images: debootstrap --variant=minbase bookworm (a few minutes, once)"
    debootstrap --variant=minbase bookworm "$root.tmp" "$mirror" >"$cache/debootstrap.log" 2>&1 ||
        { tail -20 "$cache/debootstrap.log" >&2; exit 1; }
    mv "$root.tmp" "$root"
fi
# What Debian's own container images carry as well: apt sources with the
# updates and security suites, no apt lists or caches.
cat >"$root/etc/apt/sources.list" <<SOURCES
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb http://deb.debian.org/debian-security bookworm-security main
SOURCES
rm -rf "$root/var/lib/apt/lists/"* "$root/var/cache/apt/"*.bin "$root/var/cache/apt/archives/"*.deb \
    "$root/var/log/"*.log
import() { # DIR TAG
    tar --numeric-owner -C "$1" -c . | $docker import \
        --change 'CMD ["bash"]' --change 'ENV LANG=C.UTF-8' - "$2" >/dev/null
    echo "base-images: $2 $($docker image inspect --format '{{.Size}}' "$2") bytes"
}
have debian:bookworm || import "$root" debian:bookworm
if ! have debian:bookworm-slim; then
    slim="$cache/rootfs-bookworm-slim"
    rm -rf "$slim"
    cp -a "$root" "$slim"
    rm -rf "$slim/usr/share/doc/"* "$slim/usr/share/man/"* "$slim/usr/share/info/"* \
        "$slim/usr/share/locale/"* "$slim/usr/share/lintian" "$slim/var/cache/debconf/"*-old
    cat >"$slim/etc/dpkg/dpkg.cfg.d/slim" <<DPKG
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-exclude /usr/share/lintian/*
DPKG
    import "$slim" debian:bookworm-slim
    rm -rf "$slim"
fi
