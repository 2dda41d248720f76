/*
 * platform/plans/routes.c - HTTP for plans: GET /api/v1/plans (the
 * pricing page), GET /api/v1/user/usage, and the admin routes
 * /api/v1/admin/plans and /api/v1/admin/users/{id}/plan.
 */
#include "http/http.h"
#include "platform/plans/plans.h"
#include "util/err.h"

#define MAX_PER_PAGE 100

/* Answers 200 with obj, or err when rc failed. */
static void reply(struct hk_resp *resp, int rc, int status, json_object *obj,
                  const struct hk_err *err)
{
    if (rc < 0)
        hk_resp_from_err(resp, err);
    else
        hk_resp_json(resp, status, obj);
}

/* GET /api/v1/plans: active plans, for the pricing page. */
static void h_plans_public(struct hk_req *req, struct hk_resp *resp)
{
    struct hk_err err = HK_ERR_INIT;
    json_object *items = NULL;
    int rc = hk_plans_list_active(req->ctx, &items, &err);
    json_object *o = NULL;
    if (rc == 0) {
        o = json_object_new_object();
        json_object_object_add(o, "items", items);
    }
    reply(resp, rc, 200, o, &err);
}

/* GET /api/v1/admin/plans */
static void h_admin_list(struct hk_req *req, struct hk_resp *resp)
{
    struct hk_err err = HK_ERR_INIT;
    int64_t page, per_page, total = 0;
    json_object *items = NULL;
    if (hk_req_page(req, resp, MAX_PER_PAGE, &page, &per_page) < 0)
        return;
    int rc = hk_plans_list(req->ctx, page, per_page, &items, &total, &err);
    reply(resp, rc, 200,
          rc == 0 ? hk_resp_page_json(items, page, per_page, total) : NULL,
          &err);
}

/* POST /api/v1/admin/plans */
static void h_admin_create(struct hk_req *req, struct hk_resp *resp)
{
    struct hk_err err = HK_ERR_INIT;
    json_object *body = NULL, *plan = NULL;
    if (hk_req_json(req, resp, &body) < 0)
        return;
    int rc = hk_plans_create(req->ctx, body, &plan, &err);
    reply(resp, rc, 201, plan, &err);
    json_object_put(body);
}

/* PUT /api/v1/admin/plans/{id}: members given replace the stored ones;
 * features are merged key by key. */
static void h_admin_update(struct hk_req *req, struct hk_resp *resp)
{
    struct hk_err err = HK_ERR_INIT;
    json_object *body = NULL, *plan = NULL;
    int64_t id;
    if (hk_req_param_id(req, resp, "id", &id) < 0)
        return;
    if (hk_req_json(req, resp, &body) < 0)
        return;
    int rc = hk_plans_update(req->ctx, id, body, &plan, &err);
    reply(resp, rc, 200, plan, &err);
    json_object_put(body);
}

/* PUT /api/v1/admin/users/{id}/plan: moves a user to a plan (support,
 * comped accounts); billing writes the same row from payment events. */
static void h_admin_user_plan(struct hk_req *req, struct hk_resp *resp)
{
    struct hk_err err = HK_ERR_INIT;
    json_object *body = NULL, *o = NULL;
    int64_t uid;
    if (hk_req_param_id(req, resp, "id", &uid) < 0)
        return;
    if (hk_req_json(req, resp, &body) < 0)
        return;
    int rc = hk_plans_assign(req->ctx, uid, body, &o, &err);
    reply(resp, rc, 200, o, &err);
    json_object_put(body);
}

/* GET /api/v1/user/usage */
static void h_usage(struct hk_req *req, struct hk_resp *resp)
{
    struct hk_err err = HK_ERR_INIT;
    json_object *o = NULL;
    int rc = hk_plans_usage(req->ctx, req->user_id, &o, &err);
    reply(resp, rc, 200, o, &err);
}

/* See plans.h. */
void hk_plans_routes(struct hk_router *r, struct hk_plans *pl)
{
    static const struct hk_route_def defs[] = {
        {"GET", "/api/v1/plans", h_plans_public, HK_ROUTE_PUBLIC, 0},
        {"GET", "/api/v1/user/usage", h_usage, HK_ROUTE_AUTH, 0},
        {"GET", "/api/v1/admin/plans", h_admin_list, HK_ROUTE_ADMIN, 0},
        {"POST", "/api/v1/admin/plans", h_admin_create, HK_ROUTE_ADMIN, 0},
        {"PUT", "/api/v1/admin/plans/{id}", h_admin_update, HK_ROUTE_ADMIN, 0},
        {"PUT", "/api/v1/admin/users/{id}/plan", h_admin_user_plan,
         HK_ROUTE_ADMIN, 0},
    };
    hk_router_add_all(r, defs, sizeof(defs) / sizeof(defs[0]), pl);
}
