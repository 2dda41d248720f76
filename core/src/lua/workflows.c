/*
 * lua/workflows.c - workflows, runs and hawk.state in PostgreSQL.
 */
#include "lua/workflows.h"

#include <stdio.h>
#include <string.h>

#include "db/params.h"
#include "hawk/plugin.h"
#include "lua/runner.h"
#include "util/alloc.h"
#include "util/str.h"

/* A timestamptz column as RFC 3339 UTC with milliseconds. */
#define TS(col)                                                                \
    "to_char((" col ") AT TIME ZONE 'UTC', "                                   \
    "'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"

#define WF_JSON(with_source)                                                   \
    "json_build_object('id', w.id, 'name', w.name, 'enabled', w.enabled,"      \
    " 'schedule', w.schedule, 'next_run_at', " TS(                             \
        "w.next_run_at") ", "                                                  \
                         "'last_"                                              \
                         "run_at',"                                            \
                         " " TS(                                               \
                             "w."                                              \
                             "la"                                              \
                             "st"                                              \
                             "_r"                                              \
                             "un"                                              \
                             "_a"                                              \
                             "t") ", 'created_at', " TS("w."                   \
                                                        "creat"                \
                                                        "ed_"                  \
                                                        "at") ", "             \
                                                              "'updated_at',"  \
                                                              " " TS("w."      \
                                                                     "updated" \
                                                                     "_at")    \
                                                                  with_source  \
        ")::text"

#define RUN_JSON(with_log)                                                             \
    "json_build_object('id', r.id, 'workflow_id', r.workflow_id,"                      \
    " 'trigger', r.trigger, 'dry_run', r.dry_run, 'status', r.status,"                 \
    " 'counts', json_build_object('searched', r.searched, 'skipped',"                  \
    " r.skipped, 'scored', r.scored, 'applied', r.applied),"                           \
    " 'instructions', r.instructions, 'memory_peak', r.memory_peak,"                   \
    " 'host_calls', r.host_calls, 'error', r.error, 'error_line',"                     \
    " r.error_line, 'limit', r.limit_hit, 'created_at', " TS(                          \
        "r.created_at") ", 'started_at', " TS("r.started_at") ", "                     \
                                                              "'finished_at',"         \
                                                              " " TS(                  \
                                                                  "r."                 \
                                                                  "finishe"            \
                                                                  "d_at") ", "         \
                                                                          "'d"         \
                                                                          "ur"         \
                                                                          "at"         \
                                                                          "io"         \
                                                                          "n_"         \
                                                                          "ms"         \
                                                                          "',"         \
                                                                          " r"         \
                                                                          ".d"         \
                                                                          "ur"         \
                                                                          "at"         \
                                                                          "io"         \
                                                                          "n_"         \
                                                                          "m"          \
                                                                          "s" with_log \
                                                                          "):"         \
                                                                          ":t"         \
                                                                          "ex"         \
                                                                          "t"

/* See lua/workflows.h. */
void hk_workflow_release(struct hk_workflow *w)
{
    hk_free(w->name);
    hk_free(w->source);
    json_object_put(w->schedule);
    memset(w, 0, sizeof(*w));
}

/* Runs a query expected to return one text column in one row (or no
 * row: HAWK_ENOTFOUND); *out gets a copy. */
static int query_text(struct hk_dbconn *c, const char *sql,
                      const struct hk_db_params *p, char **out)
{
    PGresult *r = NULL;
    *out = NULL;
    int rc = hk_db_params_run(c, sql, p, &r);
    if (rc < 0)
        return rc;
    if (PQntuples(r) == 0) {
        PQclear(r);
        return HAWK_ENOTFOUND;
    }
    *out = hk_strdup(PQgetisnull(r, 0, 0) ? "" : PQgetvalue(r, 0, 0));
    PQclear(r);
    return 0;
}

static int query_i64(struct hk_dbconn *c, const char *sql,
                     const struct hk_db_params *p, int64_t *out)
{
    char *s = NULL;
    int rc = query_text(c, sql, p, &s);
    if (rc < 0)
        return rc;
    rc = hk_parse_i64(s[0] != '\0' ? s : "0", INT64_MIN, INT64_MAX, out);
    hk_free(s);
    return rc;
}

