/*
 * platform/applications/routes.c - HTTP for /api/v1/job-applications: the
 * list, recording, detail, deletion, status changes, notes, statistics
 * and the CSV export.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "hawk/plugin.h"
#include "http/csv.h"
#include "http/http.h"
#include "platform/applications/applications.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/str.h"
#include "util/time.h"

#define MAX_PER_PAGE 100

/* ?from= and ?to=: a date or an RFC 3339 date-time. */
static int time_param(struct hk_resp *resp, const char *name, const char *v,
                      int64_t *out)
{
    if (hk_parse_time(v, out) == 0)
        return 0;
    hk_resp_error(resp, 400, "invalid_parameter", name,
                  "query parameter '%s' must be a date (2025-01-31) or an "
                  "RFC 3339 date-time",
                  name);
    return HAWK_EINVAL;
}

/* The filters and order shared by the list and the export: status (comma
 * separated), company, search_term, from, to, sort, order.  Fills resp
 * on a bad one. */
static int list_filter(struct hk_req *req, struct hk_resp *resp,
                       struct hk_applications_filter *f)
{
    static const char *const sorts[] = {
        [HK_APPLICATIONS_SORT_CREATED] = "created_at",
        [HK_APPLICATIONS_SORT_UPDATED] = "updated_at",
        [HK_APPLICATIONS_SORT_COMPANY] = "company",
        [HK_APPLICATIONS_SORT_STATUS] = "status"};
    const char *from = NULL, *to = NULL, *sort = NULL, *order = NULL;
    memset(f, 0, sizeof(*f));
    if (hk_req_query_str(req, resp, "status", 400, &f->statuses) < 0 ||
        hk_req_query_str(req, resp, "company", 200, &f->company) < 0 ||
        hk_req_query_str(req, resp, "search_term", 200, &f->search_term) < 0 ||
        hk_req_query_str(req, resp, "from", 40, &from) < 0 ||
        hk_req_query_str(req, resp, "to", 40, &to) < 0 ||
        hk_req_query_str(req, resp, "sort", 20, &sort) < 0 ||
        hk_req_query_str(req, resp, "order", 8, &order) < 0)
        return HAWK_EINVAL;
    if (f->statuses != NULL) {
        /* Comma-separated; each must be a known status. */
        char tmp[401];
        hk_strlcpy(tmp, f->statuses, sizeof(tmp));
        for (char *s = tmp, *e; s != NULL; s = e) {
            e = strchr(s, ',');
            if (e != NULL)
                *e++ = '\0';
            if (!hk_applications_status_known(s, true)) {
                hk_resp_error(resp, 400, "invalid_parameter", "status",
                              "query parameter 'status' has unknown status "
                              "'%.40s'; use queued, applied, failed, "
                              "skipped, needs_attention, viewed, "
                              "interviewing, offered, rejected, accepted, "
                              "withdrawn, awaiting_review or approved",
                              s);
                return HAWK_EINVAL;
            }
        }
    }
    if (from != NULL) {
        if (time_param(resp, "from", from, &f->from) < 0)
            return HAWK_EINVAL;
        f->has_from = true;
    }
    if (to != NULL) {
        if (time_param(resp, "to", to, &f->to) < 0)
            return HAWK_EINVAL;
        f->has_to = true;
        /* A bare date means up to the end of that day (UTC). */
        if (strlen(to) == 10) {
            f->to += 86400;
            f->to_exclusive = true;
        }
    }
    if (order != NULL && strcmp(order, "asc") == 0) {
        f->asc = true;
    } else if (order != NULL && strcmp(order, "desc") != 0) {
        hk_resp_error(resp, 400, "invalid_parameter", "order",
                      "query parameter 'order' must be asc or desc");
        return HAWK_EINVAL;
    }
    if (sort != NULL) {
        size_t k = 0;
        while (k < sizeof(sorts) / sizeof(sorts[0]) &&
               strcmp(sorts[k], sort) != 0)
            k++;
        if (k == sizeof(sorts) / sizeof(sorts[0])) {
            hk_resp_error(resp, 400, "invalid_parameter", "sort",
                          "query parameter 'sort' must be created_at, "
                          "updated_at, company or status");
            return HAWK_EINVAL;
        }
        f->sort = (enum hk_applications_sort)k;
    }
    return 0;
}

