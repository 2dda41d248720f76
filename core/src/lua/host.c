/*
 * lua/host.c - the in-process host: dispatch of host calls, and the ones
 * that are not about jobs or the LLM (config, resume, state, sleep), plus
 * the log echo of CLI runs.
 */
#include "lua/host.h"

#include <stdio.h>
#include <string.h>

#include "app/app.h"
#include "db/db.h"
#include "hawk/plugin.h"
#include "log/log.h"
#include "lua/workflows.h"
#include "platform/jobconfigs/filters.h"
#include "platform/jobconfigs/jobconfigs.h"
#include "platform/platform.h"
#include "queue/queue.h"
#include "util/alloc.h"
#include "util/err.h"
#include "util/str.h"
#include "util/time.h"

/* See lua/host.h. */
json_object *hk_lua_host_parse(const char *text)
{
    if (text == NULL)
        return NULL;
    json_tokener *tok = json_tokener_new_ex(64);
    /* The terminator is included so a bare number ("12") is complete. */
    json_object *j = json_tokener_parse_ex(tok, text, (int)strlen(text) + 1);
    if (json_tokener_get_error(tok) != json_tokener_success) {
        json_object_put(j);
        j = NULL;
    }
    json_tokener_free(tok);
    return j;
}

/* See lua/host.h. */
int hk_lua_env_init(struct hk_lua_env *env, struct hk_app *app, int64_t user_id,
                    int64_t workflow_id, bool dry_run, int max_per_day)
{
    memset(env, 0, sizeof(*env));
    env->app = app;
    env->user_id = user_id;
    env->workflow_id = workflow_id;
    env->dry_run = dry_run;
    env->max_per_day = max_per_day;
    env->state_max = 64 * 1024;
    env->filters = hk_jobconfigs_filter_new();
    if (workflow_id > 0)
        snprintf(env->actor, sizeof(env->actor), "workflow:%lld",
                 (long long)workflow_id);
    else
        snprintf(env->actor, sizeof(env->actor), "workflow:cli");
    struct hk_dbconn *c = NULL;
    int rc = hk_db_acquire(app->db, &c);
    if (rc < 0)
        return rc;
    char u[24];
    snprintf(u, sizeof(u), "%lld", (long long)user_id);
    const char *p[] = {u};
    PGresult *r = NULL;
    rc = hk_db_query(c,
                     "SELECT review_before_submit FROM users WHERE id ="
                     " $1::bigint",
                     1, p, &r);
    if (rc == 0) {
        if (PQntuples(r) == 0)
            rc = HAWK_ENOTFOUND;
        else
            env->review_default = PQgetvalue(r, 0, 0)[0] == 't';
        PQclear(r);
    }
    if (rc == 0 && workflow_id > 0)
        rc = hk_wf_applied_today(c, user_id, workflow_id, &env->applied_before);
    hk_db_release(app->db, c);
    return rc;
}

/* See lua/host.h. */
void hk_lua_env_prepared_add(struct hk_lua_env *env, int64_t app_id)
{
    if (app_id <= 0 || hk_lua_env_prepared_has(env, app_id))
        return;
    if (env->n_prepared < sizeof(env->prepared) / sizeof(env->prepared[0]))
        env->prepared[env->n_prepared++] = app_id;
}

/* See lua/host.h. */
bool hk_lua_env_prepared_has(const struct hk_lua_env *env, int64_t app_id)
{
    for (size_t i = 0; i < env->n_prepared; i++)
        if (env->prepared[i] == app_id)
            return true;
    return false;
}

/* See lua/host.h. */
void hk_lua_env_release(struct hk_lua_env *env)
{
    hk_jobconfigs_filter_free(env->filters);
    env->filters = NULL;
    json_object_put(env->scratch);
    env->scratch = NULL;
}

/* ------------------------------------------------------------------------
 * config, resume, state, sleep
 * --------------------------------------------------------------------- */

/* Answers a call with the user's document read by fetch (JSON text the
 * caller frees), or nil when the user has none. */
static int fetched_result(struct hk_lua_env *env, struct hk_dbconn *c,
                          struct hk_lua_hostcall *hc,
                          int (*fetch)(struct hk_platform *pf,
                                       struct hk_dbconn *c, int64_t user_id,
                                       char **json))
{
    char *json = NULL;
    int rc = fetch(env->app->platform, c, env->user_id, &json);
    if (rc == HAWK_ENOTFOUND)
        return 0;
    if (rc < 0)
        return rc;
    hc->result = hk_lua_host_parse(json);
    hk_free(json);
    return 0;
}

static int active_config(struct hk_platform *pf, struct hk_dbconn *c,
                         int64_t user_id, char **json)
{
    return hk_jobconfigs_active(pf->jobconfigs, c, user_id, json, NULL);
}

