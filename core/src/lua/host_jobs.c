/*
 * lua/host_jobs.c - host calls about jobs: search (through the named
 * jobboard plugin; every job found is stored and linked to the user),
 * descriptions on demand, applied checks, the filter engine, apply.
 */
#include <stdio.h>
#include <string.h>

#include "app/app.h"
#include "db/db.h"
#include "hawk/plugin.h"
#include "lua/host.h"
#include "platform/jobconfigs/filters.h"
#include "platform/platform.h"
#include "plugin/calls.h"
#include "plugin/plugins.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/str.h"
#include "util/time.h"

/* Jobs one hawk.search may return when the script sets no limit. */
#define DEFAULT_LIMIT 25

static const char *workplace_name(enum hawk_workplace w)
{
    switch (w) {
    case HAWK_WORKPLACE_REMOTE:
        return "remote";
    case HAWK_WORKPLACE_HYBRID:
        return "hybrid";
    case HAWK_WORKPLACE_ONSITE:
        return "onsite";
    default:
        return "any";
    }
}

static void add_str(json_object *o, const char *k, const char *v)
{
    if (v != NULL)
        json_object_object_add(o, k, json_object_new_string(v));
}

static json_object *job_json(const struct hawk_job *j, int64_t job_id)
{
    json_object *o = json_object_new_object();
    add_str(o, "board", j->board);
    add_str(o, "id", j->external_id);
    json_object_object_add(o, "job_id", json_object_new_int64(job_id));
    add_str(o, "title", j->title);
    add_str(o, "company", j->company);
    add_str(o, "location", j->location);
    add_str(o, "workplace", workplace_name(j->workplace));
    add_str(o, "salary", j->salary);
    if (j->applicants >= 0)
        json_object_object_add(o, "applicants",
                               json_object_new_int(j->applicants));
    if (j->posted_at > 0)
        json_object_object_add(o, "posted_at",
                               json_object_new_int64(j->posted_at));
    add_str(o, "url", j->url);
    json_object_object_add(o, "easy_apply",
                           json_object_new_boolean(j->easy_apply));
    add_str(o, "description", j->description);
    return o;
}

static const struct hk_plugin_entry *find_board(struct hk_lua_env *env,
                                                const char *name,
                                                const char *fn,
                                                struct hk_lua_hostcall *hc)
{
    const struct hk_plugin_entry *e =
        env->app->plugins != NULL
            ? hk_plugins_find(env->app->plugins, HAWK_KIND_JOBBOARD, name)
            : NULL;
    if (e == NULL) {
        if (name != NULL)
            snprintf(hc->error, sizeof(hc->error),
                     "%s: no job board named '%s' is loaded (see `hawk "
                     "plugins list`)",
                     fn, name);
        else
            snprintf(hc->error, sizeof(hc->error),
                     "%s: no job board plugin is loaded", fn);
        return NULL;
    }
    return e;
}

/* ---- search ---- */

struct collect {
    struct hawk_job_sink base;
    struct hk_lua_env *env;
    struct hk_dbconn *c;
    const char *term;
    json_object *arr;
    int rc;
};

static int collect_emit(struct hawk_job_sink *s, const struct hawk_job *j)
{
    struct collect *col = (struct collect *)s;
    int64_t job_id = 0;
    struct hk_jobs *jb = col->env->app->platform->jobs;
    int rc = hk_jobs_upsert(jb, col->c, j, &job_id, NULL);
    if (rc == HAWK_EINVAL)
        return 0; /* a posting without id or title is skipped */
    if (rc == 0)
        rc = hk_jobs_link(jb, col->c, col->env->user_id, job_id, col->term,
                          NULL);
    if (rc < 0) {
        col->rc = rc;
        return HAWK_ECANCELED;
    }
    json_object_array_add(col->arr, job_json(j, job_id));
    return 0;
}

static const char *opt_str(json_object *q, const char *k)
{
    json_object *v = NULL;
    if (json_object_object_get_ex(q, k, &v) &&
        json_object_is_type(v, json_type_string))
        return json_object_get_string(v);
    return NULL;
}

