/*
 * plugins/stripe/http.c - one Stripe API request with the retry policy
 * Stripe documents and its SDKs follow (see stp_call in stripe.h), the
 * error body read into a code and a redacted message, and idempotency
 * keys.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stripe.h"

/* A Retry-After longer than this is not honoured (as stripe-node). */
#define STP_RETRY_AFTER_MAX_S 60

static const char *stp_header(const struct hawk_http_resp *resp,
                              const char *name)
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

/* See stripe.h. */
int64_t stp_backoff_ms(const struct hawk_instance *in, int n, double rnd)
{
    double wait = (double)in->retry_base_ms * pow(2.0, n);
    if (wait > (double)in->retry_cap_ms)
        wait = (double)in->retry_cap_ms;
    /* Jitter into [50%, 100%] of the step, never under the base. */
    wait *= 0.5 * (1.0 + rnd);
    if (wait < (double)in->retry_base_ms)
        wait = (double)in->retry_base_ms;
    return (int64_t)wait;
}

static double stp_rand01(const struct hawk_instance *in)
{
    uint32_t r = 0;
    if (in->api->random(&r, sizeof(r)) < 0)
        return 0.5;
    return (double)r / 4294967296.0;
}

/* See stripe.h. */
int stp_idem_key(const struct hawk_instance *in, const char *op,
                 const char *given, char *dst, size_t n)
{
    char suffix[200];

    if (given != NULL && given[0] != '\0') {
        size_t o = 0;
        for (const char *p = given; *p != '\0' && o + 1 < sizeof(suffix); p++) {
            unsigned char c = (unsigned char)*p;
            /* Header-safe: printable ASCII without spaces. */
            suffix[o++] = (c > 32 && c < 127) ? (char)c : '_';
        }
        suffix[o] = '\0';
    } else {
        unsigned char r[16];
        if (in->api->random(r, sizeof(r)) < 0)
            return HAWK_EIO;
        for (size_t i = 0; i < sizeof(r); i++)
            snprintf(suffix + 2 * i, 3, "%02x", r[i]);
    }
    int len = snprintf(dst, n, "%s-%s-%s", in->idem_prefix, op, suffix);
    if (len < 0)
        return HAWK_EINTERNAL;
    /* Stripe takes at most 255 characters. */
    if ((size_t)len >= n || len > 255)
        dst[n - 1 < 255 ? n - 1 : 255] = '\0';
    return 0;
}

static int stp_status_code(int status, const char *type, const char *code)
{
    if (type != NULL && strcmp(type, "idempotency_error") == 0)
        return HAWK_ECONFLICT;
    if (code != NULL && strcmp(code, "rate_limit") == 0)
        return HAWK_ERATELIMIT;
    switch (status) {
    case 400:
        return HAWK_EINVAL;
    case 401:
        return HAWK_EAUTH;
    case 402:
    case 403:
        return HAWK_EPERM;
    case 404:
        return HAWK_ENOTFOUND;
    case 409:
        return HAWK_ECONFLICT;
    case 429:
        return HAWK_ERATELIMIT;
    default:
        return status >= 500 ? HAWK_EUNAVAIL : HAWK_EPROTO;
    }
}

static bool stp_retryable(const struct hawk_instance *in, int status,
                          const struct hawk_http_resp *resp)
{
    const char *sr = stp_header(resp, "stripe-should-retry");
    if (sr != NULL && strcmp(sr, "true") == 0)
        return true;
    if (sr != NULL && strcmp(sr, "false") == 0)
        return false;
    if (status == 429)
        return in->retry_rate_limited;
    return status == 409 || status >= 500;
}

static const char *stp_str_or(json_object *o, const char *key)
{
    json_object *v = NULL;
    if (o != NULL && json_object_object_get_ex(o, key, &v) &&
        json_object_is_type(v, json_type_string))
        return json_object_get_string(v);
    return NULL;
}

/* Reads Stripe's error body into err and a neutral error object for the
 * host (both with the message redacted).  Returns the code. */
