/*
 * billing/routes.c - HTTP for billing: the user's routes under
 * /api/v1/billing/ and the provider's webhook, which carries no token:
 * its signature is its authentication.
 */
#include <string.h>

#include "billing/billing_int.h"
#include "http/http.h"
#include "plugin/plugins.h"
#include "util/err.h"
#include "util/json_check.h"
#include "util/str.h"

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

static const struct hk_field plan_body[] = {
    HK_FIELD("plan_id", HK_F_INT, true, false, 1, INT64_MAX), HK_FIELD_END};

/* Reads {"plan_id": N}; -1 after answering 400. */
static int plan_id_of(struct hk_req *req, struct hk_resp *resp, int64_t *id)
{
    json_object *body = NULL, *v = NULL;
    struct hk_err err = HK_ERR_INIT;
    if (hk_req_json(req, resp, &body) < 0)
        return -1;
    if (hk_json_validate(body, plan_body, "", &err) < 0) {
        json_object_put(body);
        hk_resp_from_err(resp, &err);
        return -1;
    }
    json_object_object_get_ex(body, "plan_id", &v);
    *id = json_object_get_int64(v);
    json_object_put(body);
    return 0;
}

/* POST /api/v1/billing/checkout {"plan_id"} -> {"url","session_id"} */
static void h_checkout(struct hk_req *req, struct hk_resp *resp)
{
    struct hk_err err = HK_ERR_INIT;
    json_object *o = NULL;
    int64_t plan_id;
    if (plan_id_of(req, resp, &plan_id) < 0)
        return;
    int rc = hk_billing_checkout(req->ctx, req->user_id, plan_id, &o, &err);
    reply(resp, rc, o, &err);
}

/* POST /api/v1/billing/change-plan {"plan_id"} -> the subscription */
static void h_change_plan(struct hk_req *req, struct hk_resp *resp)
{
    struct hk_err err = HK_ERR_INIT;
    json_object *o = NULL;
    int64_t plan_id;
    if (plan_id_of(req, resp, &plan_id) < 0)
        return;
    int rc = hk_billing_change_plan(req->ctx, req->user_id, plan_id, &o, &err);
    reply(resp, rc, o, &err);
}

/* POST /api/v1/billing/portal -> {"url"} */
static void h_portal(struct hk_req *req, struct hk_resp *resp)
{
    struct hk_err err = HK_ERR_INIT;
    json_object *o = NULL;
    int rc = hk_billing_portal(req->ctx, req->user_id, &o, &err);
    reply(resp, rc, o, &err);
}

/* GET /api/v1/billing/invoices?limit=&starting_after= */
static void h_invoices(struct hk_req *req, struct hk_resp *resp)
{
    struct hk_err err = HK_ERR_INIT;
    json_object *o = NULL;
    int64_t limit = 10;
    const char *ls = hk_req_query(req, "limit");
    const char *after = hk_req_query(req, "starting_after");
    if (ls != NULL && hk_parse_i64(ls, 1, 100, &limit) < 0) {
        hk_err_set(&err, HAWK_EINVAL, NULL, "limit",
                   "'limit' must be an integer from 1 to 100");
        hk_resp_from_err(resp, &err);
        return;
    }
    if (after != NULL && (after[0] == '\0' || strlen(after) > 255)) {
        hk_err_set(&err, HAWK_EINVAL, NULL, "starting_after",
                   "'starting_after' must be the id of the last invoice of "
                   "the previous page");
        hk_resp_from_err(resp, &err);
        return;
    }
    int rc = hk_billing_invoices(req->ctx, req->user_id, (int)limit, after, &o,
                                 &err);
    reply(resp, rc, o, &err);
}

/* GET /api/v1/billing/subscription */
static void h_subscription(struct hk_req *req, struct hk_resp *resp)
{
    struct hk_err err = HK_ERR_INIT;
    json_object *o = NULL;
    int rc = hk_billing_subscription(req->ctx, req->user_id, &o, &err);
    reply(resp, rc, o, &err);
}

/* POST /api/v1/billing/cancel: at the end of the paid period. */
static void h_cancel(struct hk_req *req, struct hk_resp *resp)
{
    struct hk_err err = HK_ERR_INIT;
    json_object *o = NULL;
    int rc = hk_billing_cancel(req->ctx, req->user_id, false, &o, &err);
    reply(resp, rc, o, &err);
}

/* POST /api/v1/billing/resume: undoes a cancel before the period ends. */
static void h_resume(struct hk_req *req, struct hk_resp *resp)
{
    struct hk_err err = HK_ERR_INIT;
    json_object *o = NULL;
    int rc = hk_billing_cancel(req->ctx, req->user_id, true, &o, &err);
    reply(resp, rc, o, &err);
}

/* POST /api/v1/billing/webhook: the exact raw body is what was signed.
 * The header is Stripe's name; it is the only payment plugin hawk has. */
static void h_webhook(struct hk_req *req, struct hk_resp *resp)
{
    struct hk_err err = HK_ERR_INIT;
    struct hk_billing_outcome out;
    int64_t now_s = hk_plugin_wall_ms() / 1000;
    int rc = hk_billing_webhook(req->ctx, req->body, req->body_len,
                                hk_req_header(req, "Stripe-Signature"), now_s,
                                &out, &err);
    if (rc < 0) {
        hk_resp_from_err(resp, &err);
        return;
    }
    json_object *o = json_object_new_object();
    json_object_object_add(o, "received", json_object_new_boolean(true));
    json_object_object_add(o, "id", json_object_new_string(out.event_id));
    json_object_object_add(o, "type", json_object_new_string(out.type));
    json_object_object_add(o, "status", json_object_new_string(out.status));
    json_object_object_add(o, "duplicate",
                           json_object_new_boolean(out.duplicate));
    hk_resp_json(resp, 200, o);
}

/* See billing.h. */
void hk_billing_routes(struct hk_router *r, struct hk_billing *b)
{
    const struct hk_route_def defs[] = {
        {"POST", "/api/v1/billing/checkout", h_checkout, HK_ROUTE_AUTH, 0},
        {"POST", "/api/v1/billing/change-plan", h_change_plan, HK_ROUTE_AUTH,
         0},
        {"POST", "/api/v1/billing/portal", h_portal, HK_ROUTE_AUTH, 0},
        {"GET", "/api/v1/billing/invoices", h_invoices, HK_ROUTE_AUTH, 0},
        {"GET", "/api/v1/billing/subscription", h_subscription, HK_ROUTE_AUTH,
         0},
        {"POST", "/api/v1/billing/cancel", h_cancel, HK_ROUTE_AUTH, 0},
        {"POST", "/api/v1/billing/resume", h_resume, HK_ROUTE_AUTH, 0},
        {"POST", "/api/v1/billing/webhook", h_webhook, HK_ROUTE_PUBLIC,
         b->webhook_max_body},
    };
    hk_router_add_all(r, defs, sizeof(defs) / sizeof(defs[0]), b);
}
