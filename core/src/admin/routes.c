/*
 * admin/routes.c - HTTP for administrators: /api/v1/admin/users...,
 * /api/v1/admin/metrics and /api/v1/admin/audit (admins only; the router
 * checks the flag, which the bearer check reads from the account).
 */
#include <string.h>

#include "admin/admin.h"
#include "http/http.h"
#include "util/err.h"
#include "util/str.h"

#define MAX_PER_PAGE 100

static void reply(struct hk_resp *resp, int rc, json_object *obj,
                  const struct hk_err *err)
{
    if (rc < 0) {
        json_object_put(obj);
        hk_resp_from_err(resp, err);
    } else {
        hk_resp_json(resp, 200, obj);
    }
}

/* GET /api/v1/admin/users?q=&page=&per_page= */
static void h_users(struct hk_req *req, struct hk_resp *resp)
{
    struct hk_err err = HK_ERR_INIT;
    int64_t page, per_page, total = 0;
    json_object *items = NULL;
    if (hk_req_page(req, resp, MAX_PER_PAGE, &page, &per_page) < 0)
        return;
    int rc = hk_admin_users_list(req->ctx, hk_req_query(req, "q"), page,
                                 per_page, &items, &total, &err);
    reply(resp, rc,
          rc == 0 ? hk_resp_page_json(items, page, per_page, total) : NULL,
          &err);
}

/* GET /api/v1/admin/users/{id} */
static void h_user(struct hk_req *req, struct hk_resp *resp)
{
    struct hk_err err = HK_ERR_INIT;
    json_object *o = NULL;
    int64_t id;
    if (hk_req_param_id(req, resp, "id", &id) < 0)
        return;
    int rc = hk_admin_user_get(req->ctx, id, &o, &err);
    reply(resp, rc, o, &err);
}

static void change(struct hk_req *req, struct hk_resp *resp,
                   enum hk_admin_change what)
{
    struct hk_err err = HK_ERR_INIT;
    json_object *o = NULL;
    int64_t id;
    if (hk_req_param_id(req, resp, "id", &id) < 0)
        return;
    struct hk_admin_actor who = {req->user_id, req->request_id};
    int rc = hk_admin_user_change(req->ctx, &who, id, what, &o, &err);
    reply(resp, rc, o, &err);
}

/* POST /api/v1/admin/users/{id}/disable: refused at once, tokens too. */
static void h_disable(struct hk_req *req, struct hk_resp *resp)
{
    change(req, resp, HK_ADMIN_DISABLE);
}

/* POST /api/v1/admin/users/{id}/enable */
static void h_enable(struct hk_req *req, struct hk_resp *resp)
{
    change(req, resp, HK_ADMIN_ENABLE);
}

/* POST /api/v1/admin/users/{id}/promote */
static void h_promote(struct hk_req *req, struct hk_resp *resp)
{
    change(req, resp, HK_ADMIN_PROMOTE);
}

/* POST /api/v1/admin/users/{id}/demote */
static void h_demote(struct hk_req *req, struct hk_resp *resp)
{
    change(req, resp, HK_ADMIN_DEMOTE);
}

/* GET /api/v1/admin/metrics */
static void h_metrics(struct hk_req *req, struct hk_resp *resp)
{
    struct hk_err err = HK_ERR_INIT;
    json_object *o = NULL;
    int rc = hk_admin_metrics(req->ctx, &o, &err);
    reply(resp, rc, o, &err);
}

/* GET /api/v1/admin/audit?user_id=&page=&per_page= */
static void h_audit(struct hk_req *req, struct hk_resp *resp)
{
    struct hk_err err = HK_ERR_INIT;
    int64_t page, per_page, total = 0, uid = 0;
    json_object *items = NULL;
    const char *us = hk_req_query(req, "user_id");
    if (hk_req_page(req, resp, MAX_PER_PAGE, &page, &per_page) < 0)
        return;
    if (us != NULL && hk_parse_i64(us, 1, INT64_MAX, &uid) < 0) {
        hk_err_set(&err, HAWK_EINVAL, NULL, "user_id",
                   "'user_id' must be a user id (a positive integer)");
        hk_resp_from_err(resp, &err);
        return;
    }
    int rc = hk_admin_audit_list(req->ctx, uid, page, per_page, &items, &total,
                                 &err);
    reply(resp, rc,
          rc == 0 ? hk_resp_page_json(items, page, per_page, total) : NULL,
          &err);
}

/* See admin.h. */
void hk_admin_routes(struct hk_router *r, struct hk_admin *a)
{
    static const struct hk_route_def defs[] = {
        {"GET", "/api/v1/admin/users", h_users, HK_ROUTE_ADMIN, 0},
        {"GET", "/api/v1/admin/users/{id}", h_user, HK_ROUTE_ADMIN, 0},
        {"POST", "/api/v1/admin/users/{id}/disable", h_disable, HK_ROUTE_ADMIN,
         0},
        {"POST", "/api/v1/admin/users/{id}/enable", h_enable, HK_ROUTE_ADMIN,
         0},
        {"POST", "/api/v1/admin/users/{id}/promote", h_promote, HK_ROUTE_ADMIN,
         0},
        {"POST", "/api/v1/admin/users/{id}/demote", h_demote, HK_ROUTE_ADMIN,
         0},
        {"GET", "/api/v1/admin/metrics", h_metrics, HK_ROUTE_ADMIN, 0},
        {"GET", "/api/v1/admin/audit", h_audit, HK_ROUTE_ADMIN, 0},
    };
    hk_router_add_all(r, defs, sizeof(defs) / sizeof(defs[0]), a);
}
