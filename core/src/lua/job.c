/*
 * lua/job.c - the `workflow_run` queue job and automatic scheduling.
 *
 * A run is started three ways, all through the queue:
 *   - POST /workflows/{id}/run: a workflow_runs row plus a job whose
 *     payload is {"run_id": N};
 *   - a cron schedule: the scheduler (sched/) fires {"workflow_id": N,
 *     "scheduled": true} at the cron times (with the schedule's jitter);
 *   - a next_run() function: this module enqueues {"workflow_id": N,
 *     "scheduled": true, "at": T} for the next time the script names, and
 *     enqueues the following one when that job runs.  The job id is kept
 *     on the workflow, so a job left over from an older version of the
 *     script (or a disabled workflow) finds another id and does nothing.
 */
#include "lua/job.h"

#include <stdio.h>
#include <string.h>

#include "app/app.h"
#include "db/db.h"
#include "hawk/plugin.h"
#include "log/log.h"
#include "lua/host.h"
#include "lua/lua.h"
#include "lua/pool.h"
#include "lua/runner.h"
#include "lua/schedule.h"
#include "lua/workflows.h"
#include "queue/queue.h"
#include "sched/sched.h"
#include "util/alloc.h"
#include "util/str.h"
#include "util/time.h"

/* See lua/job.h. */
void hk_lua_app_limits(const struct hk_app *app, struct hk_lua_limits *l)
{
    if (app != NULL && app->cfg != NULL)
        hk_lua_limits_from_config(app->cfg, l);
    else
        hk_lua_limits_default(l);
}

static void sched_name(char *buf, size_t n, int64_t wf_id)
{
    snprintf(buf, n, "workflow:%lld", (long long)wf_id);
}

/* Next time of a next_run() schedule after `after`, or 0 for none. */
static int script_next(struct hk_app *app, const struct hk_workflow *w,
                       const struct hk_lua_schedule *s, int64_t after,
                       int64_t *next)
{
    struct hk_lua_limits lim;
    hk_lua_app_limits(app, &lim);
    char chunk[40], err[256];
    snprintf(chunk, sizeof(chunk), "workflow:%lld", (long long)w->id);
    int64_t t = 0;
    int n = hk_lua_schedule_next_times(s, w->source, w->source_len, chunk, &lim,
                                       app->lua_pool, after, &t, 1, err,
                                       sizeof(err));
    if (n < 0) {
        hk_log(HAWK_LOG_WARN, "workflow %lld: next_run() failed: %s",
               (long long)w->id, err);
        return n;
    }
    *next = n == 1 ? t : 0;
    return 0;
}

/* See lua/job.h. */
int hk_lua_schedule_sync(struct hk_app *app, struct hk_dbconn *c,
                         int64_t user_id, int64_t wf_id, int64_t after)
{
    struct hk_workflow w;
    int rc = hk_wf_load(c, user_id, wf_id, &w);
    if (rc < 0)
        return rc;
    struct hk_lua_schedule s;
    if (hk_lua_schedule_from_json(w.schedule, &s) < 0)
        memset(&s, 0, sizeof(s));
    char name[48];
    sched_name(name, sizeof(name), wf_id);
    /* The cron path: the scheduler fires it. */
    if (s.has_cron && !s.has_next_run) {
        char payload[96];
        snprintf(payload, sizeof(payload),
                 "{\"workflow_id\":%lld,\"scheduled\":true}", (long long)wf_id);
        struct hk_sched_spec spec = {.user_id = user_id,
                                     .name = name,
                                     .cron = s.cron,
                                     .tz = s.tz,
                                     .jitter_s = (int)s.jitter_s,
                                     .kind = HK_LUA_JOB_KIND,
                                     .payload = payload,
                                     .enabled = w.enabled};
        char err[256];
        rc = hk_sched_upsert(c, &spec, NULL, err, sizeof(err));
        if (rc < 0)
            hk_log(HAWK_LOG_WARN, "workflow %lld: cannot schedule: %s",
                   (long long)wf_id, err);
    } else {
        rc = hk_sched_delete(c, user_id, name);
        if (rc == HAWK_ENOTFOUND)
            rc = 0;
    }
    /* The next_run() path: one queued job at a time. */
    if (rc == 0 && w.next_job_id > 0) {
        enum hk_cancel_result cr;
        int crc = hk_queue_cancel(c, w.next_job_id, user_id, &cr);
        if (crc < 0 && crc != HAWK_ENOTFOUND && crc != HAWK_ECONFLICT)
            rc = crc;
    }
    int64_t next = 0, job_id = 0;
    if (rc == 0 && w.enabled && s.has_next_run &&
        script_next(app, &w, &s, after, &next) == 0 && next > 0) {
        char payload[128], key[96];
        snprintf(payload, sizeof(payload),
                 "{\"workflow_id\":%lld,\"scheduled\":true,\"at\":%lld}",
                 (long long)wf_id, (long long)next);
        snprintf(key, sizeof(key), "workflow:%lld:at:%lld", (long long)wf_id,
                 (long long)next);
        struct hk_job_spec js = {.kind = HK_LUA_JOB_KIND,
                                 .payload = payload,
                                 .user_id = user_id,
                                 .run_at_ms =
                                     (next + hk_lua_schedule_jitter(&s)) * 1000,
                                 .unique_key = key};
        rc = hk_queue_enqueue(c, &js, &job_id, NULL);
    }
    if (rc == 0)
        rc = hk_wf_set_next(c, user_id, wf_id, job_id, next);
    hk_workflow_release(&w);
    return rc;
}

