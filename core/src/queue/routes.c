/*
 * queue/routes.c - the task API (/api/v1/tasks: a user's own background
 * tasks) and the queue admin API (/api/v1/admin/queue).
 *
 * Users see only rows with their user_id; any other id is a 404.  Only
 * kinds registered with user_startable may be started here, and each
 * kind validates its payload.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "app/app.h"
#include "config/config.h"
#include "db/db.h"
#include "http/http.h"
#include "log/log.h"
#include "queue/queue.h"
#include "queue/queue_int.h"
#include "util/str.h"
#include "util/time.h"

#define TASK_COLUMNS                                                           \
    "id, kind, queue, state, attempts, max_attempts, priority, progress,"      \
    " progress_message, payload::text, result::text, last_error,"              \
    " cancel_requested, user_id,"                                              \
    " (extract(epoch FROM created_at) * 1000)::bigint,"                        \
    " (extract(epoch FROM run_at) * 1000)::bigint,"                            \
    " (extract(epoch FROM started_at) * 1000)::bigint,"                        \
    " (extract(epoch FROM finished_at) * 1000)::bigint"

enum {
    C_ID,
    C_KIND,
    C_QUEUE,
    C_STATE,
    C_ATTEMPTS,
    C_MAX_ATTEMPTS,
    C_PRIORITY,
    C_PROGRESS,
    C_PROGRESS_MSG,
    C_PAYLOAD,
    C_RESULT,
    C_ERROR,
    C_CANCEL,
    C_USER,
    C_CREATED,
    C_RUN_AT,
    C_STARTED,
    C_FINISHED
};

static const char *const states[] = {"queued", "running", "done", "dead",
                                     "cancelled"};

/* ---- JSON ---- */

static json_object *col_str(const PGresult *r, int row, int col)
{
    if (PQgetisnull(r, row, col))
        return NULL;
    return json_object_new_string(PQgetvalue(r, row, col));
}

static json_object *col_time(const PGresult *r, int row, int col)
{
    if (PQgetisnull(r, row, col))
        return NULL;
    char buf[32];
    hk_time_rfc3339(hk_queue_col_i64(r, row, col), buf, sizeof(buf));
    return json_object_new_string(buf);
}

static json_object *col_json(const PGresult *r, int row, int col)
{
    if (PQgetisnull(r, row, col))
        return NULL;
    return json_tokener_parse(PQgetvalue(r, row, col));
}

static json_object *task_json(const PGresult *r, int row, bool admin)
{
    json_object *o = json_object_new_object();
    json_object_object_add(
        o, "id", json_object_new_int64(hk_queue_col_i64(r, row, C_ID)));
    json_object_object_add(o, "kind", col_str(r, row, C_KIND));
    json_object_object_add(o, "queue", col_str(r, row, C_QUEUE));
    json_object_object_add(o, "state", col_str(r, row, C_STATE));
    json_object_object_add(
        o, "attempts",
        json_object_new_int64(hk_queue_col_i64(r, row, C_ATTEMPTS)));
    json_object_object_add(
        o, "max_attempts",
        json_object_new_int64(hk_queue_col_i64(r, row, C_MAX_ATTEMPTS)));
    json_object_object_add(
        o, "priority",
        json_object_new_int64(hk_queue_col_i64(r, row, C_PRIORITY)));
    json_object_object_add(
        o, "progress",
        json_object_new_int64(hk_queue_col_i64(r, row, C_PROGRESS)));
    json_object_object_add(o, "progress_message",
                           col_str(r, row, C_PROGRESS_MSG));
    json_object_object_add(o, "payload", col_json(r, row, C_PAYLOAD));
    json_object_object_add(o, "result", col_json(r, row, C_RESULT));
    json_object_object_add(o, "error", col_str(r, row, C_ERROR));
    json_object_object_add(
        o, "cancel_requested",
        json_object_new_boolean(PQgetvalue(r, row, C_CANCEL)[0] == 't'));
    if (admin)
        json_object_object_add(
            o, "user_id",
            PQgetisnull(r, row, C_USER)
                ? NULL
                : json_object_new_int64(hk_queue_col_i64(r, row, C_USER)));
    json_object_object_add(o, "created_at", col_time(r, row, C_CREATED));
    json_object_object_add(o, "run_at", col_time(r, row, C_RUN_AT));
    json_object_object_add(o, "started_at", col_time(r, row, C_STARTED));
    json_object_object_add(o, "finished_at", col_time(r, row, C_FINISHED));
    return o;
}

