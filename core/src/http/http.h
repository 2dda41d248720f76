/*
 * http/http.h - the HTTP layer: libmicrohttpd server with a thread pool,
 * a router with path parameters, request/response helpers, JSON helpers,
 * request ids and request logging.
 *
 * Handlers are synchronous and run on an MHD pool thread.  A handler
 * reads the request through hk_req_* and fills the response through
 * hk_resp_*; it must not keep pointers into the request after returning.
 */
#ifndef HK_HTTP_H
#define HK_HTTP_H

#include <json-c/json.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"
#include "util/json_check.h"

struct hk_app;
struct hk_err;
struct hk_router;

#define HK_MAX_PATH_PARAMS 8

struct hk_req {
    struct hk_app *app;
    void *ctx; /* the route's context (hk_route_opts.ctx), borrowed */
    const char *method;
    const char *path;        /* decoded path, without the query */
    const char *request_id;  /* validated or generated; never NULL */
    const char *remote_addr; /* "127.0.0.1" */
    const char *body;        /* NUL-terminated copy; "" when none */
    size_t body_len;
    int64_t user_id; /* set for HK_ROUTE_AUTH routes, else 0 */
    bool is_admin;
    const char *param_names[HK_MAX_PATH_PARAMS];
    const char *param_values[HK_MAX_PATH_PARAMS];
    size_t n_params;
    void *impl_; /* private to http/ */
};

struct hk_resp_header {
    char *name;
    char *value;
};

struct hk_resp {
    int status;
    const char *content_type; /* static string */
    struct hk_buf body;
    struct hk_resp_header headers[16];
    size_t n_headers;
};

/* Request accessors; returned strings are borrowed for the request. */
const char *hk_req_header(struct hk_req *req, const char *name);
const char *hk_req_query(struct hk_req *req, const char *name);
const char *hk_req_param(struct hk_req *req, const char *name);

/* Reads a path parameter as a positive int64 id.  On failure fills resp
 * with 404 not_found (an id that is not a number names no resource) and
 * returns HAWK_EINVAL. */
int hk_req_param_id(struct hk_req *req, struct hk_resp *resp, const char *name,
                    int64_t *out);

/* Parses the body as a JSON object.  On failure fills resp (415 for a
 * Content-Type other than application/json, 400 malformed JSON or not an
 * object) and returns a negative code.  Caller json_object_put()s *out. */
int hk_req_json(struct hk_req *req, struct hk_resp *resp, json_object **out);

/* Pagination from ?page=&per_page= (defaults 1 and 20, per_page max
 * `max_per_page`).  Invalid values fill resp with 400 naming the param and
 * return HAWK_EINVAL. */
int hk_req_page(struct hk_req *req, struct hk_resp *resp, int max_per_page,
                int64_t *page, int64_t *per_page);

/* An optional boolean query parameter ("true"/"false"/"1"/"0"): *out is
 * 1, 0, or -1 when absent or empty.  Another value fills resp with 400
 * invalid_parameter naming it and returns HAWK_EINVAL. */
int hk_req_query_bool(struct hk_req *req, struct hk_resp *resp,
                      const char *name, int *out);
/* An optional query parameter of at most maxlen bytes of valid UTF-8:
 * *out is borrowed for the request, NULL when absent or empty; else 400
 * invalid_parameter naming it and HAWK_EINVAL. */
int hk_req_query_str(struct hk_req *req, struct hk_resp *resp, const char *name,
                     size_t maxlen, const char **out);

/* Response helpers. */
/* The page envelope {"items": items, "page", "per_page", "total",
 * "pages"}; takes ownership of items. */
json_object *hk_resp_page_json(json_object *items, int64_t page,
                               int64_t per_page, int64_t total);
/* 204 No Content. */
void hk_resp_no_content(struct hk_resp *resp);
/* Takes ownership of obj (json_object_put()s it). */
void hk_resp_json(struct hk_resp *resp, int status, json_object *obj);
/* The error envelope {"error":{"code":code,"field":field,"message":...}}
 * with status; "field" only when field is not NULL (400 "invalid_field"
 * for a body member, "invalid_parameter" for a query parameter).  The
 * message is formatted here and may quote client input: it is escaped,
 * and bytes that are not UTF-8 become U+FFFD. */
