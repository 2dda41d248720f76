/*
 * http/server.c - the libmicrohttpd server: request contexts, request ids,
 * routing and auth before the body is read, bounded bodies, handler
 * calls, one log line per request, graceful stop.
 *
 * Life of a request (all on the MHD pool thread that owns the connection):
 *   on_uri        request line parsed: context allocated with the raw path
 *                 (before MHD decodes it, so the router can decode segment
 *                 by segment and see %2F and %00 for what they are)
 *   on_access #1  headers read: request id, route, auth, Content-Length;
 *                 any refusal is queued here, before a byte of body is read
 *   on_access #n  body chunks appended to a buffer bounded by max_body
 *   on_access end handler called, response queued
 *   on_completed  log line, context freed
 */
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hawk/plugin.h"
#include "http/http.h"
#include "http/proxy.h"
#include "http/http_int.h"
#include "log/log.h"
#include "util/alloc.h"
#include "util/str.h"
#include "util/time.h"

#define DEFAULT_CONN_LIMIT 1024
#define DEFAULT_TIMEOUT_S 30
#define LOG_PATH_CHARS 512
#define DISCARD_MAX ((size_t)1 << 20)

struct hk_http_server {
    struct MHD_Daemon *d;
    struct hk_app *app;
    struct hk_router *router;
    hk_http_auth_fn auth;
    void *auth_ctx;
    hk_handler_fn fallback;
    void *fallback_ctx;
    size_t max_body;
    int64_t grace_ms;
    int port;
    atomic_int active;
    atomic_bool stopping;
    atomic_bool starting;
    char start_err[256];
    struct sockaddr_storage addr;
    struct hk_http_proxies proxies; /* whose X-Forwarded-For counts */
    hk_http_observe_fn observe;     /* or NULL */
};

static char empty_body[1];

/* ------------------------------------------------------------------------
 * Per-thread scratch: request ids and the log line buffer.
 * --------------------------------------------------------------------- */

static pthread_key_t g_buf_key;
static pthread_once_t g_buf_once = PTHREAD_ONCE_INIT;
static _Thread_local unsigned char t_rand[512];
static _Thread_local size_t t_rand_pos = sizeof(t_rand);
static atomic_uint_fast64_t g_id_counter;

static void thread_buf_free(void *p)
{
    struct hk_buf *b = p;
    hk_buf_release(b);
    hk_free(b);
}

static void thread_buf_key_init(void)
{
    pthread_key_create(&g_buf_key, thread_buf_free);
}

/* An empty buffer reused by this thread, freed when the thread exits. */
static struct hk_buf *thread_buf(void)
{
    pthread_once(&g_buf_once, thread_buf_key_init);
    struct hk_buf *b = pthread_getspecific(g_buf_key);
    if (b == NULL) {
        b = hk_malloc(sizeof(*b));
        hk_buf_init(b, 64 << 10);
        pthread_setspecific(g_buf_key, b);
    }
    hk_buf_reset(b);
    return b;
}

/* 32 hex characters from 16 random bytes; the bytes come from a
 * per-thread pool refilled every 32 ids, which keeps getrandom() off the
 * per-request path. */
static void generate_request_id(char out[33])
{
    if (t_rand_pos + 16 > sizeof(t_rand)) {
        if (hk_random_bytes(t_rand, sizeof(t_rand)) < 0) {
            /* no entropy: still unique within the process */
            unsigned long long n = atomic_fetch_add(&g_id_counter, 1);
            snprintf(out, 33, "%016llx%016llx",
                     (unsigned long long)hk_mono_us(), n);
            return;
        }
        t_rand_pos = 0;
    }
    hk_hex_encode(t_rand + t_rand_pos, 16, out);
    t_rand_pos += 16;
}

