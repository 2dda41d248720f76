/*
 * plugins/openai/transport.c - one request to the server with the retry
 * policy OpenAI documents and its SDKs follow:
 *  - retried: connection errors, timeouts, 408, 409, 429, 5xx, and any
 *    status with `x-should-retry: true`; never with `x-should-retry:
 *    false`, and never a 429 whose code is `insufficient_quota` (it
 *    cannot succeed until someone pays);
 *  - not retried: 400, 401, 403, 404, 422 (reported with the server's
 *    message, redacted);
 *  - the wait honours `retry-after-ms`, then `retry-after` (seconds or an
 *    HTTP date) when under 60 s, else exponential back-off from
 *    retry_base doubling to retry_cap with up to 25% jitter;
 *  - every wait goes through api->sleep_ms so the call's cancel flag and
 *    deadline end it, and the host's test clock can observe it; a wait
 *    that would outlast the call's deadline is not started.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "openai.h"

#define OAI_HINT_MAX_MS 60000

/* See openai.h. */
const char *oai_header(const struct hawk_http_resp *resp, const char *name)
{
    if (resp == NULL)
        return NULL;
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

/* Seconds ("2", "1.5") or an IMF-fixdate; returns ms or -1. */
static int64_t oai_retry_after(const char *v, int64_t now_ms)
{
    char *end = NULL;
    double secs = strtod(v, &end);

    if (end != v && *end == '\0')
        return isfinite(secs) && secs >= 0 ? (int64_t)(secs * 1000.0) : -1;
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    const char *rest = strptime(v, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    if (rest == NULL || *rest != '\0')
        return -1;
    int64_t at_ms = (int64_t)timegm(&tm) * 1000;
    return at_ms > now_ms ? at_ms - now_ms : 0;
}

/* See openai.h. */
int64_t oai_backoff_ms(const struct hawk_instance *in, int n,
                       const struct hawk_http_resp *resp, int64_t now_ms,
                       double rnd)
{
    int64_t hint = -1;
    const char *v = oai_header(resp, "retry-after-ms");

    if (v != NULL) {
        char *end = NULL;
        double ms = strtod(v, &end);
        if (end != v && *end == '\0' && isfinite(ms) && ms >= 0)
            hint = (int64_t)ms;
    }
    if (hint < 0) {
        v = oai_header(resp, "retry-after");
        if (v != NULL)
            hint = oai_retry_after(v, now_ms);
    }
    /* A hint of 0 or one longer than a minute is not trusted (the SDKs
     * do the same): fall back to our own back-off. */
    if (hint > 0 && hint <= OAI_HINT_MAX_MS)
        return hint;

    double wait = (double)in->retry_base_ms * pow(2.0, n);
    if (wait > (double)in->retry_cap_ms)
        wait = (double)in->retry_cap_ms;
    wait *= 1.0 - rnd * 0.25;
    return (int64_t)wait;
}

static double oai_rand01(const struct hawk_instance *in)
{
    uint32_t r = 0;
    if (in->api->random(&r, sizeof(r)) < 0)
        return 0.5;
    return (double)r / 4294967296.0;
}

static int oai_status_code(int status, const char *code)
{
    switch (status) {
    case 400:
    case 422:
        return HAWK_EINVAL;
    case 401:
        return HAWK_EAUTH;
    case 403:
        return HAWK_EPERM;
    case 404:
        return HAWK_ENOTFOUND;
    case 408:
        return HAWK_ETIMEDOUT;
    case 409:
        return HAWK_ECONFLICT;
    case 413:
        return HAWK_ETOOBIG;
    case 429:
        return code != NULL && strcmp(code, "insufficient_quota") == 0
                   ? HAWK_EQUOTA
                   : HAWK_ERATELIMIT;
    default:
        return status >= 500 ? HAWK_EUNAVAIL : HAWK_EPROTO;
    }
}

static bool oai_status_retryable(int status, const char *code,
                                 const struct hawk_http_resp *resp)
{
    if (code != NULL && strcmp(code, "insufficient_quota") == 0)
        return false;
    const char *xsr = oai_header(resp, "x-should-retry");
    if (xsr != NULL && strcmp(xsr, "true") == 0)
        return true;
    if (xsr != NULL && strcmp(xsr, "false") == 0)
        return false;
    return status == 408 || status == 409 || status == 429 || status >= 500;
}

/* See openai.h. */
int oai_http_error(const struct hawk_instance *in,
                   const struct hawk_http_resp *resp, struct hawk_error *err)
{
    char msg[512] = "";
    char code[64] = "";
    char safe[256];
    json_object *root = NULL, *e = NULL, *v = NULL;

    if (resp->body_len > 0 && resp->body_len < (1u << 20))
        root = json_tokener_parse(resp->body);
    if (root != NULL && json_object_object_get_ex(root, "error", &e)) {
        if (json_object_is_type(e, json_type_object)) {
            if (json_object_object_get_ex(e, "message", &v) &&
                json_object_is_type(v, json_type_string))
                snprintf(msg, sizeof(msg), "%s", json_object_get_string(v));
            if (json_object_object_get_ex(e, "code", &v) &&
                !json_object_is_type(v, json_type_null))
                snprintf(code, sizeof(code), "%s", json_object_get_string(v));
            else if (json_object_object_get_ex(e, "type", &v) &&
                     json_object_is_type(v, json_type_string))
                snprintf(code, sizeof(code), "%s", json_object_get_string(v));
        } else if (json_object_is_type(e, json_type_string)) {
            /* Ollama and some gateways: {"error": "message"}. */
            snprintf(msg, sizeof(msg), "%s", json_object_get_string(e));
        }
    }
    json_object_put(root);
    if (msg[0] == '\0')
        snprintf(msg, sizeof(msg), "no error message in the reply");
    oai_redact(msg, in->api_key, safe, sizeof(safe));

    int rc = oai_status_code(resp->status, code[0] != '\0' ? code : NULL);
    bool retry =
        oai_status_retryable(resp->status, code[0] ? code : NULL, resp);
    HAWK_ERR_SET(err, rc, retry, resp->status,
                 "llm server returned %d%s%.40s%s: %.180s", resp->status,
                 code[0] ? " (" : "", code, code[0] ? ")" : "", safe);
    return rc;
}

/* Rate-limit and request id headers, at debug level for diagnosis. */
static void oai_log_reply(const struct hawk_instance *in,
                          const struct hawk_http_resp *resp, int attempt)
{
    const char *rid = oai_header(resp, "x-request-id");
    const char *rr = oai_header(resp, "x-ratelimit-remaining-requests");
    const char *rt = oai_header(resp, "x-ratelimit-remaining-tokens");
    const char *pm = oai_header(resp, "openai-processing-ms");

    in->api->log(in->host, HAWK_LOG_DEBUG,
                 "llm reply status=%d attempt=%d x-request-id=%s "
                 "remaining-requests=%s remaining-tokens=%s processing-ms=%s "
                 "ms=%.1f",
                 resp->status, attempt, rid ? rid : "-", rr ? rr : "-",
                 rt ? rt : "-", pm ? pm : "-", resp->total_ms);
}

static void oai_note_attempts(struct hawk_error *err, int attempts)
{
    if (err == NULL || attempts < 2)
        return;
    size_t n = strlen(err->msg);
    snprintf(err->msg + n, sizeof(err->msg) - n, " (after %d attempts)",
             attempts);
}

/* See openai.h. */
int oai_transport(struct hawk_instance *in, struct hawk_call *call,
                  const struct oai_send *s, struct hawk_http_resp *resp,
                  int *attempts, struct hawk_error *err)
{
    const struct hawk_host_api *api = in->api;
    struct hawk_http_req hr;

    memset(&hr, 0, sizeof(hr));
    hr.struct_size = sizeof(hr);
    hr.method = s->method;
    hr.url = s->url;
    hr.headers = in->headers;
    hr.n_headers = in->n_headers;
    hr.header_size = sizeof(struct hawk_http_header);
    hr.body = s->body;
    hr.body_len = s->body_len;
    hr.timeout_ms = s->timeout_ms;
    hr.body_sink = s->sse != NULL ? &s->sse->sink : NULL;

    for (int n = 0;; n++) {
        if (s->sse != NULL)
            oai_sse_reset(s->sse);
        int rc = api->http_request(call, &hr, resp, err);
        (*attempts)++;
        int64_t wait = 0;
        if (rc == 0) {
            oai_log_reply(in, resp, *attempts);
            if (resp->status >= 200 && resp->status < 300) {
                rc = s->check != NULL ? s->check(s->opaque, resp, err) : 0;
                if (rc == 0)
                    return 0;
            } else {
                rc = oai_http_error(in, resp, err);
            }
            wait = oai_backoff_ms(in, n, resp, api->now_ms(in->host),
                                  oai_rand01(in));
        } else {
            wait = oai_backoff_ms(in, n, NULL, 0, oai_rand01(in));
        }
        api->http_response_free(resp);

        bool started = s->sse != NULL && s->sse->started;
        if (!err->retryable || n >= in->max_retries || started) {
            oai_note_attempts(err, *attempts);
            return rc;
        }
        if (wait >= api->call_remaining_ms(call)) {
            size_t len = strlen(err->msg);
            snprintf(err->msg + len, sizeof(err->msg) - len,
                     "; not retried: waiting %lld ms would pass the deadline",
                     (long long)wait);
            err->retry_after_ms = wait > INT32_MAX ? INT32_MAX : (int)wait;
            return rc;
        }
        api->log(in->host, HAWK_LOG_WARN,
                 "llm attempt %d failed (%s), retrying in %lld ms", *attempts,
                 err->msg, (long long)wait);
        int src = api->sleep_ms(call, wait);
        if (src < 0) {
            HAWK_ERR_SET(
                err, src, false, 0, "llm call %s while waiting to retry",
                src == HAWK_ECANCELED ? "cancelled" : "reached its deadline");
            return src;
        }
    }
}
