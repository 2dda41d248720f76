/*
 * web/cookie.c - reading and writing the refresh cookie (RFC 6265) and
 * the CSRF check for the requests it authenticates.  See cookie.h.
 */
#include <stdio.h>
#include <string.h>

#include "hawk/plugin.h"
#include "util/str.h"
#include "web/cookie.h"

static bool token_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '-' || c == '_';
}

/* See cookie.h.  The header is "a=1; b=2" (RFC 6265 §4.2.1); the first
 * cookie of that name wins, as browsers send the most specific first. */
int hk_web_cookie_get(struct hk_req *req, const char *name, char *out,
                      size_t outlen)
{
    const char *h = hk_req_header(req, "Cookie");
    size_t nlen = strlen(name);
    out[0] = '\0';
    if (h == NULL)
        return HAWK_ENOTFOUND;
    const char *p = h;
    while (*p != '\0') {
        while (*p == ' ' || *p == ';')
            p++;
        const char *eq = strchr(p, '=');
        const char *semi = strchr(p, ';');
        if (eq == NULL || (semi != NULL && semi < eq)) {
            if (semi == NULL)
                break;
            p = semi + 1;
            continue;
        }
        const char *v = eq + 1;
        size_t vlen = semi ? (size_t)(semi - v) : strlen(v);
        if ((size_t)(eq - p) == nlen && strncmp(p, name, nlen) == 0) {
            if (vlen >= 2 && v[0] == '"' && v[vlen - 1] == '"') {
                v++;
                vlen -= 2;
            }
            if (vlen == 0 || vlen >= outlen)
                return HAWK_EINVAL;
            for (size_t i = 0; i < vlen; i++)
                if (!token_char(v[i]))
                    return HAWK_EINVAL;
            memcpy(out, v, vlen);
            out[vlen] = '\0';
            return 0;
        }
        if (semi == NULL)
            break;
        p = semi + 1;
    }
    return HAWK_ENOTFOUND;
}

static void set_cookie(struct hk_resp *resp, const char *value,
                       int64_t max_age_s)
{
    char h[HK_WEB_COOKIE_MAX + 160];
    snprintf(h, sizeof(h),
             "%s=%s; Path=/api/v1/auth; Max-Age=%lld; HttpOnly; Secure; "
             "SameSite=Strict",
             HK_WEB_REFRESH_COOKIE, value, (long long)max_age_s);
    hk_resp_header(resp, "Set-Cookie", h);
}

/* See cookie.h. */
void hk_web_cookie_issue(struct hk_resp *resp, json_object *obj,
                         int64_t max_age_s)
{
    json_object *t = NULL;
    if (!json_object_object_get_ex(obj, "refresh_token", &t) ||
        !json_object_is_type(t, json_type_string))
        return;
    const char *v = json_object_get_string(t);
    if (strlen(v) < HK_WEB_COOKIE_MAX)
        set_cookie(resp, v, max_age_s);
    json_object_object_del(obj, "refresh_token");
}

/* See cookie.h. */
void hk_web_cookie_clear(struct hk_resp *resp)
{
    set_cookie(resp, "", 0);
}

/* The authority of an Origin value ("https://h:1" -> "h:1"), or NULL for
 * "null" and other opaque origins. */
static const char *origin_authority(const char *origin)
{
    const char *s = strstr(origin, "://");
    return s ? s + 3 : NULL;
}

/* See cookie.h. */
int hk_web_csrf_check(struct hk_req *req, struct hk_resp *resp)
{
    const char *mark = hk_req_header(req, HK_WEB_CSRF_HEADER);
    if (mark == NULL || strcmp(mark, "1") != 0) {
        hk_resp_error(resp, 403, "csrf_failed", NULL,
                      "a request signed in by the %s cookie must carry the "
                      "header '%s: 1'; send it from the hawk pages or send "
                      "the refresh_token in the body instead",
                      HK_WEB_REFRESH_COOKIE, HK_WEB_CSRF_HEADER);
        return HAWK_EPERM;
    }
    const char *site = hk_req_header(req, "Sec-Fetch-Site");
    if (site != NULL && strcmp(site, "same-origin") != 0) {
        hk_resp_error(resp, 403, "csrf_failed", NULL,
                      "cross-site request refused (Sec-Fetch-Site: %.32s)",
                      site);
        return HAWK_EPERM;
    }
    const char *origin = hk_req_header(req, "Origin");
    if (origin != NULL) {
        const char *host = hk_req_header(req, "Host");
        const char *auth = origin_authority(origin);
        if (host == NULL || auth == NULL || !hk_str_ieq(auth, host)) {
            hk_resp_error(resp, 403, "csrf_failed", NULL,
                          "request from another origin refused; the Origin "
                          "header must name this server");
            return HAWK_EPERM;
        }
    }
    return 0;
}
