/*
 * llm/routes.c - POST /api/v1/jobs/{id}/score|cover-letter|tailored-resume
 * (checked at once, then run through the task queue: 202 with the task
 * id, the result on GET /api/v1/tasks/{id}) and GET /api/v1/usage/llm.
 *
 * Everything a user can fix is checked before a task is queued, so the
 * request itself gets the clear error: an unknown job (404), a job
 * without description, a missing or empty resume (422), a plan without
 * the feature or a spent LLM budget (403 plan_limit), no llm plugin
 * (503).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "db/db.h"
#include "http/http.h"
#include "llm/llm.h"
#include "llm/llm_int.h"
#include "log/log.h"
#include "platform/platform.h"
#include "plugin/plugins.h"
#include "queue/queue.h"
#include "util/alloc.h"
#include "util/err.h"
#include "util/str.h"

/* ---- shared with routes_answers.c ---------------------------------------- */

/* See llm_int.h. */
struct hk_dbconn *hk_llm_acquire(struct hk_req *req, struct hk_resp *resp)
{
    struct hk_dbconn *c = NULL;
    if (req->app == NULL || req->app->db == NULL ||
        hk_db_acquire(req->app->db, &c) < 0) {
        hk_resp_error(resp, 503, "unavailable", NULL,
                      "the database is unavailable; try again later");
        return NULL;
    }
    return c;
}

/* See llm_int.h. */
void hk_llm_err_resp(struct hk_resp *resp, const struct hawk_error *err)
{
    switch (err->code) {
    case HAWK_ENOTFOUND:
        hk_resp_error(resp, 404, "not_found", NULL, "%s", err->msg);
        break;
    case HAWK_EINVAL:
        hk_resp_error(resp, 422, "unprocessable", NULL, "%s", err->msg);
        break;
    case HAWK_EQUOTA:
        hk_resp_error(resp, 403, "plan_limit", NULL, "%s", err->msg);
        break;
    case HAWK_EUNAVAIL:
    case HAWK_ETIMEDOUT:
        hk_resp_error(resp, 503, "unavailable", NULL, "%s", err->msg);
        break;
    default:
        hk_resp_from_status(resp, err->code);
    }
}

/* See llm_int.h. */
bool hk_llm_available(struct hk_req *req, struct hk_resp *resp)
{
    struct hk_app *app = req->app;
    if (app->plugins != NULL &&
        hk_plugins_find(app->plugins, HAWK_KIND_LLM, NULL) != NULL)
        return true;
    hk_resp_error(resp, 503, "llm_unavailable", NULL,
                  "no llm plugin is loaded; ask the administrator to enable "
                  "one");
    return false;
}

/* See llm_int.h. */
bool hk_llm_budget_ok(struct hk_platform *pf, struct hk_dbconn *c,
                      int64_t user_id, struct hk_resp *resp)
{
    struct hawk_error err;
    memset(&err, 0, sizeof(err));
    int rc = hk_llm_budget_check(pf->plans, c, user_id, &err);
    if (rc == 0)
        return true;
    if (rc == HAWK_EQUOTA) {
        json_object *e = json_object_new_object();
        json_object_object_add(e, "code", json_object_new_string("plan_limit"));
        json_object_object_add(e, "message", json_object_new_string(err.msg));
        json_object_object_add(e, "limit",
                               json_object_new_string(HK_PLANS_LLM_BUDGET));
        json_object_object_add(e, "reason",
                               json_object_new_string("llm_budget_exhausted"));
        json_object *o = json_object_new_object();
        json_object_object_add(o, "error", e);
        hk_resp_json(resp, 403, o);
        return false;
    }
    hk_llm_err_resp(resp, &err);
    return false;
}

