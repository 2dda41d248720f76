/*
 * plugins/s3backup/ops.c - GET (streamed, resumed with Range after a
 * broken connection), HEAD with x-amz-meta-*, ListObjectsV2 with
 * continuation tokens, DELETE.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "s3.h"

#define S3_MAX_META 64
#define S3_LIST_MAX_BODY ((size_t)8 << 20)

/* ---- GET -------------------------------------------------------------- */

/* Forwards the body and counts what the caller got, so a retry after a
 * broken connection asks only for the rest. */
struct s3_get_sink {
    struct hawk_text_sink sink;
    struct hawk_text_sink *out;
    int64_t delivered;
    int64_t attempt_bytes;
    int sink_rc; /* the caller's sink refused the bytes */
};

static int s3_get_write(struct hawk_text_sink *s, const char *d, size_t n)
{
    struct s3_get_sink *g = (struct s3_get_sink *)s;
    int rc = g->out->write(g->out, d, n);
    if (rc == 0) {
        g->delivered += (int64_t)n;
        g->attempt_bytes += (int64_t)n;
    } else {
        g->sink_rc = rc;
    }
    return rc;
}

int s3_get(struct hawk_instance *in, struct hawk_call *call, const char *key,
           struct hawk_text_sink *body, struct hawk_error *err)
{
    if (!s3_key_ok(key) || body == NULL || body->write == NULL) {
        HAWK_ERR_SET(err, HAWK_EINVAL, false, 0, "s3 get: invalid key '%.80s'",
                     key != NULL ? key : "(null)");
        return HAWK_EINVAL;
    }
    char *full = s3_full_key(in, key);
    struct s3_get_sink g = {{NULL, s3_get_write}, body, 0, 0, 0};
    int rc;
    for (int attempt = 1;; attempt++) {
        struct s3_req r = {.method = "GET",
                           .key = full,
                           .timeout_ms = in->part_timeout_ms,
                           .sink = &g.sink,
                           .range_from = g.delivered,
                           .what = "GET"};
        struct hawk_http_resp resp;
        g.attempt_bytes = 0;
        rc = s3_send(in, call, &r, &resp, err);
        if (rc == 0 && r.range_from > 0 && resp.status == 200) {
            /* A server that ignored Range resent from byte 0: what the
             * sink got is unusable, so the download fails. */
            in->api->http_response_free(&resp);
            HAWK_ERR_SET(err, HAWK_EPROTO, false, 200,
                         "s3 GET %s: the server ignored the Range of a "
                         "resumed download",
                         full);
            rc = HAWK_EPROTO;
            break;
        }
        if (rc == 0 && (resp.status == 200 || resp.status == 206)) {
            in->api->http_response_free(&resp);
            break;
        }
        if (rc == 0)
            rc = s3_http_error(in, "GET", full, &resp, err);
        /* A sink error is the caller's: never retried. */
        bool again = err->retryable && g.sink_rc == 0 && rc != HAWK_ECANCELED &&
                     attempt <= in->max_retries;
        if (!again) {
            in->api->http_response_free(&resp);
            break;
        }
        in->api->log(in->host, HAWK_LOG_WARN,
                     "s3 GET %s: attempt %d failed after %lld bytes (%s); "
                     "resuming",
                     full, attempt, (long long)g.delivered, err->msg);
        int brc = s3_backoff(in, call, attempt, &resp);
        in->api->http_response_free(&resp);
        if (brc < 0) {
            rc = brc;
            HAWK_ERR_SET(err, brc, false, 0, "s3 GET %s: %s while retrying",
                         full, hawk_strerror(brc));
            break;
        }
    }
    free(full);
    return rc;
}

/* ---- HEAD ------------------------------------------------------------- */

int s3_head(struct hawk_instance *in, struct hawk_call *call, const char *key,
            struct hawk_object_sink *out, struct hawk_error *err)
{
    if (!s3_key_ok(key) || out == NULL || out->emit == NULL) {
        HAWK_ERR_SET(err, HAWK_EINVAL, false, 0, "s3 head: invalid key '%.80s'",
                     key != NULL ? key : "(null)");
        return HAWK_EINVAL;
    }
    char *full = s3_full_key(in, key);
    struct s3_req r = {.method = "HEAD", .key = full, .what = "HEAD"};
    struct hawk_http_resp resp;
    int rc = s3_call(in, call, &r, &resp, err);
    if (rc < 0) {
        free(full);
        return rc;
    }
    struct hawk_kv md[S3_MAX_META];
    size_t n = 0;
    for (size_t i = 0; i < resp.n_headers && n < S3_MAX_META; i++) {
        const char *name =
            HAWK_AT(hawk_http_header, resp.headers, resp.header_size, i)->name;
        if (strncmp(name, "x-amz-meta-", 11) == 0 && name[11] != '\0')
            md[n++] = (struct hawk_kv){
                name + 11,
                HAWK_AT(hawk_http_header, resp.headers, resp.header_size, i)
                    ->value};
    }
    const char *cl = s3_header(&resp, "content-length");
    const char *lm = s3_header(&resp, "last-modified");
    struct hawk_object_info o = {
        .struct_size = sizeof(o),
        .key = key,
        .size = cl != NULL ? strtoll(cl, NULL, 10) : -1,
        .modified_at = s3_parse_time(lm),
        .etag = s3_header(&resp, "etag"),
        .metadata = md,
        .n_metadata = n,
        .metadata_size = sizeof(md[0]),
    };
    rc = out->emit(out, &o);
    in->api->http_response_free(&resp);
    free(full);
    return rc;
}