/* A string or a list of strings as a comma list in buf. */
static const char *opt_list(json_object *q, const char *k, struct hk_buf *buf)
{
    json_object *v = NULL;
    if (!json_object_object_get_ex(q, k, &v) || v == NULL)
        return NULL;
    if (json_object_is_type(v, json_type_string))
        return json_object_get_string(v);
    if (!json_object_is_type(v, json_type_array))
        return NULL;
    for (size_t i = 0; i < json_object_array_length(v); i++) {
        json_object *e = json_object_array_get_idx(v, i);
        if (!json_object_is_type(e, json_type_string))
            continue;
        if (buf->len > 0)
            hk_buf_putc(buf, ',');
        hk_buf_puts(buf, json_object_get_string(e));
    }
    return buf->len > 0 ? hk_buf_str(buf) : NULL;
}

static int64_t opt_int(json_object *q, const char *k, int64_t def)
{
    json_object *v = NULL;
    if (json_object_object_get_ex(q, k, &v) &&
        json_object_is_type(v, json_type_int))
        return json_object_get_int64(v);
    return def;
}

/* See lua/host.h. */
int hk_lua_host_search(struct hk_lua_env *env, struct hk_dbconn *c,
                       struct hk_lua_hostcall *hc, int64_t timeout_ms)
{
    json_object *q = json_object_array_get_idx(hc->args, 0);
    const char *board = opt_str(q, "board");
    const struct hk_plugin_entry *e = find_board(env, board, "hawk.search", hc);
    if (e == NULL)
        return HAWK_ENOTFOUND;

    struct hawk_job_query jq = {.struct_size = sizeof(jq)};
    jq.keywords = opt_str(q, "keywords");
    jq.location = opt_str(q, "location");
    json_object *v = NULL;
    if (json_object_object_get_ex(q, "remote", &v) &&
        json_object_get_boolean(v))
        jq.workplace_mask = 1u << HAWK_WORKPLACE_REMOTE;
    if (json_object_object_get_ex(q, "posted_within", &v)) {
        int64_t ms = 0;
        if (json_object_is_type(v, json_type_string)) {
            if (hk_parse_duration_ms(json_object_get_string(v), &ms) < 0) {
                snprintf(hc->error, sizeof(hc->error),
                         "hawk.search: posted_within '%s' is not a duration "
                         "(use \"24h\", \"7d\" or seconds)",
                         json_object_get_string(v));
                return HAWK_EINVAL;
            }
        } else {
            ms = (int64_t)(json_object_get_double(v) * 1000.0);
        }
        jq.posted_within_s = (int)(ms / 1000);
    }
    struct hk_buf exp, types;
    hk_buf_init(&exp, 1024);
    hk_buf_init(&types, 1024);
    jq.experience = opt_list(q, "experience", &exp);
    jq.job_types = opt_list(q, "job_type", &types);
    if (json_object_object_get_ex(q, "easy_apply", &v))
        jq.easy_apply_only = json_object_get_boolean(v);
    jq.limit = (int)opt_int(q, "limit", DEFAULT_LIMIT);
    jq.offset = (int)opt_int(q, "offset", 0);
    jq.distance_miles = (int)opt_int(q, "distance", 0);

    struct collect col = {.base = {.emit = collect_emit},
                          .env = env,
                          .c = c,
                          .term = jq.keywords,
                          .arr = json_object_new_array()};
    col.base.opaque = &col;
    struct hawk_call call;
    hk_call_init(&call, env->user_id, NULL, timeout_ms, env->cancel);
    struct hawk_error err = HAWK_ERROR_INIT;
    int rc = hk_plugin_jobboard_search(e, &call, &jq, &col.base, &err);
    hk_buf_release(&exp);
    hk_buf_release(&types);
    if (rc == 0 && col.rc < 0)
        rc = col.rc;
    if (rc < 0) {
        json_object_put(col.arr);
        snprintf(hc->error, sizeof(hc->error), "hawk.search: %.40s: %.180s",
                 hk_plugin_entry_name(e),
                 err.msg[0] != '\0' ? err.msg : hawk_strerror(rc));
        return rc;
    }
    hc->result = col.arr;
    return 0;
}

/* ---- description on demand ---- */