static json_object *page_json(json_object *items, int64_t page,
                              int64_t per_page, int64_t total)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "items", items);
    json_object_object_add(o, "page", json_object_new_int64(page));
    json_object_object_add(o, "per_page", json_object_new_int64(per_page));
    json_object_object_add(o, "total", json_object_new_int64(total));
    json_object_object_add(
        o, "pages",
        json_object_new_int64(per_page > 0 ? (total + per_page - 1) / per_page
                                           : 0));
    return o;
}

/* ---- helpers ---- */

static struct hk_dbconn *acquire(struct hk_req *req, struct hk_resp *resp)
{
    struct hk_dbconn *c = NULL;
    int rc = hk_db_acquire(req->app->db, &c);
    if (rc < 0) {
        hk_resp_from_status(resp, rc);
        return NULL;
    }
    return c;
}

/* Reads the {id} path parameter and borrows a connection: NULL (resp
 * filled) when the id is not a number or the database is unavailable. */
static struct hk_dbconn *id_and_conn(struct hk_req *req, struct hk_resp *resp,
                                     int64_t *id)
{
    if (hk_req_param_id(req, resp, "id", id) < 0)
        return NULL;
    return acquire(req, resp);
}

/* Answers a failed job operation: 404 for HAWK_ENOTFOUND, 409 with
 * `conflict` for HAWK_ECONFLICT, the data-layer mapping otherwise.
 * Returns true when rc was an error (resp filled). */
static bool op_failed(struct hk_resp *resp, int rc, const char *not_found,
                      const char *conflict)
{
    if (rc == HAWK_ENOTFOUND)
        hk_resp_error(resp, 404, "not_found", NULL, "%s", not_found);
    else if (rc == HAWK_ECONFLICT)
        hk_resp_error(resp, 409, "conflict", NULL, "%s", conflict);
    else if (rc < 0)
        hk_resp_from_status(resp, rc);
    return rc < 0;
}

static const char SQL_TASK_USER[] =
    "SELECT " TASK_COLUMNS " FROM queue_jobs"
    " WHERE id = $1::bigint AND user_id = $2::bigint";

static const char SQL_TASK_ANY[] =
    "SELECT " TASK_COLUMNS " FROM queue_jobs WHERE id = $1::bigint";

/* Responds with one task (scoped to user_id unless admin). */
static void respond_task(struct hk_resp *resp, struct hk_dbconn *c, int64_t id,
                         int64_t user_id, bool admin, int status)
{
    char ids[24], uids[24];
    snprintf(ids, sizeof(ids), "%" PRId64, id);
    snprintf(uids, sizeof(uids), "%" PRId64, user_id);
    const char *params[2] = {ids, uids};
    PGresult *r = NULL;
    int rc = hk_db_query(c, admin ? SQL_TASK_ANY : SQL_TASK_USER, admin ? 1 : 2,
                         params, &r);
    if (rc < 0) {
        hk_resp_from_status(resp, rc);
        return;
    }
    if (PQntuples(r) != 1) {
        PQclear(r);
        hk_resp_error(resp, 404, "not_found", NULL, "task not found");
        return;
    }
    hk_resp_json(resp, status, task_json(r, 0, admin));
    PQclear(r);
}

/* Query parameter `name` must be one of the job states (or absent). */
static int state_param(struct hk_req *req, struct hk_resp *resp,
                       const char **out)
{
    const char *v = hk_req_query(req, "state");
    *out = NULL;
    if (v == NULL || *v == '\0')
        return 0;
    for (size_t i = 0; i < sizeof(states) / sizeof(states[0]); i++) {
        if (strcmp(v, states[i]) == 0) {
            *out = states[i];
            return 0;
        }
    }
    hk_resp_error(resp, 400, "invalid_parameter", "state",
                  "state must be one of queued, running, done, dead, "
                  "cancelled");
    return HAWK_EINVAL;
}

