/*
 * bench/http/hk_http_only.c - hawk's HTTP layer without the rest of hawk:
 * the real server, router, request ids and request log, with two routes
 * answering a fixed body.  Separates the cost of the HTTP layer from that
 * of the handlers and the database when comparing with bare_mhd.
 *
 *   hk_http_only PORT THREADS BODY
 *
 * GET /health/liveness   quiet route (request log at debug)
 * GET /api/v1/ping       logged route (one info line per request)
 * Logs go to stdout.  Stops on SIGINT or SIGTERM, draining for 2 s.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "hawk/plugin.h"
#include "http/http.h"
#include "log/log.h"
#include "util/str.h"

static const char *g_body;
static size_t g_len;

static void h_body(struct hk_req *req, struct hk_resp *resp)
{
    (void)req;
    hk_resp_bytes(resp, 200, "application/json", g_body, g_len);
}

static int no_auth(void *ctx, const char *authorization, int64_t *user_id,
                   bool *is_admin, const char **reason)
{
    (void)ctx;
    (void)authorization;
    (void)user_id;
    (void)is_admin;
    *reason = "no accounts in this benchmark server";
    return HAWK_EAUTH;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: hk_http_only PORT THREADS BODY\n");
        return 2;
    }
    int64_t port, threads;
    if (hk_parse_i64(argv[1], 1, 65535, &port) < 0 ||
        hk_parse_i64(argv[2], 1, 256, &threads) < 0) {
        fprintf(stderr, "hk_http_only: invalid port or thread count\n");
        return 2;
    }
    g_body = argv[3];
    g_len = strlen(g_body);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    struct hk_log_opts lo = {.level = HAWK_LOG_INFO, .to_stdout = true};
    hk_log_init(&lo);
    struct hk_router *r = hk_router_new();
    if (hk_router_add(r, "GET", "/health/liveness", h_body, HK_ROUTE_QUIET) <
            0 ||
        hk_router_add(r, "GET", "/api/v1/ping", h_body, 0) < 0) {
        hk_router_free(r);
        return 1;
    }
    struct hk_http_opts o = {
        .host = "127.0.0.1",
        .port = (int)port,
        .threads = (int)threads,
        .grace_ms = 2000,
        .auth = no_auth,
    };
    struct hk_http_server *s;
    char err[256];
    if (hk_http_start(&o, NULL, r, &s, err, sizeof(err)) < 0) {
        fprintf(stderr, "hk_http_only: %s\n", err);
        hk_router_free(r);
        return 1;
    }
    fprintf(stderr, "hk_http_only: listening on %d\n", hk_http_port(s));
    int sig;
    sigwait(&set, &sig);
    hk_http_stop(s);
    hk_router_free(r);
    hk_log_shutdown();
    return 0;
}