/* See lua/host.h. */
int hk_lua_host_description(struct hk_lua_env *env, struct hk_dbconn *c,
                            struct hk_lua_hostcall *hc, int64_t timeout_ms)
{
    const char *board =
        json_object_get_string(json_object_array_get_idx(hc->args, 0));
    const char *id =
        json_object_get_string(json_object_array_get_idx(hc->args, 1));
    const struct hk_plugin_entry *e =
        find_board(env, board, "job.description", hc);
    if (e == NULL)
        return HAWK_ENOTFOUND;
    if (!hk_plugin_has_op(e, HK_OP_JOBBOARD_FETCH))
        return 0;
    struct collect col = {.base = {.emit = collect_emit},
                          .env = env,
                          .c = c,
                          .arr = json_object_new_array()};
    col.base.opaque = &col;
    struct hawk_call call;
    hk_call_init(&call, env->user_id, NULL, timeout_ms, env->cancel);
    struct hawk_error err = HAWK_ERROR_INIT;
    int rc = hk_plugin_jobboard_fetch(e, &call, id, &col.base, &err);
    if (rc == 0 && col.rc < 0)
        rc = col.rc;
    if (rc == 0) {
        json_object *j = json_object_array_get_idx(col.arr, 0);
        json_object *d = NULL;
        if (j != NULL && json_object_object_get_ex(j, "description", &d))
            hc->result = json_object_get(d);
    } else {
        snprintf(hc->error, sizeof(hc->error),
                 "job description of %.40s/%.40s: %.150s", board, id,
                 err.msg[0] != '\0' ? err.msg : hawk_strerror(rc));
    }
    json_object_put(col.arr);
    return rc;
}

/* ---- job ids ---- */

/* See lua/host.h. */
int hk_lua_host_job_id(struct hk_lua_env *env, struct hk_dbconn *c,
                       json_object *job, const char *fn,
                       struct hk_lua_hostcall *hc, int64_t *job_id)
{
    const char *board = opt_str(job, "board");
    json_object *idv = NULL;
    const char *ext = NULL;
    if (json_object_object_get_ex(job, "id", &idv))
        ext = json_object_get_string(idv);
    char u[24];
    snprintf(u, sizeof(u), "%lld", (long long)env->user_id);
    const char *p[] = {u, board != NULL ? board : "", ext != NULL ? ext : ""};
    PGresult *r = NULL;
    int rc = hk_db_query(c,
                         "SELECT j.id FROM jobs j JOIN user_jobs uj ON"
                         " uj.job_id = j.id AND uj.user_id = $1::bigint"
                         " WHERE j.board = $2 AND j.external_id = $3",
                         3, p, &r);
    if (rc < 0)
        return rc;
    if (PQntuples(r) == 0) {
        PQclear(r);
        snprintf(hc->error, sizeof(hc->error),
                 "%s: job %s/%s was not found by hawk.search for you", fn, p[1],
                 p[2]);
        return HAWK_ENOTFOUND;
    }
    rc = hk_parse_i64(PQgetvalue(r, 0, 0), 1, INT64_MAX, job_id);
    PQclear(r);
    return rc;
}

/* ---- applied, applied_at_company ---- */

/* See lua/host.h. */
int hk_lua_host_applied(struct hk_lua_env *env, struct hk_dbconn *c,
                        struct hk_lua_hostcall *hc, int64_t timeout_ms)
{
    (void)timeout_ms;
    json_object *job = json_object_array_get_idx(hc->args, 0);
    json_object *idv = NULL;
    json_object_object_get_ex(job, "id", &idv);
    char u[24];
    snprintf(u, sizeof(u), "%lld", (long long)env->user_id);
    const char *board = opt_str(job, "board");
    const char *p[] = {u, board != NULL ? board : "",
                       idv != NULL ? json_object_get_string(idv) : ""};
    PGresult *r = NULL;
    int rc = hk_db_query(c,
                         "SELECT EXISTS (SELECT 1 FROM applications a JOIN"
                         " jobs j ON j.id = a.job_id WHERE a.user_id ="
                         " $1::bigint AND j.board = $2 AND j.external_id ="
                         " $3)",
                         3, p, &r);
    if (rc < 0)
        return rc;
    hc->result = json_object_new_boolean(PQgetvalue(r, 0, 0)[0] == 't');
    PQclear(r);
    return 0;
}

