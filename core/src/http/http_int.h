/*
 * http/http_int.h - private to core/src/http: the per-request context the
 * server keeps behind hk_req.impl_, and helpers shared by the http files.
 */
#ifndef HK_HTTP_INT_H
#define HK_HTTP_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "http/http.h"
#include "util/buf.h"

struct MHD_Connection;

/* Longest path the router accepts, in bytes before decoding. */
#define HK_HTTP_MAX_PATH 2048
/* Most segments a path or pattern may have. */
#define HK_HTTP_MAX_SEGS 32

/* One request, from its request line to its completion callback.  Owned
 * by the server; lives on one MHD pool thread. */
struct hk_http_ctx {
    struct hk_http_server *srv;
    struct MHD_Connection *conn;
    int64_t start_us;   /* monotonic, when the request line came */
    const char *method; /* MHD-owned, valid for the request */
    char *raw_path;     /* as sent, without the query; owned */
    char request_id[65];
    char remote[48];
    struct hk_route_match match;
    enum hk_match match_rc;
    bool started;   /* first access callback done */
    bool responded; /* a response was queued */
    bool too_large; /* body went past max_body */
    bool quiet;     /* route asked for debug-level logs */
    bool fallback;  /* no route: hk_http_opts.fallback answers */
    int status;     /* queued status, for the log line */
    size_t bytes;   /* queued body size, for the log line */
    int64_t user_id;
    bool is_admin;
    size_t max_body;
    size_t discarded;        /* body bytes dropped past max_body */
    struct hk_resp *pending; /* refusal sent at the final call; owned */
    struct hk_buf body;
};

/* Appends s (n bytes) to b as a JSON string literal, replacing bytes that
 * are not valid UTF-8 with U+FFFD so the output is always valid JSON and
 * stopping after max_chars characters (0: no limit) with "...".  Returns
 * 0 or HAWK_ETOOBIG from the buffer. */
int hk_http_json_str(struct hk_buf *b, const char *s, size_t n,
                     size_t max_chars);

/* Fills resp with the error envelope; `field` may be NULL.  The message
 * is copied.  Used by the public hk_resp_* error helpers. */
void hk_http_error_msg(struct hk_resp *resp, int status, const char *code,
                       const char *field, const char *msg);

/* Checks that s (n bytes, already valid UTF-8) is exactly one RFC 8259
 * JSON value with optional surrounding whitespace and at most max_depth
 * nested objects/arrays.  Returns 0, or HAWK_EINVAL with err saying what
 * is wrong and at which byte offset ("unexpected character at offset 5"). */
int hk_http_json_syntax(const char *s, size_t n, int max_depth, char *err,
                        size_t errlen);

/* Prepares an empty response (status 0, JSON, no headers) with a body
 * limit of max bytes (0: the buffer default). */
void hk_http_resp_init(struct hk_resp *resp, size_t max);
/* Frees the body and the copied headers. */
void hk_http_resp_release(struct hk_resp *resp);

#endif
