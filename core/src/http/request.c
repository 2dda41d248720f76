/*
 * http/request.c - reading a request: headers, query and path parameters,
 * ids, the JSON body and its validation, pagination.  Each failure fills the response with
 * the error the client should see, so handlers can just return.
 */
#include <limits.h>
#include <microhttpd.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "hawk/plugin.h"
#include "http/http.h"
#include "http/http_int.h"
#include "util/alloc.h"
#include "util/err.h"
#include "util/str.h"

#define JSON_MAX_DEPTH 32
#define MAX_PAGE 1000000000
#define MAX_ECHO_CHARS 64 /* client text quoted back in messages */

static struct MHD_Connection *req_conn(struct hk_req *req)
{
    struct hk_http_ctx *c = req->impl_;
    return c ? c->conn : NULL;
}

/* Header value by case-insensitive name, or NULL; borrowed for the
 * request. */
const char *hk_req_header(struct hk_req *req, const char *name)
{
    struct MHD_Connection *conn = req_conn(req);
    if (conn == NULL)
        return NULL;
    return MHD_lookup_connection_value(conn, MHD_HEADER_KIND, name);
}

/* Decoded query parameter (first occurrence), or NULL; borrowed. */
const char *hk_req_query(struct hk_req *req, const char *name)
{
    struct MHD_Connection *conn = req_conn(req);
    if (conn == NULL)
        return NULL;
    return MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, name);
}

/* Decoded path parameter by its name in the pattern, or NULL. */
const char *hk_req_param(struct hk_req *req, const char *name)
{
    for (size_t i = 0; i < req->n_params; i++)
        if (strcmp(req->param_names[i], name) == 0)
            return req->param_values[i];
    return NULL;
}

/* Names the thing a path id refers to, for "no <thing> with id 'x'":
 * "resume_id" -> "resume"; otherwise the literal segment before the
 * parameter, singular: "/job-applications/{id}" -> "job application". */
static void id_thing(struct hk_req *req, const char *name, char *out,
                     size_t outlen)
{
    size_t n = strlen(name);
    const char *src = NULL;
    size_t srclen = 0;
    char seg[64];
    if (n > 3 && strcmp(name + n - 3, "_id") == 0) {
        src = name;
        srclen = n - 3;
    } else {
        struct hk_http_ctx *c = req->impl_;
        const char *pat = c ? c->match.pattern : NULL;
        char needle[48];
        snprintf(needle, sizeof(needle), "/{%s}", name);
        const char *at = pat ? strstr(pat, needle) : NULL;
        if (at != NULL && at > pat) {
            const char *start = at;
            while (start > pat && start[-1] != '/')
                start--;
            srclen = (size_t)(at - start);
            if (srclen > 0 && srclen < sizeof(seg) && start[0] != '{') {
                memcpy(seg, start, srclen);
                seg[srclen] = '\0';
                if (srclen > 3 && strcmp(seg + srclen - 3, "ies") == 0) {
                    seg[srclen - 3] = 'y';
                    srclen -= 2;
                } else if (srclen > 1 && seg[srclen - 1] == 's' &&
                           seg[srclen - 2] != 's') {
                    srclen--;
                }
                src = seg;
            }
        }
    }
    if (src == NULL || srclen == 0 || srclen >= outlen) {
        hk_strlcpy(out, "resource", outlen);
        return;
    }
    for (size_t i = 0; i < srclen; i++)
        out[i] = (src[i] == '_' || src[i] == '-') ? ' ' : src[i];
    out[srclen] = '\0';
}

/* Quotes client text into a message: at most MAX_ECHO_CHARS bytes, cut at
 * a character boundary (the JSON writer replaces anything invalid). */
static void echo(const char *s, char *out, size_t outlen)
{
    size_t n = strlen(s);
    size_t lim = outlen - 4;
    if (lim > MAX_ECHO_CHARS)
        lim = MAX_ECHO_CHARS;
    if (n <= lim) {
        memcpy(out, s, n + 1);
        return;
    }
    size_t cut = lim;
    while (cut > 0 && ((unsigned char)s[cut] & 0xc0) == 0x80)
        cut--;
    memcpy(out, s, cut);
    memcpy(out + cut, "...", 4);
}

