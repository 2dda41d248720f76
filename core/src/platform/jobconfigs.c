/*
 * platform/jobconfigs.c - /api/v1/job-configs: job search configurations
 * (CRUD and a filter preview against a sample job).
 *
 * name, is_active and is_default are columns; every other setting is
 * validated by jobconfig_validate.c and kept in one jsonb column, so a
 * new setting needs no migration.  At most one default per user (partial
 * unique index); the first configuration becomes the default.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "hawk/plugin.h"
#include "platform/filters.h"
#include "platform/pf.h"
#include "platform/platform.h"
#include "util/alloc.h"
#include "util/err.h"
#include "util/str.h"

#define JC_COLS                                                                \
    "id, name, is_active, is_default, settings::text, " PF_TS(                 \
        "created_at") ", " PF_TS("updated_at")

static json_object *jc_json(const PGresult *r, int i, int off)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "id", hk_pf_int(r, i, off));
    json_object_object_add(o, "name", hk_pf_text(r, i, off + 1));
    json_object_object_add(o, "is_active", hk_pf_bool(r, i, off + 2));
    json_object_object_add(o, "is_default", hk_pf_bool(r, i, off + 3));
    json_object *s = hk_pf_jsonb(r, i, off + 4);
    if (s != NULL) {
        json_object_object_foreach(s, k, v)
        {
            json_object_object_add(o, k, json_object_get(v));
        }
        json_object_put(s);
    }
    json_object_object_add(o, "created_at", hk_pf_text(r, i, off + 5));
    json_object_object_add(o, "updated_at", hk_pf_text(r, i, off + 6));
    return o;
}

static void not_found(struct hk_resp *resp, int64_t id)
{
    hk_resp_error(resp, 404, "not_found", NULL,
                  "no job search configuration with id %" PRId64, id);
}

/* Checks a body; fills resp with the 400 naming the field. */
static int check_body(json_object *body, bool create, struct hk_resp *resp)
{
    struct hk_err err = HK_ERR_INIT;
    int rc = hk_pf_jobconfig_check(body, create, &err);
    if (rc < 0)
        hk_resp_from_err(resp, &err);
    return rc;
}

/* Merges a checked body over base; fills resp on a problem. */
static int settings_of(json_object *body, json_object *base, json_object **out,
                       struct hk_resp *resp)
{
    struct hk_err err = HK_ERR_INIT;
    int rc = hk_pf_jobconfig_settings(body, base, out, &err);
    if (rc < 0)
        hk_resp_from_err(resp, &err);
    return rc;
}

static const char *tf(int b)
{
    return b < 0 ? NULL : (b ? "true" : "false");
}

/* POST /api/v1/job-configs */
static void h_create(struct hk_req *req, struct hk_resp *resp)
{
    json_object *body = NULL, *settings = NULL;
    struct hk_dbconn *c = NULL;
    PGresult *r = NULL;
    struct hk_plan_limit lim;
    char uid[24];
    int rc;
    if (hk_req_json(req, resp, &body) < 0)
        return;
    if (check_body(body, true, resp) < 0 ||
        settings_of(body, NULL, &settings, resp) < 0)
        goto out;
    if (hk_pf_acquire(req, resp, &c) < 0)
        goto out;
    rc = hk_db_begin(c);
    if (rc == 0)
        rc = hk_pf_user_lock(c, PF_LOCK_JOB_CONFIGS, req->user_id);
    if (rc < 0)
        goto fail;
    rc = hk_plan_check(c, req->user_id, HK_LIMIT_JOB_CONFIGS, 1, &lim);
    if (rc == HAWK_EQUOTA) {
        hk_pf_tx_abort(req, c);
        hk_plan_limit_resp(resp, &lim);
        goto out;
    }
    if (rc < 0)
        goto fail;
    int def = hk_pf_member_bool(body, "is_default");
    hk_pf_id(uid, req->user_id);
    const char *p1[] = {uid};
    if (def == 1) {
        rc = hk_db_query(c,
                         "UPDATE job_configs SET is_default = false,"
                         " updated_at = now() WHERE user_id = $1::bigint"
                         " AND is_default",
                         1, p1, NULL);
        if (rc < 0)
            goto fail;
    }
    const char *params[] = {
        uid, hk_pf_member_str(body, "name"),
        tf(hk_pf_member_bool(body, "is_active")), tf(def),
        json_object_to_json_string_ext(settings, JSON_C_TO_STRING_PLAIN)};
    /* No is_default given: default when the user has none yet. */
    rc = hk_db_query(c,
                     "INSERT INTO job_configs (user_id, name, is_active,"
                     " is_default, settings) VALUES ($1::bigint, $2,"
                     " coalesce($3::boolean, true), coalesce($4::boolean,"
                     " NOT EXISTS (SELECT 1 FROM job_configs WHERE user_id ="
                     " $1::bigint AND is_default)), $5::jsonb)"
                     " RETURNING " JC_COLS,
                     5, params, &r);
    if (rc < 0)
        goto fail;
    hk_pf_commit_reply(req, resp, c, r, 201, jc_json(r, 0, 0));
    goto out;
fail:
    hk_pf_tx_fail(req, resp, c, r, rc);
out:
    json_object_put(settings);
    json_object_put(body);
}