/* Runs a statement that must touch one row (RETURNING or count). */
static int exec_one(struct hk_dbconn *c, const char *sql,
                    const struct hk_db_params *p)
{
    PGresult *r = NULL;
    int rc = hk_db_params_run(c, sql, p, &r);
    if (rc < 0)
        return rc;
    int rows = PQntuples(r);
    PQclear(r);
    return rows > 0 ? 0 : HAWK_ENOTFOUND;
}

/* ------------------------------------------------------------------------
 * Workflows
 * --------------------------------------------------------------------- */

/* See lua/workflows.h. */
int hk_wf_count(struct hk_dbconn *c, int64_t user_id, int64_t *n)
{
    struct hk_db_params p;
    hk_db_params_init(&p);
    hk_db_param_i64(&p, user_id);
    return query_i64(c,
                     "SELECT count(*) FROM workflows WHERE user_id = "
                     "$1::bigint",
                     &p, n);
}

/* See lua/workflows.h. */
int hk_wf_insert(struct hk_dbconn *c, int64_t user_id, const char *name,
                 const char *source, bool enabled, const char *schedule_json,
                 int64_t *id)
{
    struct hk_db_params p;
    hk_db_params_init(&p);
    hk_db_param_i64(&p, user_id);
    hk_db_param_text(&p, name);
    hk_db_param_text(&p, source);
    hk_db_param_bool(&p, enabled);
    hk_db_param_text(&p, schedule_json);
    return query_i64(c,
                     "INSERT INTO workflows (user_id, name, source, enabled,"
                     " schedule) VALUES ($1::bigint, $2, $3, $4::boolean,"
                     " $5::jsonb) RETURNING id",
                     &p, id);
}

/* See lua/workflows.h. */
int hk_wf_update(struct hk_dbconn *c, int64_t user_id, int64_t id,
                 const char *name, const char *source, int enabled,
                 const char *schedule_json)
{
    struct hk_db_params p;
    hk_db_params_init(&p);
    hk_db_param_i64(&p, user_id);
    hk_db_param_i64(&p, id);
    hk_db_param_text(&p, name);
    hk_db_param_text(&p, source);
    if (enabled < 0)
        hk_db_param_null(&p);
    else
        hk_db_param_bool(&p, enabled != 0);
    hk_db_param_text(&p, schedule_json);
    return exec_one(c,
                    "UPDATE workflows SET name = coalesce($3, name),"
                    " source = coalesce($4, source),"
                    " enabled = coalesce($5::boolean, enabled),"
                    " schedule = coalesce($6::jsonb, schedule),"
                    " updated_at = now()"
                    " WHERE user_id = $1::bigint AND id = $2::bigint"
                    " RETURNING id",
                    &p);
}

/* See lua/workflows.h. */
int hk_wf_delete(struct hk_dbconn *c, int64_t user_id, int64_t id,
                 int64_t *next_job_id)
{
    struct hk_db_params p;
    hk_db_params_init(&p);
    hk_db_param_i64(&p, user_id);
    hk_db_param_i64(&p, id);
    int64_t job = 0;
    int rc = query_i64(c,
                       "DELETE FROM workflows WHERE user_id = $1::bigint AND"
                       " id = $2::bigint RETURNING coalesce(next_job_id, 0)",
                       &p, &job);
    if (next_job_id != NULL)
        *next_job_id = job;
    return rc;
}

