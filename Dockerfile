# hawk's container image.  Three stages:
#   build    Debian 12 with the -dev packages: a Release build (hardening
#            flags from cmake/HawkWarnings.cmake: -fstack-protector-strong,
#            _FORTIFY_SOURCE=2, full RELRO, PIE), installed into /out with
#            PREFIX=/usr; the unit tests run too with --build-arg TESTS=1
#   slim     Debian 12 slim + the runtime libraries: the API, scheduler and
#            workers, without the browser (`docker build --target slim`)
#   runtime  slim + Chromium and chromedriver (browser service, PDFs) and
#            postgresql-client (backups): the default target
#
#   docker build --network host -t hawk .
#   docker run --network host -e HAWK_DATABASE_URL=postgresql://... \
#              -e HAWK_JWT_SECRET=... hawk
#
# Every address and secret comes from the environment (.env.example lists
# them); the image's config is etc/docker/hawk.cfg.  The root file system
# may be read-only: hawk writes only below /var/lib/hawk (a volume).
ARG BASE=debian:bookworm
ARG SLIM_BASE=debian:bookworm-slim

FROM ${BASE} AS build
ARG TESTS=0
ARG JOBS=2
ENV DEBIAN_FRONTEND=noninteractive
# The build packages are the ones scripts/install-deps.sh installs.
COPY scripts/install-deps.sh /tmp/install-deps.sh
RUN apt-get update -q \
 && apt-get install -y -q --no-install-recommends \
      $(sh /tmp/install-deps.sh --print build) libc6-dev ca-certificates nodejs npm \
 && if [ "$TESTS" = 1 ]; then \
      apt-get install -y -q --no-install-recommends libcmocka-dev python3; fi \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# The web pages' tools first: this layer stays cached until the lock
# file changes.
COPY web/package.json web/package-lock.json web/
# A network that reaches the npm registry through a TLS-inspecting proxy
# needs that proxy's CA: --build-arg EXTRA_CA_CERTS="$(cat the.crt)".
# Certificates are public; the build stage is not part of the image.
ARG EXTRA_CA_CERTS=""
RUN if [ -n "$EXTRA_CA_CERTS" ]; then \
      printf '%s\n' "$EXTRA_CA_CERTS" > /etc/ssl/extra-ca.pem; \
      export NODE_EXTRA_CA_CERTS=/etc/ssl/extra-ca.pem; fi \
 && npm ci --prefix web --no-audit --no-fund --loglevel=error
COPY . .
RUN testing=OFF; [ "$TESTS" = 1 ] && testing=ON; \
    cmake -S . -B /build -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=/usr \
          -DCMAKE_INSTALL_LIBDIR=lib -DBUILD_TESTING=$testing -DHAWK_BENCH=OFF \
 && cmake --build /build -j "$JOBS" \
 && if [ "$TESTS" = 1 ]; then cd /build && ctest -L unit --output-on-failure; fi \
 && DESTDIR=/out cmake --install /build > /dev/null \
 && rm -rf /out/usr/include /out/usr/lib/pkgconfig /out/usr/share/doc \
 && strip --strip-unneeded /out/usr/bin/hawk /out/usr/bin/hawk-sandbox /out/usr/lib/hawk/plugins/*.so

FROM ${SLIM_BASE} AS slim
ARG VERSION=0.1.0
ARG REVISION=unknown
ARG CREATED=unknown
LABEL org.opencontainers.image.title="hawk" \
      org.opencontainers.image.description="Job-application platform: API, scheduler and workers in one small C binary" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.base.name="debian:bookworm-slim"
ENV DEBIAN_FRONTEND=noninteractive
# The shared libraries of the -dev packages in scripts/install-deps.sh
# (tests/integration/test_deploy_docker.py runs ldd on every binary and
# plugin, so a library added there and not here fails the test).
RUN apt-get update -q \
 && apt-get install -y -q --no-install-recommends \
      libmicrohttpd12 libpq5 libcurl4 libjson-c5 libconfig9 liblua5.4-0 \
      libargon2-1 libssl3 libyaml-0-2 libzstd1 libsodium23 libxml2 \
      libseccomp2 libexttextcat-2.0-0 ca-certificates tzdata curl \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/log/*.log \
 && useradd --system --uid 10001 --user-group --home-dir /var/lib/hawk \
            --no-create-home --shell /usr/sbin/nologin hawk \
 && install -d -o hawk -g hawk -m 0711 /var/lib/hawk
COPY --from=build /out/ /
COPY etc/docker/hawk.cfg /etc/hawk/hawk.cfg
ENV HAWK_CONFIG=/etc/hawk/hawk.cfg \
    HAWK_DATA_DIR=/var/lib/hawk
USER hawk
WORKDIR /var/lib/hawk
VOLUME ["/var/lib/hawk"]
EXPOSE 8080
# hawk finishes requests and jobs within its graces on SIGTERM, then
# exits 0; give `docker stop -t` more than queue.shutdown_grace.
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
    CMD curl -fsS -o /dev/null "http://${HAWK_HEALTH_ADDR:-127.0.0.1:8080}/health/liveness" || exit 1
ENTRYPOINT ["/usr/bin/hawk"]
CMD ["serve"]

FROM slim AS runtime
USER root
RUN apt-get update -q \
 && apt-get install -y -q --no-install-recommends \
      chromium chromium-driver postgresql-client fonts-liberation \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/log/*.log
USER hawk