/* GET /api/v1/job-configs */
static void h_list(struct hk_req *req, struct hk_resp *resp)
{
    hk_pf_list(req, resp,
               "SELECT t.total, " JC_COLS " FROM (SELECT count(*) AS total FROM"
               " job_configs WHERE user_id = $1::bigint) t LEFT JOIN LATERAL"
               " (SELECT * FROM job_configs WHERE user_id = $1::bigint ORDER BY"
               " created_at DESC, id DESC LIMIT $2::bigint OFFSET $3::bigint) j"
               " ON true ORDER BY created_at DESC, id DESC",
               jc_json);
}

/* Loads one configuration of the request's user; 404 when absent. */
static int load(struct hk_req *req, struct hk_resp *resp, struct hk_dbconn *c,
                int64_t id, bool for_update, PGresult **out)
{
    char b0[24], b1[24];
    const char *params[] = {hk_pf_id(b0, id), hk_pf_id(b1, req->user_id)};
    int rc =
        hk_db_query(c,
                    for_update ? "SELECT " JC_COLS " FROM job_configs WHERE id"
                                 " = $1::bigint AND user_id = $2::bigint"
                                 " FOR UPDATE"
                               : "SELECT " JC_COLS " FROM job_configs WHERE id"
                                 " = $1::bigint AND user_id = $2::bigint",
                    2, params, out);
    if (rc < 0) {
        hk_resp_from_status(resp, rc);
        return rc;
    }
    if (PQntuples(*out) == 0) {
        PQclear(*out);
        *out = NULL;
        not_found(resp, id);
        return HAWK_ENOTFOUND;
    }
    return 0;
}

/* GET /api/v1/job-configs/{id} */
static void h_get(struct hk_req *req, struct hk_resp *resp)
{
    int64_t id;
    struct hk_dbconn *c = NULL;
    PGresult *r = NULL;
    if (hk_req_param_id(req, resp, "id", &id) < 0)
        return;
    if (hk_pf_acquire(req, resp, &c) < 0)
        return;
    int rc = load(req, resp, c, id, false, &r);
    hk_pf_release(req, c);
    if (rc < 0)
        return;
    hk_resp_json(resp, 200, jc_json(r, 0, 0));
    PQclear(r);
}