static bool request_id_valid(const char *s)
{
    size_t n = 0;
    for (; s[n] != '\0'; n++) {
        char c = s[n];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                  (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
        if (!ok || n == 64)
            return false;
    }
    return n > 0;
}

/* ------------------------------------------------------------------------
 * Responses.
 * --------------------------------------------------------------------- */

static void add_header(struct MHD_Response *mr, const char *name,
                       const char *value)
{
    if (MHD_add_response_header(mr, name, value) != MHD_YES)
        hk_log(HAWK_LOG_ERROR, "cannot add response header '%s'", name);
}

/* Queues resp (its body is handed to MHD) and records what the log line
 * needs.  Returns MHD_NO only when MHD cannot take a response, which
 * closes the connection. */
static enum MHD_Result send_resp(struct hk_http_ctx *c, struct hk_resp *resp)
{
    struct hk_http_server *s = c->srv;
    size_t len = resp->body.len;
    struct MHD_Response *mr;
    if (len == 0) {
        mr = MHD_create_response_from_buffer(0, empty_body,
                                             MHD_RESPMEM_PERSISTENT);
    } else {
        char *data = hk_buf_steal(&resp->body, &len);
        mr = MHD_create_response_from_buffer_with_free_callback(len, data,
                                                                hk_free);
        if (mr == NULL)
            hk_free(data);
    }
    if (mr == NULL) {
        hk_log(HAWK_LOG_ERROR, "cannot create the HTTP response");
        return MHD_NO;
    }
    if (resp->status != 204 && resp->status != 304)
        add_header(mr, MHD_HTTP_HEADER_CONTENT_TYPE,
                   resp->content_type ? resp->content_type
                                      : "application/json");
    add_header(mr, "X-Request-ID", c->request_id);
    add_header(mr, "X-Content-Type-Options", "nosniff");
    if (hk_resp_get_header(resp, "Cache-Control") == NULL)
        add_header(mr, "Cache-Control", "no-store");
    for (size_t i = 0; i < resp->n_headers; i++)
        add_header(mr, resp->headers[i].name, resp->headers[i].value);
    if (atomic_load(&s->stopping))
        add_header(mr, MHD_HTTP_HEADER_CONNECTION, "close");
    enum MHD_Result r = MHD_queue_response(c->conn, (unsigned)resp->status, mr);
    MHD_destroy_response(mr);
    if (r == MHD_YES) {
        c->responded = true;
        c->status = resp->status;
        c->bytes = len;
    }
    return r;
}

/* A refusal: a heap response with the error envelope and an optional
 * extra header (hname may be NULL).  Freed by send_owned(). */
static struct hk_resp *error_resp(int status, const char *code, const char *msg,
                                  const char *hname, const char *hvalue)
{
    struct hk_resp *resp = hk_malloc(sizeof(*resp));
    hk_http_resp_init(resp, 0);
    hk_http_error_msg(resp, status, code, NULL, msg);
    if (hname != NULL)
        hk_resp_header(resp, hname, hvalue);
    return resp;
}

static void free_owned(struct hk_resp *resp)
{
    if (resp != NULL) {
        hk_http_resp_release(resp);
        hk_free(resp);
    }
}

/* Sends and frees a response from error_resp()/not_found_resp(). */
static enum MHD_Result send_owned(struct hk_http_ctx *c, struct hk_resp *resp)
{
    enum MHD_Result r = send_resp(c, resp);
    free_owned(resp);
    return r;
}

static struct hk_resp *too_large_resp(struct hk_http_ctx *c)
{
    char msg[160];
    snprintf(msg, sizeof(msg),
             "request body is larger than the limit of %zu bytes; send a "
             "smaller body",
             c->max_body);
    return error_resp(413, "payload_too_large", msg, NULL, NULL);
}

static struct hk_resp *not_found_resp(struct hk_http_ctx *c)
{
    /* "no endpoint GET /x; ..." built in a buffer rather than with a
     * format, then escaped by the JSON writer with the client's path */
    struct hk_buf *m = thread_buf();
    size_t plen = strlen(c->raw_path);
    hk_buf_printf(m, "no endpoint %s ", c->method);
    hk_buf_append(m, c->raw_path, plen > 200 ? 200 : plen);
    hk_buf_puts(m, "; check the method and the path");
    return error_resp(404, "not_found", hk_buf_str(m), NULL, NULL);
}

/* ------------------------------------------------------------------------
 * MHD callbacks.
 * --------------------------------------------------------------------- */

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
    struct hk_http_server *s = cls;
    (void)conn;
    struct hk_http_ctx *c = hk_calloc(1, sizeof(*c));
    c->srv = s;
    c->start_us = hk_mono_us();
    size_t n = strcspn(uri, "?");
    /* one byte past the router's bound is enough to be refused by it */
    if (n > HK_HTTP_MAX_PATH + 1)
        n = HK_HTTP_MAX_PATH + 1;
    c->raw_path = hk_strndup(uri, n);
    c->max_body = s->max_body;
    hk_buf_init(&c->body, s->max_body);
    atomic_fetch_add(&s->active, 1);
    return c;
}