/* See lua/host.h. */
int hk_lua_host_applied_company(struct hk_lua_env *env, struct hk_dbconn *c,
                                struct hk_lua_hostcall *hc, int64_t timeout_ms)
{
    (void)timeout_ms;
    const char *company =
        json_object_get_string(json_object_array_get_idx(hc->args, 0));
    json_object *opts = json_object_array_get_idx(hc->args, 1);
    json_object *v = NULL;
    char u[24], d[24];
    snprintf(u, sizeof(u), "%lld", (long long)env->user_id);
    const char *days = NULL;
    if (json_object_object_get_ex(opts, "within_days", &v)) {
        snprintf(d, sizeof(d), "%lld", (long long)json_object_get_int64(v));
        days = d;
    }
    const char *p[] = {u, company, days};
    PGresult *r = NULL;
    int rc = hk_db_query(c,
                         "SELECT extract(epoch FROM max(created_at))::bigint"
                         " FROM applications WHERE user_id = $1::bigint AND"
                         " lower(company) = lower($2) AND status <>"
                         " 'skipped' AND ($3::int IS NULL OR created_at >"
                         " now() - make_interval(days => $3::int))",
                         3, p, &r);
    if (rc < 0)
        return rc;
    json_object *o = json_object_new_object();
    bool any = !PQgetisnull(r, 0, 0);
    json_object_object_add(o, "applied", json_object_new_boolean(any));
    if (any) {
        int64_t t = 0;
        if (hk_parse_i64(PQgetvalue(r, 0, 0), INT64_MIN, INT64_MAX, &t) == 0)
            json_object_object_add(o, "last_applied_at",
                                   json_object_new_int64(t));
    }
    PQclear(r);
    hc->result = o;
    return 0;
}

/* ---- applications ---- */

/* See lua/host.h. */
int hk_lua_host_applications(struct hk_lua_env *env, struct hk_dbconn *c,
                             struct hk_lua_hostcall *hc, int64_t timeout_ms)
{
    (void)timeout_ms;
    json_object *q = json_object_array_get_idx(hc->args, 0);
    json_object *v = NULL;
    char u[24], since[32];
    snprintf(u, sizeof(u), "%lld", (long long)env->user_id);
    const char *company = NULL, *board = NULL, *sp = NULL;
    if (json_object_object_get_ex(q, "company", &v) &&
        json_object_is_type(v, json_type_string))
        company = json_object_get_string(v);
    if (json_object_object_get_ex(q, "board", &v) &&
        json_object_is_type(v, json_type_string))
        board = json_object_get_string(v);
    if (json_object_object_get_ex(q, "since", &v)) {
        double t = json_object_get_double(v);
        if (!(t >= 0 && t < 253402300800.0)) {
            snprintf(hc->error, sizeof(hc->error),
                     "hawk.applications: since must be epoch seconds (as "
                     "hawk.now() gives)");
            return HAWK_EINVAL;
        }
        snprintf(since, sizeof(since), "%lld", (long long)t);
        sp = since;
    }
    const char *p[] = {u, company, board, sp};
    PGresult *r = NULL;
    int rc = hk_db_query(c,
                         "SELECT count(*) FROM applications a LEFT JOIN jobs j"
                         " ON j.id = a.job_id WHERE a.user_id = $1::bigint AND"
                         " a.status <> 'skipped' AND ($2::text IS NULL OR"
                         " lower(a.company) = lower($2)) AND ($3::text IS NULL"
                         " OR j.board = $3) AND ($4::bigint IS NULL OR"
                         " a.created_at >= to_timestamp($4::bigint))",
                         4, p, &r);
    if (rc < 0)
        return rc;
    int64_t n = 0;
    rc = hk_parse_i64(PQgetvalue(r, 0, 0), 0, INT64_MAX, &n);
    PQclear(r);
    if (rc < 0)
        return rc;
    hc->result = json_object_new_int64(n);
    return 0;
}

/* ---- blacklisted ---- */