/* GET /api/v1/job-applications: the items are written straight into the
 * body, the page envelope around them. */
static void h_list(struct hk_req *req, struct hk_resp *resp)
{
    struct hk_err err = HK_ERR_INIT;
    struct hk_applications_filter f;
    int64_t page, per_page, total = 0;
    if (hk_req_page(req, resp, MAX_PER_PAGE, &page, &per_page) < 0 ||
        list_filter(req, resp, &f) < 0)
        return;
    struct hk_buf *b = &resp->body;
    hk_buf_reset(b);
    int rc = hk_buf_puts(b, "{\"items\":");
    if (rc == 0)
        rc = hk_applications_list(req->ctx, req->user_id, &f, page, per_page, b,
                                  &total, &err);
    else
        hk_err_set(&err, rc, NULL, NULL, "%s", "");
    if (rc == 0)
        rc = hk_buf_printf(b,
                           ",\"page\":%" PRId64 ",\"per_page\":%" PRId64
                           ",\"total\":%" PRId64 ",\"pages\":%" PRId64 "}",
                           page, per_page, total,
                           (total + per_page - 1) / per_page);
    if (rc < 0) {
        if (err.code == 0)
            err.code = rc;
        hk_buf_reset(b);
        hk_resp_from_err(resp, &err);
        return;
    }
    resp->status = 200;
    resp->content_type = "application/json";
}

/* POST /api/v1/job-applications: records an application for a job found
 * for the user; a second call for the same job returns the first (200). */
static void h_record(struct hk_req *req, struct hk_resp *resp)
{
    struct hk_err err = HK_ERR_INIT;
    json_object *body = NULL, *app = NULL;
    bool created = false;
    if (hk_req_json(req, resp, &body) < 0)
        return;
    int rc = hk_applications_create(req->ctx, req->user_id, body, &app,
                                    &created, &err);
    if (rc < 0) {
        hk_resp_from_err(resp, &err);
    } else {
        json_object_object_add(app, "created",
                               json_object_new_boolean(created));
        hk_resp_json(resp, created ? 201 : 200, app);
    }
    json_object_put(body);
}

/* GET /api/v1/job-applications/{id}: one round trip for everything. */
static void h_get(struct hk_req *req, struct hk_resp *resp)
{
    struct hk_err err = HK_ERR_INIT;
    json_object *app = NULL;
    int64_t id;
    if (hk_req_param_id(req, resp, "id", &id) < 0)
        return;
    int rc = hk_applications_get(req->ctx, req->user_id, id, &app, &err);
    if (rc < 0)
        hk_resp_from_err(resp, &err);
    else
        hk_resp_json(resp, 200, app);
}

/* PUT /api/v1/job-applications/{id}/status */
static void h_status(struct hk_req *req, struct hk_resp *resp)
{
    struct hk_err err = HK_ERR_INIT;
    json_object *body = NULL, *app = NULL;
    int64_t id;
    if (hk_req_param_id(req, resp, "id", &id) < 0)
        return;
    if (hk_req_json(req, resp, &body) < 0)
        return;
    int rc = hk_applications_update_status(req->ctx, req->user_id, id, body,
                                           &app, &err);
    if (rc < 0)
        hk_resp_from_err(resp, &err);
    else
        hk_resp_json(resp, 200, app);
    json_object_put(body);
}

/* DELETE /api/v1/job-applications/{id} */
static void h_delete(struct hk_req *req, struct hk_resp *resp)
{
    struct hk_err err = HK_ERR_INIT;
    int64_t id;
    if (hk_req_param_id(req, resp, "id", &id) < 0)
        return;
    if (hk_applications_delete(req->ctx, req->user_id, id, &err) < 0)
        hk_resp_from_err(resp, &err);
    else
        hk_resp_no_content(resp);
}