/* PUT /api/v1/job-configs/{id}: members given replace the stored ones. */
static void h_update(struct hk_req *req, struct hk_resp *resp)
{
    int64_t id;
    json_object *body = NULL, *base = NULL, *settings = NULL;
    struct hk_dbconn *c = NULL;
    PGresult *r = NULL;
    char b0[24], b1[24];
    int rc;
    if (hk_req_param_id(req, resp, "id", &id) < 0)
        return;
    if (hk_req_json(req, resp, &body) < 0)
        return;
    if (check_body(body, false, resp) < 0)
        goto out;
    if (hk_pf_acquire(req, resp, &c) < 0)
        goto out;
    rc = hk_db_begin(c);
    if (rc < 0)
        goto fail;
    if (load(req, resp, c, id, true, &r) < 0) {
        hk_pf_tx_abort(req, c);
        goto out;
    }
    base = hk_pf_jsonb(r, 0, 4);
    PQclear(r);
    r = NULL;
    if (settings_of(body, base, &settings, resp) < 0) {
        hk_pf_tx_abort(req, c);
        goto out;
    }
    int def = hk_pf_member_bool(body, "is_default");
    const char *p2[] = {hk_pf_id(b0, id), hk_pf_id(b1, req->user_id)};
    if (def == 1) {
        rc = hk_db_query(c,
                         "UPDATE job_configs SET is_default = false,"
                         " updated_at = now() WHERE user_id = $2::bigint"
                         " AND is_default AND id <> $1::bigint",
                         2, p2, NULL);
        if (rc < 0)
            goto fail;
    }
    const char *params[] = {
        b0,
        b1,
        hk_pf_member_str(body, "name"),
        tf(hk_pf_member_bool(body, "is_active")),
        tf(def),
        json_object_to_json_string_ext(settings, JSON_C_TO_STRING_PLAIN)};
    rc = hk_db_query(c,
                     "UPDATE job_configs SET name = coalesce($3, name),"
                     " is_active = coalesce($4::boolean, is_active),"
                     " is_default = coalesce($5::boolean, is_default),"
                     " settings = $6::jsonb, updated_at = now()"
                     " WHERE id = $1::bigint AND user_id = $2::bigint"
                     " RETURNING " JC_COLS,
                     6, params, &r);
    if (rc < 0)
        goto fail;
    hk_pf_commit_reply(req, resp, c, r, 200, jc_json(r, 0, 0));
    goto out;
fail:
    hk_pf_tx_fail(req, resp, c, r, rc);
out:
    json_object_put(base);
    json_object_put(settings);
    json_object_put(body);
}

/* DELETE /api/v1/job-configs/{id} */
static void h_delete(struct hk_req *req, struct hk_resp *resp)
{
    hk_pf_delete_by_id(req, resp,
                       "DELETE FROM job_configs WHERE id = $1::bigint"
                       " AND user_id = $2::bigint RETURNING id",
                       not_found);
}

static const char *const workplaces[] = {"remote", "hybrid", "onsite", "any",
                                         NULL};
static const struct hk_field preview_fields[] = {
    HK_FIELD("title", HK_F_STRING, true, false, 1, 500),
    HK_FIELD("company", HK_F_STRING, false, false, 0, 500),
    HK_FIELD("location", HK_F_STRING, false, false, 0, 500),
    HK_FIELD("description", HK_F_STRING, false, false, 0, 200000),
    {"workplace", HK_F_STRING, false, false, 0, 10, .oneof = workplaces,
     .msg = "must be remote, hybrid, onsite or any"},
    HK_FIELD("applicants", HK_F_INT, false, true, 0, 10000000),
    HK_FIELD_END};

/* POST /api/v1/job-configs/{id}/preview: which rule, if any, would skip
 * the sample job in the body, and why.  Changes nothing. */