/* See lua/host.h. */
int hk_lua_host_blacklisted(struct hk_lua_env *env, struct hk_dbconn *c,
                            struct hk_lua_hostcall *hc, int64_t timeout_ms)
{
    (void)timeout_ms;
    json_object *job = json_object_array_get_idx(hc->args, 0);
    json_object *cfg = json_object_array_get_idx(hc->args, 1);
    json_object *owned = NULL;
    if (cfg == NULL) {
        char *json = NULL;
        int rc = hk_jobconfigs_active(env->app->platform->jobconfigs, c,
                                      env->user_id, &json, NULL);
        if (rc == HAWK_ENOTFOUND) {
            hc->result = json_object_new_object();
            json_object_object_add(hc->result, "blacklisted",
                                   json_object_new_boolean(0));
            return 0;
        }
        if (rc < 0)
            return rc;
        owned = hk_lua_host_parse(json);
        hk_free(json);
        cfg = owned;
    }
    struct hk_jobconfigs_filter_result fr;
    memset(&fr, 0, sizeof(fr));
    int rc = hk_jobconfigs_filter_eval(env->filters, cfg, job, &fr);
    json_object_put(owned);
    if (rc < 0) {
        snprintf(hc->error, sizeof(hc->error),
                 "hawk.blacklisted: the configuration's %.40s entry "
                 "'%.100s' is not a valid pattern",
                 fr.rule, fr.entry);
        return rc;
    }
    json_object *o = json_object_new_object();
    json_object_object_add(o, "blacklisted", json_object_new_boolean(rc == 1));
    if (rc == 1) {
        json_object_object_add(o, "reason", json_object_new_string(fr.why));
        json_object_object_add(o, "rule", json_object_new_string(fr.rule));
    }
    hc->result = o;
    return 0;
}

/* ---- apply ---- */

static int existing_application(struct hk_dbconn *c, int64_t user_id,
                                int64_t job_id, int64_t *app_id)
{
    char u[24], j[24];
    snprintf(u, sizeof(u), "%lld", (long long)user_id);
    snprintf(j, sizeof(j), "%lld", (long long)job_id);
    const char *p[] = {u, j};
    PGresult *r = NULL;
    *app_id = 0;
    int rc = hk_db_query(c,
                         "SELECT id FROM applications WHERE user_id ="
                         " $1::bigint AND job_id = $2::bigint",
                         2, p, &r);
    if (rc < 0)
        return rc;
    if (PQntuples(r) > 0)
        rc = hk_parse_i64(PQgetvalue(r, 0, 0), 1, INT64_MAX, app_id);
    PQclear(r);
    return rc;
}

/* The resume id of hawk.apply's options (0 when none, or when `resume` is
 * a table from hawk.llm.tailor_resume).  An id that is not one of the
 * user's resumes is refused before anything changes. */
static int opt_resume(struct hk_lua_env *env, struct hk_dbconn *c,
                      json_object *opts, struct hk_lua_hostcall *hc,
                      int64_t *resume_id)
{
    json_object *v = NULL;
    *resume_id = 0;
    if (!json_object_object_get_ex(opts, "resume", &v) ||
        json_object_is_type(v, json_type_object))
        return 0;
    if (!json_object_is_type(v, json_type_int) ||
        json_object_get_int64(v) <= 0) {
        snprintf(hc->error, sizeof(hc->error),
                 "hawk.apply: resume must be a resume id (a positive "
                 "integer) or a table from hawk.llm.tailor_resume");
        return HAWK_EINVAL;
    }
    int64_t id = json_object_get_int64(v);
    char u[24], r[24];
    snprintf(u, sizeof(u), "%lld", (long long)env->user_id);
    snprintf(r, sizeof(r), "%lld", (long long)id);
    const char *p[] = {u, r};
    PGresult *res = NULL;
    int rc = hk_db_query(c,
                         "SELECT 1 FROM resumes WHERE user_id = $1::bigint"
                         " AND id = $2::bigint",
                         2, p, &res);
    if (rc < 0)
        return rc;
    bool mine = PQntuples(res) > 0;
    PQclear(res);
    if (!mine) {
        snprintf(hc->error, sizeof(hc->error),
                 "hawk.apply: resume %lld is not one of your resumes (GET "
                 "/api/v1/resumes lists them)",
                 (long long)id);
        return HAWK_EPERM;
    }
    *resume_id = id;
    return 0;
}