static int name_param(struct hk_req *req, struct hk_resp *resp,
                      const char *name, bool kind, const char **out)
{
    const char *v = hk_req_query(req, name);
    *out = NULL;
    if (v == NULL || *v == '\0')
        return 0;
    if (kind ? !hk_queue_kind_name_valid(v) : !hk_queue_name_valid(v)) {
        hk_resp_error(resp, 400, "invalid_parameter", name,
                      "%s must be 1 to 64 characters of a-z, 0-9 and "
                      "%s",
                      name, kind ? "_ ." : "_ -");
        return HAWK_EINVAL;
    }
    *out = v;
    return 0;
}

/* The kind's validator names fields of the payload; the client sent them
 * inside "payload", so say "payload.<field>". */
static void prefix_payload_field(struct hk_resp *resp)
{
    json_object *body = json_tokener_parse(hk_buf_str(&resp->body));
    json_object *err = NULL, *field = NULL, *msg = NULL, *code = NULL;
    if (body != NULL && json_object_object_get_ex(body, "error", &err) &&
        json_object_object_get_ex(err, "message", &msg) &&
        json_object_object_get_ex(err, "code", &code)) {
        char name[160] = "payload";
        if (json_object_object_get_ex(err, "field", &field) &&
            json_object_is_type(field, json_type_string))
            snprintf(name, sizeof(name), "payload.%s",
                     json_object_get_string(field));
        char m[512], cd[64];
        hk_strlcpy(m, json_object_get_string(msg), sizeof(m));
        hk_strlcpy(cd, json_object_get_string(code), sizeof(cd));
        int status = resp->status ? resp->status : 400;
        hk_resp_error(resp, status, cd, name, "%s", m);
    }
    json_object_put(body);
}

/* ---- /api/v1/tasks ---- */

static const char SQL_PENDING[] =
    "SELECT count(*) FROM queue_jobs WHERE user_id = $1::bigint"
    " AND state IN ('queued', 'running')";

static void tasks_create(struct hk_req *req, struct hk_resp *resp)
{
    static const struct hk_field fields[] = {
        HK_FIELD("kind", HK_F_STRING, true, false, 1, HK_JOB_KIND_MAX),
        HK_FIELD("payload", HK_F_OBJECT, false, false, 0, 0),
        HK_FIELD_END,
    };
    json_object *body = NULL;
    if (hk_req_json(req, resp, &body) < 0)
        return;
    if (hk_json_check(body, fields, resp) < 0) {
        json_object_put(body);
        return;
    }
    json_object *jk = NULL, *jp = NULL;
    json_object_object_get_ex(body, "kind", &jk);
    const char *kname = json_object_get_string(jk);
    struct hk_job_kind kind;
    if (hk_queue_find_kind(kname, &kind) < 0 || !kind.user_startable) {
        hk_resp_error(resp, 400, "invalid_field", "kind",
                      "unknown task kind '%.64s'; see the API "
                      "documentation for the kinds you can start",
                      kname);
        json_object_put(body);
        return;
    }
    json_object *payload = NULL;
    if (json_object_object_get_ex(body, "payload", &jp) && jp != NULL)
        payload = json_object_get(jp);
    else
        payload = json_object_new_object();
    json_object_put(body);
    if (kind.validate != NULL && kind.validate(payload, resp) < 0) {
        prefix_payload_field(resp);
        json_object_put(payload);
        return;
    }
    const char *ptext = json_object_to_json_string_ext(
        payload, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);

    struct hk_dbconn *c = acquire(req, resp);
    if (c == NULL) {
        json_object_put(payload);
        return;
    }
    int64_t max_pending = 1000;
    if (req->app->cfg != NULL)
        max_pending = req->app->cfg->settings.queue.max_pending_per_user;
    char uid[24];
    snprintf(uid, sizeof(uid), "%" PRId64, req->user_id);
    const char *params[1] = {uid};
    PGresult *r = NULL;
    int rc = hk_db_query(c, SQL_PENDING, 1, params, &r);
    if (rc == 0 && hk_queue_col_i64(r, 0, 0) >= max_pending) {
        PQclear(r);
        hk_resp_error(resp, 429, "too_many_tasks", NULL,
                      "you have %" PRId64 " unfinished tasks; wait for some "
                      "to finish or cancel them",
                      max_pending);
        json_object_put(payload);
        hk_db_release(req->app->db, c);
        return;
    }
    PQclear(r);
    int64_t id = 0;
    if (rc == 0) {
        struct hk_job_spec spec = {
            .kind = kind.name, .payload = ptext, .user_id = req->user_id};
        rc = hk_queue_enqueue(c, &spec, &id, NULL);
    }
    json_object_put(payload);
    if (rc < 0) {
        hk_resp_from_status(resp, rc);
    } else {
        hk_info("task %" PRId64 " (%s) started", id, kind.name);
        respond_task(resp, c, id, req->user_id, false, 202);
    }
    hk_db_release(req->app->db, c);
}

