/*
 * lua/routes.c - /api/v1/workflows... and the review of applications a
 * workflow left awaiting_review (POST /api/v1/job-applications/{id}/
 * approve|reject).
 */
#include <stdio.h>
#include <string.h>

#include "app/app.h"
#include "db/db.h"
#include "hawk/plugin.h"
#include "http/http.h"
#include "log/log.h"
#include "lua/host.h"
#include "lua/job.h"
#include "lua/lua.h"
#include "lua/pool.h"
#include "lua/runner.h"
#include "lua/schedule.h"
#include "lua/workflows.h"
#include "platform/platform.h"
#include "queue/queue.h"
#include "util/alloc.h"
#include "util/err.h"
#include "util/str.h"
#include "util/time.h"

#define MAX_PER_PAGE 100
/* Fire times looked at when measuring a schedule's shortest interval. */
#define INTERVAL_PROBES 48
/* Request bodies carry the script, JSON-escaped. */
#define WORKFLOW_MAX_BODY (512 * 1024)

/* ------------------------------------------------------------------------
 * Helpers
 * --------------------------------------------------------------------- */

static int acquire(struct hk_req *req, struct hk_resp *resp,
                   struct hk_dbconn **c)
{
    int rc = hk_db_acquire(req->app->db, c);
    if (rc < 0)
        hk_resp_from_status(resp, rc);
    return rc;
}

static void release(struct hk_req *req, struct hk_dbconn *c)
{
    if (c != NULL)
        hk_db_release(req->app->db, c);
}

/* Answers with JSON text built by the database. */
static void resp_text(struct hk_resp *resp, int status, char *json)
{
    hk_resp_bytes(resp, status, "application/json", json, strlen(json));
    hk_free(json);
}

static json_object *parse_or_null(const char *text)
{
    json_object *j = hk_lua_host_parse(text);
    return j != NULL ? j : json_object_new_object();
}

static void page_resp(struct hk_resp *resp, char *items_json, int64_t page,
                      int64_t per_page, int64_t total)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "items", parse_or_null(items_json));
    hk_free(items_json);
    json_object_object_add(o, "page", json_object_new_int64(page));
    json_object_object_add(o, "per_page", json_object_new_int64(per_page));
    json_object_object_add(o, "total", json_object_new_int64(total));
    json_object_object_add(
        o, "pages", json_object_new_int64((total + per_page - 1) / per_page));
    hk_resp_json(resp, 200, o);
}

/* 400 naming the script line. */
/* The 400 of a script that cannot be saved; msg's "workflow:12:3:" is said
 * as "name (workflow 12), line 3:". */
static void script_error(struct hk_resp *resp, const char *chunk,
                         const char *name, const char *msg, int line)
{
    json_object *e = json_object_new_object();
    char *named = hk_lua_error_named(chunk, name, msg);
    json_object_object_add(e, "code", json_object_new_string("invalid_script"));
    json_object_object_add(e, "message", json_object_new_string(named));
    hk_free(named);
    json_object_object_add(e, "field", json_object_new_string("source"));
    if (line > 0)
        json_object_object_add(e, "line", json_object_new_int(line));
    json_object *o = json_object_new_object();
    json_object_object_add(o, "error", e);
    hk_resp_json(resp, 400, o);
}

/* A script as accepted by the API: compiled, top level run, schedule
 * validated, next fire times computed. */
struct checked {
    struct hk_lua_schedule sched;
    char *schedule_json; /* owned */
    int64_t next[INTERVAL_PROBES];
    int n_next;
    json_object *log; /* hawk.log lines of the top level; owned */
};

static void checked_release(struct checked *ck)
{
    hk_free(ck->schedule_json);
    ck->schedule_json = NULL;
    json_object_put(ck->log);
    ck->log = NULL;
}