/* Makes resume_id the resume the application is submitted with. */
static int set_resume(struct hk_dbconn *c, int64_t user_id, int64_t app_id,
                      int64_t resume_id)
{
    if (resume_id <= 0)
        return 0;
    char u[24], a[24], r[24];
    snprintf(u, sizeof(u), "%lld", (long long)user_id);
    snprintf(a, sizeof(a), "%lld", (long long)app_id);
    snprintf(r, sizeof(r), "%lld", (long long)resume_id);
    const char *p[] = {u, a, r};
    return hk_db_query(c,
                       "UPDATE applications SET resume_id = $3::bigint"
                       " WHERE user_id = $1::bigint AND id = $2::bigint",
                       3, p, NULL);
}

static json_object *apply_result(const char *status, int64_t app_id)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "status", json_object_new_string(status));
    if (app_id > 0)
        json_object_object_add(o, "application_id",
                               json_object_new_int64(app_id));
    return o;
}

/* Stores the documents and answers the script prepared. */
static int attach(struct hk_lua_env *env, struct hk_dbconn *c, int64_t app_id,
                  json_object *opts)
{
    struct hk_applications *am = env->app->platform->applications;
    json_object *v = NULL;
    int rc = 0;
    if (json_object_object_get_ex(opts, "cover_letter", &v) &&
        json_object_is_type(v, json_type_string))
        rc = hk_applications_add_document(
            am, c, env->user_id, app_id, "cover_letter",
            json_object_get_string(v), "text", NULL, NULL);
    if (rc == 0 && json_object_object_get_ex(opts, "resume", &v) &&
        json_object_is_type(v, json_type_object) &&
        !json_object_object_get_ex(v, "document_id", NULL))
        rc = hk_applications_add_document(
            am, c, env->user_id, app_id, "tailored_resume",
            json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN), "json",
            NULL, NULL);
    if (rc == 0 && json_object_object_get_ex(opts, "answers", &v) &&
        json_object_is_type(v, json_type_object)) {
        json_object_object_foreach(v, q, a)
        {
            const char *text =
                json_object_is_type(a, json_type_string)
                    ? json_object_get_string(a)
                    : json_object_to_json_string_ext(a, JSON_C_TO_STRING_PLAIN);
            rc = hk_applications_add_question(am, c, env->user_id, app_id, q,
                                              "text", text, "workflow", NULL);
            if (rc < 0)
                break;
        }
    }
    return rc;
}

static void plan_message(struct hk_lua_hostcall *hc,
                         const struct hk_plans_limit *l, double used)
{
    if (l->trial_expired)
        snprintf(hc->error, sizeof(hc->error),
                 "plan limit %s reached: the free trial is over; choose a "
                 "plan to apply again",
                 l->name);
    else
        snprintf(hc->error, sizeof(hc->error),
                 "plan limit %s reached (%.0f/%.0f)", l->name, used, l->value);
}

/* Applies with an application this run's hawk.llm.cover_letter or
 * tailor_resume created (awaiting_review, documents stored): it is
 * counted now, and leaves review unless review was asked for. */
static int take_over(struct hk_lua_env *env, struct hk_dbconn *c,
                     struct hk_lua_hostcall *hc, int64_t app_id,
                     json_object *opts, bool review)
{
    int rc = 0;
    /* The generated letter is stored already; keep answers and a
     * resume table the script built itself. */
    json_object *rest = NULL;
    if (opts != NULL && json_object_deep_copy(opts, &rest, NULL) == 0) {
        json_object_object_del(rest, "cover_letter");
        rc = attach(env, c, app_id, rest);
        json_object_put(rest);
    }
    if (rc == 0 && !review)
        rc = hk_applications_set_status(
            env->app->platform->applications, c, env->user_id, app_id, "queued",
            "submitted by the workflow", env->actor, NULL);
    bool queued = false;
    if (rc == 0 && !review)
        rc = hk_lua_submit_application(c, env->user_id, app_id, &queued);
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < env->n_prepared; i++)
        if (env->prepared[i] == app_id)
            env->prepared[i] = 0;
    env->applied_now++;
    hc->result = apply_result(review ? "awaiting_review" : "queued", app_id);
    return 0;
}