static void tasks_get(struct hk_req *req, struct hk_resp *resp)
{
    int64_t id;
    struct hk_dbconn *c = id_and_conn(req, resp, &id);
    if (c == NULL)
        return;
    respond_task(resp, c, id, req->user_id, false, 200);
    hk_db_release(req->app->db, c);
}

/* $1 user (NULL: all, admin), $2 state, $3 kind, $4 queue, $5 limit,
 * $6 offset. */
#define LIST_WHERE                                                             \
    " WHERE ($1::bigint IS NULL OR user_id = $1::bigint)"                      \
    " AND ($2::text IS NULL OR state = $2::text)"                              \
    " AND ($3::text IS NULL OR kind = $3::text)"                               \
    " AND ($4::text IS NULL OR queue = $4::text)"

static const char SQL_LIST[] =
    "SELECT " TASK_COLUMNS " FROM queue_jobs" LIST_WHERE
    " ORDER BY id DESC LIMIT $5::bigint OFFSET $6::bigint";

static const char SQL_LIST_COUNT[] =
    "SELECT count(*) FROM queue_jobs" LIST_WHERE;

static void list_jobs(struct hk_req *req, struct hk_resp *resp, bool admin)
{
    const char *state, *kind, *queue = NULL;
    int64_t page, per_page;
    if (state_param(req, resp, &state) < 0 ||
        name_param(req, resp, "kind", true, &kind) < 0 ||
        (admin && name_param(req, resp, "queue", false, &queue) < 0) ||
        hk_req_page(req, resp, 100, &page, &per_page) < 0)
        return;
    struct hk_dbconn *c = acquire(req, resp);
    if (c == NULL)
        return;
    char uid[24], lim[24], off[24];
    snprintf(uid, sizeof(uid), "%" PRId64, req->user_id);
    snprintf(lim, sizeof(lim), "%" PRId64, per_page);
    snprintf(off, sizeof(off), "%" PRId64, (page - 1) * per_page);
    const char *params[6] = {admin ? NULL : uid, state, kind, queue, lim, off};
    PGresult *r = NULL, *cnt = NULL;
    int rc = hk_db_query(c, SQL_LIST_COUNT, 4, params, &cnt);
    if (rc == 0)
        rc = hk_db_query(c, SQL_LIST, 6, params, &r);
    hk_db_release(req->app->db, c);
    if (rc < 0) {
        PQclear(cnt);
        hk_resp_from_status(resp, rc);
        return;
    }
    json_object *items = json_object_new_array();
    for (int i = 0; i < PQntuples(r); i++)
        json_object_array_add(items, task_json(r, i, admin));
    hk_resp_json(resp, 200,
                 page_json(items, page, per_page, hk_queue_col_i64(cnt, 0, 0)));
    PQclear(r);
    PQclear(cnt);
}

