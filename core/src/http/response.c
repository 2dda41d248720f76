/*
 * http/response.c - filling struct hk_resp: JSON bodies, the error
 * envelope, extra headers, and the mapping from HAWK_E* codes to statuses.
 *
 * Error bodies are written straight into the response buffer (no json-c):
 * they are the most common response of a busy server under attack.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "hawk/plugin.h"
#include "http/http.h"
#include "http/http_int.h"
#include "log/log.h"
#include "util/alloc.h"
#include "util/str.h"

#define MAX_MESSAGE 1024
#define MAX_FIELD_CHARS 128

/* Length of the valid UTF-8 sequence at s (at most n bytes), or 0. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    size_t len;
    if (s[0] < 0x80)
        return 1;
    if (s[0] >= 0xc2 && s[0] <= 0xdf)
        len = 2;
    else if (s[0] >= 0xe0 && s[0] <= 0xef)
        len = 3;
    else if (s[0] >= 0xf0 && s[0] <= 0xf4)
        len = 4;
    else
        return 0;
    if (len > n)
        return 0;
    for (size_t i = 1; i < len; i++)
        if ((s[i] & 0xc0) != 0x80)
            return 0;
    /* overlongs, surrogates, above U+10FFFF */
    if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] > 0x9f) ||
        (s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] > 0x8f))
        return 0;
    return len;
}

/* Appends s (n bytes) to b as a JSON string literal, replacing invalid
 * UTF-8 with U+FFFD and cutting after max_chars characters (0: all).
 * Returns 0 or HAWK_ETOOBIG. */
int hk_http_json_str(struct hk_buf *b, const char *s, size_t n,
                     size_t max_chars)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)s;
    size_t chars = 0;
    int rc = hk_buf_putc(b, '"');
    size_t i = 0;
    while (rc == 0 && i < n) {
        if (max_chars > 0 && chars == max_chars) {
            rc = hk_buf_puts(b, "...");
            break;
        }
        unsigned char c = p[i];
        size_t len = utf8_seq(p + i, n - i);
        chars++;
        if (len == 0) {
            rc = hk_buf_append(b, "\xef\xbf\xbd", 3);
            i++;
        } else if (len > 1) {
            rc = hk_buf_append(b, s + i, len);
            i += len;
        } else {
            i++;
            if (c == '"' || c == '\\') {
                char esc[2] = {'\\', (char)c};
                rc = hk_buf_append(b, esc, 2);
            } else if (c < 0x20 || c == 0x7f) {
                char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
                rc = hk_buf_append(b, esc, 6);
            } else {
                rc = hk_buf_putc(b, (char)c);
            }
        }
    }
    if (rc == 0)
        rc = hk_buf_putc(b, '"');
    return rc;
}

/* Prepares an empty response (status 0, JSON, no headers, default body
 * limit).  Release with hk_resp_release(). */
void hk_resp_init(struct hk_resp *resp)
{
    hk_http_resp_init(resp, 0);
}

/* Prepares an empty response whose body may grow to max bytes (0: the
 * buffer default).  Release with hk_http_resp_release(). */
void hk_http_resp_init(struct hk_resp *resp, size_t max)
{
    resp->status = 0;
    resp->content_type = "application/json";
    hk_buf_init(&resp->body, max);
    resp->n_headers = 0;
}

/* Frees the body and the copied headers; resp can be initialised again. */
void hk_resp_release(struct hk_resp *resp)
{
    hk_http_resp_release(resp);
}

/* Frees the body and the copied headers of resp. */
void hk_http_resp_release(struct hk_resp *resp)
{
    hk_buf_release(&resp->body);
    for (size_t i = 0; i < resp->n_headers; i++) {
        hk_free(resp->headers[i].name);
        hk_free(resp->headers[i].value);
    }
    resp->n_headers = 0;
}

/* A body that does not fit the response buffer is a server-side fault:
 * the buffer limit is far above any JSON the API produces. */