static int stp_http_error(const struct hawk_instance *in, const char *what,
                          const struct hawk_http_resp *resp,
                          json_object **err_obj, struct hawk_error *err)
{
    json_object *root = NULL, *e = NULL;
    char safe[200];

    if (resp->body_len > 0 && resp->body_len < ((size_t)1 << 20))
        root = json_tokener_parse(resp->body);
    if (root != NULL && (!json_object_object_get_ex(root, "error", &e) ||
                         !json_object_is_type(e, json_type_object)))
        e = NULL;
    const char *type = stp_str_or(e, "type");
    const char *code = stp_str_or(e, "code");
    const char *param = stp_str_or(e, "param");
    const char *decline = stp_str_or(e, "decline_code");
    const char *msg = stp_str_or(e, "message");
    const char *rid = stp_header(resp, "request-id");
    stp_redact(in, msg != NULL ? msg : "no error message in the reply", safe,
               sizeof(safe));

    int rc = stp_status_code(resp->status, type, code);
    bool retry = stp_retryable(in, resp->status, resp);
    char extra[160] = "";
    if (code != NULL || param != NULL)
        snprintf(extra, sizeof(extra), " (%s%.40s%s%s%.60s)",
                 code != NULL ? "code " : "", code != NULL ? code : "",
                 code != NULL && param != NULL ? ", " : "",
                 param != NULL ? "param " : "", param != NULL ? param : "");
    HAWK_ERR_SET(err, rc, retry, resp->status,
                 "%s: stripe answered %d %.30s%s: %s", what, resp->status,
                 type != NULL ? type : "error", extra, safe);

    json_object *o = json_object_new_object();
    json_object_object_add(o, "status", json_object_new_int(resp->status));
    json_object_object_add(o, "type",
                           type ? json_object_new_string(type) : NULL);
    json_object_object_add(o, "code",
                           code ? json_object_new_string(code) : NULL);
    json_object_object_add(o, "decline_code",
                           decline ? json_object_new_string(decline) : NULL);
    json_object_object_add(o, "param",
                           param ? json_object_new_string(param) : NULL);
    json_object_object_add(o, "message", json_object_new_string(safe));
    json_object_object_add(o, "request_id",
                           rid ? json_object_new_string(rid) : NULL);
    json_object_object_add(o, "retryable", json_object_new_boolean(retry));
    *err_obj = json_object_new_object();
    json_object_object_add(*err_obj, "error", o);
    json_object_put(root);
    return rc;
}

/* A 2xx body: a JSON object, complete.  A truncated reply is retried like
 * a dropped connection (the idempotency key makes that safe). */
static int stp_parse_reply(const char *what, const struct hawk_http_resp *resp,
                           json_object **out, struct hawk_error *err)
{
    struct json_tokener *tok = json_tokener_new();
    json_object *root =
        json_tokener_parse_ex(tok, resp->body, (int)resp->body_len);
    bool complete = json_tokener_get_error(tok) == json_tokener_success;
    json_tokener_free(tok);
    if (root == NULL || !complete ||
        !json_object_is_type(root, json_type_object)) {
        json_object_put(root);
        HAWK_ERR_SET(err, HAWK_EPROTO, true, resp->status,
                     "%s: stripe sent an unreadable reply (%zu bytes)", what,
                     resp->body_len);
        return HAWK_EPROTO;
    }
    *out = root;
    return 0;
}

static void stp_log_reply(const struct hawk_instance *in, const char *what,
                          const struct hawk_http_resp *resp, int attempt)
{
    const char *rid = stp_header(resp, "request-id");
    const char *replayed = stp_header(resp, "idempotent-replayed");
    in->api->log(in->host, HAWK_LOG_DEBUG,
                 "stripe %s: status=%d attempt=%d request-id=%s "
                 "idempotent-replayed=%s ms=%.1f",
                 what, resp->status, attempt, rid ? rid : "-",
                 replayed ? replayed : "false", resp->total_ms);
}

/* Retry-After in seconds when present, small and well-formed; else -1. */
static int64_t stp_retry_after_ms(const struct hawk_http_resp *resp)
{
    const char *v = stp_header(resp, "retry-after");
    if (v == NULL)
        return -1;
    char *end = NULL;
    long s = strtol(v, &end, 10);
    if (end == v || *end != '\0' || s < 0 || s > STP_RETRY_AFTER_MAX_S)
        return -1;
    return (int64_t)s * 1000;
}

/* One attempt: 0 with *out, or a code with err (and *err_obj for a
 * Stripe error reply); *hint_ms a server wait hint or -1. */
