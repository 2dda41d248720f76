/*
 * web/cookie.h - the refresh cookie for browsers.
 *
 * A browser keeps its access token in memory only and its refresh token
 * in an `HttpOnly; Secure; SameSite=Strict` cookie scoped to
 * /api/v1/auth, so no script on the page can read the long-lived
 * credential.  A request authenticated by that cookie (refresh, logout)
 * must also prove it comes from the pages themselves: it carries the
 * header `X-Hawk-CSRF: 1` (which a cross-site form cannot send, and a
 * cross-site script cannot send without a CORS grant hawk never gives)
 * and, when the browser sends them, an Origin matching Host and
 * Sec-Fetch-Site `same-origin`.
 */
#ifndef HK_WEB_COOKIE_H
#define HK_WEB_COOKIE_H

#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>

#include "http/http.h"

#define HK_WEB_REFRESH_COOKIE "hawk_refresh"
#define HK_WEB_CSRF_HEADER "X-Hawk-CSRF"
#define HK_WEB_COOKIE_MAX 256

/* Copies the value of cookie `name` from the request's Cookie header into
 * out (outlen bytes).  Returns 0, HAWK_ENOTFOUND (no such cookie), or
 * HAWK_EINVAL (longer than outlen - 1 or not a token of [A-Za-z0-9_-]). */
int hk_web_cookie_get(struct hk_req *req, const char *name, char *out,
                      size_t outlen);

/* Moves the "refresh_token" member of obj (a login or refresh answer)
 * into a Set-Cookie header on resp valid for max_age_s seconds; obj then
 * holds only the access token.  A no-op when obj has no such member. */
void hk_web_cookie_issue(struct hk_resp *resp, json_object *obj,
                         int64_t max_age_s);

/* Adds a Set-Cookie header that deletes the refresh cookie. */
void hk_web_cookie_clear(struct hk_resp *resp);

/* Checks that a cookie-authenticated request comes from the pages (see
 * the file comment).  Returns 0, or HAWK_EPERM with resp filled (403
 * csrf_failed naming what was missing). */
int hk_web_csrf_check(struct hk_req *req, struct hk_resp *resp);

#endif