/* See llm_int.h. */
void hk_llm_enqueue(struct hk_req *req, struct hk_resp *resp,
                    struct hk_dbconn *c, const char *kind, json_object *payload,
                    const char *unique_key)
{
    struct hk_job_spec spec;
    int64_t id = 0;
    bool existed = false;

    memset(&spec, 0, sizeof(spec));
    spec.kind = kind;
    spec.payload = hk_llm_json(payload);
    spec.user_id = req->user_id;
    spec.unique_key = unique_key;
    int rc = hk_queue_enqueue(c, &spec, &id, &existed);
    if (rc < 0) {
        hk_resp_from_status(resp, rc);
        return;
    }
    char url[64];
    snprintf(url, sizeof(url), "/api/v1/tasks/%lld", (long long)id);
    json_object *o = json_object_new_object();
    json_object_object_add(o, "task_id", json_object_new_int64(id));
    json_object_object_add(o, "kind", json_object_new_string(kind));
    json_object_object_add(o, "existing", json_object_new_boolean(existed));
    json_object_object_add(o, "status_url", json_object_new_string(url));
    hk_resp_header(resp, "Location", url);
    hk_resp_json(resp, 202, o);
}

/* ---- job features ------------------------------------------------------- */

/* Checks the job and the resume, answering with the specific error. */
static bool inputs_ok(struct hk_req *req, struct hk_resp *resp,
                      struct hk_dbconn *c, int64_t job_id)
{
    struct hk_llm_job job;
    json_object *resume = NULL;
    struct hawk_error err;
    memset(&err, 0, sizeof(err));
    int rc = hk_llm_job_load(c, req->user_id, job_id, &job);
    if (rc == HAWK_ENOTFOUND) {
        hk_resp_error(resp, 404, "not_found", NULL, "job %lld not found",
                      (long long)job_id);
        return false;
    }
    if (rc < 0) {
        hk_resp_from_status(resp, rc);
        return false;
    }
    bool no_desc = job.description == NULL;
    hk_llm_job_release(&job);
    if (no_desc) {
        hk_resp_error(resp, 422, "job_without_description", NULL,
                      "job %lld has no description; fetch the job's details "
                      "first",
                      (long long)job_id);
        return false;
    }
    rc = hk_llm_resume_load(req->app->platform, c, req->user_id, &resume, &err);
    json_object_put(resume);
    if (rc == HAWK_ENOTFOUND) {
        hk_resp_error(resp, 422, "resume_missing", NULL, "%s", err.msg);
        return false;
    }
    if (rc == HAWK_EINVAL) {
        hk_resp_error(resp, 422, "resume_empty", NULL, "%s", err.msg);
        return false;
    }
    if (rc < 0) {
        hk_llm_err_resp(resp, &err);
        return false;
    }
    return true;
}

/* The application a document will go to exists, or one may be created
 * today. */
static bool application_ok(struct hk_req *req, struct hk_resp *resp,
                           struct hk_dbconn *c, int64_t job_id,
                           int64_t application_id)
{
    int64_t id = 0;
    struct hawk_error err;
    memset(&err, 0, sizeof(err));
    struct hk_platform *pf = req->app->platform;
    int rc = hk_llm_application_for(pf, c, req->user_id, job_id, application_id,
                                    false, &id, &err);
    if (rc == 0)
        return true;
    if (rc == HAWK_ENOTFOUND && application_id > 0) {
        hk_resp_error(resp, 400, "invalid_field", "application_id", "%s",
                      err.msg);
        return false;
    }
    if (rc != HAWK_ENOTFOUND) {
        hk_llm_err_resp(resp, &err);
        return false;
    }
    struct hk_err e = HK_ERR_INIT;
    rc = hk_plans_check(pf->plans, c, req->user_id,
                        HK_PLANS_APPLICATIONS_PER_DAY, 1, NULL, &e);
    if (rc == HAWK_EQUOTA) {
        hk_resp_from_err(resp, &e);
        return false;
    }
    if (rc < 0) {
        hk_resp_from_status(resp, rc);
        return false;
    }
    return true;
}