/* See lua/job.h. */
int hk_lua_schedule_remove(struct hk_dbconn *c, int64_t user_id, int64_t wf_id,
                           int64_t next_job_id)
{
    char name[48];
    sched_name(name, sizeof(name), wf_id);
    int rc = hk_sched_delete(c, user_id, name);
    if (rc == HAWK_ENOTFOUND)
        rc = 0;
    if (rc == 0 && next_job_id > 0) {
        enum hk_cancel_result cr;
        int crc = hk_queue_cancel(c, next_job_id, user_id, &cr);
        if (crc < 0 && crc != HAWK_ENOTFOUND && crc != HAWK_ECONFLICT)
            rc = crc;
    }
    return rc;
}

/* ------------------------------------------------------------------------
 * Running
 * --------------------------------------------------------------------- */

static void log_summary(int64_t wf_id, int64_t run_id,
                        const struct hk_lua_result *res)
{
    char fields[512];
    snprintf(fields, sizeof(fields),
             "{\"workflow_id\":%lld,\"run_id\":%lld,\"status\":%d,"
             "\"duration_ms\":%lld,\"searched\":%lld,\"applied\":%lld,"
             "\"instructions\":%lld,\"host_calls\":%lld}",
             (long long)wf_id, (long long)run_id, (int)res->status,
             (long long)res->duration_ms, (long long)res->counts.searched,
             (long long)res->counts.applied, (long long)res->instructions,
             (long long)res->host_calls);
    hk_log_fields(res->status == HK_LUA_OK ? HAWK_LOG_INFO : HAWK_LOG_WARN,
                  res->status == HK_LUA_OK ? "workflow run finished"
                                           : "workflow run failed",
                  fields);
}

/* See lua/job.h. */
int hk_lua_execute(struct hk_app *app, int64_t user_id, int64_t run_id,
                   const atomic_bool *cancel, FILE *echo,
                   struct hk_lua_result *out)
{
    struct hk_dbconn *c = NULL;
    int rc = hk_db_acquire(app->db, &c);
    if (rc < 0)
        return rc;
    int64_t wf_id = 0;
    bool dry_run = false;
    rc = hk_wf_run_start(c, user_id, run_id, &wf_id, &dry_run);
    struct hk_workflow w;
    memset(&w, 0, sizeof(w));
    if (rc == 0)
        rc = hk_wf_load(c, user_id, wf_id, &w);
    hk_db_release(app->db, c);
    if (rc < 0)
        return rc;

    struct hk_lua_schedule s;
    if (hk_lua_schedule_from_json(w.schedule, &s) < 0)
        memset(&s, 0, sizeof(s));
    struct hk_lua_env env;
    rc = hk_lua_env_init(&env, app, user_id, wf_id, dry_run, s.max_per_day);
    struct hk_lua_limits lim;
    hk_lua_app_limits(app, &lim);
    env.state_max = lim.state_max;
    env.cancel = cancel;
    env.echo = echo;
    char chunk[40];
    snprintf(chunk, sizeof(chunk), "workflow:%lld", (long long)wf_id);
    struct hk_lua_job job = {.mode = HK_LUA_MODE_RUN,
                             .source = w.source,
                             .source_len = w.source_len,
                             .chunkname = chunk,
                             .limits = lim,
                             .dry_run = dry_run,
                             .cancel = cancel};
    struct hk_lua_host host = hk_lua_env_host(&env);
    struct hk_lua_result res;
    memset(&res, 0, sizeof(res));
    if (rc == 0)
        rc = hk_lua_exec(app->lua_pool, &job, &host, &res);
    if (rc == 0 && res.error != NULL) {
        /* "daily_apply (workflow 31), line 3: ..." for the user. */
        char *named = hk_lua_error_named(chunk, w.name, res.error);
        hk_free(res.error);
        res.error = named;
    }
    hk_lua_env_release(&env);
    hk_workflow_release(&w);
    int frc = hk_db_acquire(app->db, &c);
    if (frc == 0) {
        if (rc == 0)
            frc = hk_wf_run_finish(c, user_id, run_id, &res);
        else
            frc = hk_wf_run_fail(c, user_id, run_id,
                                 "the run could not start: the database "
                                 "or the runner was unavailable");
        hk_db_release(app->db, c);
    }
    if (rc == 0)
        log_summary(wf_id, run_id, &res);
    if (out != NULL)
        *out = res;
    else
        hk_lua_result_clear(&res);
    return rc < 0 ? rc : frc;
}