static int stp_attempt(struct hawk_instance *in, struct hawk_call *call,
                       const struct stp_req *r, const struct hawk_http_req *hr,
                       int attempt, json_object **out, json_object **err_obj,
                       int64_t *hint_ms, struct hawk_error *err)
{
    struct hawk_http_resp resp;
    int rc = in->api->http_request(call, hr, &resp, err);

    *hint_ms = -1;
    if (rc == 0) {
        stp_log_reply(in, r->what, &resp, attempt);
        if (resp.status >= 200 && resp.status < 300) {
            rc = stp_parse_reply(r->what, &resp, out, err);
        } else {
            rc = stp_http_error(in, r->what, &resp, err_obj, err);
            *hint_ms = stp_retry_after_ms(&resp);
        }
    } else {
        char safe[200];
        stp_redact(in, err->msg, safe, sizeof(safe));
        snprintf(err->msg, sizeof(err->msg), "%.50s: %s", r->what, safe);
    }
    in->api->http_response_free(&resp);
    return rc;
}

static void stp_note(struct hawk_error *err, const char *fmt, long long v)
{
    size_t n = strlen(err->msg);
    snprintf(err->msg + n, sizeof(err->msg) - n, fmt, v);
}

/* See stripe.h. */
int stp_call(struct hawk_instance *in, struct hawk_call *call,
             const struct stp_req *r, json_object **out,
             struct hawk_text_sink *err_sink, struct hawk_error *err)
{
    const struct hawk_host_api *api = in->api;
    struct hawk_http_header h[8];
    struct hawk_http_req hr;
    json_object *err_obj = NULL;
    bool post = strcmp(r->method, "POST") == 0;
    int rc = 0;

    *out = NULL;
    if (post && (r->idem_key == NULL || r->idem_key[0] == '\0')) {
        HAWK_ERR_SET(err, HAWK_EINTERNAL, false, 0,
                     "%s: a POST without an idempotency key", r->what);
        return HAWK_EINTERNAL;
    }
    size_t nh = 0;
    for (size_t i = 0; i < in->n_headers; i++)
        h[nh++] = in->headers[i];
    if (post) {
        h[nh++] = (struct hawk_http_header){
            "Content-Type", "application/x-www-form-urlencoded", false};
        h[nh++] =
            (struct hawk_http_header){"Idempotency-Key", r->idem_key, false};
    }
    char *url = stp_fmt("%s%s", in->api_base, r->path);
    memset(&hr, 0, sizeof(hr));
    hr.struct_size = sizeof(hr);
    hr.method = r->method;
    hr.url = url;
    hr.headers = h;
    hr.n_headers = nh;
    hr.header_size = sizeof(struct hawk_http_header);
    hr.body = post ? (r->form != NULL ? r->form : "") : NULL;
    hr.body_len = hr.body != NULL ? strlen(hr.body) : 0;
    hr.timeout_ms = (int)in->timeout_ms;
    hr.max_response_bytes = STP_MAX_RESPONSE;

    for (int n = 0;; n++) {
        int64_t hint = -1;
        json_object_put(err_obj);
        err_obj = NULL;
        rc = stp_attempt(in, call, r, &hr, n + 1, out, &err_obj, &hint, err);
        if (rc == 0)
            break;
        if (!err->retryable || n >= in->max_retries || r->once) {
            if (n > 0)
                stp_note(err, " (after %lld attempts)", (long long)n + 1);
            break;
        }
        int64_t wait = stp_backoff_ms(in, n, stp_rand01(in));
        if (hint > wait)
            wait = hint;
        if (wait >= api->call_remaining_ms(call)) {
            stp_note(err,
                     "; not retried: waiting %lld ms would pass the "
                     "deadline",
                     (long long)wait);
            break;
        }
        api->log(in->host, HAWK_LOG_WARN,
                 "stripe attempt %d failed (%s), retrying in %lld ms", n + 1,
                 err->msg, (long long)wait);
        int src = api->sleep_ms(call, wait);
        if (src < 0) {
            HAWK_ERR_SET(
                err, src, false, 0, "%s: %s while waiting to retry", r->what,
                src == HAWK_ECANCELED ? "cancelled" : "the deadline passed");
            rc = src;
            break;
        }
    }
    if (rc < 0 && err_obj != NULL && err_sink != NULL)
        (void)stp_emit_json(err_sink, err_obj);
    json_object_put(err_obj);
    free(url);
    return rc;
}