static bool feature_ok(struct hk_req *req, struct hk_resp *resp,
                       struct hk_dbconn *c)
{
    struct hk_err e = HK_ERR_INIT;
    int rc = hk_plans_check(req->app->platform->plans, c, req->user_id,
                            HK_PLANS_CUSTOM_RESUME, 0, NULL, &e);
    if (rc == HAWK_EQUOTA) {
        hk_resp_from_err(resp, &e);
        return false;
    }
    if (rc < 0) {
        hk_resp_from_status(resp, rc);
        return false;
    }
    return true;
}

/* Reads the optional JSON body (an empty body is {}). */
static json_object *optional_body(struct hk_req *req, struct hk_resp *resp,
                                  const struct hk_field *fields)
{
    json_object *body = NULL;
    if (req->body_len == 0)
        return json_object_new_object();
    if (hk_req_json(req, resp, &body) < 0)
        return NULL;
    if (hk_json_check(body, fields, resp) < 0) {
        json_object_put(body);
        return NULL;
    }
    return body;
}

static int64_t opt_i64(json_object *body, const char *key)
{
    json_object *v = NULL;
    return json_object_object_get_ex(body, key, &v) && v != NULL
               ? json_object_get_int64(v)
               : 0;
}

enum feature { F_SCORE, F_LETTER, F_TAILOR };

static void job_feature(struct hk_req *req, struct hk_resp *resp,
                        enum feature f, json_object *body)
{
    static const char *const kinds[] = {"llm_score", "llm_cover_letter",
                                        "llm_tailor_resume"};
    int64_t job_id = 0;
    if (hk_req_param_id(req, resp, "id", &job_id) < 0)
        return;
    if (!hk_llm_available(req, resp))
        return;
    struct hk_dbconn *c = hk_llm_acquire(req, resp);
    if (c == NULL)
        return;
    int64_t app_id = opt_i64(body, "application_id");
    bool ok = inputs_ok(req, resp, c, job_id);
    if (ok && f == F_TAILOR)
        ok = feature_ok(req, resp, c);
    if (ok && f != F_SCORE)
        ok = application_ok(req, resp, c, job_id, app_id);
    if (ok)
        ok = hk_llm_budget_ok(req->app->platform, c, req->user_id, resp);
    if (ok) {
        char key[96];
        snprintf(key, sizeof(key), "%s:%lld:%lld", kinds[f],
                 (long long)req->user_id, (long long)job_id);
        json_object_object_add(body, "job_id", json_object_new_int64(job_id));
        hk_llm_enqueue(req, resp, c, kinds[f], body, key);
    }
    hk_db_release(req->app->db, c);
}

static void score_route(struct hk_req *req, struct hk_resp *resp)
{
    static const struct hk_field fields[] = {HK_FIELD_END};
    json_object *body = optional_body(req, resp, fields);
    if (body == NULL)
        return;
    job_feature(req, resp, F_SCORE, body);
    json_object_put(body);
}

static void letter_route(struct hk_req *req, struct hk_resp *resp)
{
    static const struct hk_field fields[] = {
        HK_FIELD("tone", HK_F_STRING, false, false, 1, 40),
        HK_FIELD("language", HK_F_STRING, false, false, 1, 40),
        HK_FIELD("max_words", HK_F_INT, false, false, 50, 1000),
        HK_FIELD("extra", HK_F_STRING, false, false, 1, 1000),
        HK_FIELD("application_id", HK_F_INT, false, false, 1, INT64_MAX),
        HK_FIELD_END};
    json_object *body = optional_body(req, resp, fields);
    if (body == NULL)
        return;
    job_feature(req, resp, F_LETTER, body);
    json_object_put(body);
}

static void tailor_route(struct hk_req *req, struct hk_resp *resp)
{
    static const struct hk_field fields[] = {
        HK_FIELD("application_id", HK_F_INT, false, false, 1, INT64_MAX),
        HK_FIELD_END};
    json_object *body = optional_body(req, resp, fields);
    if (body == NULL)
        return;
    job_feature(req, resp, F_TAILOR, body);
    json_object_put(body);
}

/* ---- usage -------------------------------------------------------------- */