void hk_resp_error(struct hk_resp *resp, int status, const char *code,
                   const char *field, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* Prepares an empty response (status 0, JSON, no headers), as the server
 * does before calling a handler; for calling handlers directly in tests.
 * Release with hk_resp_release(). */
void hk_resp_init(struct hk_resp *resp);
/* Frees the body and the copied headers; resp may be reused after
 * hk_resp_init(). */
void hk_resp_release(struct hk_resp *resp);
/* The value of a header set with hk_resp_header() (case-insensitive), or
 * NULL; borrowed from resp. */
const char *hk_resp_get_header(const struct hk_resp *resp, const char *name);
/* Copies name and value. */
void hk_resp_header(struct hk_resp *resp, const char *name, const char *value);
void hk_resp_bytes(struct hk_resp *resp, int status, const char *content_type,
                   const void *data, size_t n);
/*
 * The HTTP form of an operation's error: the one place a struct hk_err
 * becomes a status and a body.  Status by code: EINVAL 400, EAUTH 401
 * (with WWW-Authenticate: Bearer), EQUOTA 402, EPERM 403, ENOTFOUND 404,
 * ECONFLICT/EEXIST 409, ETOOBIG 413, ERATELIMIT 429 (Retry-After: 5),
 * EUNAVAIL 503 (Retry-After: 2), ETIMEDOUT 504, anything else 500.  Some
 * reason words name their own status: "plan_limit" 403,
 * "unsupported_media_type" and "unsupported_file_type" 415.  Body: the
 * envelope with code = hk_err_reason(e), "field" when e->field is set,
 * e->msg (or the code's standard sentence when e->msg is empty), then the
 * members of e->detail.  A 500 never shows e->msg (it is logged with the
 * code's name instead): internal wording is not for clients.
 */
void hk_resp_from_err(struct hk_resp *resp, const struct hk_err *e);
/* hk_resp_from_err() for a bare code (a lower layer's HAWK_E* with no
 * message): EUNAVAIL -> 503 "database unavailable, try again shortly",
 * ENOTFOUND -> 404, ECONFLICT -> 409, ..., else 500 (logged). */
void hk_resp_from_status(struct hk_resp *resp, int code);

/* ---- router ---- */
typedef void (*hk_handler_fn)(struct hk_req *req, struct hk_resp *resp);

enum hk_route_flags {
    HK_ROUTE_PUBLIC = 0,
    HK_ROUTE_AUTH = 1u << 0,  /* valid access token required */
    HK_ROUTE_ADMIN = 1u << 1, /* implies AUTH; admin flag required */
    HK_ROUTE_QUIET = 1u << 2  /* request log at debug level (health) */
};

struct hk_route_opts {
    unsigned flags;
    size_t max_body; /* 0: server default */
    void *ctx;       /* handed to the handler as req->ctx; borrowed, must
                        outlive the router (the module that owns the route) */
};

/* Caller frees with hk_router_free(). */
struct hk_router *hk_router_new(void);
void hk_router_free(struct hk_router *r);
/* Pattern segments: literal or {name}: "/api/v1/resumes/{id}/download".
 * Returns 0 or HAWK_EEXIST for a duplicate method+pattern. */
int hk_router_add(struct hk_router *r, const char *method, const char *pattern,
                  hk_handler_fn fn, unsigned flags);
int hk_router_add_opts(struct hk_router *r, const char *method,
                       const char *pattern, hk_handler_fn fn,
                       const struct hk_route_opts *o);

/* One route of a module's table, for hk_router_add_all(). */
struct hk_route_def {
    const char *method;
    const char *pattern;
    hk_handler_fn fn;
    unsigned flags;  /* HK_ROUTE_* */
    size_t max_body; /* 0: server default */
};

/* Registers the n routes of defs with ctx (handed to each handler as
 * req->ctx; borrowed, must outlive r).  A route that cannot be added (a
 * duplicate pattern: a programming error) is logged. */
void hk_router_add_all(struct hk_router *r, const struct hk_route_def *defs,
                       size_t n, void *ctx);

enum hk_match {
    HK_MATCH_OK = 0,
    HK_MATCH_NOT_FOUND,
    HK_MATCH_BAD_METHOD /* path exists; `allow` lists methods */
};

struct hk_route_match {
    hk_handler_fn fn;
    struct hk_route_opts opts;
    const char *pattern;
    const char *param_names[HK_MAX_PATH_PARAMS];
    char *param_values[HK_MAX_PATH_PARAMS]; /* owned; hk_route_match_clear */
    size_t n_params;
    char allow[64]; /* "GET, POST" for BAD_METHOD */
};

enum hk_match hk_router_match(const struct hk_router *r, const char *method,
                              const char *path, struct hk_route_match *m);
void hk_route_match_clear(struct hk_route_match *m);
/* Iterates routes (for the OpenAPI consistency test and docs). */
size_t hk_router_count(const struct hk_router *r);
void hk_router_at(const struct hk_router *r, size_t i, const char **method,
                  const char **pattern, unsigned *flags);

/* ---- server ---- */
struct hk_http_server;

/* Checks an Authorization header value for HK_ROUTE_AUTH routes: 0 with
 * the user filled in, or HAWK_EAUTH with *reason (static text).  ctx is
 * hk_http_opts.auth_ctx. */
typedef int (*hk_http_auth_fn)(void *ctx, const char *authorization,
                               int64_t *user_id, bool *is_admin,
                               const char **reason);

#define HK_HTTP_DEFAULT_MAX_BODY ((size_t)1 << 20)

/* Called once per finished request with its method (a standard one or
 * "other"), route template ("unmatched" when none, "/app/..." for the web
 * pages), status and duration; from the server's threads, so it must be
 * thread-safe.  Strings are borrowed for the call. */
typedef void (*hk_http_observe_fn)(const char *method, const char *route,
                                   int status, double seconds);

struct hk_http_opts {
    const char *host;    /* "127.0.0.1" */
    int port;            /* 0: pick a free port (tests) */
    int threads;         /* MHD thread pool size */
    size_t max_body;     /* default body limit (0: 1 MiB) */
    int64_t grace_ms;    /* in-flight drain on stop */
    unsigned conn_limit; /* open connections (0: 1024) */
    unsigned timeout_s;  /* idle connection timeout (0: 30 s) */
    /* server.trusted_proxies: peers whose X-Forwarded-For names the
     * client (http/proxy.h); borrowed for the call only. */
    const char *const *trusted_proxies;
    size_t n_trusted_proxies;
    hk_http_observe_fn observe; /* NULL: none (see above) */
    /* Required: the check for HK_ROUTE_AUTH routes.  The caller that
     * composes the process picks it (app/ passes hk_auth_check_bearer),
     * so http/ never depends on the auth module. */
    hk_http_auth_fn auth;
    void *auth_ctx; /* handed to auth; borrowed, must outlive the server */
    /* Answers the GET and HEAD requests that no route matches (the web
     * pages and their files), with fallback_ctx as req->ctx and req->path
     * the path as sent, %xx escapes not decoded; NULL: 404. */
    hk_handler_fn fallback;
    void *fallback_ctx; /* borrowed, must outlive the server */
    /* A socket from hk_http_listen() (host and port are then ignored);
     * the server takes it over on success.  0: bind host:port here. */
    int listen_fd;
};

/* Binds and listens on host:port (port 0: any free one) now, before
 * anything else starts, so that a second server on a port in use fails
 * at once.  *fd_out goes to hk_http_opts.listen_fd (the caller closes it
 * when it never gets there).  0, HAWK_ECONFIG (unresolvable host) or
 * HAWK_EIO with err naming the address, the reason and the fix. */
int hk_http_listen(const char *host, int port, int *fd_out, char *err,
                   size_t errlen);

/* Starts listening.  app and router must outlive the server. */
int hk_http_start(const struct hk_http_opts *o, struct hk_app *app,
                  struct hk_router *router, struct hk_http_server **out,
                  char *err, size_t errlen);
int hk_http_port(const struct hk_http_server *s);
/* Requests between their request line and their completion (for
 * metrics).  Thread-safe. */
int hk_http_in_flight(const struct hk_http_server *s);
/* Stops accepting, waits up to grace_ms for in-flight requests, frees. */
void hk_http_stop(struct hk_http_server *s);

/* ---- JSON body validation ---- */

/* Checks a request body against fields with the one JSON validator
 * (util/json_check.h, included above: struct hk_field, HK_F_*, and
 * hk_email_normalize()) and answers the first problem: 400
 * {"error":{"code":"invalid_field","field":path,"message":...}}, or
 * "invalid_json" when obj is not an object.  resp may be NULL (only the
 * code comes back).  Returns 0 or HAWK_EINVAL. */
int hk_json_check(json_object *obj, const struct hk_field *fields,
                  struct hk_resp *resp);

#endif