static void body_failed(struct hk_resp *resp, int rc)
{
    hk_log(HAWK_LOG_ERROR, "cannot build the response body: %s",
           hawk_strerror(rc));
    hk_buf_reset(&resp->body);
    hk_http_error_msg(resp, 500, "internal", NULL,
                      "the response could not be built, try again "
                      "or contact the administrator");
}

/* Replaces the body with the error envelope (code, optional field, msg;
 * all copied and escaped) and sets status. */
void hk_http_error_msg(struct hk_resp *resp, int status, const char *code,
                       const char *field, const char *msg)
{
    struct hk_buf *b = &resp->body;
    hk_buf_reset(b);
    resp->status = status;
    resp->content_type = "application/json";
    int rc = hk_buf_puts(b, "{\"error\":{\"code\":");
    if (rc == 0)
        rc = hk_http_json_str(b, code, strlen(code), 0);
    if (rc == 0 && field != NULL) {
        rc = hk_buf_puts(b, ",\"field\":");
        if (rc == 0)
            rc = hk_http_json_str(b, field, strlen(field), MAX_FIELD_CHARS);
    }
    if (rc == 0)
        rc = hk_buf_puts(b, ",\"message\":");
    if (rc == 0)
        rc = hk_http_json_str(b, msg, strlen(msg), 0);
    if (rc == 0)
        rc = hk_buf_puts(b, "}}");
    if (rc < 0) {
        /* only reachable with a tiny buffer limit: keep the status */
        hk_buf_reset(b);
    }
}

static void verror(struct hk_resp *resp, int status, const char *code,
                   const char *field, const char *fmt, va_list ap)
{
    char msg[MAX_MESSAGE];
    vsnprintf(msg, sizeof(msg), fmt, ap);
    hk_http_error_msg(resp, status, code, field, msg);
}

/* Fills resp with {"error":{"code":...,"message":...}}; the message is
 * formatted here and may contain client input (it is escaped and invalid
 * UTF-8 is replaced). */
void hk_resp_error(struct hk_resp *resp, int status, const char *code,
                   const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    verror(resp, status, code, NULL, fmt, ap);
    va_end(ap);
}

/* 400 invalid_field naming the offending field of a JSON body. */
void hk_resp_field_error(struct hk_resp *resp, const char *field,
                         const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    verror(resp, 400, "invalid_field", field, fmt, ap);
    va_end(ap);
}

/* Error envelope with any status and code and an optional field. */
void hk_resp_error_field(struct hk_resp *resp, int status, const char *code,
                         const char *field, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    verror(resp, status, code, field, fmt, ap);
    va_end(ap);
}

/* Serialises obj as the body with status; takes ownership of obj (NULL
 * gives the body "null"). */
void hk_resp_json(struct hk_resp *resp, int status, json_object *obj)
{
    size_t len = 0;
    const char *s = json_object_to_json_string_length(
        obj, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
    hk_buf_reset(&resp->body);
    resp->status = status;
    resp->content_type = "application/json";
    int rc = hk_buf_append(&resp->body, s, len);
    json_object_put(obj);
    if (rc < 0)
        body_failed(resp, rc);
}

/* Copies n bytes of data as the body; content_type must be a static
 * string (NULL: application/octet-stream). */
void hk_resp_bytes(struct hk_resp *resp, int status, const char *content_type,
                   const void *data, size_t n)
{
    hk_buf_reset(&resp->body);
    resp->status = status;
    resp->content_type =
        content_type ? content_type : "application/octet-stream";
    int rc = hk_buf_append(&resp->body, data, n);
    if (rc < 0)
        body_failed(resp, rc);
}

static bool header_text_ok(const char *s, bool is_name)
{
    if (s[0] == '\0' && is_name)
        return false;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '\r' || *p == '\n')
            return false;
        if (is_name && (*p <= 0x20 || *p >= 0x7f || *p == ':'))
            return false;
    }
    return true;
}