/* See lua/workflows.h. */
int hk_wf_load(struct hk_dbconn *c, int64_t user_id, int64_t id,
               struct hk_workflow *out)
{
    struct hk_db_params p;
    hk_db_params_init(&p);
    hk_db_param_i64(&p, user_id);
    hk_db_param_i64(&p, id);
    PGresult *r = NULL;
    memset(out, 0, sizeof(*out));
    int rc = hk_db_params_run(c,
                              "SELECT name, source, enabled, schedule::text,"
                              " coalesce(next_job_id, 0) FROM workflows"
                              " WHERE user_id = $1::bigint AND id = $2::bigint",
                              &p, &r);
    if (rc < 0)
        return rc;
    if (PQntuples(r) == 0) {
        PQclear(r);
        return HAWK_ENOTFOUND;
    }
    out->id = id;
    out->user_id = user_id;
    out->name = hk_strdup(PQgetvalue(r, 0, 0));
    out->source_len = (size_t)PQgetlength(r, 0, 1);
    out->source = hk_strndup(PQgetvalue(r, 0, 1), out->source_len);
    out->enabled = PQgetvalue(r, 0, 2)[0] == 't';
    out->schedule = json_tokener_parse(PQgetvalue(r, 0, 3));
    rc = hk_parse_i64(PQgetvalue(r, 0, 4), 0, INT64_MAX, &out->next_job_id);
    PQclear(r);
    if (rc < 0)
        hk_workflow_release(out);
    return rc;
}

/* See lua/workflows.h. */
int hk_wf_set_next(struct hk_dbconn *c, int64_t user_id, int64_t id,
                   int64_t next_job_id, int64_t next_run_at)
{
    struct hk_db_params p;
    hk_db_params_init(&p);
    hk_db_param_i64(&p, user_id);
    hk_db_param_i64(&p, id);
    if (next_job_id > 0)
        hk_db_param_i64(&p, next_job_id);
    else
        hk_db_param_null(&p);
    if (next_run_at > 0)
        hk_db_param_i64(&p, next_run_at);
    else
        hk_db_param_null(&p);
    return exec_one(c,
                    "UPDATE workflows SET next_job_id = $3::bigint,"
                    " next_run_at = to_timestamp($4::bigint)"
                    " WHERE user_id = $1::bigint AND id = $2::bigint"
                    " RETURNING id",
                    &p);
}

/* See lua/workflows.h. */
int hk_wf_get_json(struct hk_dbconn *c, int64_t user_id, int64_t id,
                   bool with_source, char **json)
{
    struct hk_db_params p;
    hk_db_params_init(&p);
    hk_db_param_i64(&p, user_id);
    hk_db_param_i64(&p, id);
    if (with_source)
        return query_text(
            c,
            "SELECT " WF_JSON(", 'source', w.source") " FROM workflows w WHERE "
                                                      "w.user_id = $1::bigint"
                                                      " AND w.id = $2::bigint",
            &p, json);
    return query_text(
        c,
        "SELECT " WF_JSON(
            "") " FROM workflows w"
                " WHERE w.user_id = $1::bigint AND w.id = $2::bigint",
        &p, json);
}

/* See lua/workflows.h. */
int hk_wf_list_json(struct hk_dbconn *c, int64_t user_id, int64_t page,
                    int64_t per_page, char **json, int64_t *total)
{
    struct hk_db_params p;
    hk_db_params_init(&p);
    hk_db_param_i64(&p, user_id);
    hk_db_param_i64(&p, per_page);
    hk_db_param_i64(&p, (page - 1) * per_page);
    int rc = hk_wf_count(c, user_id, total);
    if (rc < 0)
        return rc;
    return query_text(c,
                      "SELECT coalesce(json_agg(x.j ORDER BY x.id DESC),"
                      " '[]')::text FROM (SELECT w.id, " WF_JSON(
                          "") "::json AS j FROM workflows w WHERE w.user_id ="
                              " $1::bigint ORDER BY w.id DESC LIMIT $2::bigint"
                              " OFFSET $3::bigint) x",
                      &p, json);
}

/* ------------------------------------------------------------------------
 * Runs
 * --------------------------------------------------------------------- */