/* Creates the run row of a scheduled job; *run_id 0 when the job is
 * stale (workflow gone, disabled, or another job holds its schedule) or
 * falls in the quiet hours. */
static int scheduled_run(struct hk_job_ctx *ctx, json_object *payload,
                         int64_t *run_id, const char **why)
{
    struct hk_app *app = ctx->app;
    json_object *v = NULL;
    int64_t wf_id = 0;
    if (json_object_object_get_ex(payload, "workflow_id", &v))
        wf_id = json_object_get_int64(v);
    bool by_script = json_object_object_get_ex(payload, "at", NULL);
    *run_id = 0;
    struct hk_dbconn *c = NULL;
    int rc = hk_db_acquire(app->db, &c);
    if (rc < 0)
        return rc;
    struct hk_workflow w;
    rc = hk_wf_load(c, ctx->user_id, wf_id, &w);
    if (rc == HAWK_ENOTFOUND) {
        *why = "workflow deleted";
        hk_db_release(app->db, c);
        return 0;
    }
    if (rc < 0) {
        hk_db_release(app->db, c);
        return rc;
    }
    struct hk_lua_schedule s;
    if (hk_lua_schedule_from_json(w.schedule, &s) < 0)
        memset(&s, 0, sizeof(s));
    if (!w.enabled) {
        *why = "workflow disabled";
    } else if (by_script && w.next_job_id != ctx->job_id) {
        *why = "superseded by a newer schedule";
    } else if (hk_lua_schedule_is_quiet(&s, hk_wall_ms() / 1000)) {
        *why = "quiet hours";
    } else {
        rc =
            hk_wf_run_insert(c, ctx->user_id, wf_id, "schedule", false, run_id);
        if (rc == 0)
            rc = hk_wf_run_set_job(c, ctx->user_id, *run_id, ctx->job_id);
    }
    /* Schedule the following run before this one starts, so a crash
     * mid-run cannot stop the workflow's schedule. */
    if (rc == 0 && by_script && w.next_job_id == ctx->job_id && w.enabled) {
        /* This job is done with its slot: forget it first so the sync
         * does not cancel the job that is running it. */
        rc = hk_wf_set_next(c, ctx->user_id, wf_id, 0, 0);
        if (rc == 0)
            rc = hk_lua_schedule_sync(app, c, ctx->user_id, wf_id,
                                      hk_wall_ms() / 1000);
    }
    hk_workflow_release(&w);
    hk_db_release(app->db, c);
    return rc;
}

static int job_run(struct hk_job_ctx *ctx, const char *payload_text,
                   struct hk_buf *result_json, struct hawk_error *err)
{
    json_object *payload = json_tokener_parse(payload_text);
    json_object *v = NULL;
    int64_t run_id = 0;
    const char *why = NULL;
    int rc = 0;
    if (payload != NULL && json_object_object_get_ex(payload, "run_id", &v))
        run_id = json_object_get_int64(v);
    else if (payload != NULL &&
             json_object_object_get_ex(payload, "scheduled", NULL))
        rc = scheduled_run(ctx, payload, &run_id, &why);
    json_object_put(payload);
    if (rc < 0) {
        HAWK_ERR_SET(err, rc, true, 0, "workflow run: %s", hawk_strerror(rc));
        return rc;
    }
    if (run_id <= 0) {
        hk_buf_printf(result_json, "{\"skipped\":\"%s\"}",
                      why != NULL ? why : "no run");
        return 0;
    }
    struct hk_lua_result res;
    rc = hk_lua_execute(ctx->app, ctx->user_id, run_id, &ctx->cancel, NULL,
                        &res);
    if (rc == HAWK_ECONFLICT || rc == HAWK_ENOTFOUND) {
        /* Already ran (a retried job) or deleted with its workflow. */
        hk_buf_printf(result_json, "{\"run_id\":%lld,\"skipped\":true}",
                      (long long)run_id);
        return 0;
    }
    if (rc < 0) {
        HAWK_ERR_SET(err, rc, true, 0, "workflow run %lld: %s",
                     (long long)run_id, hawk_strerror(rc));
        return rc;
    }
    hk_buf_printf(result_json, "{\"run_id\":%lld,\"ok\":%s}", (long long)run_id,
                  res.status == HK_LUA_OK ? "true" : "false");
    hk_lua_result_clear(&res);
    return 0;
}

/* See lua/lua.h. */
int hk_lua_queue_register(struct hk_app *app)
{
    struct hk_lua_limits lim;
    hk_lua_app_limits(app, &lim);
    struct hk_job_kind k = {.name = HK_LUA_JOB_KIND,
                            .run = job_run,
                            .queue = HK_LUA_QUEUE,
                            .timeout_ms = lim.max_wall_ms + 30000,
                            .max_attempts = 3};
    return hk_queue_register_kind(&k);
}
