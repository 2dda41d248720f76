/*
 * plugins/s3backup/s3.h - internals of the S3 storage plugin shared by its
 * files.  Nothing here is exported: the version script keeps every symbol
 * but hawk_plugin_v1 local.
 *
 * The plugin speaks the S3 REST API through the host's HTTP client, which
 * signs with libcurl's CURLOPT_AWS_SIGV4.  libcurl 7.88 signs the query
 * verbatim and does not add x-amz-content-sha256, so this plugin builds
 * canonical queries itself (sorted, RFC 3986-encoded, valueless
 * subresources written "uploads=") and always sends the payload hash.
 */
#ifndef S3_S3_H
#define S3_S3_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hawk/plugin.h"

/* S3's own limits. */
#define S3_MIN_PART ((size_t)5 << 20)
#define S3_MAX_PART ((size_t)5 << 30)
#define S3_MAX_PARTS 10000
#define S3_MAX_META_BYTES 2048
#define S3_MAX_KEY 1024

/* Read-only after init(), so ops may run concurrently on one instance. */
struct hawk_instance {
    const struct hawk_host_api *api;
    struct hawk_host *host;
    char *scheme_host;   /* "http://127.0.0.1:4568" (no path, no slash) */
    char *base_path;     /* path prefix of the endpoint, "" or "/s3" */
    char *bucket;        /* validated bucket name */
    char *prefix;        /* "" or "dir/sub/" */
    char *sigv4;         /* "aws:amz:<region>:s3" */
    char *userpwd;       /* "KEY:SECRET": secret, never logged */
    char *session_token; /* NULL or the STS token (secret) */
    char *sse;           /* NULL, "AES256" or "aws:kms" */
    char *sse_kms_key_id;
    char *storage_class; /* NULL or e.g. "STANDARD_IA" */
    bool path_style;
    bool sign_payload; /* hash bodies (S3 then checks them) */
    size_t part_size;
    int max_retries;
    int64_t retry_base_ms;
    int64_t retry_cap_ms;
    int64_t timeout_ms;      /* one HTTP attempt of a small request */
    int64_t part_timeout_ms; /* one HTTP attempt of a part or object */
    int list_page;           /* max-keys per ListObjectsV2 page */
};

/* ---- util.c ---- */
/* Abort on OOM, like the host: the plugin's allocations are small or
 * bounded by part_size. */
void *s3_xmalloc(size_t n);
void *s3_xcalloc(size_t n, size_t size);
char *s3_xstrdup(const char *s);
char *s3_xstrndup(const char *s, size_t n);
char *s3_xasprintf(const char *fmt, ...) HAWK_PRINTF(1, 2);

/* A growable text buffer with a hard cap (HAWK_ETOOBIG past it). */
struct s3_buf {
    char *data;
    size_t len;
    size_t cap;
    size_t max;
};
void s3_buf_init(struct s3_buf *b, size_t max);
void s3_buf_free(struct s3_buf *b);
int s3_buf_add(struct s3_buf *b, const char *s, size_t n);
int s3_buf_addf(struct s3_buf *b, const char *fmt, ...) HAWK_PRINTF(2, 3);
const char *s3_buf_str(const struct s3_buf *b);

/* Lower-case hex SHA-256 of data into out[65]. */
void s3_sha256_hex(const void *data, size_t len, char out[65]);
/* Base64 MD5 of data into out[25]. */
void s3_md5_b64(const void *data, size_t len, char out[25]);

/* Seconds since the epoch of "2026-12-03T14:20:33.000Z" (ISO 8601, UTC)
 * or "Thu, 03 Dec 2026 14:20:33 GMT" (RFC 1123); -1 when unreadable. */
int64_t s3_parse_time(const char *s);

/* ---- url.c ---- */
/* Appends s percent-encoded per RFC 3986 (unreserved kept, upper-case
 * hex); keep_slash leaves '/' as is (object key paths). */
int s3_encode(struct s3_buf *b, const char *s, size_t n, bool keep_slash);
/* True for an object key hawk accepts: 1-1024 bytes, no control bytes,
 * no leading '/', no "." or ".." path segment. */