/* See lua/workflows.h. */
int hk_wf_run_insert(struct hk_dbconn *c, int64_t user_id, int64_t workflow_id,
                     const char *trigger, bool dry_run, int64_t *run_id)
{
    struct hk_db_params p;
    hk_db_params_init(&p);
    hk_db_param_i64(&p, user_id);
    hk_db_param_i64(&p, workflow_id);
    hk_db_param_text(&p, trigger);
    hk_db_param_bool(&p, dry_run);
    return query_i64(c,
                     "INSERT INTO workflow_runs (workflow_id, user_id,"
                     " trigger, dry_run) SELECT w.id, w.user_id, $3,"
                     " $4::boolean FROM workflows w WHERE w.user_id ="
                     " $1::bigint AND w.id = $2::bigint RETURNING id",
                     &p, run_id);
}

/* See lua/workflows.h. */
int hk_wf_run_set_job(struct hk_dbconn *c, int64_t user_id, int64_t run_id,
                      int64_t job_id)
{
    struct hk_db_params p;
    hk_db_params_init(&p);
    hk_db_param_i64(&p, user_id);
    hk_db_param_i64(&p, run_id);
    hk_db_param_i64(&p, job_id);
    return exec_one(c,
                    "UPDATE workflow_runs SET queue_job_id = $3::bigint"
                    " WHERE user_id = $1::bigint AND id = $2::bigint"
                    " RETURNING id",
                    &p);
}

/* See lua/workflows.h. */
int hk_wf_run_start(struct hk_dbconn *c, int64_t user_id, int64_t run_id,
                    int64_t *workflow_id, bool *dry_run)
{
    struct hk_db_params p;
    hk_db_params_init(&p);
    hk_db_param_i64(&p, user_id);
    hk_db_param_i64(&p, run_id);
    PGresult *res = NULL;
    int rc = hk_db_params_run(c,
                              "WITH s AS (SELECT id, status FROM workflow_runs"
                              " WHERE user_id = $1::bigint AND id = $2::bigint"
                              " FOR UPDATE), u AS (UPDATE workflow_runs w SET"
                              " status = 'running', started_at = now() FROM s"
                              " WHERE w.id = s.id AND s.status = 'queued'"
                              " RETURNING w.workflow_id, w.dry_run)"
                              " SELECT (SELECT count(*) FROM s),"
                              " u.workflow_id, u.dry_run FROM (SELECT 1) one"
                              " LEFT JOIN u ON true",
                              &p, &res);
    if (rc < 0)
        return rc;
    if (strcmp(PQgetvalue(res, 0, 0), "0") == 0) {
        rc = HAWK_ENOTFOUND;
    } else if (PQgetisnull(res, 0, 1)) {
        rc = HAWK_ECONFLICT;
    } else {
        rc = hk_parse_i64(PQgetvalue(res, 0, 1), 1, INT64_MAX, workflow_id);
        *dry_run = PQgetvalue(res, 0, 2)[0] == 't';
    }
    PQclear(res);
    return rc;
}

static const char *kill_name(int limit)
{
    switch (limit) {
    case HK_LUA_KILL_INSTRUCTIONS:
        return "max_instructions";
    case HK_LUA_KILL_MEMORY:
        return "max_memory";
    case HK_LUA_KILL_WALL:
        return "max_wall";
    case HK_LUA_KILL_HOST_CALLS:
        return "max_host_calls";
    case HK_LUA_KILL_CANCELLED:
        return "cancelled";
    case HK_LUA_KILL_OUTPUT:
        return "max_output";
    case HK_LUA_KILL_CPU:
        return "sandbox_cpu";
    case HK_LUA_KILL_CRASHED:
        return "sandbox_crashed";
    default:
        return NULL;
    }
}

