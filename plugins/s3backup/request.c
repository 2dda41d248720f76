/*
 * plugins/s3backup/request.c - one signed S3 request, the retry policy
 * and the mapping of S3's XML errors.
 *
 * Every request carries x-amz-content-sha256 (libcurl 7.88 does not add
 * it and signs with its value): the hex SHA-256 of the body when
 * sign_payload is on (S3 then rejects a body changed in transit), else
 * UNSIGNED-PAYLOAD.  The secret key reaches only the host's HTTP client
 * (CURLOPT_USERPWD); no message here ever contains it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "s3.h"

#define S3_EMPTY_SHA256                                                        \
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define S3_MAX_REQ_HEADERS 48
#define S3_MAX_ERROR_BODY ((size_t)64 << 10)

const char *s3_header(const struct hawk_http_resp *resp, const char *name)
{
    for (size_t i = 0; i < resp->n_headers; i++) {
        if (strcmp(
                HAWK_AT(hawk_http_header, resp->headers, resp->header_size, i)
                    ->name,
                name) == 0)
            return HAWK_AT(hawk_http_header, resp->headers, resp->header_size,
                           i)
                ->value;
    }
    return NULL;
}

int s3_send(struct hawk_instance *in, struct hawk_call *call,
            const struct s3_req *r, struct hawk_http_resp *resp,
            struct hawk_error *err)
{
    struct hawk_http_header h[S3_MAX_REQ_HEADERS];
    size_t nh = 0;
    char sha[65];
    char range[48];

    if (r->n_headers > S3_MAX_REQ_HEADERS - 4) {
        HAWK_ERR_SET(err, HAWK_EINVAL, false, 0, "s3 %s: too many headers",
                     r->what);
        return HAWK_EINVAL;
    }
    if (r->body != NULL && in->sign_payload)
        s3_sha256_hex(r->body, r->body_len, sha);
    h[nh++] = (struct hawk_http_header){"x-amz-content-sha256",
                                        r->body == NULL    ? S3_EMPTY_SHA256
                                        : in->sign_payload ? sha
                                                           : "UNSIGNED-PAYLOAD",
                                        false};
    if (in->session_token != NULL)
        h[nh++] = (struct hawk_http_header){"x-amz-security-token",
                                            in->session_token, true};
    if (r->range_from > 0) {
        snprintf(range, sizeof(range), "bytes=%lld-", (long long)r->range_from);
        h[nh++] = (struct hawk_http_header){"Range", range, false};
    }
    for (size_t i = 0; i < r->n_headers; i++)
        h[nh++] = r->headers[i];

    char *url = s3_url(in, r->key, r->params, r->n_params);
    struct hawk_http_req req = {
        .struct_size = sizeof(req),
        .method = r->method,
        .url = url,
        .headers = h,
        .n_headers = nh,
        .header_size = sizeof(struct hawk_http_header),
        .body = r->body,
        .body_len = r->body_len,
        .timeout_ms = (int)(r->timeout_ms > 0 ? r->timeout_ms : in->timeout_ms),
        .max_response_bytes = S3_MAX_ERROR_BODY * 16,
        .body_sink = r->sink,
        .aws_sigv4 = in->sigv4,
        .user_pwd = in->userpwd,
    };
    int rc = in->api->http_request(call, &req, resp, err);
    free(url);
    return rc;
}

/* Text of the S3 error body's <Code> into code (may be empty). */
static void s3_error_code(const struct hawk_http_resp *resp, char *code,
                          size_t n, char *msg, size_t mn)
{
    code[0] = '\0';
    msg[0] = '\0';
    if (resp->body == NULL || resp->body_len == 0)
        return;
    const char *end = resp->body + resp->body_len;
    char *c = s3_xml_text(resp->body, end, "Code", 64);
    char *m = s3_xml_text(resp->body, end, "Message", 160);
    if (c != NULL)
        snprintf(code, n, "%s", c);
    if (m != NULL)
        snprintf(msg, mn, "%s", m);
    free(c);
    free(m);
}

int s3_http_error(const struct hawk_instance *in, const char *what,
                  const char *key, const struct hawk_http_resp *resp,
                  struct hawk_error *err)
{
    char code[80], msg[200];
    int st = resp->status;
    s3_error_code(resp, code, sizeof(code), msg, sizeof(msg));
    const char *k = key != NULL ? key : "";
    const char *sep = msg[0] != '\0' ? ": " : "";