/* Adds (or replaces, by case-insensitive name) a response header; name
 * and value are copied.  A header with CR/LF or a bad name, or past the
 * 16-header capacity, is dropped and logged: handlers pass constants or
 * values they built, so this is a programming error, not a client one. */
void hk_resp_header(struct hk_resp *resp, const char *name, const char *value)
{
    if (!header_text_ok(name, true) || !header_text_ok(value, false)) {
        hk_log(HAWK_LOG_ERROR, "dropping response header with a malformed "
                               "name or value");
        return;
    }
    for (size_t i = 0; i < resp->n_headers; i++) {
        if (hk_str_ieq(resp->headers[i].name, name)) {
            hk_free(resp->headers[i].value);
            resp->headers[i].value = hk_strdup(value);
            return;
        }
    }
    size_t cap = sizeof(resp->headers) / sizeof(resp->headers[0]);
    if (resp->n_headers == cap) {
        hk_log(HAWK_LOG_ERROR,
               "dropping response header '%s': more than "
               "%zu headers",
               name, cap);
        return;
    }
    resp->headers[resp->n_headers].name = hk_strdup(name);
    resp->headers[resp->n_headers].value = hk_strdup(value);
    resp->n_headers++;
}

/* Value of a header set with hk_resp_header() (case-insensitive name), or
 * NULL; borrowed until the header changes or resp is released. */
const char *hk_resp_get_header(const struct hk_resp *resp, const char *name)
{
    for (size_t i = 0; i < resp->n_headers; i++)
        if (hk_str_ieq(resp->headers[i].name, name))
            return resp->headers[i].value;
    return NULL;
}

/*
 * Maps a HAWK_E* from a lower layer to a response.  Internal details are
 * never sent: unexpected codes become 500 "internal" and are logged with
 * their name (the log line carries the request id the client sees).
 */
void hk_resp_from_status(struct hk_resp *resp, int code)
{
    switch (code) {
    case HAWK_EUNAVAIL:
        hk_resp_error(resp, 503, "unavailable",
                      "database unavailable, try again shortly");
        hk_resp_header(resp, "Retry-After", "2");
        break;
    case HAWK_ENOTFOUND:
        hk_resp_error(resp, 404, "not_found",
                      "the requested resource does not exist");
        break;
    case HAWK_ECONFLICT:
    case HAWK_EEXIST:
        hk_resp_error(resp, 409, "conflict",
                      "the request conflicts with the current state of the "
                      "resource; reload it and try again");
        break;
    case HAWK_EINVAL:
        hk_resp_error(resp, 400, "invalid_request",
                      "the request is invalid; check the parameters");
        break;
    case HAWK_ETOOBIG:
        hk_resp_error(resp, 413, "payload_too_large",
                      "the request is too large; send less data");
        break;
    case HAWK_EAUTH:
        hk_resp_error(resp, 401, "unauthorized",
                      "authentication failed; log in again");
        hk_resp_header(resp, "WWW-Authenticate", "Bearer");
        break;
    case HAWK_EPERM:
        hk_resp_error(resp, 403, "forbidden", "you are not allowed to do this");
        break;
    case HAWK_ERATELIMIT:
        hk_resp_error(resp, 429, "rate_limited",
                      "too many requests, try again later");
        hk_resp_header(resp, "Retry-After", "5");
        break;
    case HAWK_EQUOTA:
        hk_resp_error(resp, 402, "quota_exceeded",
                      "your plan's quota is used up; upgrade the plan or "
                      "wait for the next period");
        break;
    case HAWK_ETIMEDOUT:
        hk_resp_error(resp, 504, "timeout",
                      "the operation timed out, try again");
        break;
    default:
        hk_log(HAWK_LOG_ERROR, "request failed: %s (%s)", hawk_err_name(code),
               hawk_strerror(code));
        hk_resp_error(resp, 500, "internal",
                      "internal error; report the request id to the "
                      "administrator");
        break;
    }
}