/* See lua/host.h. */
int hk_lua_host_apply(struct hk_lua_env *env, struct hk_dbconn *c,
                      struct hk_lua_hostcall *hc, int64_t timeout_ms)
{
    (void)timeout_ms;
    json_object *job = json_object_array_get_idx(hc->args, 0);
    json_object *opts = json_object_array_get_idx(hc->args, 1);
    int64_t job_id = 0, app_id = 0;
    int rc = hk_lua_host_job_id(env, c, job, "hawk.apply", hc, &job_id);
    if (rc < 0)
        return rc;
    int64_t resume_id = 0;
    rc = opt_resume(env, c, opts, hc, &resume_id);
    if (rc < 0)
        return rc;
    rc = existing_application(c, env->user_id, job_id, &app_id);
    if (rc < 0)
        return rc;
    bool prepared = app_id > 0 && hk_lua_env_prepared_has(env, app_id);
    if (app_id > 0 && !prepared) {
        hc->result = apply_result("duplicate", app_id);
        return 0;
    }
    int64_t mine = env->applied_before + env->applied_now;
    if (env->max_per_day > 0 && mine >= env->max_per_day) {
        snprintf(hc->error, sizeof(hc->error),
                 "workflow limit max_per_day reached (%lld/%d)",
                 (long long)mine, env->max_per_day);
        return HAWK_EQUOTA;
    }
    json_object *v = NULL;
    bool review = env->review_default;
    if (json_object_object_get_ex(opts, "review", &v))
        review = json_object_get_boolean(v);
    if (prepared) {
        rc = set_resume(c, env->user_id, app_id, resume_id);
        return rc < 0 ? rc : take_over(env, c, hc, app_id, opts, review);
    }
    struct hk_platform *pf = env->app->platform;
    struct hk_plans_limit lim;
    memset(&lim, 0, sizeof(lim));
    if (env->dry_run) {
        /* Nothing is recorded, but the plan's daily limit still decides
         * what the run would have been allowed to do. */
        rc = hk_plans_check(pf->plans, c, env->user_id,
                            HK_PLANS_APPLICATIONS_PER_DAY,
                            (double)(env->applied_now + 1), &lim, NULL);
        if (rc == HAWK_EQUOTA) {
            plan_message(hc, &lim, lim.used + (double)env->applied_now);
            return rc;
        }
        if (rc < 0)
            return rc;
        env->applied_now++;
        hc->result = apply_result("dry_run", 0);
        json_object_object_add(
            hc->result, "would",
            json_object_new_string(review ? "awaiting_review" : "submit"));
        if (resume_id > 0)
            json_object_object_add(hc->result, "resume",
                                   json_object_new_int64(resume_id));
        return 0;
    }
    bool created = false;
    rc = hk_applications_record(pf->applications, c, env->user_id, job_id,
                                review ? "awaiting_review" : "queued", NULL,
                                env->actor, &app_id, &created, &lim, NULL);
    if (rc == HAWK_EQUOTA) {
        plan_message(hc, &lim, lim.used);
        return rc;
    }
    if (rc < 0)
        return rc;
    if (!created) {
        hc->result = apply_result("duplicate", app_id);
        return 0;
    }
    env->applied_now++;
    rc = set_resume(c, env->user_id, app_id, resume_id);
    if (rc == 0)
        rc = attach(env, c, app_id, opts);
    if (rc < 0) {
        snprintf(hc->error, sizeof(hc->error),
                 "hawk.apply: application %lld was recorded but its "
                 "documents could not be stored",
                 (long long)app_id);
        return rc;
    }
    const char *status = review ? "awaiting_review" : "queued";
    if (!review) {
        bool queued = false;
        rc = hk_lua_submit_application(c, env->user_id, app_id, &queued);
        if (rc < 0)
            return rc;
    }
    hc->result = apply_result(status, app_id);
    return 0;
}
