/*
 * platform/jobconfigs/routes.c - HTTP for /api/v1/job-configs: CRUD and
 * the filter preview.
 */
#include "http/http.h"
#include "platform/jobconfigs/jobconfigs.h"
#include "util/err.h"

#define MAX_PER_PAGE 100

static void reply(struct hk_resp *resp, int rc, int status, json_object *obj,
                  const struct hk_err *err)
{
    if (rc < 0)
        hk_resp_from_err(resp, err);
    else
        hk_resp_json(resp, status, obj);
}

/* GET /api/v1/job-configs */
static void h_list(struct hk_req *req, struct hk_resp *resp)
{
    struct hk_err err = HK_ERR_INIT;
    json_object *items = NULL;
    int64_t page, per_page, total = 0;
    if (hk_req_page(req, resp, MAX_PER_PAGE, &page, &per_page) < 0)
        return;
    int rc = hk_jobconfigs_list(req->ctx, req->user_id, page, per_page, &items,
                                &total, &err);
    reply(resp, rc, 200,
          rc == 0 ? hk_resp_page_json(items, page, per_page, total) : NULL,
          &err);
}

/* POST /api/v1/job-configs */
static void h_create(struct hk_req *req, struct hk_resp *resp)
{
    struct hk_err err = HK_ERR_INIT;
    json_object *body = NULL, *o = NULL;
    if (hk_req_json(req, resp, &body) < 0)
        return;
    int rc = hk_jobconfigs_create(req->ctx, req->user_id, body, &o, &err);
    reply(resp, rc, 201, o, &err);
    json_object_put(body);
}

/* GET /api/v1/job-configs/{id} */
static void h_get(struct hk_req *req, struct hk_resp *resp)
{
    struct hk_err err = HK_ERR_INIT;
    json_object *o = NULL;
    int64_t id;
    if (hk_req_param_id(req, resp, "id", &id) < 0)
        return;
    int rc = hk_jobconfigs_get(req->ctx, req->user_id, id, &o, &err);
    reply(resp, rc, 200, o, &err);
}

/* PUT /api/v1/job-configs/{id}: members given replace the stored ones. */
static void h_update(struct hk_req *req, struct hk_resp *resp)
{
    struct hk_err err = HK_ERR_INIT;
    json_object *body = NULL, *o = NULL;
    int64_t id;
    if (hk_req_param_id(req, resp, "id", &id) < 0)
        return;
    if (hk_req_json(req, resp, &body) < 0)
        return;
    int rc = hk_jobconfigs_update(req->ctx, req->user_id, id, body, &o, &err);
    reply(resp, rc, 200, o, &err);
    json_object_put(body);
}

/* DELETE /api/v1/job-configs/{id} */
static void h_delete(struct hk_req *req, struct hk_resp *resp)
{
    struct hk_err err = HK_ERR_INIT;
    int64_t id;
    if (hk_req_param_id(req, resp, "id", &id) < 0)
        return;
    if (hk_jobconfigs_delete(req->ctx, req->user_id, id, &err) < 0)
        hk_resp_from_err(resp, &err);
    else
        hk_resp_no_content(resp);
}

/* POST /api/v1/job-configs/{id}/preview: which rule, if any, would skip
 * the sample job in the body, and why.  Changes nothing. */
static void h_preview(struct hk_req *req, struct hk_resp *resp)
{
    struct hk_err err = HK_ERR_INIT;
    json_object *body = NULL, *o = NULL;
    int64_t id;
    if (hk_req_param_id(req, resp, "id", &id) < 0)
        return;
    if (hk_req_json(req, resp, &body) < 0)
        return;
    int rc = hk_jobconfigs_preview(req->ctx, req->user_id, id, body, &o, &err);
    reply(resp, rc, 200, o, &err);
    json_object_put(body);
}

/* See jobconfigs.h. */
void hk_jobconfigs_routes(struct hk_router *r, struct hk_jobconfigs *jc)
{
    static const struct hk_route_def defs[] = {
        {"GET", "/api/v1/job-configs", h_list, HK_ROUTE_AUTH, 0},
        {"POST", "/api/v1/job-configs", h_create, HK_ROUTE_AUTH, 0},
        {"GET", "/api/v1/job-configs/{id}", h_get, HK_ROUTE_AUTH, 0},
        {"PUT", "/api/v1/job-configs/{id}", h_update, HK_ROUTE_AUTH, 0},
        {"DELETE", "/api/v1/job-configs/{id}", h_delete, HK_ROUTE_AUTH, 0},
        {"POST", "/api/v1/job-configs/{id}/preview", h_preview, HK_ROUTE_AUTH,
         0},
    };
    hk_router_add_all(r, defs, sizeof(defs) / sizeof(defs[0]), jc);
}
