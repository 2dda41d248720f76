/*
 * platform/jobs/routes.c - HTTP for jobs: GET/POST /api/v1/jobs and
 * GET/DELETE /api/v1/jobs/{id}.
 */
#include <stdlib.h>
#include <string.h>

#include "hawk/plugin.h"
#include "http/http.h"
#include "platform/jobs/jobs.h"
#include "util/err.h"

#define MAX_PER_PAGE 100

/* The list's query parameters: board, company, min_score, q, not_applied
 * and sort (found, score or posted).  Fills resp on a bad one. */
static int list_filter(struct hk_req *req, struct hk_resp *resp,
                       struct hk_jobs_filter *f)
{
    const char *sort = NULL;
    int not_applied = -1;
    memset(f, 0, sizeof(*f));
    if (hk_req_query_str(req, resp, "sort", 16, &sort) < 0)
        return HAWK_EINVAL;
    if (sort == NULL || strcmp(sort, "found") == 0) {
        f->sort = HK_JOBS_SORT_FOUND;
    } else if (strcmp(sort, "score") == 0) {
        f->sort = HK_JOBS_SORT_SCORE;
    } else if (strcmp(sort, "posted") == 0) {
        f->sort = HK_JOBS_SORT_POSTED;
    } else {
        hk_resp_error(resp, 400, "invalid_parameter", "sort",
                      "query parameter 'sort' must be found, score or "
                      "posted");
        return HAWK_EINVAL;
    }
    if (hk_req_query_str(req, resp, "board", 64, &f->board) < 0 ||
        hk_req_query_str(req, resp, "company", 200, &f->company) < 0 ||
        hk_req_query_str(req, resp, "min_score", 16, &f->min_score) < 0 ||
        hk_req_query_str(req, resp, "q", 200, &f->text) < 0 ||
        hk_req_query_bool(req, resp, "not_applied", &not_applied) < 0)
        return HAWK_EINVAL;
    if (f->min_score != NULL) {
        char *end = NULL;
        double v = strtod(f->min_score, &end);
        if (end == f->min_score || *end != '\0' || !(v >= 0 && v <= 100)) {
            hk_resp_error(resp, 400, "invalid_parameter", "min_score",
                          "query parameter 'min_score' must be a number "
                          "from 0 to 100");
            return HAWK_EINVAL;
        }
    }
    /* not_applied=true: jobs without an application */
    f->applied = not_applied < 0 ? -1 : !not_applied;
    return 0;
}

/* GET /api/v1/jobs */
static void h_list(struct hk_req *req, struct hk_resp *resp)
{
    struct hk_err err = HK_ERR_INIT;
    struct hk_jobs_filter f;
    int64_t page, per_page, total = 0;
    json_object *items = NULL;
    if (hk_req_page(req, resp, MAX_PER_PAGE, &page, &per_page) < 0 ||
        list_filter(req, resp, &f) < 0)
        return;
    int rc = hk_jobs_list(req->ctx, req->user_id, &f, page, per_page, &items,
                          &total, &err);
    if (rc < 0)
        hk_resp_from_err(resp, &err);
    else
        hk_resp_json(resp, 200,
                     hk_resp_page_json(items, page, per_page, total));
}

/* POST /api/v1/jobs: a job the user found elsewhere (board "manual"). */
static void h_create(struct hk_req *req, struct hk_resp *resp)
{
    struct hk_err err = HK_ERR_INIT;
    json_object *body = NULL, *job = NULL;
    if (hk_req_json(req, resp, &body) < 0)
        return;
    int rc = hk_jobs_create(req->ctx, req->user_id, body, &job, &err);
    if (rc < 0)
        hk_resp_from_err(resp, &err);
    else
        hk_resp_json(resp, 201, job);
    json_object_put(body);
}

/* GET /api/v1/jobs/{id} */
static void h_get(struct hk_req *req, struct hk_resp *resp)
{
    struct hk_err err = HK_ERR_INIT;
    json_object *job = NULL;
    int64_t id;
    if (hk_req_param_id(req, resp, "id", &id) < 0)
        return;
    int rc = hk_jobs_get(req->ctx, req->user_id, id, &job, &err);
    if (rc < 0)
        hk_resp_from_err(resp, &err);
    else
        hk_resp_json(resp, 200, job);
}

/* DELETE /api/v1/jobs/{id}: hides the job from the user. */
static void h_delete(struct hk_req *req, struct hk_resp *resp)
{
    struct hk_err err = HK_ERR_INIT;
    int64_t id;
    if (hk_req_param_id(req, resp, "id", &id) < 0)
        return;
    int rc = hk_jobs_hide(req->ctx, req->user_id, id, &err);
    if (rc < 0)
        hk_resp_from_err(resp, &err);
    else
        hk_resp_no_content(resp);
}

/* See jobs.h. */
void hk_jobs_routes(struct hk_router *r, struct hk_jobs *jb)
{
    static const struct hk_route_def defs[] = {
        {"GET", "/api/v1/jobs", h_list, HK_ROUTE_AUTH, 0},
        {"POST", "/api/v1/jobs", h_create, HK_ROUTE_AUTH, 0},
        {"GET", "/api/v1/jobs/{id}", h_get, HK_ROUTE_AUTH, 0},
        {"DELETE", "/api/v1/jobs/{id}", h_delete, HK_ROUTE_AUTH, 0},
    };
    hk_router_add_all(r, defs, sizeof(defs) / sizeof(defs[0]), jb);
}