/* Validates source; on failure fills resp and returns HAWK_EINVAL. */
static int check_script(struct hk_req *req, struct hk_resp *resp,
                        const char *source, const char *chunk, const char *name,
                        struct checked *ck)
{
    struct hk_lua_limits lim;
    hk_lua_app_limits(req->app, &lim);
    memset(ck, 0, sizeof(*ck));
    size_t len = strlen(source);
    if ((int64_t)len > lim.max_source) {
        hk_resp_error(resp, 400, "invalid_field", "source",
                      "script is %zu bytes; the limit is %lld bytes", len,
                      (long long)lim.max_source);
        return HAWK_EINVAL;
    }
    struct hk_lua_job job = {.mode = HK_LUA_MODE_CHECK,
                             .source = source,
                             .source_len = len,
                             .chunkname = chunk,
                             .limits = lim};
    struct hk_lua_result res;
    int rc = hk_lua_exec(req->app->lua_pool, &job, NULL, &res);
    if (rc < 0) {
        hk_lua_result_clear(&res);
        hk_resp_from_status(resp, rc);
        return rc;
    }
    if (res.status != HK_LUA_OK) {
        script_error(resp, chunk, name, res.error, res.error_line);
        hk_lua_result_clear(&res);
        return HAWK_EINVAL;
    }
    if (!res.has_run) {
        char msg[128];
        snprintf(msg, sizeof(msg), "%s: workflow defines no run() function",
                 chunk);
        script_error(resp, chunk, name, msg, 0);
        hk_lua_result_clear(&res);
        return HAWK_EINVAL;
    }
    char err[256];
    rc = hk_lua_schedule_parse(res.schedule, res.has_next_run, &ck->sched, err,
                               sizeof(err));
    int line = res.schedule_line;
    ck->log = json_object_get(res.log);
    hk_lua_result_clear(&res);
    if (rc < 0) {
        char msg[320];
        snprintf(msg, sizeof(msg), "%s:%d: %s", chunk, line, err);
        script_error(resp, chunk, name, msg, line);
        return rc;
    }
    rc = hk_lua_schedule_next_times(
        &ck->sched, source, len, chunk, &lim, req->app->lua_pool,
        hk_wall_ms() / 1000, ck->next, INTERVAL_PROBES, err, sizeof(err));
    if (rc < 0) {
        script_error(resp, chunk, name, err, 0);
        return rc;
    }
    ck->n_next = rc;
    json_object *sj = hk_lua_schedule_to_json(&ck->sched);
    ck->schedule_json = hk_strdup(json_object_to_json_string_ext(
        sj, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(sj);
    return 0;
}

/* The plan's minimum schedule interval against the script's shortest
 * gap between two fire times. */
static int check_interval(struct hk_req *req, struct hk_resp *resp,
                          struct hk_dbconn *c, const struct checked *ck)
{
    if (ck->n_next < 2)
        return 0;
    int64_t gap = INT64_MAX;
    for (int i = 1; i < ck->n_next; i++)
        if (ck->next[i] - ck->next[i - 1] < gap)
            gap = ck->next[i] - ck->next[i - 1];
    struct hk_err e = HK_ERR_INIT;
    int rc = hk_plans_check(req->app->platform->plans, c, req->user_id,
                            HK_PLANS_MIN_SCHEDULE_INTERVAL, (double)(gap / 60),
                            NULL, &e);
    if (rc == HAWK_EQUOTA)
        hk_resp_from_err(resp, &e);
    else if (rc < 0)
        hk_resp_from_status(resp, rc);
    return rc;
}

/* Adds "next_runs" (up to five ISO times) to a workflow JSON text. */
static json_object *with_next_runs(char *json, const struct checked *ck)
{
    json_object *o = parse_or_null(json);
    hk_free(json);
    json_object *arr = json_object_new_array();
    for (int i = 0; i < ck->n_next && i < 5; i++) {
        char t[40];
        hk_lua_schedule_format(&ck->sched, ck->next[i], t, sizeof(t));
        json_object_array_add(arr, json_object_new_string(t));
    }
    json_object_object_add(o, "next_runs", arr);
    /* What the top level logged: shown nowhere else. */
    json_object_object_add(o, "log",
                           ck->log != NULL ? json_object_get(ck->log)
                                           : json_object_new_array());
    return o;
}

/* ------------------------------------------------------------------------
 * Workflows
 * --------------------------------------------------------------------- */

static const struct hk_field create_fields[] = {
    HK_FIELD("name", HK_F_STRING, true, false, 1, 100),
    HK_FIELD("source", HK_F_STRING, true, false, 1, 1048576),
    HK_FIELD("enabled", HK_F_BOOL, false, false, 0, 0), HK_FIELD_END};

static const struct hk_field update_fields[] = {
    HK_FIELD("name", HK_F_STRING, false, false, 1, 100),
    HK_FIELD("source", HK_F_STRING, false, false, 1, 1048576),
    HK_FIELD("enabled", HK_F_BOOL, false, false, 0, 0), HK_FIELD_END};

static const char *opt_string(json_object *body, const char *k)
{
    json_object *v = NULL;
    return json_object_object_get_ex(body, k, &v) ? json_object_get_string(v)
                                                  : NULL;
}

static void wf_not_found(struct hk_resp *resp, int64_t id)
{
    hk_resp_error(resp, 404, "not_found", NULL, "workflow %lld not found",
                  (long long)id);
}

static bool name_ok(struct hk_resp *resp, const char *name)
{
    if (name == NULL)
        return true;
    if (!hk_utf8_valid(name, strlen(name))) {
        hk_resp_error(resp, 400, "invalid_field", "name",
                      "name must be valid UTF-8");
        return false;
    }
    return true;
}

/* The common end of a create and an update, inside their transaction:
 * rc is what the insert or update returned.  A taken name is 409;
 * otherwise syncs the schedule, commits and answers `status` with the
 * stored workflow and its next runs.  The caller releases c (which rolls
 * back an unfinished transaction). */
static void finish_save(struct hk_req *req, struct hk_resp *resp,
                        struct hk_dbconn *c, int rc, int64_t id,
                        const char *name, struct checked *ck, int status)
{
    if (rc == HAWK_ECONFLICT) {
        hk_resp_error(resp, 409, "conflict", NULL,
                      "a workflow named '%s' already exists; choose another "
                      "name",
                      name != NULL ? name : "");
        return;
    }
    if (rc == 0)
        rc = hk_lua_schedule_sync(req->app, c, req->user_id, id,
                                  hk_wall_ms() / 1000);
    if (rc == 0)
        rc = hk_db_commit(c);
    char *json = NULL;
    if (rc == 0)
        rc = hk_wf_get_json(c, req->user_id, id, true, &json);
    if (rc < 0) {
        hk_resp_from_status(resp, rc);
        return;
    }
    hk_resp_json(resp, status, with_next_runs(json, ck));
}

/* The plan's workflow count, checked before any Lua runs: a user at the
 * limit gets the 403 at once instead of after the top-level code (which
 * may take up to the wall-clock limit).  The check is repeated under the
 * user's lock before the insert. */
static int precheck_count(struct hk_req *req, struct hk_resp *resp)
{
    struct hk_dbconn *c = NULL;
    if (acquire(req, resp, &c) < 0)
        return HAWK_EUNAVAIL;
    int64_t count = 0;
    int rc = hk_wf_count(c, req->user_id, &count);
    struct hk_err e = HK_ERR_INIT;
    if (rc == 0)
        rc =
            hk_plans_check_used(req->app->platform->plans, c, req->user_id,
                                HK_PLANS_WORKFLOWS, (double)count, 1, NULL, &e);
    release(req, c);
    if (rc == HAWK_EQUOTA)
        hk_resp_from_err(resp, &e);
    else if (rc < 0)
        hk_resp_from_status(resp, rc);
    return rc;
}

static void h_create(struct hk_req *req, struct hk_resp *resp)
{
    json_object *body = NULL;
    struct hk_dbconn *c = NULL;
    struct checked ck;
    memset(&ck, 0, sizeof(ck));
    if (hk_req_json(req, resp, &body) < 0)
        return;
    if (hk_json_check(body, create_fields, resp) < 0)
        goto out;
    const char *name = opt_string(body, "name");
    const char *source = opt_string(body, "source");
    json_object *ev = NULL;
    bool enabled = !json_object_object_get_ex(body, "enabled", &ev) ||
                   json_object_get_boolean(ev);
    if (!name_ok(resp, name))
        goto out;
    if (precheck_count(req, resp) < 0)
        goto out;
    if (check_script(req, resp, source, "workflow:new", name, &ck) < 0)
        goto out;
    if (acquire(req, resp, &c) < 0)
        goto out;
    int64_t count = 0;
    int rc = hk_db_begin(c);
    /* Serialize this user's creations so the plan count holds. */
    char u[24];
    snprintf(u, sizeof(u), "%lld", (long long)req->user_id);
    const char *lp[] = {u};
    if (rc == 0)
        rc = hk_db_query(c,
                         "SELECT pg_advisory_xact_lock(31, ($1::bigint %"
                         " 2147483647)::int)",
                         1, lp, NULL);
    if (rc == 0)
        rc = hk_wf_count(c, req->user_id, &count);
    if (rc < 0) {
        hk_resp_from_status(resp, rc);
        goto out;
    }
    struct hk_err e = HK_ERR_INIT;
    rc = hk_plans_check_used(req->app->platform->plans, c, req->user_id,
                             HK_PLANS_WORKFLOWS, (double)count, 1, NULL, &e);
    if (rc == HAWK_EQUOTA) {
        hk_resp_from_err(resp, &e);
        goto out;
    }
    if (rc < 0) {
        hk_resp_from_status(resp, rc);
        goto out;
    }
    if (enabled && check_interval(req, resp, c, &ck) < 0)
        goto out;
    int64_t id = 0;
    rc = hk_wf_insert(c, req->user_id, name, source, enabled, ck.schedule_json,
                      &id);
    finish_save(req, resp, c, rc, id, name, &ck, 201);
out:
    checked_release(&ck);
    release(req, c);
    json_object_put(body);
}

static void h_list(struct hk_req *req, struct hk_resp *resp)
{
    int64_t page, per_page, total = 0;
    struct hk_dbconn *c = NULL;
    if (hk_req_page(req, resp, MAX_PER_PAGE, &page, &per_page) < 0)
        return;
    if (acquire(req, resp, &c) < 0)
        return;
    char *json = NULL;
    int rc = hk_wf_list_json(c, req->user_id, page, per_page, &json, &total);
    release(req, c);
    if (rc < 0) {
        hk_resp_from_status(resp, rc);
        return;
    }
    page_resp(resp, json, page, per_page, total);
}

static void h_get(struct hk_req *req, struct hk_resp *resp)
{
    int64_t id = 0;
    struct hk_dbconn *c = NULL;
    if (hk_req_param_id(req, resp, "id", &id) < 0)
        return;
    if (acquire(req, resp, &c) < 0)
        return;
    char *json = NULL;
    int rc = hk_wf_get_json(c, req->user_id, id, true, &json);
    release(req, c);
    if (rc == HAWK_ENOTFOUND) {
        wf_not_found(resp, id);
        return;
    }
    if (rc < 0) {
        hk_resp_from_status(resp, rc);
        return;
    }
    resp_text(resp, 200, json);
}

static void h_update(struct hk_req *req, struct hk_resp *resp)
{
    int64_t id = 0;
    json_object *body = NULL;
    struct hk_dbconn *c = NULL;
    struct checked ck;
    memset(&ck, 0, sizeof(ck));
    if (hk_req_param_id(req, resp, "id", &id) < 0)
        return;
    if (hk_req_json(req, resp, &body) < 0)
        return;
    if (hk_json_check(body, update_fields, resp) < 0)
        goto out;
    const char *name = opt_string(body, "name");
    const char *source = opt_string(body, "source");
    json_object *ev = NULL;
    int enabled = json_object_object_get_ex(body, "enabled", &ev)
                      ? json_object_get_boolean(ev)
                      : -1;
    if (!name_ok(resp, name))
        goto out;
    if (acquire(req, resp, &c) < 0)
        goto out;
    struct hk_workflow w;
    int rc = hk_wf_load(c, req->user_id, id, &w);
    if (rc == HAWK_ENOTFOUND) {
        wf_not_found(resp, id);
        goto out;
    }
    if (rc < 0) {
        hk_resp_from_status(resp, rc);
        goto out;
    }
    char chunk[40];
    snprintf(chunk, sizeof(chunk), "workflow:%lld", (long long)id);
    rc = check_script(req, resp, source != NULL ? source : w.source, chunk,
                      name != NULL ? name : w.name, &ck);
    bool now_enabled = enabled < 0 ? w.enabled : enabled == 1;
    hk_workflow_release(&w);
    if (rc < 0)
        goto out;
    if (now_enabled && check_interval(req, resp, c, &ck) < 0)
        goto out;
    rc = hk_db_begin(c);
    if (rc == 0)
        rc = hk_wf_update(c, req->user_id, id, name, source, enabled,
                          ck.schedule_json);
    finish_save(req, resp, c, rc, id, name, &ck, 200);
out:
    checked_release(&ck);
    release(req, c);
    json_object_put(body);
}

static void h_delete(struct hk_req *req, struct hk_resp *resp)
{
    int64_t id = 0, job = 0;
    struct hk_dbconn *c = NULL;
    if (hk_req_param_id(req, resp, "id", &id) < 0)
        return;
    if (acquire(req, resp, &c) < 0)
        return;
    int rc = hk_db_begin(c);
    if (rc == 0)
        rc = hk_wf_delete(c, req->user_id, id, &job);
    if (rc == 0)
        rc = hk_lua_schedule_remove(c, req->user_id, id, job);
    if (rc == 0)
        rc = hk_db_commit(c);
    release(req, c);
    if (rc == HAWK_ENOTFOUND) {
        wf_not_found(resp, id);
        return;
    }
    if (rc < 0) {
        hk_resp_from_status(resp, rc);
        return;
    }
    resp->status = 204;
}

/* ------------------------------------------------------------------------
 * Runs
 * --------------------------------------------------------------------- */

static const struct hk_field run_fields[] = {
    HK_FIELD("dry_run", HK_F_BOOL, false, false, 0, 0), HK_FIELD_END};

static void h_run(struct hk_req *req, struct hk_resp *resp)
{
    int64_t id = 0;
    json_object *body = NULL;
    struct hk_dbconn *c = NULL;
    if (hk_req_param_id(req, resp, "id", &id) < 0)
        return;
    bool dry_run = false;
    if (req->body_len > 0) {
        if (hk_req_json(req, resp, &body) < 0)
            return;
        if (hk_json_check(body, run_fields, resp) < 0)
            goto out;
        json_object *v = NULL;
        dry_run = json_object_object_get_ex(body, "dry_run", &v) &&
                  json_object_get_boolean(v);
    }
    if (acquire(req, resp, &c) < 0)
        goto out;
    int64_t run_id = 0, job_id = 0;
    int rc = hk_db_begin(c);
    if (rc == 0)
        rc = hk_wf_run_insert(c, req->user_id, id, "manual", dry_run, &run_id);
    if (rc == HAWK_ENOTFOUND) {
        wf_not_found(resp, id);
        goto out;
    }
    char payload[64];
    snprintf(payload, sizeof(payload), "{\"run_id\":%lld}", (long long)run_id);
    struct hk_job_spec spec = {
        .kind = HK_LUA_JOB_KIND, .payload = payload, .user_id = req->user_id};
    if (rc == 0)
        rc = hk_queue_enqueue(c, &spec, &job_id, NULL);
    if (rc == 0)
        rc = hk_wf_run_set_job(c, req->user_id, run_id, job_id);
    /* Read back before committing: a worker may start it at once. */
    char *json = NULL;
    if (rc == 0)
        rc = hk_wf_run_get_json(c, req->user_id, id, run_id, &json);
    if (rc == 0)
        rc = hk_db_commit(c);
    if (rc < 0) {
        hk_free(json);
        hk_resp_from_status(resp, rc);
        goto out;
    }
    resp_text(resp, 202, json);
out:
    release(req, c);
    json_object_put(body);
}

static void h_runs(struct hk_req *req, struct hk_resp *resp)
{
    int64_t id = 0, page, per_page, total = 0;
    struct hk_dbconn *c = NULL;
    if (hk_req_param_id(req, resp, "id", &id) < 0)
        return;
    if (hk_req_page(req, resp, MAX_PER_PAGE, &page, &per_page) < 0)
        return;
    if (acquire(req, resp, &c) < 0)
        return;
    char *wf = NULL, *json = NULL;
    int rc = hk_wf_get_json(c, req->user_id, id, false, &wf);
    hk_free(wf);
    if (rc == 0)
        rc = hk_wf_runs_list_json(c, req->user_id, id, page, per_page, &json,
                                  &total);
    release(req, c);
    if (rc == HAWK_ENOTFOUND) {
        wf_not_found(resp, id);
        return;
    }
    if (rc < 0) {
        hk_resp_from_status(resp, rc);
        return;
    }
    page_resp(resp, json, page, per_page, total);
}

static void h_run_get(struct hk_req *req, struct hk_resp *resp)
{
    int64_t id = 0, run_id = 0;
    struct hk_dbconn *c = NULL;
    if (hk_req_param_id(req, resp, "id", &id) < 0 ||
        hk_req_param_id(req, resp, "run_id", &run_id) < 0)
        return;
    if (acquire(req, resp, &c) < 0)
        return;
    char *json = NULL;
    int rc = hk_wf_run_get_json(c, req->user_id, id, run_id, &json);
    release(req, c);
    if (rc == HAWK_ENOTFOUND) {
        hk_resp_error(resp, 404, "not_found", NULL, "run %lld not found",
                      (long long)run_id);
        return;
    }
    if (rc < 0) {
        hk_resp_from_status(resp, rc);
        return;
    }
    resp_text(resp, 200, json);
}

/* ------------------------------------------------------------------------
 * Review: approve / reject
 * --------------------------------------------------------------------- */

static const struct hk_field approve_fields[] = {
    HK_FIELD("answers", HK_F_OBJECT, false, false, 0, 0),
    HK_FIELD("note", HK_F_STRING, false, false, 0, 2000), HK_FIELD_END};

static const struct hk_field reject_fields[] = {
    HK_FIELD("status", HK_F_STRING, false, false, 1, 32),
    HK_FIELD("note", HK_F_STRING, false, false, 0, 2000), HK_FIELD_END};

/* Loads the application's status; 404 / 409 filled in resp. */
static int awaiting_review(struct hk_req *req, struct hk_resp *resp,
                           struct hk_dbconn *c, int64_t app_id)
{
    char u[24], a[24];
    snprintf(u, sizeof(u), "%lld", (long long)req->user_id);
    snprintf(a, sizeof(a), "%lld", (long long)app_id);
    const char *p[] = {u, a};
    PGresult *r = NULL;
    int rc = hk_db_query(c,
                         "SELECT status FROM applications WHERE user_id ="
                         " $1::bigint AND id = $2::bigint FOR UPDATE",
                         2, p, &r);
    if (rc < 0) {
        hk_resp_from_status(resp, rc);
        return rc;
    }
    if (PQntuples(r) == 0) {
        PQclear(r);
        hk_resp_error(resp, 404, "not_found", NULL,
                      "job application %lld not found", (long long)app_id);
        return HAWK_ENOTFOUND;
    }
    if (strcmp(PQgetvalue(r, 0, 0), "awaiting_review") != 0) {
        hk_resp_error(resp, 409, "conflict", NULL,
                      "job application %lld is not awaiting review (its "
                      "status is %s)",
                      (long long)app_id, PQgetvalue(r, 0, 0));
        PQclear(r);
        return HAWK_ECONFLICT;
    }
    PQclear(r);
    return 0;
}

/* Opens the review of application app_id: borrows a connection into *c,
 * begins a transaction, checks (locking the row) that the application
 * awaits review and writes the acting user into actor.  Returns 0, or a
 * negative code with resp filled.  The caller releases *c either way
 * (release rolls back an unfinished transaction). */
static int review_begin(struct hk_req *req, struct hk_resp *resp,
                        int64_t app_id, struct hk_dbconn **c, char *actor,
                        size_t actor_len)
{
    int rc = acquire(req, resp, c);
    if (rc < 0)
        return rc;
    rc = hk_db_begin(*c);
    if (rc < 0) {
        hk_resp_from_status(resp, rc);
        return rc;
    }
    rc = awaiting_review(req, resp, *c, app_id);
    if (rc < 0)
        return rc;
    snprintf(actor, actor_len, "user:%lld", (long long)req->user_id);
    return 0;
}

static void review_done(struct hk_req *req, struct hk_resp *resp,
                        int64_t app_id, const char *status, const char *sub)
{
    (void)req;
    json_object *o = json_object_new_object();
    json_object_object_add(o, "id", json_object_new_int64(app_id));
    json_object_object_add(o, "status", json_object_new_string(status));
    if (sub != NULL)
        json_object_object_add(o, "submission", json_object_new_string(sub));
    hk_resp_json(resp, 200, o);
}

static void h_approve(struct hk_req *req, struct hk_resp *resp)
{
    int64_t app_id = 0;
    json_object *body = NULL;
    struct hk_dbconn *c = NULL;
    if (hk_req_param_id(req, resp, "id", &app_id) < 0)
        return;
    if (req->body_len > 0) {
        if (hk_req_json(req, resp, &body) < 0)
            return;
        if (hk_json_check(body, approve_fields, resp) < 0)
            goto out;
        json_object *ans = NULL;
        if (json_object_object_get_ex(body, "answers", &ans)) {
            json_object_object_foreach(ans, q, a)
            {
                if (!json_object_is_type(a, json_type_string) ||
                    strlen(q) == 0 || strlen(q) > 1000 ||
                    json_object_get_string_len(a) > 10000) {
                    hk_resp_error(resp, 400, "invalid_field", "answers",
                                  "answers must map each question "
                                  "(1-1000 bytes) to a text answer "
                                  "(at most 10000 bytes)");
                    goto out;
                }
            }
        }
    }
    char actor[32];
    int rc = review_begin(req, resp, app_id, &c, actor, sizeof(actor));
    if (rc < 0)
        goto out;
    json_object *ans = NULL;
    if (body != NULL && json_object_object_get_ex(body, "answers", &ans)) {
        json_object_object_foreach(ans, q, a)
        {
            rc = hk_applications_add_question(
                req->app->platform->applications, c, req->user_id, app_id, q,
                "text", json_object_get_string(a), "user", NULL);
            if (rc < 0)
                break;
        }
    }
    const char *note = body != NULL ? opt_string(body, "note") : NULL;
    if (rc == 0)
        rc = hk_applications_set_status(
            req->app->platform->applications, c, req->user_id, app_id,
            "approved", note != NULL ? note : "approved after review", actor,
            NULL);
    bool queued = false;
    if (rc == 0)
        rc = hk_lua_submit_application(c, req->user_id, app_id, &queued);
    if (rc == 0)
        rc = hk_db_commit(c);
    if (rc < 0) {
        hk_resp_from_status(resp, rc);
        goto out;
    }
    review_done(req, resp, app_id, "approved", queued ? "queued" : "pending");
out:
    release(req, c);
    json_object_put(body);
}

static void h_reject(struct hk_req *req, struct hk_resp *resp)
{
    int64_t app_id = 0;
    json_object *body = NULL;
    struct hk_dbconn *c = NULL;
    if (hk_req_param_id(req, resp, "id", &app_id) < 0)
        return;
    const char *status = "skipped";
    const char *note = NULL;
    if (req->body_len > 0) {
        if (hk_req_json(req, resp, &body) < 0)
            return;
        if (hk_json_check(body, reject_fields, resp) < 0)
            goto out;
        const char *s = opt_string(body, "status");
        if (s != NULL && strcmp(s, "skipped") != 0 &&
            strcmp(s, "rejected") != 0) {
            hk_resp_error(resp, 400, "invalid_field", "status",
                          "status must be \"skipped\" or \"rejected\"");
            goto out;
        }
        if (s != NULL)
            status = s;
        note = opt_string(body, "note");
    }
    char actor[32];
    int rc = review_begin(req, resp, app_id, &c, actor, sizeof(actor));
    if (rc < 0)
        goto out;
    rc = hk_applications_set_status(
        req->app->platform->applications, c, req->user_id, app_id, status,
        note != NULL ? note : "rejected after review", actor, NULL);
    if (rc == 0)
        rc = hk_db_commit(c);
    if (rc < 0) {
        hk_resp_from_status(resp, rc);
        goto out;
    }
    review_done(req, resp, app_id, status, NULL);
out:
    release(req, c);
    json_object_put(body);
}

/* ------------------------------------------------------------------------
 * Registration
 * --------------------------------------------------------------------- */

static void add(struct hk_router *r, const char *method, const char *pattern,
                hk_handler_fn fn, size_t max_body)
{
    struct hk_route_opts o = {.flags = HK_ROUTE_AUTH, .max_body = max_body};
    int rc = hk_router_add_opts(r, method, pattern, fn, &o);
    if (rc < 0)
        hk_log(HAWK_LOG_ERROR, "cannot register route %s %s: %s", method,
               pattern, hawk_strerror(rc));
}

/* See lua/lua.h. */
void hk_lua_routes(struct hk_router *r)
{
    add(r, "GET", "/api/v1/workflows", h_list, 0);
    add(r, "POST", "/api/v1/workflows", h_create, WORKFLOW_MAX_BODY);
    add(r, "GET", "/api/v1/workflows/{id}", h_get, 0);
    add(r, "PUT", "/api/v1/workflows/{id}", h_update, WORKFLOW_MAX_BODY);
    add(r, "PATCH", "/api/v1/workflows/{id}", h_update, WORKFLOW_MAX_BODY);
    add(r, "DELETE", "/api/v1/workflows/{id}", h_delete, 0);
    add(r, "POST", "/api/v1/workflows/{id}/run", h_run, 0);
    add(r, "GET", "/api/v1/workflows/{id}/runs", h_runs, 0);
    add(r, "GET", "/api/v1/workflows/{id}/runs/{run_id}", h_run_get, 0);
    add(r, "POST", "/api/v1/job-applications/{id}/approve", h_approve, 0);
    add(r, "POST", "/api/v1/job-applications/{id}/reject", h_reject, 0);
}