static int default_resume(struct hk_platform *pf, struct hk_dbconn *c,
                          int64_t user_id, char **json)
{
    return hk_resumes_default_structured(pf->resumes, c, user_id, json, NULL);
}

/* The id of the user's job search named name, or 0. */
static int config_by_name(struct hk_dbconn *c, int64_t user_id,
                          const char *name, int64_t *id)
{
    char u[24];
    snprintf(u, sizeof(u), "%lld", (long long)user_id);
    const char *p[] = {u, name};
    PGresult *r = NULL;
    *id = 0;
    int rc = hk_db_query(c,
                         "SELECT id FROM job_configs WHERE user_id = $1::bigint"
                         " AND name = $2 ORDER BY id DESC LIMIT 1",
                         2, p, &r);
    if (rc < 0)
        return rc;
    if (PQntuples(r) > 0)
        rc = hk_parse_i64(PQgetvalue(r, 0, 0), 1, INT64_MAX, id);
    PQclear(r);
    return rc;
}

static int h_config(struct hk_lua_env *env, struct hk_dbconn *c,
                    struct hk_lua_hostcall *hc, int64_t timeout_ms)
{
    (void)timeout_ms;
    json_object *a = json_object_array_get_idx(hc->args, 0);
    if (a == NULL)
        return fetched_result(env, c, hc, active_config);
    int64_t id = 0;
    int rc = 0;
    if (json_object_is_type(a, json_type_string))
        rc = config_by_name(c, env->user_id, json_object_get_string(a), &id);
    else
        id = json_object_get_int64(a);
    if (rc < 0)
        return rc;
    struct hk_err err = HK_ERR_INIT;
    json_object *out = NULL;
    if (id > 0)
        rc = hk_jobconfigs_get(env->app->platform->jobconfigs, env->user_id, id,
                               &out, &err);
    if (id <= 0 || rc == HAWK_ENOTFOUND) {
        if (json_object_is_type(a, json_type_string))
            snprintf(hc->error, sizeof(hc->error),
                     "hawk.config: no job search named '%.100s' (GET "
                     "/api/v1/job-configs lists yours)",
                     json_object_get_string(a));
        else
            snprintf(hc->error, sizeof(hc->error),
                     "hawk.config: no job search with id %lld (GET "
                     "/api/v1/job-configs lists yours)",
                     (long long)id);
        return HAWK_ENOTFOUND;
    }
    if (rc < 0)
        return rc;
    hc->result = out;
    return 0;
}

static int h_resume(struct hk_lua_env *env, struct hk_dbconn *c,
                    struct hk_lua_hostcall *hc, int64_t timeout_ms)
{
    (void)timeout_ms;
    return fetched_result(env, c, hc, default_resume);
}

static int h_state_get(struct hk_lua_env *env, struct hk_dbconn *c,
                       struct hk_lua_hostcall *hc, int64_t timeout_ms)
{
    (void)timeout_ms;
    const char *key =
        json_object_get_string(json_object_array_get_idx(hc->args, 0));
    json_object *sv = NULL;
    if (env->scratch != NULL &&
        json_object_object_get_ex(env->scratch, key, &sv)) {
        hc->result = json_object_get(sv);
        return 0;
    }
    char *json = NULL;
    int rc = hk_wf_state_get(c, env->user_id, key, &json);
    if (rc < 0)
        return rc;
    hc->result = hk_lua_host_parse(json);
    hk_free(json);
    return 0;
}

static int h_state_set(struct hk_lua_env *env, struct hk_dbconn *c,
                       struct hk_lua_hostcall *hc, int64_t timeout_ms)
{
    (void)timeout_ms;
    const char *key =
        json_object_get_string(json_object_array_get_idx(hc->args, 0));
    json_object *v = json_object_array_get_idx(hc->args, 1);
    const char *text =
        v != NULL
            ? json_object_to_json_string_ext(
                  v, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)
            : NULL;
    int64_t would = 0;
    int rc = 0;
    if (env->dry_run) {
        /* A dry run changes nothing: the write lives for this run only,
         * bounded like the real state. */
        int64_t n =
            (int64_t)strlen(key) + (text != NULL ? (int64_t)strlen(text) : 0);
        if (env->scratch_bytes + n > env->state_max) {
            would = env->scratch_bytes + n;
            rc = HAWK_EQUOTA;
        } else {
            if (env->scratch == NULL)
                env->scratch = json_object_new_object();
            json_object_object_add(env->scratch, key, json_object_get(v));
            env->scratch_bytes += n;
        }
    } else {
        rc =
            hk_wf_state_set(c, env->user_id, key, text, env->state_max, &would);
    }
    if (rc == HAWK_EQUOTA)
        snprintf(hc->error, sizeof(hc->error),
                 "hawk.state.set: the state would use %lld bytes; the limit "
                 "is %lld bytes per user (delete keys with "
                 "hawk.state.set(key, nil))",
                 (long long)would, (long long)env->state_max);
    return rc;
}

