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
#include "util/err.h"
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

/* See http.h. */
void hk_resp_error(struct hk_resp *resp, int status, const char *code,
                   const char *field, const char *fmt, ...)
{
    char msg[MAX_MESSAGE];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    hk_http_error_msg(resp, status, code, field, msg);
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

/* See http.h. */
json_object *hk_resp_page_json(json_object *items, int64_t page,
                               int64_t per_page, int64_t total)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "items", items);
    json_object_object_add(o, "page", json_object_new_int64(page));
    json_object_object_add(o, "per_page", json_object_new_int64(per_page));
    json_object_object_add(o, "total", json_object_new_int64(total));
    json_object_object_add(
        o, "pages",
        json_object_new_int64(per_page > 0 ? (total + per_page - 1) / per_page
                                           : 0));
    return o;
}

/* See http.h. */
void hk_resp_no_content(struct hk_resp *resp)
{
    hk_buf_reset(&resp->body);
    resp->status = 204;
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

/* ---- struct hk_err -> response ---- */

/* Status, standard sentence and extra header of each code the edge knows;
 * any other code is a 500. */
static const struct code_status {
    int code;
    int status;
    const char *msg;
    const char *header, *value;
} code_statuses[] = {
    {HAWK_EUNAVAIL, 503, "database unavailable, try again shortly",
     "Retry-After", "2"},
    {HAWK_ENOTFOUND, 404, "the requested resource does not exist", NULL, NULL},
    {HAWK_ECONFLICT, 409,
     "the request conflicts with the current state of the resource; reload "
     "it and try again",
     NULL, NULL},
    {HAWK_EEXIST, 409,
     "the request conflicts with the current state of the resource; reload "
     "it and try again",
     NULL, NULL},
    {HAWK_EINVAL, 400, "the request is invalid; check the parameters", NULL,
     NULL},
    {HAWK_ETOOBIG, 413, "the request is too large; send less data", NULL, NULL},
    {HAWK_EAUTH, 401, "authentication failed; log in again", "WWW-Authenticate",
     "Bearer"},
    {HAWK_EPERM, 403, "you are not allowed to do this", NULL, NULL},
    {HAWK_ERATELIMIT, 429, "too many requests, try again later", "Retry-After",
     "5"},
    {HAWK_EQUOTA, 402,
     "your plan's quota is used up; upgrade the plan or wait for the next "
     "period",
     NULL, NULL},
    {HAWK_ETIMEDOUT, 504, "the operation timed out, try again", NULL, NULL},
};

/* Reason words whose status is not their code's. */
static const struct reason_status {
    const char *reason;
    int status;
} reason_statuses[] = {
    {"plan_limit", 403},
    {"payment_declined", 402},
    {"unsupported_media_type", 415},
    {"unsupported_file_type", 415},
};

/* See http.h. */
void hk_resp_from_err(struct hk_resp *resp, const struct hk_err *e)
{
    int code = e != NULL ? e->code : HAWK_EINTERNAL;
    const struct code_status *cs = NULL;
    for (size_t i = 0; i < sizeof(code_statuses) / sizeof(code_statuses[0]);
         i++)
        if (code_statuses[i].code == code)
            cs = &code_statuses[i];
    if (cs == NULL) {
        /* Unexpected codes: the wording below the edge stays in the log
         * line, which carries the request id the client sees. */
        if (e != NULL && e->msg[0] != '\0')
            hk_log(HAWK_LOG_ERROR, "request failed: %s (%s): %s",
                   hawk_err_name(code), hawk_strerror(code), e->msg);
        else
            hk_log(HAWK_LOG_ERROR, "request failed: %s (%s)",
                   hawk_err_name(code), hawk_strerror(code));
        hk_http_error_msg(resp, 500, "internal", NULL,
                          "internal error; report the request id to the "
                          "administrator");
        return;
    }
    int status = cs->status;
    const char *reason = hk_err_reason(e);
    for (size_t i = 0; i < sizeof(reason_statuses) / sizeof(reason_statuses[0]);
         i++)
        if (strcmp(reason_statuses[i].reason, reason) == 0)
            status = reason_statuses[i].status;
    const char *field = e->field[0] != '\0' ? e->field : NULL;
    const char *msg = e->msg[0] != '\0' ? e->msg : cs->msg;
    hk_http_error_msg(resp, status, reason, field, msg);
    if (e->detail[0] != '\0' && resp->body.len > 2) {
        /* The detail's members go inside the error object, before its
         * closing brace (and the envelope's). */
        struct hk_buf *b = &resp->body;
        b->len -= 2;
        int rc = hk_buf_putc(b, ',');
        if (rc == 0)
            rc = hk_buf_puts(b, e->detail);
        if (rc == 0)
            rc = hk_buf_puts(b, "}}");
        if (rc < 0)
            hk_http_error_msg(resp, status, reason, field, msg);
    }
    if (cs->header != NULL)
        hk_resp_header(resp, cs->header, cs->value);
}

/* See http.h. */
void hk_resp_from_status(struct hk_resp *resp, int code)
{
    struct hk_err e = HK_ERR_INIT;
    e.code = code;
    hk_resp_from_err(resp, &e);
}