static const char sql_usage_items[] =
    "SELECT to_char(day, 'YYYY-MM-DD'), plugin, model, purpose, calls,"
    " failures, prompt_tokens, completion_tokens, cost_usd::float8"
    " FROM llm_usage WHERE user_id = $1::bigint"
    " AND day BETWEEN $2::date AND $3::date"
    " ORDER BY day DESC, plugin, model, purpose LIMIT $4::bigint"
    " OFFSET $5::bigint";

static const char sql_usage_totals[] =
    "SELECT count(*), coalesce(sum(calls), 0), coalesce(sum(failures), 0),"
    " coalesce(sum(prompt_tokens), 0), coalesce(sum(completion_tokens), 0),"
    " coalesce(sum(cost_usd), 0)::float8"
    " FROM llm_usage WHERE user_id = $1::bigint"
    " AND day BETWEEN $2::date AND $3::date";

static const char sql_month[] =
    "SELECT to_char(date_trunc('month', now() AT TIME ZONE 'UTC'),"
    " 'YYYY-MM-DD'), to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD')";

static bool valid_day(const char *s)
{
    int y, m, d;
    char tail;
    return s != NULL && strlen(s) == 10 &&
           sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) == 3 && y >= 2000 &&
           y <= 9999 && m >= 1 && m <= 12 && d >= 1 && d <= 31 && s[4] == '-' &&
           s[7] == '-';
}

static json_object *num_col(const PGresult *r, int row, int col, bool dbl)
{
    const char *v = PQgetvalue(r, row, col);
    if (dbl) {
        double d = strtod(v, NULL);
        return json_object_new_double(d);
    }
    return json_object_new_int64(strtoll(v, NULL, 10));
}

static json_object *usage_totals(const PGresult *t)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "calls", num_col(t, 0, 1, false));
    json_object_object_add(o, "failures", num_col(t, 0, 2, false));
    json_object_object_add(o, "prompt_tokens", num_col(t, 0, 3, false));
    json_object_object_add(o, "completion_tokens", num_col(t, 0, 4, false));
    json_object_object_add(o, "cost_usd", num_col(t, 0, 5, true));
    return o;
}

static json_object *usage_budget(struct hk_plans *pl, struct hk_dbconn *c,
                                 int64_t user_id)
{
    struct hk_plans_limit lim;
    int rc = hk_plans_check(pl, c, user_id, HK_PLANS_LLM_BUDGET, 0, &lim, NULL);
    if (rc < 0 && rc != HAWK_EQUOTA)
        return NULL;
    json_object *b = json_object_new_object();
    json_object_object_add(b, "plan", json_object_new_string(lim.plan));
    json_object_object_add(b, "limit_usd", json_object_new_double(lim.value));
    json_object_object_add(b, "spent_usd", json_object_new_double(lim.used));
    double left = lim.value - lim.used;
    json_object_object_add(b, "remaining_usd",
                           json_object_new_double(left > 0 ? left : 0));
    json_object_object_add(
        b, "exhausted",
        json_object_new_boolean(rc == HAWK_EQUOTA || left <= 0));
    return b;
}