static void tasks_list(struct hk_req *req, struct hk_resp *resp)
{
    list_jobs(req, resp, false);
}

static void tasks_cancel(struct hk_req *req, struct hk_resp *resp)
{
    int64_t id;
    struct hk_dbconn *c = id_and_conn(req, resp, &id);
    if (c == NULL)
        return;
    enum hk_cancel_result res;
    int rc = hk_queue_cancel(c, id, req->user_id, &res);
    if (!op_failed(resp, rc, "task not found",
                   "task already finished; only queued or running tasks "
                   "can be cancelled"))
        respond_task(resp, c, id, req->user_id, false, 200);
    hk_db_release(req->app->db, c);
}

/* ---- /api/v1/admin/queue ---- */

static const char SQL_OVERVIEW[] =
    "SELECT queue, state, count(*) FROM queue_jobs GROUP BY queue, state"
    " UNION ALL SELECT queue, NULL, 0 FROM queue_paused"
    " ORDER BY 1";

static const char SQL_PAUSED[] = "SELECT queue FROM queue_paused ORDER BY 1";

static bool is_paused(const PGresult *p, const char *q)
{
    for (int i = 0; i < PQntuples(p); i++)
        if (strcmp(PQgetvalue(p, i, 0), q) == 0)
            return true;
    return false;
}

static void admin_overview(struct hk_req *req, struct hk_resp *resp)
{
    struct hk_dbconn *c = acquire(req, resp);
    if (c == NULL)
        return;
    PGresult *r = NULL, *p = NULL;
    int rc = hk_db_query(c, SQL_OVERVIEW, 0, NULL, &r);
    if (rc == 0)
        rc = hk_db_query(c, SQL_PAUSED, 0, NULL, &p);
    hk_db_release(req->app->db, c);
    if (rc < 0) {
        PQclear(r);
        hk_resp_from_status(resp, rc);
        return;
    }
    json_object *queues = json_object_new_array();
    json_object *cur = NULL, *counts = NULL;
    const char *cur_name = NULL;
    for (int i = 0; i < PQntuples(r); i++) {
        const char *q = PQgetvalue(r, i, 0);
        if (cur_name == NULL || strcmp(cur_name, q) != 0) {
            cur = json_object_new_object();
            counts = json_object_new_object();
            for (size_t k = 0; k < sizeof(states) / sizeof(states[0]); k++)
                json_object_object_add(counts, states[k],
                                       json_object_new_int64(0));
            json_object_object_add(cur, "name", json_object_new_string(q));
            json_object_object_add(cur, "paused",
                                   json_object_new_boolean(is_paused(p, q)));
            json_object_object_add(cur, "counts", counts);
            json_object_array_add(queues, cur);
            cur_name = q;
        }
        if (!PQgetisnull(r, i, 1))
            json_object_object_add(
                counts, PQgetvalue(r, i, 1),
                json_object_new_int64(hk_queue_col_i64(r, i, 2)));
    }
    json_object *paused = json_object_new_array();
    for (int i = 0; i < PQntuples(p); i++)
        json_object_array_add(paused,
                              json_object_new_string(PQgetvalue(p, i, 0)));
    json_object *o = json_object_new_object();
    json_object_object_add(o, "queues", queues);
    json_object_object_add(o, "paused", paused);
    hk_resp_json(resp, 200, o);
    PQclear(r);
    PQclear(p);
}

static void admin_jobs(struct hk_req *req, struct hk_resp *resp)
{
    list_jobs(req, resp, true);
}

static void admin_job_get(struct hk_req *req, struct hk_resp *resp)
{
    int64_t id;
    struct hk_dbconn *c = id_and_conn(req, resp, &id);
    if (c == NULL)
        return;
    respond_task(resp, c, id, 0, true, 200);
    hk_db_release(req->app->db, c);
}