/* ---- DELETE ----------------------------------------------------------- */

int s3_del(struct hawk_instance *in, struct hawk_call *call, const char *key,
           struct hawk_error *err)
{
    if (!s3_key_ok(key)) {
        HAWK_ERR_SET(err, HAWK_EINVAL, false, 0,
                     "s3 delete: invalid key '%.80s'",
                     key != NULL ? key : "(null)");
        return HAWK_EINVAL;
    }
    char *full = s3_full_key(in, key);
    struct s3_req r = {.method = "DELETE", .key = full, .what = "DELETE"};
    struct hawk_http_resp resp;
    int rc = s3_call(in, call, &r, &resp, err);
    if (rc == 0)
        in->api->http_response_free(&resp);
    free(full);
    return rc;
}

/* ---- ListObjectsV2 ---------------------------------------------------- */

/* Emits every <Contents> of one page; keys lose the instance prefix. */
static int s3_list_page(struct hawk_instance *in, const char *xml, size_t len,
                        struct hawk_object_sink *out, struct hawk_error *err)
{
    const char *end = xml + len;
    const char *p = xml;
    size_t plen = strlen(in->prefix);
    for (;;) {
        const char *c;
        size_t clen;
        p = s3_xml_find(p, end, "Contents", &c, &clen);
        if (p == NULL)
            return 0;
        const char *ce = c + clen;
        char *key = s3_xml_text(c, ce, "Key", S3_MAX_KEY * 2);
        char *size = s3_xml_text(c, ce, "Size", 32);
        char *mod = s3_xml_text(c, ce, "LastModified", 64);
        char *etag = s3_xml_text(c, ce, "ETag", 256);
        int rc = 0;
        if (key == NULL || strncmp(key, in->prefix, plen) != 0) {
            HAWK_ERR_SET(err, HAWK_EPROTO, false, 0,
                         "s3 list %s: an entry without a key under the prefix",
                         in->bucket);
            rc = HAWK_EPROTO;
        } else if (key[plen] != '\0') {
            struct hawk_object_info o = {
                .struct_size = sizeof(o),
                .key = key + plen,
                .size = size != NULL ? strtoll(size, NULL, 10) : -1,
                .modified_at = s3_parse_time(mod),
                .etag = etag,
            };
            rc = out->emit(out, &o);
            if (rc < 0 && rc != HAWK_ECANCELED)
                HAWK_ERR_SET(err, rc, false, 0, "s3 list: stopped by the host");
        }
        free(key);
        free(size);
        free(mod);
        free(etag);
        if (rc < 0)
            return rc;
    }
}

int s3_list(struct hawk_instance *in, struct hawk_call *call,
            const char *prefix, struct hawk_object_sink *out,
            struct hawk_error *err)
{
    char max_keys[16];
    char *token = NULL;
    char *full = s3_full_key(in, prefix != NULL ? prefix : "");
    int rc = 0;

    if (out == NULL || out->emit == NULL) {
        free(full);
        HAWK_ERR_SET(err, HAWK_EINVAL, false, 0, "s3 list: no sink");
        return HAWK_EINVAL;
    }
    snprintf(max_keys, sizeof(max_keys), "%d", in->list_page);
    for (int page = 0;; page++) {
        struct s3_param p[4];
        size_t np = 0;
        p[np++] = (struct s3_param){"list-type", "2"};
        p[np++] = (struct s3_param){"max-keys", max_keys};
        if (full[0] != '\0')
            p[np++] = (struct s3_param){"prefix", full};
        if (token != NULL)
            p[np++] = (struct s3_param){"continuation-token", token};
        struct s3_req r = {.method = "GET",
                           .key = NULL,
                           .params = p,
                           .n_params = np,
                           .what = "list"};
        struct hawk_http_resp resp;
        rc = s3_call(in, call, &r, &resp, err);
        if (rc < 0)
            break;
        if (resp.body_len > S3_LIST_MAX_BODY) {
            in->api->http_response_free(&resp);
            HAWK_ERR_SET(err, HAWK_ETOOBIG, false, 0,
                         "s3 list: a page of %zu bytes", resp.body_len);
            rc = HAWK_ETOOBIG;
            break;
        }
        const char *end = resp.body + resp.body_len;
        rc = s3_list_page(in, resp.body, resp.body_len, out, err);
        char *trunc = s3_xml_text(resp.body, end, "IsTruncated", 16);
        free(token);
        token = s3_xml_text(resp.body, end, "NextContinuationToken", 4096);
        in->api->http_response_free(&resp);
        bool more = trunc != NULL && strcmp(trunc, "true") == 0;
        free(trunc);
        if (rc == HAWK_ECANCELED) {
            rc = 0;
            break;
        }
        if (rc < 0 || !more)
            break;
        if (token == NULL || token[0] == '\0') {
            HAWK_ERR_SET(err, HAWK_EPROTO, false, 0,
                         "s3 list %s: truncated page without "
                         "NextContinuationToken",
                         in->bucket);
            rc = HAWK_EPROTO;
            break;
        }
    }
    free(token);
    free(full);
    return rc;
}
