/*
 * web/capabilities.c - GET /api/v1/capabilities: which optional features
 * this server has, so a client (the web pages, a script) shows only what
 * works.  A feature is present when the routes that provide it are
 * registered; the answer is read from the router itself, so it cannot
 * drift from what the server really serves.
 */
#include <json-c/json.h>
#include <string.h>

#include "log/log.h"
#include "web/web.h"

/* feature -> the route that provides it */
static const struct {
    const char *feature;
    const char *method;
    const char *pattern;
} features[] = {
    {"registration", "POST", "/api/v1/auth/register"},
    {"refresh_cookie", "POST", "/api/v1/auth/refresh"},
    {"email_verification", "POST", "/api/v1/auth/verify-email"},
    {"password_reset", "POST", "/api/v1/auth/password-reset"},
    {"onboarding", "GET", "/api/v1/onboarding"},
    {"billing", "POST", "/api/v1/billing/checkout"},
    {"invoices", "GET", "/api/v1/billing/invoices"},
    {"admin_users", "GET", "/api/v1/admin/users"},
    {"admin_metrics", "GET", "/api/v1/admin/metrics"},
    {"admin_audit", "GET", "/api/v1/admin/audit"},
    {"admin_queue", "GET", "/api/v1/admin/queue"},
    {"admin_plans", "GET", "/api/v1/admin/plans"},
    {"workflows", "GET", "/api/v1/workflows"},
    {"tasks", "GET", "/api/v1/tasks"},
    {"answers", "GET", "/api/v1/answers"},
    {"llm", "POST", "/api/v1/jobs/{id}/score"},
    {"board_sessions", "GET", "/api/v1/board-sessions"},
    {"failure_screenshots", "GET", "/api/v1/job-applications/{id}/screenshots"},
    {"user_export", "GET", "/api/v1/user/export"},
};

static bool has_route(const struct hk_router *r, const char *method,
                      const char *pattern)
{
    size_t n = hk_router_count(r);
    for (size_t i = 0; i < n; i++) {
        const char *m, *p;
        hk_router_at(r, i, &m, &p, NULL);
        if (strcmp(m, method) == 0 && strcmp(p, pattern) == 0)
            return true;
    }
    return false;
}

/* GET /api/v1/capabilities (public): {"features": {name: bool, ...},
 * "auth": {"refresh_cookie": "hawk_refresh", "csrf_header": ...}} */
static void h_capabilities(struct hk_req *req, struct hk_resp *resp)
{
    const struct hk_router *r = req->ctx;
    json_object *o = json_object_new_object();
    json_object *f = json_object_new_object();
    for (size_t i = 0; i < sizeof(features) / sizeof(features[0]); i++)
        json_object_object_add(
            f, features[i].feature,
            json_object_new_boolean(
                r != NULL &&
                has_route(r, features[i].method, features[i].pattern)));
    json_object_object_add(o, "features", f);
    json_object *a = json_object_new_object();
    json_object_object_add(a, "refresh_cookie",
                           json_object_new_string("hawk_refresh"));
    json_object_object_add(a, "csrf_header",
                           json_object_new_string("X-Hawk-CSRF"));
    json_object_object_add(o, "auth", a);
    hk_resp_json(resp, 200, o);
    hk_resp_header(resp, "Cache-Control", "no-cache");
}

/* See web.h. */
void hk_web_routes(struct hk_router *r)
{
    struct hk_route_opts o = {.flags = HK_ROUTE_PUBLIC, .ctx = r};
    if (hk_router_add_opts(r, "GET", "/api/v1/capabilities", h_capabilities,
                           &o) < 0)
        hk_error("cannot register route GET /api/v1/capabilities");
}