static void admin_retry(struct hk_req *req, struct hk_resp *resp)
{
    int64_t id;
    struct hk_dbconn *c = id_and_conn(req, resp, &id);
    if (c == NULL)
        return;
    int rc = hk_queue_retry(c, id);
    if (!op_failed(resp, rc, "job not found",
                   "only dead or cancelled jobs can be retried, and not "
                   "while another job with the same unique key is "
                   "pending")) {
        hk_info("admin retried job %" PRId64, id);
        respond_task(resp, c, id, 0, true, 200);
    }
    hk_db_release(req->app->db, c);
}

static void admin_delete(struct hk_req *req, struct hk_resp *resp)
{
    int64_t id;
    struct hk_dbconn *c = id_and_conn(req, resp, &id);
    if (c == NULL)
        return;
    int rc = hk_queue_delete(c, id);
    hk_db_release(req->app->db, c);
    if (!op_failed(resp, rc, "job not found",
                   "only finished (done, dead or cancelled) jobs can be "
                   "deleted; cancel it first")) {
        hk_info("admin deleted job %" PRId64, id);
        hk_resp_bytes(resp, 204, "application/json", "", 0);
    }
}

static void pause_resume(struct hk_req *req, struct hk_resp *resp, bool pause)
{
    const char *name = hk_req_param(req, "name");
    if (!hk_queue_name_valid(name)) {
        hk_resp_error(resp, 404, "not_found", NULL,
                      "no such queue: names are 1 to 64 characters of a-z, "
                      "0-9, _ and -");
        return;
    }
    struct hk_dbconn *c = acquire(req, resp);
    if (c == NULL)
        return;
    int rc = pause ? hk_queue_pause(c, name, req->user_id)
                   : hk_queue_resume(c, name);
    hk_db_release(req->app->db, c);
    if (rc < 0) {
        hk_resp_from_status(resp, rc);
        return;
    }
    hk_info("admin %s queue %s", pause ? "paused" : "resumed", name);
    json_object *o = json_object_new_object();
    json_object_object_add(o, "name", json_object_new_string(name));
    json_object_object_add(o, "paused", json_object_new_boolean(pause));
    hk_resp_json(resp, 200, o);
}

static void admin_pause(struct hk_req *req, struct hk_resp *resp)
{
    pause_resume(req, resp, true);
}

static void admin_resume(struct hk_req *req, struct hk_resp *resp)
{
    pause_resume(req, resp, false);
}

/* Registers the task API and the queue admin API on r. */
void hk_queue_routes(struct hk_router *r)
{
    static const struct {
        const char *method, *pattern;
        hk_handler_fn fn;
        unsigned flags;
    } routes[] = {
        {"POST", "/api/v1/tasks", tasks_create, HK_ROUTE_AUTH},
        {"GET", "/api/v1/tasks", tasks_list, HK_ROUTE_AUTH},
        {"GET", "/api/v1/tasks/{id}", tasks_get, HK_ROUTE_AUTH},
        {"POST", "/api/v1/tasks/{id}/cancel", tasks_cancel, HK_ROUTE_AUTH},
        {"GET", "/api/v1/admin/queue", admin_overview, HK_ROUTE_ADMIN},
        {"GET", "/api/v1/admin/queue/jobs", admin_jobs, HK_ROUTE_ADMIN},
        {"GET", "/api/v1/admin/queue/jobs/{id}", admin_job_get, HK_ROUTE_ADMIN},
        {"POST", "/api/v1/admin/queue/jobs/{id}/retry", admin_retry,
         HK_ROUTE_ADMIN},
        {"DELETE", "/api/v1/admin/queue/jobs/{id}", admin_delete,
         HK_ROUTE_ADMIN},
        {"POST", "/api/v1/admin/queue/queues/{name}/pause", admin_pause,
         HK_ROUTE_ADMIN},
        {"POST", "/api/v1/admin/queue/queues/{name}/resume", admin_resume,
         HK_ROUTE_ADMIN},
    };
    for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
        if (hk_router_add(r, routes[i].method, routes[i].pattern, routes[i].fn,
                          routes[i].flags) < 0)
            hk_error("queue: cannot register route %s %s", routes[i].method,
                     routes[i].pattern);
    }
}