static void fill_remote(struct hk_http_ctx *c, struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    c->remote[0] = '\0';
    if (ci == NULL || ci->client_addr == NULL)
        return;
    const struct sockaddr *sa = ci->client_addr;
    char peer[48] = "";
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, peer,
                  sizeof(peer));
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, peer,
                  sizeof(peer));
    const char *xff = c->srv->proxies.n > 0
                          ? MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                                        "X-Forwarded-For")
                          : NULL;
    hk_http_client_addr(&c->srv->proxies, peer, xff, c->remote,
                        sizeof(c->remote));
}

/* The checks made once the headers are in: route, auth, announced body
 * size.  Returns the refusal to send, or NULL to go on. */
static struct hk_resp *refusal(struct hk_http_ctx *c)
{
    struct hk_http_server *s = c->srv;
    if (c->match_rc == HK_MATCH_NOT_FOUND)
        return not_found_resp(c);
    if (c->match_rc == HK_MATCH_BAD_METHOD) {
        char msg[160];
        snprintf(msg, sizeof(msg), "method %s is not allowed here; use %s",
                 c->method, c->match.allow);
        return error_resp(405, "method_not_allowed", msg, "Allow",
                          c->match.allow);
    }
    unsigned flags = c->match.opts.flags;
    if (flags & (HK_ROUTE_AUTH | HK_ROUTE_ADMIN)) {
        const char *authz = MHD_lookup_connection_value(
            c->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
        int64_t uid = 0;
        bool admin = false;
        const char *reason = NULL;
        int rc = s->auth(s->auth_ctx, authz, &uid, &admin, &reason);
        if (rc < 0 || uid <= 0) {
            if (reason == NULL || reason[0] == '\0')
                reason = "a valid access token is required; log in and "
                         "send it as 'Authorization: Bearer <token>'";
            return error_resp(401, "unauthorized", reason,
                              MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer");
        }
        c->user_id = uid;
        c->is_admin = admin;
        hk_log_ctx_set_user(uid);
        if ((flags & HK_ROUTE_ADMIN) && !admin)
            return error_resp(403, "forbidden",
                              "this endpoint requires an administrator "
                              "account",
                              NULL, NULL);
    }
    const char *cl = MHD_lookup_connection_value(
        c->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    int64_t want = 0;
    if (cl != NULL && hk_parse_i64(cl, 0, INT64_MAX, &want) == 0 &&
        (uint64_t)want > c->max_body)
        return too_large_resp(c);
    return NULL;
}

/* Whether the client announced a body (MHD has checked the framing). */
static bool has_body(struct MHD_Connection *conn)
{
    const char *cl = MHD_lookup_connection_value(
        conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    const char *te = MHD_lookup_connection_value(
        conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING);
    return te != NULL || (cl != NULL && strcmp(cl, "0") != 0);
}

static enum MHD_Result first_call(struct hk_http_ctx *c,
                                  struct MHD_Connection *conn,
                                  const char *method)
{
    struct hk_http_server *s = c->srv;
    c->started = true;
    c->conn = conn;
    c->method = method;
    const char *rid =
        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Request-ID");
    if (rid != NULL && request_id_valid(rid))
        hk_strlcpy(c->request_id, rid, sizeof(c->request_id));
    else
        generate_request_id(c->request_id);
    fill_remote(c, conn);
    hk_log_ctx_set(c->request_id, 0);
    c->match_rc = hk_router_match(s->router, method, c->raw_path, &c->match);
    if (c->match_rc == HK_MATCH_NOT_FOUND && s->fallback != NULL &&
        (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0)) {
        /* not an API route: the fallback decides (and may answer 404) */
        c->match_rc = HK_MATCH_OK;
        c->match.fn = s->fallback;
        c->match.opts.ctx = s->fallback_ctx;
        c->match.pattern = "(fallback)";
        c->fallback = true;
    }
    if (c->match_rc == HK_MATCH_OK) {
        c->quiet = (c->match.opts.flags & HK_ROUTE_QUIET) != 0;
        if (c->match.opts.max_body > 0) {
            c->max_body = c->match.opts.max_body;
            hk_buf_init(&c->body, c->max_body);
        }
    }
    struct hk_resp *no = refusal(c);
    if (no == NULL)
        return MHD_YES;
    /* With a body on the way, answer now so it is never read (MHD then
     * closes the connection).  Without one, the final call comes at once
     * and answering there keeps the connection alive. */
    if (has_body(conn))
        return send_owned(c, no);
    c->pending = no;
    return MHD_YES;
}

static enum MHD_Result run_handler(struct hk_http_ctx *c, const char *url)
{
    struct hk_http_server *s = c->srv;
    struct hk_req req = {
        .app = s->app,
        .ctx = c->match.opts.ctx,
        .method = c->method,
        /* the fallback sees the path as sent (no %xx decoded), so it can
         * refuse escapes instead of meeting a decoded NUL or slash */
        .path = c->fallback ? c->raw_path : url,
        .request_id = c->request_id,
        .remote_addr = c->remote,
        .body = c->body.data ? c->body.data : empty_body,
        .body_len = c->body.len,
        .user_id = c->user_id,
        .is_admin = c->is_admin,
        .n_params = c->match.n_params,
        .impl_ = c,
    };
    for (size_t i = 0; i < c->match.n_params; i++) {
        req.param_names[i] = c->match.param_names[i];
        req.param_values[i] = c->match.param_values[i];
    }
    struct hk_resp resp;
    hk_http_resp_init(&resp, 0);
    c->match.fn(&req, &resp);
    if (resp.status < 100 || resp.status > 599) {
        hk_log(HAWK_LOG_ERROR, "handler for %s %s set no valid status (%d)",
               c->method, c->match.pattern, resp.status);
        hk_http_resp_release(&resp);
        hk_http_resp_init(&resp, 0);
        hk_resp_from_status(&resp, HAWK_EINTERNAL);
    }
    /* the body is not needed any more; free it before sending */
    hk_buf_release(&c->body);
    enum MHD_Result r = send_resp(c, &resp);
    hk_http_resp_release(&resp);
    return r;
}

/* Stores a body chunk.  Past max_body nothing more is stored, but MHD
 * (0.9.75) cannot send a response in the middle of an upload, so a body
 * without Content-Length is read and dropped up to DISCARD_MAX more bytes
 * to answer 413 at its end; beyond that the connection is closed. */
static enum MHD_Result take_upload(struct hk_http_ctx *c, const char *data,
                                   size_t n)
{
    if (c->too_large) {
        c->discarded += n;
        if (c->discarded <= DISCARD_MAX)
            return MHD_YES;
        c->status = 413;
        hk_log(HAWK_LOG_WARN,
               "closing the connection: request body "
               "exceeds the limit of %zu bytes by more than %zu",
               c->max_body, (size_t)DISCARD_MAX);
        return MHD_NO;
    }
    int rc = hk_buf_append(&c->body, data, n);
    if (rc < 0) {
        c->too_large = true;
        c->discarded = n;
        hk_buf_release(&c->body);
    }
    return MHD_YES;
}

static enum MHD_Result on_access(void *cls, struct MHD_Connection *conn,
                                 const char *url, const char *method,
                                 const char *version, const char *upload,
                                 size_t *upload_size, void **con_cls)
{
    struct hk_http_server *s = cls;
    struct hk_http_ctx *c = *con_cls;
    enum MHD_Result r = MHD_YES;
    (void)version;
    if (c == NULL) {
        /* on_uri always runs first; this only guards against MHD changes */
        c = on_uri(s, url, conn);
        *con_cls = c;
    }
    if (!c->started) {
        r = first_call(c, conn, method);
        goto out;
    }
    hk_log_ctx_set(c->request_id, c->user_id);
    if (*upload_size > 0) {
        r = take_upload(c, upload, *upload_size);
        *upload_size = 0;
        goto out;
    }
    if (c->responded)
        goto out;
    if (c->pending != NULL) {
        r = send_owned(c, c->pending);
        c->pending = NULL;
    } else if (c->too_large) {
        r = send_owned(c, too_large_resp(c));
    } else {
        r = run_handler(c, url);
    }
out:
    hk_log_ctx_clear();
    return r;
}

static const char *termination_name(enum MHD_RequestTerminationCode toe)
{
    switch (toe) {
    case MHD_REQUEST_TERMINATED_COMPLETED_OK:
        return NULL;
    case MHD_REQUEST_TERMINATED_TIMEOUT_REACHED:
        return "timeout";
    case MHD_REQUEST_TERMINATED_DAEMON_SHUTDOWN:
        return "shutdown";
    case MHD_REQUEST_TERMINATED_READ_ERROR:
        return "read_error";
    case MHD_REQUEST_TERMINATED_CLIENT_ABORT:
        return "client_abort";
    default:
        return "error";
    }
}

/* The status sent: ours, or MHD's own (e.g. 413 it answered itself). */
static int final_status(const struct hk_http_ctx *c,
                        struct MHD_Connection *conn)
{
    int status = c->status;
    if (!c->responded && status == 0) {
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_HTTP_STATUS);
        status = ci ? (int)ci->http_status : 0;
    }
    return status;
}

/* Hands the finished request to the observer (app/ wires the metrics
 * registry), labelled by the route template (never the raw path: one
 * series per route, not per id) and a known method, so clients cannot
 * grow the label sets without bound. */
static void count_request(const struct hk_http_ctx *c, int status)
{
    if (c->srv->observe == NULL)
        return;
    static const char *const methods[] = {"GET",   "HEAD",   "POST",   "PUT",
                                          "PATCH", "DELETE", "OPTIONS"};
    const char *method = "other";
    for (size_t i = 0; c->method != NULL && i < 7; i++)
        if (strcmp(c->method, methods[i]) == 0)
            method = methods[i];
    const char *route = "unmatched";
    if (c->fallback)
        route = (strcmp(c->raw_path, "/") == 0 ||
                 strncmp(c->raw_path, "/app", 4) == 0)
                    ? "/app/*"
                    : "unmatched"; /* the fallback's 404 */
    else if (c->match_rc == HK_MATCH_OK && c->match.pattern != NULL)
        route = c->match.pattern;
    c->srv->observe(method, route, status,
                    (double)(hk_mono_us() - c->start_us) / 1e6);
}

/* One JSON line per request, built without json-c in a reused buffer. */
static void log_request(struct hk_http_ctx *c, struct MHD_Connection *conn,
                        enum MHD_RequestTerminationCode toe)
{
    int status = final_status(c, conn);
    int level = c->quiet ? HAWK_LOG_DEBUG : HAWK_LOG_INFO;
    if (status >= 500)
        level = HAWK_LOG_ERROR;
    if (!hk_log_enabled(level))
        return;
    struct hk_buf *b = thread_buf();
    double ms = (double)(hk_mono_us() - c->start_us) / 1000.0;
    hk_buf_puts(b, "{\"method\":");
    if (c->method != NULL)
        hk_http_json_str(b, c->method, strlen(c->method), 16);
    else
        hk_buf_puts(b, "null");
    hk_buf_puts(b, ",\"path\":");
    hk_http_json_str(b, c->raw_path, strlen(c->raw_path), LOG_PATH_CHARS);
    hk_buf_printf(b,
                  ",\"status\":%d,\"duration_ms\":%.3f,\"bytes\":%zu,"
                  "\"remote\":",
                  status, ms, c->bytes);
    hk_http_json_str(b, c->remote, strlen(c->remote), 0);
    if (c->user_id == 0)
        hk_buf_puts(b, ",\"user_id\":null");
    const char *term = termination_name(toe);
    if (term != NULL)
        hk_buf_printf(b, ",\"termination\":\"%s\"", term);
    hk_buf_putc(b, '}');
    /* user_id (when set) and request_id come from the context */
    hk_log_ctx_set(c->request_id, c->user_id);
    hk_log_fields(level, "request", hk_buf_str(b));
    hk_log_ctx_clear();
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct hk_http_server *s = cls;
    struct hk_http_ctx *c = *con_cls;
    if (c == NULL)
        return;
    *con_cls = NULL;
    if (c->request_id[0] == '\0')
        generate_request_id(c->request_id);
    count_request(c, final_status(c, conn));
    log_request(c, conn, toe);
    free_owned(c->pending);
    hk_route_match_clear(&c->match);
    hk_buf_release(&c->body);
    hk_free(c->raw_path);
    hk_free(c);
    atomic_fetch_sub(&s->active, 1);
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    struct hk_http_server *s = cls;
    char msg[512];
    vsnprintf(msg, sizeof(msg), fmt, ap);
    size_t n = strlen(msg);
    while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
        msg[--n] = '\0';
    if (atomic_load(&s->starting))
        hk_strlcpy(s->start_err, msg, sizeof(s->start_err));
    hk_log(HAWK_LOG_WARN, "http server: %s", msg);
}

/* ------------------------------------------------------------------------
 * Start and stop.
 * --------------------------------------------------------------------- */

static int resolve(const char *host, int port, struct sockaddr_storage *out,
                   char *err, size_t errlen)
{
    char portstr[16];
    snprintf(portstr, sizeof(portstr), "%d", port);
    struct addrinfo hints = {0};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    struct addrinfo *res = NULL;
    int rc = getaddrinfo(host, portstr, &hints, &res);
    if (rc != 0 || res == NULL) {
        snprintf(err, errlen, "cannot resolve listen address '%s': %s", host,
                 gai_strerror(rc));
        return HAWK_ECONFIG;
    }
    memset(out, 0, sizeof(*out));
    memcpy(out, res->ai_addr, res->ai_addrlen);
    freeaddrinfo(res);
    return 0;
}

/* See http.h.  SO_REUSEADDR as MHD sets it: a restart binds at once
 * while old connections linger in TIME_WAIT, yet two live listeners on
 * one port stay impossible (that needs SO_REUSEPORT). */
int hk_http_listen(const char *host, int port, int *fd_out, char *err,
                   size_t errlen)
{
    *fd_out = 0;
    if (host == NULL || host[0] == '\0')
        host = "127.0.0.1";
    struct sockaddr_storage addr;
    int rc = resolve(host, port, &addr, err, errlen);
    if (rc < 0)
        return rc;
    socklen_t len = addr.ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                               : sizeof(struct sockaddr_in);
    int fd = socket(addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(err, errlen, "cannot listen on %s:%d: %s", host, port,
                 strerror(errno));
        return HAWK_EIO;
    }
    int on = 1;
    (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
    if (addr.ss_family == AF_INET6)
        (void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
    if (bind(fd, (struct sockaddr *)&addr, len) < 0 || listen(fd, 511) < 0) {
        int e = errno;
        snprintf(err, errlen, "cannot listen on %s:%d: %s%s", host, port,
                 strerror(e),
                 e == EADDRINUSE ? " (another hawk or another server uses "
                                   "this port: stop it, or set "
                                   "server.listen or HAWK_LISTEN to a free "
                                   "port)"
                                 : "");
        close(fd);
        return HAWK_EIO;
    }
    *fd_out = fd;
    return 0;
}

/*
 * Starts the server on o->host:o->port with an MHD thread pool of
 * o->threads.  app and router are borrowed and must outlive the server;
 * the router must not change while serving.  On success *out is freed by
 * hk_http_stop().  Returns 0, HAWK_EINVAL (bad options), HAWK_ECONFIG
 * (unresolvable host) or HAWK_EIO (cannot listen: err names the address
 * and MHD's reason).
 */
int hk_http_start(const struct hk_http_opts *o, struct hk_app *app,
                  struct hk_router *router, struct hk_http_server **out,
                  char *err, size_t errlen)
{
    *out = NULL;
    const char *host = o->host && o->host[0] ? o->host : "127.0.0.1";
    if (o->port < 0 || o->port > 65535 || router == NULL || o->auth == NULL) {
        snprintf(err, errlen,
                 "invalid HTTP server options: port %d must be "
                 "0..65535, and a router and an auth check are required",
                 o->port);
        return HAWK_EINVAL;
    }
    struct hk_http_server *s = hk_calloc(1, sizeof(*s));
    s->app = app;
    s->router = router;
    s->auth = o->auth;
    s->auth_ctx = o->auth_ctx;
    s->fallback = o->fallback;
    s->fallback_ctx = o->fallback_ctx;
    s->max_body = o->max_body ? o->max_body : HK_HTTP_DEFAULT_MAX_BODY;
    s->grace_ms = o->grace_ms > 0 ? o->grace_ms : 0;
    s->observe = o->observe;
    if (hk_http_proxies_parse(o->trusted_proxies, o->n_trusted_proxies,
                              &s->proxies, err, errlen) < 0) {
        hk_free(s);
        return HAWK_EINVAL;
    }
    atomic_init(&s->active, 0);
    atomic_init(&s->stopping, false);
    atomic_init(&s->starting, true);
    int rc = 0;
    if (o->listen_fd > 0) {
        socklen_t alen = sizeof(s->addr);
        if (getsockname(o->listen_fd, (struct sockaddr *)&s->addr, &alen) < 0)
            rc = HAWK_EINVAL;
    } else {
        rc = resolve(host, o->port, &s->addr, err, errlen);
    }
    if (rc < 0) {
        if (rc == HAWK_EINVAL)
            snprintf(err, errlen, "the listening socket is not usable: %s",
                     strerror(errno));
        hk_free(s);
        return rc;
    }
    /* Where to listen: the socket made by hk_http_listen(), or the
     * address resolved above. */
    struct MHD_OptionItem where[] = {
        o->listen_fd > 0
            ? (struct MHD_OptionItem){MHD_OPTION_LISTEN_SOCKET, o->listen_fd,
                                      NULL}
            : (struct MHD_OptionItem){MHD_OPTION_SOCK_ADDR, 0, &s->addr},
        {MHD_OPTION_END, 0, NULL}};
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
                     MHD_USE_ITC | MHD_USE_ERROR_LOG;
    if (s->addr.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    unsigned threads = o->threads > 0 ? (unsigned)o->threads : 1;
    s->d = MHD_start_daemon(
        flags, (uint16_t)o->port, NULL, NULL, on_access, s,
        /* first, so that MHD's own start-up messages go through it */
        MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, s, MHD_OPTION_ARRAY, where,
        MHD_OPTION_THREAD_POOL_SIZE, threads, MHD_OPTION_CONNECTION_TIMEOUT,
        o->timeout_s ? o->timeout_s : DEFAULT_TIMEOUT_S,
        MHD_OPTION_CONNECTION_LIMIT,
        o->conn_limit ? o->conn_limit : DEFAULT_CONN_LIMIT,
        MHD_OPTION_URI_LOG_CALLBACK, on_uri, s, MHD_OPTION_NOTIFY_COMPLETED,
        on_completed, s, MHD_OPTION_END);
    atomic_store(&s->starting, false);
    if (s->d == NULL) {
        snprintf(err, errlen, "cannot listen on %s:%d: %s", host, o->port,
                 s->start_err[0] ? s->start_err : "the server did not start");
        hk_free(s);
        return HAWK_EIO;
    }
    const union MHD_DaemonInfo *di =
        MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
    s->port = di ? (int)di->port : o->port;
    if (o->listen_fd > 0)
        s->port = ntohs(s->addr.ss_family == AF_INET6
                            ? ((struct sockaddr_in6 *)&s->addr)->sin6_port
                            : ((struct sockaddr_in *)&s->addr)->sin_port);
    *out = s;
    return 0;
}

/* The port the server listens on (the real one when started with 0). */
int hk_http_port(const struct hk_http_server *s)
{
    return s ? s->port : 0;
}

/* Requests between their request line and their completion callback;
 * thread-safe, for metrics and for stop. */
int hk_http_in_flight(const struct hk_http_server *s)
{
    return s ? atomic_load(&((struct hk_http_server *)s)->active) : 0;
}

/*
 * Stops accepting connections, lets requests in flight finish for up to
 * grace_ms (their responses ask the client to close), then stops MHD,
 * which waits for handlers still running and closes idle connections.
 * Frees s; NULL is ignored.  Call from one thread, once.
 */
void hk_http_stop(struct hk_http_server *s)
{
    if (s == NULL)
        return;
    atomic_store(&s->stopping, true);
    MHD_socket lfd = MHD_quiesce_daemon(s->d);
    int64_t deadline = hk_mono_ms() + s->grace_ms;
    while (atomic_load(&s->active) > 0 && hk_mono_ms() < deadline)
        hk_sleep_ms(5);
    int left = atomic_load(&s->active);
    if (left > 0)
        hk_log(HAWK_LOG_WARN,
               "http server stopping with %d request(s) "
               "still in flight after %lld ms",
               left, (long long)s->grace_ms);
    MHD_stop_daemon(s->d);
    if (lfd != MHD_INVALID_SOCKET)
        close(lfd);
    hk_free(s);
}