/* See lua/workflows.h. */
int hk_wf_run_finish(struct hk_dbconn *c, int64_t user_id, int64_t run_id,
                     const struct hk_lua_result *res)
{
    const char *status = "succeeded";
    if (res->status == HK_LUA_ERR_LIMIT && res->limit == HK_LUA_KILL_CANCELLED)
        status = "cancelled";
    else if (res->status != HK_LUA_OK)
        status = "failed";
    const char *log = json_object_to_json_string_ext(
        res->log, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
    struct hk_db_params p;
    hk_db_params_init(&p);
    hk_db_param_i64(&p, user_id);
    hk_db_param_i64(&p, run_id);
    hk_db_param_text(&p, status);
    hk_db_param_i64(&p, res->counts.searched);
    hk_db_param_i64(&p, res->counts.skipped);
    hk_db_param_i64(&p, res->counts.scored);
    hk_db_param_i64(&p, res->counts.applied);
    hk_db_param_i64(&p, res->instructions);
    hk_db_param_i64(&p, res->mem_peak);
    hk_db_param_i64(&p, res->host_calls);
    hk_db_param_text(&p, res->error);
    if (res->error != NULL && res->error_line > 0)
        hk_db_param_i64(&p, res->error_line);
    else
        hk_db_param_null(&p);
    hk_db_param_text(&p, res->status != HK_LUA_OK ? res->traceback : NULL);
    hk_db_param_text(&p, res->status == HK_LUA_ERR_LIMIT ? kill_name(res->limit)
                                                         : NULL);
    hk_db_param_text(&p, log);
    hk_db_param_i64(&p, res->duration_ms);
    int rc = exec_one(c,
                      "WITH r AS (UPDATE workflow_runs SET status = $3,"
                      " searched = $4::int, skipped = $5::int, scored ="
                      " $6::int, applied = $7::int, instructions ="
                      " $8::bigint, memory_peak = $9::bigint, host_calls ="
                      " $10::int, error = $11, error_line = $12::int,"
                      " traceback = $13, limit_hit = $14, log = $15::jsonb,"
                      " duration_ms = $16::bigint, finished_at = now()"
                      " WHERE user_id = $1::bigint AND id = $2::bigint"
                      " RETURNING workflow_id)"
                      " UPDATE workflows w SET last_run_at = now() FROM r"
                      " WHERE w.id = r.workflow_id RETURNING w.id",
                      &p);
    return rc;
}

/* See lua/workflows.h. */
int hk_wf_run_fail(struct hk_dbconn *c, int64_t user_id, int64_t run_id,
                   const char *error)
{
    struct hk_db_params p;
    hk_db_params_init(&p);
    hk_db_param_i64(&p, user_id);
    hk_db_param_i64(&p, run_id);
    hk_db_param_text(&p, error);
    return exec_one(c,
                    "UPDATE workflow_runs SET status = 'failed', error = $3,"
                    " finished_at = now() WHERE user_id = $1::bigint AND"
                    " id = $2::bigint RETURNING id",
                    &p);
}

/* See lua/workflows.h. */
int hk_wf_run_get_json(struct hk_dbconn *c, int64_t user_id,
                       int64_t workflow_id, int64_t run_id, char **json)
{
    struct hk_db_params p;
    hk_db_params_init(&p);
    hk_db_param_i64(&p, user_id);
    hk_db_param_i64(&p, workflow_id);
    hk_db_param_i64(&p, run_id);
    return query_text(
        c,
        "SELECT " RUN_JSON(
            ", 'traceback', r.traceback, 'log',"
            " r.log") " FROM workflow_runs r WHERE r.user_id = $1::bigint"
                      " AND r.workflow_id = $2::bigint AND r.id = $3::bigint",
        &p, json);
}

/* See lua/workflows.h. */
int hk_wf_runs_list_json(struct hk_dbconn *c, int64_t user_id,
                         int64_t workflow_id, int64_t page, int64_t per_page,
                         char **json, int64_t *total)
{
    struct hk_db_params p;
    hk_db_params_init(&p);
    hk_db_param_i64(&p, user_id);
    hk_db_param_i64(&p, workflow_id);
    int rc = query_i64(c,
                       "SELECT count(*) FROM workflow_runs WHERE user_id ="
                       " $1::bigint AND workflow_id = $2::bigint",
                       &p, total);
    if (rc < 0)
        return rc;
    hk_db_param_i64(&p, per_page);
    hk_db_param_i64(&p, (page - 1) * per_page);
    return query_text(
        c,
        "SELECT coalesce(json_agg(x.j ORDER BY x.id DESC),"
        " '[]')::text FROM (SELECT r.id, " RUN_JSON(
            "") "::json AS j FROM workflow_runs r WHERE r.user_id ="
                " $1::bigint AND r.workflow_id = $2::bigint ORDER BY"
                " r.id DESC LIMIT $3::bigint OFFSET $4::bigint) x",
        &p, json);
}

/* See lua/workflows.h. */
int hk_wf_applied_today(struct hk_dbconn *c, int64_t user_id,
                        int64_t workflow_id, int64_t *n)
{
    struct hk_db_params p;
    hk_db_params_init(&p);
    hk_db_param_i64(&p, user_id);
    hk_db_param_i64(&p, workflow_id);
    return query_i64(c,
                     "SELECT coalesce(sum(applied), 0) FROM workflow_runs"
                     " WHERE user_id = $1::bigint AND workflow_id ="
                     " $2::bigint AND NOT dry_run AND created_at >="
                     " date_trunc('day', now() AT TIME ZONE 'UTC')"
                     " AT TIME ZONE 'UTC'",
                     &p, n);
}

/* ------------------------------------------------------------------------
 * hawk.state
 * --------------------------------------------------------------------- */

/* See lua/workflows.h. */
int hk_wf_state_get(struct hk_dbconn *c, int64_t user_id, const char *key,
                    char **json)
{
    struct hk_db_params p;
    hk_db_params_init(&p);
    hk_db_param_i64(&p, user_id);
    hk_db_param_text(&p, key);
    int rc = query_text(c,
                        "SELECT value::text FROM workflow_state WHERE"
                        " user_id = $1::bigint AND key = $2",
                        &p, json);
    if (rc == HAWK_ENOTFOUND) {
        *json = NULL;
        return 0;
    }
    return rc;
}

/* See lua/workflows.h. */
int hk_wf_state_set(struct hk_dbconn *c, int64_t user_id, const char *key,
                    const char *value_json, int64_t max_bytes,
                    int64_t *would_use)
{
    int64_t size =
        value_json != NULL ? (int64_t)(strlen(key) + strlen(value_json)) : 0;
    struct hk_db_params p;
    hk_db_params_init(&p);
    hk_db_param_i64(&p, user_id);
    hk_db_param_text(&p, key);
    int rc = hk_db_begin(c);
    if (rc < 0)
        return rc;
    /* One writer per user at a time, so two runs cannot both fit. */
    struct hk_db_params lp;
    hk_db_params_init(&lp);
    hk_db_param_i64(&lp, user_id);
    rc = hk_db_params_run(c,
                          "SELECT pg_advisory_xact_lock(30, ($1::bigint %"
                          " 2147483647)::int)",
                          &lp, NULL);
    if (rc < 0)
        goto out;
    if (value_json == NULL) {
        rc = hk_db_params_run(c,
                              "DELETE FROM workflow_state WHERE user_id ="
                              " $1::bigint AND key = $2",
                              &p, NULL);
        goto out;
    }
    int64_t others = 0;
    rc = query_i64(c,
                   "SELECT coalesce(sum(size), 0) FROM workflow_state"
                   " WHERE user_id = $1::bigint AND key <> $2",
                   &p, &others);
    if (rc < 0)
        goto out;
    if (others + size > max_bytes) {
        if (would_use != NULL)
            *would_use = others + size;
        rc = HAWK_EQUOTA;
        goto out;
    }
    struct hk_db_params ip;
    hk_db_params_init(&ip);
    hk_db_param_i64(&ip, user_id);
    hk_db_param_text(&ip, key);
    hk_db_param_text(&ip, value_json);
    hk_db_param_i64(&ip, size);
    rc = hk_db_params_run(
        c,
        "INSERT INTO workflow_state (user_id, key, value, size)"
        " VALUES ($1::bigint, $2, $3::jsonb, $4::int)"
        " ON CONFLICT (user_id, key) DO UPDATE SET value ="
        " excluded.value, size = excluded.size, updated_at ="
        " now()",
        &ip, NULL);
out:
    if (rc < 0) {
        hk_db_rollback(c);
        return rc;
    }
    return hk_db_commit(c);
}