/* Reads a positive int64 id (digits only, no sign or leading zero).
 * Anything else names no resource: 404 not_found and HAWK_EINVAL. */
int hk_req_param_id(struct hk_req *req, struct hk_resp *resp, const char *name,
                    int64_t *out)
{
    const char *v = hk_req_param(req, name);
    size_t n = v ? strlen(v) : 0;
    bool ok = n > 0 && n <= 19 && v[0] != '0';
    for (size_t i = 0; ok && i < n; i++)
        ok = v[i] >= '0' && v[i] <= '9';
    if (ok && hk_parse_i64(v, 1, INT64_MAX, out) == 0)
        return 0;
    char thing[64], shown[MAX_ECHO_CHARS + 4];
    id_thing(req, name, thing, sizeof(thing));
    echo(v ? v : "", shown, sizeof(shown));
    hk_resp_error(resp, 404, "not_found", NULL, "no %s with id '%s'", thing,
                  shown);
    return HAWK_EINVAL;
}

/* "application/json", optionally with a charset parameter naming UTF-8;
 * case-insensitive, spaces allowed around ';' and '='. */
static bool is_json_type(const char *ct)
{
    static const char base[] = "application/json";
    if (ct == NULL)
        return false;
    while (*ct == ' ' || *ct == '\t')
        ct++;
    if (strncasecmp(ct, base, sizeof(base) - 1) != 0)
        return false;
    const char *p = ct + sizeof(base) - 1;
    while (*p == ' ' || *p == '\t')
        p++;
    if (*p == '\0')
        return true;
    if (*p != ';')
        return false;
    p++;
    while (*p == ' ' || *p == '\t')
        p++;
    if (strncasecmp(p, "charset", 7) != 0)
        return false;
    p += 7;
    while (*p == ' ' || *p == '\t')
        p++;
    if (*p != '=')
        return false;
    p++;
    while (*p == ' ' || *p == '\t')
        p++;
    bool quoted = *p == '"';
    if (quoted)
        p++;
    if (strncasecmp(p, "utf-8", 5) != 0)
        return false;
    p += 5;
    if (quoted && *p++ != '"')
        return false;
    while (*p == ' ' || *p == '\t')
        p++;
    return *p == '\0';
}

static int bad_json(struct hk_resp *resp, const char *msg)
{
    hk_resp_error(resp, 400, "invalid_json", NULL, "%s", msg);
    return HAWK_EINVAL;
}

/*
 * Parses the body as one JSON object: Content-Type application/json (else
 * 415), non-empty, valid UTF-8, strict JSON (json-c strict mode), nesting
 * at most 32 deep, nothing but whitespace after the value.  Returns 0 with
 * *out owned by the caller (json_object_put), or HAWK_EUNSUPPORTED /
 * HAWK_EINVAL with resp filled.
 */
int hk_req_json(struct hk_req *req, struct hk_resp *resp, json_object **out)
{
    *out = NULL;
    if (!is_json_type(hk_req_header(req, "Content-Type"))) {
        hk_resp_error(resp, 415, "unsupported_media_type", NULL,
                      "request body must be JSON; send the header "
                      "Content-Type: application/json");
        return HAWK_EUNSUPPORTED;
    }
    const char *body = req->body ? req->body : "";
    size_t len = req->body ? req->body_len : 0;
    size_t ws = 0;
    while (ws < len && strchr(" \t\r\n", body[ws]) != NULL)
        ws++;
    if (ws == len)
        return bad_json(resp, "request body is empty");
    if (!hk_utf8_valid(body, len))
        return bad_json(resp, "request body is not valid UTF-8");
    if (len > INT_MAX) {
        hk_resp_from_status(resp, HAWK_ETOOBIG);
        return HAWK_ETOOBIG;
    }
    char why[128];
    if (hk_http_json_syntax(body, len, JSON_MAX_DEPTH, why, sizeof(why)) < 0) {
        hk_resp_error(resp, 400, "invalid_json", NULL,
                      "request body is not valid JSON: %s", why);
        return HAWK_EINVAL;
    }
    if (body[ws] != '{')
        return bad_json(resp, "request body must be a JSON object");
    struct json_tokener *tok = json_tokener_new_ex(JSON_MAX_DEPTH);
    if (tok == NULL) {
        hk_resp_from_status(resp, HAWK_ENOMEM);
        return HAWK_ENOMEM;
    }
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT |
                                    JSON_TOKENER_ALLOW_TRAILING_CHARS);
    json_object *obj = json_tokener_parse_ex(tok, body, (int)len);
    enum json_tokener_error jerr = json_tokener_get_error(tok);
    json_tokener_free(tok);
    /* the syntax check passed, so this is json-c disagreeing (or OOM) */
    if (jerr != json_tokener_success ||
        !json_object_is_type(obj, json_type_object)) {
        json_object_put(obj);
        hk_resp_error(resp, 400, "invalid_json", NULL,
                      "request body is not valid JSON: %s",
                      json_tokener_error_desc(jerr));
        return HAWK_EINVAL;
    }
    *out = obj;
    return 0;
}