static int h_sleep(struct hk_lua_env *env, struct hk_dbconn *c,
                   struct hk_lua_hostcall *hc, int64_t timeout_ms)
{
    (void)c;
    int64_t ms = json_object_get_int64(json_object_array_get_idx(hc->args, 0));
    if (ms > timeout_ms)
        ms = timeout_ms;
    int64_t end = hk_mono_ms() + ms;
    for (;;) {
        int64_t left = end - hk_mono_ms();
        if (left <= 0)
            return 0;
        if (env->cancel != NULL && atomic_load(env->cancel))
            return 0;
        hk_sleep_ms(left < 100 ? left : 100);
    }
}

/* ------------------------------------------------------------------------
 * Dispatch
 * --------------------------------------------------------------------- */

struct route {
    const char *fn;
    hk_lua_host_fn handler;
    bool needs_db;
};

static const struct route routes[] = {
    {"search", hk_lua_host_search, true},
    {"job.description", hk_lua_host_description, true},
    {"config", h_config, true},
    {"resume", h_resume, true},
    {"applied", hk_lua_host_applied, true},
    {"applied_at_company", hk_lua_host_applied_company, true},
    {"applications", hk_lua_host_applications, true},
    {"blacklisted", hk_lua_host_blacklisted, true},
    {"apply", hk_lua_host_apply, true},
    /* The LLM features take their own connections for the slow part. */
    {"llm.score", hk_lua_host_llm_score, false},
    {"llm.cover_letter", hk_lua_host_llm_letter, false},
    {"llm.tailor_resume", hk_lua_host_llm_tailor, false},
    {"llm.ask", hk_lua_host_llm_ask, false},
    {"state.get", h_state_get, true},
    {"state.set", h_state_set, true},
    {"sleep", h_sleep, false},
};

static int host_call(void *ctx, struct hk_lua_hostcall *hc, int64_t timeout_ms)
{
    struct hk_lua_env *env = ctx;
    const struct route *rt = NULL;
    for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
        if (strcmp(routes[i].fn, hc->fn) == 0) {
            rt = &routes[i];
            break;
        }
    }
    if (rt == NULL) {
        snprintf(hc->error, sizeof(hc->error), "hawk.%s is not available",
                 hc->fn);
        return HAWK_EUNSUPPORTED;
    }
    struct hk_dbconn *c = NULL;
    if (rt->needs_db) {
        int rc = hk_db_acquire(env->app->db, &c);
        if (rc < 0) {
            snprintf(hc->error, sizeof(hc->error),
                     "hawk.%s: the database is unavailable; the run can be "
                     "retried later",
                     hc->fn);
            return rc;
        }
    }
    int rc = rt->handler(env, c, hc, timeout_ms);
    if (c != NULL)
        hk_db_release(env->app->db, c);
    if (rc < 0 && hc->error[0] == '\0')
        snprintf(hc->error, sizeof(hc->error), "hawk.%s failed: %s", hc->fn,
                 hawk_strerror(rc));
    return rc;
}

static void host_on_log(void *ctx, const char *level, const char *msg,
                        const char *fields_json)
{
    struct hk_lua_env *env = ctx;
    if (env->echo != NULL) {
        char t[32];
        hk_time_rfc3339(hk_wall_ms(), t, sizeof(t));
        fprintf(env->echo, "%s %-5s %s%s%s\n", t, level, msg,
                fields_json != NULL ? " " : "",
                fields_json != NULL ? fields_json : "");
        fflush(env->echo);
    }
}

/* See lua/host.h. */
struct hk_lua_host hk_lua_env_host(struct hk_lua_env *env)
{
    struct hk_lua_host h = {
        .ctx = env, .call = host_call, .on_log = host_on_log};
    return h;
}

/* ------------------------------------------------------------------------
 * Submission
 * --------------------------------------------------------------------- */

/* See lua/host.h. */
int hk_lua_submit_application(struct hk_dbconn *c, int64_t user_id,
                              int64_t application_id, bool *queued)
{
    struct hk_job_kind k;
    *queued = false;
    if (hk_queue_find_kind(HK_LUA_SUBMIT_KIND, &k) < 0)
        return 0;
    char payload[64], key[64];
    snprintf(payload, sizeof(payload), "{\"application_id\":%lld}",
             (long long)application_id);
    snprintf(key, sizeof(key), "application_submit:%lld",
             (long long)application_id);
    struct hk_job_spec spec = {.kind = HK_LUA_SUBMIT_KIND,
                               .payload = payload,
                               .user_id = user_id,
                               .unique_key = key};
    int rc = hk_queue_enqueue(c, &spec, NULL, NULL);
    if (rc == 0)
        *queued = true;
    return rc;
}