/* POST /api/v1/job-applications/{id}/notes */
static void h_note_add(struct hk_req *req, struct hk_resp *resp)
{
    struct hk_err err = HK_ERR_INIT;
    json_object *body = NULL, *note = NULL;
    int64_t id;
    if (hk_req_param_id(req, resp, "id", &id) < 0)
        return;
    if (hk_req_json(req, resp, &body) < 0)
        return;
    int rc =
        hk_applications_note_add(req->ctx, req->user_id, id, body, &note, &err);
    if (rc < 0)
        hk_resp_from_err(resp, &err);
    else
        hk_resp_json(resp, 201, note);
    json_object_put(body);
}

/* GET /api/v1/job-applications/{id}/notes */
static void h_note_list(struct hk_req *req, struct hk_resp *resp)
{
    struct hk_err err = HK_ERR_INIT;
    json_object *items = NULL;
    int64_t id, page, per_page, total = 0;
    if (hk_req_param_id(req, resp, "id", &id) < 0 ||
        hk_req_page(req, resp, MAX_PER_PAGE, &page, &per_page) < 0)
        return;
    int rc = hk_applications_notes(req->ctx, req->user_id, id, page, per_page,
                                   &items, &total, &err);
    if (rc < 0)
        hk_resp_from_err(resp, &err);
    else
        hk_resp_json(resp, 200,
                     hk_resp_page_json(items, page, per_page, total));
}

/* Largest capture part served (what the submission kept is smaller). */
#define CAPTURE_MAX ((size_t)16 << 20)

/* GET /api/v1/job-applications/{id}/captures/{capture_id}/{part}: the
 * screenshot (image/png) or the page HTML of a capture.  The HTML is
 * LinkedIn's page, not hawk's: it is served as a download in a sandbox
 * so its scripts never run on hawk's origin. */
static void h_capture(struct hk_req *req, struct hk_resp *resp)
{
    struct hk_err err = HK_ERR_INIT;
    int64_t id, capture_id;
    if (hk_req_param_id(req, resp, "id", &id) < 0 ||
        hk_req_param_id(req, resp, "capture_id", &capture_id) < 0)
        return;
    const char *part = hk_req_param(req, "part");
    bool png = part != NULL && strcmp(part, "screenshot") == 0;
    if (!png && (part == NULL || strcmp(part, "html") != 0)) {
        hk_resp_error(resp, 404, "not_found", NULL,
                      "a capture has the parts screenshot and html");
        return;
    }
    struct hk_buf b;
    hk_buf_init(&b, CAPTURE_MAX);
    int rc = hk_applications_capture(req->ctx, req->user_id, id, capture_id,
                                     png, &b, &err);
    if (rc < 0) {
        hk_resp_from_err(resp, &err);
    } else {
        char disp[96];
        snprintf(disp, sizeof(disp),
                 "attachment; filename=\"capture-%" PRId64 "-%" PRId64 ".%s\"",
                 id, capture_id, png ? "png" : "html");
        hk_resp_bytes(resp, 200, png ? "image/png" : "text/html; charset=utf-8",
                      b.data != NULL ? b.data : "", b.len);
        hk_resp_header(resp, "Content-Disposition", disp);
        hk_resp_header(resp, "Content-Security-Policy", "sandbox");
        hk_resp_header(resp, "X-Content-Type-Options", "nosniff");
    }
    hk_buf_release(&b);
}

/* DELETE /api/v1/job-applications/{id}/notes/{note_id} */
static void h_note_delete(struct hk_req *req, struct hk_resp *resp)
{
    struct hk_err err = HK_ERR_INIT;
    int64_t id, note_id;
    if (hk_req_param_id(req, resp, "id", &id) < 0 ||
        hk_req_param_id(req, resp, "note_id", &note_id) < 0)
        return;
    if (hk_applications_note_delete(req->ctx, req->user_id, id, note_id, &err) <
        0)
        hk_resp_from_err(resp, &err);
    else
        hk_resp_no_content(resp);
}