bool s3_key_ok(const char *key);
/* True for a bucket name S3 accepts (3-63 of [a-z0-9.-], starts and ends
 * with a letter or digit). */
bool s3_bucket_ok(const char *b);

/* A query parameter; value NULL means a valueless subresource. */
struct s3_param {
    const char *name;
    const char *value;
};
/* URL of `key` (NULL: the bucket itself) with the canonical query of
 * params (sorted by name here; values encoded).  Caller frees. */
char *s3_url(const struct hawk_instance *in, const char *key,
             const struct s3_param *params, size_t n_params);
/* The full object key: the instance prefix + key.  Caller frees. */
char *s3_full_key(const struct hawk_instance *in, const char *key);

/* ---- xml.c ---- */
/* Finds the first <tag>...</tag> in [p, end) at any depth; sets the
 * element's raw inner text and returns a pointer past its end tag, or
 * NULL when absent. */
const char *s3_xml_find(const char *p, const char *end, const char *tag,
                        const char **inner, size_t *inner_len);
/* Copies the inner text of the first <tag> with XML entities decoded
 * into a new string (caller frees), or NULL when absent or over max. */
char *s3_xml_text(const char *p, const char *end, const char *tag, size_t max);

/* ---- request.c ---- */
/* One S3 request.  Small bodies only (parts are at most part_size). */
struct s3_req {
    const char *method;
    const char *key; /* full key (prefix included), NULL: the bucket */
    const struct s3_param *params;
    size_t n_params;
    const struct hawk_http_header *headers; /* extra headers */
    size_t n_headers;
    const char *body;
    size_t body_len;
    int64_t timeout_ms;
    struct hawk_text_sink *sink; /* 2xx body goes here when set */
    int64_t range_from;          /* > 0: "Range: bytes=N-" */
    const char *what;            /* "PUT", "upload part 3", for messages */
};
/* Sends r once (no retry).  Returns 0 with resp holding the answer (any
 * status; caller frees with api->http_response_free), or the host's
 * transport error. */
int s3_send(struct hawk_instance *in, struct hawk_call *call,
            const struct s3_req *r, struct hawk_http_resp *resp,
            struct hawk_error *err);
/* Sends r with the retry policy: transport errors, 5xx, 429 and S3's
 * SlowDown/RequestTimeout are retried max_retries times with exponential
 * back-off and jitter (honouring Retry-After).  2xx returns 0 with resp
 * (caller frees); anything else returns the mapped error (resp freed).
 * A request with a sink is retried only while the sink got nothing. */
int s3_call(struct hawk_instance *in, struct hawk_call *call,
            const struct s3_req *r, struct hawk_http_resp *resp,
            struct hawk_error *err);
/* Maps an S3 error answer (XML <Error><Code>) to a HAWK_E* code, a
 * retryable flag and a message naming the operation and the fix. */
int s3_http_error(const struct hawk_instance *in, const char *what,
                  const char *key, const struct hawk_http_resp *resp,
                  struct hawk_error *err);
/* Response header lookup (names are lower-case); NULL when absent. */
const char *s3_header(const struct hawk_http_resp *resp, const char *name);
/* Sleeps before retry number n (1-based); 0 or the host's cancel code. */
int s3_backoff(struct hawk_instance *in, struct hawk_call *call, int n,
               const struct hawk_http_resp *resp);

/* ---- put.c ---- */
int s3_put(struct hawk_instance *in, struct hawk_call *call, const char *key,
           struct hawk_reader *body, int64_t size,
           const struct hawk_kv *metadata, size_t n_metadata, size_t kv_size,
           struct hawk_error *err);

/* ---- ops.c ---- */
int s3_get(struct hawk_instance *in, struct hawk_call *call, const char *key,
           struct hawk_text_sink *body, struct hawk_error *err);
int s3_list(struct hawk_instance *in, struct hawk_call *call,
            const char *prefix, struct hawk_object_sink *out,
            struct hawk_error *err);
int s3_del(struct hawk_instance *in, struct hawk_call *call, const char *key,
           struct hawk_error *err);
int s3_head(struct hawk_instance *in, struct hawk_call *call, const char *key,
            struct hawk_object_sink *out, struct hawk_error *err);

#endif