static void usage_route(struct hk_req *req, struct hk_resp *resp)
{
    int64_t page = 1, per_page = 20;
    char from[16], to[16], uid[24], lim[24], off[24];
    PGresult *m = NULL, *t = NULL, *r = NULL;

    if (hk_req_page(req, resp, 100, &page, &per_page) < 0)
        return;
    const char *qf = hk_req_query(req, "from");
    const char *qt = hk_req_query(req, "to");
    if ((qf != NULL && !valid_day(qf)) || (qt != NULL && !valid_day(qt))) {
        hk_resp_error(resp, 400, "invalid_parameter",
                      qf != NULL && !valid_day(qf) ? "from" : "to",
                      "dates must look like 2026-01-31");
        return;
    }
    struct hk_dbconn *c = hk_llm_acquire(req, resp);
    if (c == NULL)
        return;
    int rc = hk_db_query(c, sql_month, 0, NULL, &m);
    if (rc == 0) {
        hk_strlcpy(from, qf != NULL ? qf : PQgetvalue(m, 0, 0), sizeof(from));
        hk_strlcpy(to, qt != NULL ? qt : PQgetvalue(m, 0, 1), sizeof(to));
        PQclear(m);
    }
    if (rc == 0 && strcmp(from, to) > 0) {
        hk_resp_error(resp, 400, "invalid_parameter", "from",
                      "from must not be after to");
        hk_db_release(req->app->db, c);
        return;
    }
    snprintf(uid, sizeof(uid), "%lld", (long long)req->user_id);
    snprintf(lim, sizeof(lim), "%lld", (long long)per_page);
    snprintf(off, sizeof(off), "%lld", (long long)((page - 1) * per_page));
    const char *params[] = {uid, from, to, lim, off};
    if (rc == 0)
        rc = hk_db_query(c, sql_usage_totals, 3, params, &t);
    if (rc == 0)
        rc = hk_db_query(c, sql_usage_items, 5, params, &r);
    if (rc < 0) {
        PQclear(t);
        hk_resp_from_status(resp, rc);
        hk_db_release(req->app->db, c);
        return;
    }
    json_object *items = json_object_new_array();
    for (int i = 0; i < PQntuples(r); i++) {
        json_object *it = json_object_new_object();
        json_object_object_add(it, "day",
                               json_object_new_string(PQgetvalue(r, i, 0)));
        json_object_object_add(it, "plugin",
                               json_object_new_string(PQgetvalue(r, i, 1)));
        json_object_object_add(it, "model",
                               json_object_new_string(PQgetvalue(r, i, 2)));
        json_object_object_add(it, "purpose",
                               json_object_new_string(PQgetvalue(r, i, 3)));
        json_object_object_add(it, "calls", num_col(r, i, 4, false));
        json_object_object_add(it, "failures", num_col(r, i, 5, false));
        json_object_object_add(it, "prompt_tokens", num_col(r, i, 6, false));
        json_object_object_add(it, "completion_tokens",
                               num_col(r, i, 7, false));
        json_object_object_add(it, "cost_usd", num_col(r, i, 8, true));
        json_object_array_add(items, it);
    }
    PQclear(r);
    int64_t total = strtoll(PQgetvalue(t, 0, 0), NULL, 10);
    json_object *o = json_object_new_object();
    json_object_object_add(o, "from", json_object_new_string(from));
    json_object_object_add(o, "to", json_object_new_string(to));
    json_object_object_add(o, "items", items);
    json_object_object_add(o, "page", json_object_new_int64(page));
    json_object_object_add(o, "per_page", json_object_new_int64(per_page));
    json_object_object_add(o, "total", json_object_new_int64(total));
    json_object_object_add(
        o, "pages", json_object_new_int64((total + per_page - 1) / per_page));
    json_object_object_add(o, "totals", usage_totals(t));
    PQclear(t);
    json_object_object_add(
        o, "budget", usage_budget(req->app->platform->plans, c, req->user_id));
    hk_db_release(req->app->db, c);
    hk_resp_json(resp, 200, o);
}

/* ---- registration -------------------------------------------------------- */

static void add(struct hk_router *r, const char *method, const char *pattern,
                hk_handler_fn fn)
{
    struct hk_route_opts o = {.flags = HK_ROUTE_AUTH, .max_body = 64 << 10};
    int rc = hk_router_add_opts(r, method, pattern, fn, &o);
    if (rc < 0)
        hk_log(HAWK_LOG_ERROR, "cannot register route %s %s: %s", method,
               pattern, hawk_strerror(rc));
}

/* See llm.h. */
void hk_llm_routes(struct hk_router *r)
{
    add(r, "POST", "/api/v1/jobs/{id}/score", score_route);
    add(r, "POST", "/api/v1/jobs/{id}/cover-letter", letter_route);
    add(r, "POST", "/api/v1/jobs/{id}/tailored-resume", tailor_route);
    add(r, "GET", "/api/v1/usage/llm", usage_route);
    hk_llm_answer_routes(r, add);
}
