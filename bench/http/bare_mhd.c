/*
 * bench/http/bare_mhd.c - the reference for the HTTP layer's speed: a
 * bare libmicrohttpd server with the same threading options as hawk's
 * (internal epoll thread pool) answering every request with one fixed
 * body.  No routing, no ids, no logging: what MHD alone costs.
 *
 *   bare_mhd PORT THREADS BODY
 *
 * Stops on SIGINT or SIGTERM.
 */
#include <microhttpd.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *g_body;
static size_t g_len;

static enum MHD_Result on_access(void *cls, struct MHD_Connection *conn,
                                 const char *url, const char *method,
                                 const char *version, const char *upload,
                                 size_t *upload_size, void **con_cls)
{
    (void)cls;
    (void)url;
    (void)method;
    (void)version;
    (void)upload;
    if (*con_cls == NULL) {
        *con_cls = conn; /* first call: headers only */
        return MHD_YES;
    }
    if (*upload_size > 0) {
        *upload_size = 0;
        return MHD_YES;
    }
    struct MHD_Response *r = MHD_create_response_from_buffer(
        g_len, (void *)g_body, MHD_RESPMEM_PERSISTENT);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
                            "application/json");
    enum MHD_Result ret = MHD_queue_response(conn, MHD_HTTP_OK, r);
    MHD_destroy_response(r);
    return ret;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: bare_mhd PORT THREADS BODY\n");
        return 2;
    }
    char *end;
    long port = strtol(argv[1], &end, 10);
    if (*end != '\0' || port <= 0 || port > 65535) {
        fprintf(stderr, "bare_mhd: invalid port '%s'\n", argv[1]);
        return 2;
    }
    long threads = strtol(argv[2], &end, 10);
    if (*end != '\0' || threads < 1 || threads > 256) {
        fprintf(stderr, "bare_mhd: invalid thread count '%s'\n", argv[2]);
        return 2;
    }
    g_body = argv[3];
    g_len = strlen(g_body);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC,
        (uint16_t)port, NULL, NULL, on_access, NULL,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)threads,
        MHD_OPTION_CONNECTION_TIMEOUT, 30u, MHD_OPTION_CONNECTION_LIMIT, 1024u,
        MHD_OPTION_END);
    if (d == NULL) {
        fprintf(stderr, "bare_mhd: cannot listen on port %ld\n", port);
        return 1;
    }
    fprintf(stderr, "bare_mhd: listening on %ld\n", port);
    int sig;
    sigwait(&set, &sig);
    MHD_stop_daemon(d);
    return 0;
}