    if (strcmp(code, "SignatureDoesNotMatch") == 0) {
        HAWK_ERR_SET(err, HAWK_EAUTH, false, st,
                     "s3 %s %s/%s: %d SignatureDoesNotMatch: the server "
                     "rejected the request signature; check "
                     "secret_access_key and region (%s)",
                     what, in->bucket, k, st, in->sigv4);
        return HAWK_EAUTH;
    }
    if (strcmp(code, "InvalidAccessKeyId") == 0 ||
        strcmp(code, "ExpiredToken") == 0 ||
        strcmp(code, "InvalidToken") == 0) {
        HAWK_ERR_SET(err, HAWK_EAUTH, false, st,
                     "s3 %s %s/%s: %d %s: check access_key_id and "
                     "session_token",
                     what, in->bucket, k, st, code);
        return HAWK_EAUTH;
    }
    if (strcmp(code, "NoSuchBucket") == 0) {
        HAWK_ERR_SET(err, HAWK_ECONFIG, false, st,
                     "s3 %s: bucket '%s' does not exist; create it or fix the "
                     "bucket option",
                     what, in->bucket);
        return HAWK_ECONFIG;
    }
    if (st == 404 || strcmp(code, "NoSuchKey") == 0 ||
        strcmp(code, "NoSuchUpload") == 0) {
        HAWK_ERR_SET(err, HAWK_ENOTFOUND, false, st, "s3 %s %s/%s: not found",
                     what, in->bucket, k);
        return HAWK_ENOTFOUND;
    }
    if (st == 403) {
        HAWK_ERR_SET(err, HAWK_EPERM, false, st,
                     "s3 %s %s/%s: 403 %s%s%.160s: the credentials lack "
                     "permission",
                     what, in->bucket, k, code[0] ? code : "Forbidden", sep,
                     msg);
        return HAWK_EPERM;
    }
    if (st == 429 || st == 503 || strcmp(code, "SlowDown") == 0) {
        HAWK_ERR_SET(err, HAWK_ERATELIMIT, true, st,
                     "s3 %s %s/%s: %d %s: the server asks to slow down", what,
                     in->bucket, k, st, code[0] ? code : "SlowDown");
        return HAWK_ERATELIMIT;
    }
    if (st >= 500 || strcmp(code, "RequestTimeout") == 0 ||
        strcmp(code, "InternalError") == 0) {
        HAWK_ERR_SET(err, HAWK_EUNAVAIL, true, st, "s3 %s %s/%s: %d %s%s%.160s",
                     what, in->bucket, k, st, code[0] ? code : "server error",
                     sep, msg);
        return HAWK_EUNAVAIL;
    }
    if (strcmp(code, "EntityTooLarge") == 0 ||
        strcmp(code, "EntityTooSmall") == 0) {
        HAWK_ERR_SET(err, HAWK_ETOOBIG, false, st, "s3 %s %s/%s: %d %s%s%.160s",
                     what, in->bucket, k, st, code, sep, msg);
        return HAWK_ETOOBIG;
    }
    HAWK_ERR_SET(err, HAWK_EPROTO, false, st, "s3 %s %s/%s: %d %s%s%.160s",
                 what, in->bucket, k, st, code[0] ? code : "error", sep, msg);
    return HAWK_EPROTO;
}

int s3_backoff(struct hawk_instance *in, struct hawk_call *call, int n,
               const struct hawk_http_resp *resp)
{
    int64_t wait = in->retry_base_ms;
    for (int i = 1; i < n && wait < in->retry_cap_ms; i++)
        wait *= 2;
    if (wait > in->retry_cap_ms)
        wait = in->retry_cap_ms;
    /* Equal jitter: a random point in the upper half, so retries of many
     * clients spread out. */
    uint32_t r = 0;
    if (in->api->random(&r, sizeof(r)) == 0 && wait > 1)
        wait = wait / 2 + (int64_t)(r % (uint32_t)(wait / 2 + 1));
    const char *ra = resp != NULL ? s3_header(resp, "retry-after") : NULL;
    if (ra != NULL) {
        char *e = NULL;
        long s = strtol(ra, &e, 10);
        if (e != ra && *e == '\0' && s > 0 && s < 3600 && s * 1000 > wait)
            wait = s * 1000;
    }
    return in->api->sleep_ms(call, wait);
}

/* Sink wrapper that records whether any byte went through. */
struct s3_count_sink {
    struct hawk_text_sink sink;
    struct hawk_text_sink *next;
    size_t bytes;
};

static int s3_count_write(struct hawk_text_sink *s, const char *d, size_t n)
{
    struct s3_count_sink *c = (struct s3_count_sink *)s;
    c->bytes += n;
    return c->next->write(c->next, d, n);
}

int s3_call(struct hawk_instance *in, struct hawk_call *call,
            const struct s3_req *r, struct hawk_http_resp *resp,
            struct hawk_error *err)
{
    struct s3_count_sink cs = {{NULL, s3_count_write}, r->sink, 0};
    struct s3_req rr = *r;
    if (r->sink != NULL)
        rr.sink = &cs.sink;

    for (int attempt = 1;; attempt++) {
        int rc = s3_send(in, call, &rr, resp, err);
        if (rc == 0 && resp->status >= 200 && resp->status < 300)
            return 0;
        if (rc == 0)
            rc = s3_http_error(in, r->what, r->key, resp, err);
        bool again = err->retryable && rc != HAWK_ECANCELED &&
                     attempt <= in->max_retries && cs.bytes == 0;
        if (!again) {
            in->api->http_response_free(resp);
            return rc;
        }
        in->api->log(in->host, HAWK_LOG_WARN,
                     "s3 %s: attempt %d failed (%s), retrying", r->what,
                     attempt, err->msg);
        in->api->metric_add(in->host, "hawk_s3_retries_total", NULL, 1);
        int brc = s3_backoff(in, call, attempt, resp);
        in->api->http_response_free(resp);
        if (brc < 0) {
            HAWK_ERR_SET(err, brc, false, 0, "s3 %s: %s while retrying",
                         r->what, hawk_strerror(brc));
            return brc;
        }
    }
}