static void h_preview(struct hk_req *req, struct hk_resp *resp)
{
    int64_t id;
    json_object *body = NULL, *cfg = NULL;
    struct hk_dbconn *c = NULL;
    PGresult *r = NULL;
    struct hk_filter_result res;
    if (hk_req_param_id(req, resp, "id", &id) < 0)
        return;
    if (hk_req_json(req, resp, &body) < 0)
        return;
    if (hk_json_check(body, preview_fields, resp) < 0)
        goto out;
    if (hk_pf_acquire(req, resp, &c) < 0)
        goto out;
    if (load(req, resp, c, id, false, &r) < 0) {
        hk_pf_release(req, c);
        goto out;
    }
    cfg = jc_json(r, 0, 0);
    PQclear(r);
    r = NULL;
    struct hk_filter_ctx *fctx = hk_filter_ctx_new();
    int rc = hk_filter_eval(fctx, cfg, body, &res);
    hk_filter_ctx_free(fctx);
    const char *company = hk_pf_member_str(body, "company");
    json_object *once = NULL;
    if (rc == 0 && company != NULL && *company &&
        json_object_object_get_ex(cfg, "apply_once_at_company", &once) &&
        json_object_get_boolean(once)) {
        char uid[24];
        const char *params[] = {hk_pf_id(uid, req->user_id), company};
        int qrc = hk_db_query(c,
                              "SELECT 1 FROM applications WHERE user_id ="
                              " $1::bigint AND lower(company) = lower($2)"
                              " AND status NOT IN ('skipped', 'failed')"
                              " LIMIT 1",
                              2, params, &r);
        if (qrc < 0) {
            hk_pf_release(req, c);
            hk_resp_from_status(resp, qrc);
            goto out;
        }
        if (PQntuples(r) > 0) {
            rc = 1;
            memset(&res, 0, sizeof(res));
            hk_strlcpy(res.rule, "apply_once_at_company", sizeof(res.rule));
            snprintf(res.why, sizeof(res.why),
                     "you already applied to a job at %.400s", company);
        }
        PQclear(r);
    }
    hk_pf_release(req, c);
    if (rc < 0) {
        /* Stored lists are validated on write; only an older row can
         * fail here. */
        hk_resp_error(resp, 400, "invalid_field", res.rule,
                      "'%s' has an invalid entry %s; fix the "
                      "configuration",
                      res.rule, res.entry);
        goto out;
    }
    json_object *o = json_object_new_object();
    json_object_object_add(o, "would_apply", json_object_new_boolean(rc == 0));
    json_object_object_add(o, "rule",
                           rc ? json_object_new_string(res.rule) : NULL);
    json_object_object_add(
        o, "entry",
        rc && res.entry[0] ? json_object_new_string(res.entry) : NULL);
    json_object_object_add(o, "reason",
                           rc ? json_object_new_string(res.why) : NULL);
    hk_resp_json(resp, 200, o);
out:
    json_object_put(cfg);
    json_object_put(body);
}

/* See platform.h. */
int hk_jobconfig_active(struct hk_dbconn *c, int64_t user_id, char **json_out)
{
    PGresult *r = NULL;
    char uid[24];
    *json_out = NULL;
    const char *params[] = {hk_pf_id(uid, user_id)};
    int rc = hk_db_query(c,
                         "SELECT " JC_COLS " FROM job_configs WHERE user_id"
                         " = $1::bigint AND is_active ORDER BY is_default"
                         " DESC, created_at DESC, id DESC LIMIT 1",
                         1, params, &r);
    if (rc < 0)
        return rc;
    if (PQntuples(r) == 0) {
        PQclear(r);
        return HAWK_ENOTFOUND;
    }
    json_object *o = jc_json(r, 0, 0);
    PQclear(r);
    *json_out = hk_strdup(json_object_to_json_string_ext(
        o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(o);
    return 0;
}

/* See pf.h. */
void hk_pf_jobconfig_routes(struct hk_router *r)
{
    hk_pf_route(r, "GET", "/api/v1/job-configs", h_list, HK_ROUTE_AUTH, 0);
    hk_pf_route(r, "POST", "/api/v1/job-configs", h_create, HK_ROUTE_AUTH, 0);
    hk_pf_route(r, "GET", "/api/v1/job-configs/{id}", h_get, HK_ROUTE_AUTH, 0);
    hk_pf_route(r, "PUT", "/api/v1/job-configs/{id}", h_update, HK_ROUTE_AUTH,
                0);
    hk_pf_route(r, "DELETE", "/api/v1/job-configs/{id}", h_delete,
                HK_ROUTE_AUTH, 0);
    hk_pf_route(r, "POST", "/api/v1/job-configs/{id}/preview", h_preview,
                HK_ROUTE_AUTH, 0);
}