/* GET /api/v1/job-applications/stats */
static void h_stats(struct hk_req *req, struct hk_resp *resp)
{
    struct hk_err err = HK_ERR_INIT;
    struct hk_buf b;
    hk_buf_init(&b, 0);
    if (hk_applications_stats(req->ctx, req->user_id, &b, &err) < 0)
        hk_resp_from_err(resp, &err);
    else
        hk_resp_bytes(resp, 200, "application/json", hk_buf_str(&b), b.len);
    hk_buf_release(&b);
}

static int csv_row(void *arg, const char *const *vals, const int *lens)
{
    struct hk_csv *w = arg;
    int rc = 0;
    for (int col = 0; col < HK_APPLICATIONS_EXPORT_COLS && rc == 0; col++)
        rc = hk_csv_field(w, vals[col], (size_t)lens[col]);
    return rc == 0 ? hk_csv_end_row(w) : rc;
}

/* GET /api/v1/job-applications/export.csv: the list's columns and
 * filters, every page. */
static void h_export(struct hk_req *req, struct hk_resp *resp)
{
    struct hk_err err = HK_ERR_INIT;
    struct hk_applications_filter f;
    struct hk_buf out;
    struct hk_csv w;
    if (list_filter(req, resp, &f) < 0)
        return;
    hk_buf_init(&out, 0);
    hk_csv_init(&w, &out);
    int rc = 0;
    for (int i = 0; i < HK_APPLICATIONS_EXPORT_COLS && rc == 0; i++)
        rc = hk_csv_str(&w, hk_applications_export_columns[i]);
    if (rc == 0)
        rc = hk_csv_end_row(&w);
    if (rc == 0)
        rc = hk_applications_export(req->ctx, req->user_id, &f, csv_row, &w,
                                    &err);
    else
        err.code = rc;
    if (rc < 0) {
        hk_resp_from_err(resp, &err);
    } else {
        hk_resp_bytes(resp, 200, "text/csv; charset=utf-8",
                      out.data ? out.data : "", out.len);
        hk_resp_header(resp, "Content-Disposition",
                       "attachment; filename=\"job-applications.csv\"");
    }
    hk_buf_release(&out);
}

/* See applications.h. */
void hk_applications_routes(struct hk_router *r, struct hk_applications *am)
{
    static const struct hk_route_def defs[] = {
        {"GET", "/api/v1/job-applications", h_list, HK_ROUTE_AUTH, 0},
        {"POST", "/api/v1/job-applications", h_record, HK_ROUTE_AUTH, 0},
        {"GET", "/api/v1/job-applications/{id}", h_get, HK_ROUTE_AUTH, 0},
        {"DELETE", "/api/v1/job-applications/{id}", h_delete, HK_ROUTE_AUTH, 0},
        {"PUT", "/api/v1/job-applications/{id}/status", h_status, HK_ROUTE_AUTH,
         0},
        {"GET", "/api/v1/job-applications/{id}/notes", h_note_list,
         HK_ROUTE_AUTH, 0},
        {"POST", "/api/v1/job-applications/{id}/notes", h_note_add,
         HK_ROUTE_AUTH, 0},
        {"DELETE", "/api/v1/job-applications/{id}/notes/{note_id}",
         h_note_delete, HK_ROUTE_AUTH, 0},
        {"GET", "/api/v1/job-applications/{id}/captures/{capture_id}/{part}",
         h_capture, HK_ROUTE_AUTH, 0},
        {"GET", "/api/v1/job-applications/stats", h_stats, HK_ROUTE_AUTH, 0},
        {"GET", "/api/v1/job-applications/export.csv", h_export, HK_ROUTE_AUTH,
         0},
    };
    hk_router_add_all(r, defs, sizeof(defs) / sizeof(defs[0]), am);
}