/* See http.h. */
int hk_req_query_bool(struct hk_req *req, struct hk_resp *resp,
                      const char *name, int *out)
{
    const char *v = hk_req_query(req, name);
    *out = -1;
    if (v == NULL || *v == '\0')
        return 0;
    if (strcmp(v, "true") == 0 || strcmp(v, "1") == 0) {
        *out = 1;
        return 0;
    }
    if (strcmp(v, "false") == 0 || strcmp(v, "0") == 0) {
        *out = 0;
        return 0;
    }
    hk_resp_error(resp, 400, "invalid_parameter", name,
                  "query parameter '%s' must be true or false", name);
    return HAWK_EINVAL;
}

/* See http.h. */
int hk_req_query_str(struct hk_req *req, struct hk_resp *resp, const char *name,
                     size_t maxlen, const char **out)
{
    const char *v = hk_req_query(req, name);
    *out = NULL;
    if (v == NULL || *v == '\0')
        return 0;
    size_t n = strlen(v);
    if (n > maxlen || !hk_utf8_valid(v, n)) {
        hk_resp_error(resp, 400, "invalid_parameter", name,
                      "query parameter '%s' must be UTF-8 text of at most "
                      "%zu bytes",
                      name, maxlen);
        return HAWK_EINVAL;
    }
    *out = v;
    return 0;
}

/* See http.h. */
int hk_json_check(json_object *obj, const struct hk_field *fields,
                  struct hk_resp *resp)
{
    struct hk_err err = HK_ERR_INIT;
    int rc = hk_json_validate(obj, fields, "", &err);
    if (rc < 0 && resp != NULL)
        hk_resp_from_err(resp, &err);
    return rc;
}

static int page_param(struct hk_req *req, struct hk_resp *resp,
                      const char *name, int64_t max, bool say_max, int64_t *out)
{
    const char *v = hk_req_query(req, name);
    if (v == NULL)
        return 0;
    if (hk_parse_i64(v, 1, max, out) == 0 && v[0] != '+')
        return 0;
    if (!say_max)
        hk_resp_error(resp, 400, "invalid_parameter", name,
                      "'%s' must be a positive integer", name);
    else
        hk_resp_error(resp, 400, "invalid_parameter", name,
                      "'%s' must be an integer between 1 and %lld", name,
                      (long long)max);
    return HAWK_EINVAL;
}

/* ?page= (default 1, at most 10^9) and ?per_page= (default 20, capped by
 * max_per_page, at least 1).  Bad values: 400 invalid_parameter naming the
 * parameter, HAWK_EINVAL, outputs untouched. */
int hk_req_page(struct hk_req *req, struct hk_resp *resp, int max_per_page,
                int64_t *page, int64_t *per_page)
{
    if (max_per_page < 1)
        max_per_page = 1;
    int64_t pg = 1;
    int64_t pp = max_per_page < 20 ? max_per_page : 20;
    int rc = page_param(req, resp, "page", MAX_PAGE, false, &pg);
    if (rc == 0)
        rc = page_param(req, resp, "per_page", max_per_page, true, &pp);
    if (rc < 0)
        return rc;
    *page = pg;
    *per_page = pp;
    return 0;
}
