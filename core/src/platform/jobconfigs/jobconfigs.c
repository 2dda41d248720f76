/*
 * platform/jobconfigs/jobconfigs.c - job search configurations: storage,
 * the default, the plan limit and the filter preview (see jobconfigs.h).
 */
#include "platform/jobconfigs/jobconfigs.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "db/db.h"
#include "db/params.h"
#include "db/result.h"
#include "hawk/plugin.h"
#include "platform/jobconfigs/filters.h"
#include "platform/jobconfigs/jobconfigs_int.h"
#include "util/alloc.h"
#include "util/err.h"
#include "util/json_check.h"
#include "util/str.h"

struct hk_jobconfigs {
    struct hk_db *db; /* borrowed; NULL: no database */
    struct hk_plans *plans;
    struct hk_applications *applications;
};

/* See jobconfigs.h. */
int hk_jobconfigs_new(struct hk_db *db, struct hk_plans *plans,
                      struct hk_applications *applications,
                      struct hk_jobconfigs **out, struct hk_err *err)
{
    *out = NULL;
    if (plans == NULL || applications == NULL)
        return hk_err_set(err, HAWK_EINVAL, NULL, NULL,
                          "jobconfigs: the plans and applications modules "
                          "are required");
    struct hk_jobconfigs *jc = hk_calloc(1, sizeof(*jc));
    jc->db = db;
    jc->plans = plans;
    jc->applications = applications;
    *out = jc;
    return 0;
}

/* See jobconfigs.h. */
void hk_jobconfigs_free(struct hk_jobconfigs *jc)
{
    hk_free(jc);
}

/* clang-format off */
#define JC_COLS                                                                \
    "id, name, is_active, is_default, settings::text, "                        \
    HK_DB_TS("created_at") ", " HK_DB_TS("updated_at")
/* clang-format on */

/* A row (JC_COLS from column off) as the API's object: the columns, then
 * every setting at the top level. */
static json_object *jc_json(const PGresult *r, int i, int off)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "id", hk_db_col_int(r, i, off));
    json_object_object_add(o, "name", hk_db_col_text(r, i, off + 1));
    json_object_object_add(o, "is_active", hk_db_col_bool(r, i, off + 2));
    json_object_object_add(o, "is_default", hk_db_col_bool(r, i, off + 3));
    json_object *s = hk_db_col_jsonb(r, i, off + 4);
    if (s != NULL) {
        json_object_object_foreach(s, k, v)
        {
            json_object_object_add(o, k, json_object_get(v));
        }
        json_object_put(s);
    }
    json_object_object_add(o, "created_at", hk_db_col_text(r, i, off + 5));
    json_object_object_add(o, "updated_at", hk_db_col_text(r, i, off + 6));
    return o;
}

static int not_found(struct hk_err *err, int64_t id)
{
    return hk_err_set(err, HAWK_ENOTFOUND, NULL, NULL,
                      "no job search configuration with id %" PRId64, id);
}

static int run(struct hk_dbconn *c, const char *sql,
               const struct hk_db_params *p, PGresult **r, struct hk_err *err)
{
    int rc = hk_db_params_run(c, sql, p, r);
    return rc < 0 ? hk_db_err(err, rc) : 0;
}

/* A boolean member as a parameter: absent gives NULL. */
static void param_flag(struct hk_db_params *p, json_object *body, const char *k)
{
    json_object *v = NULL;
    if (json_object_object_get_ex(body, k, &v) &&
        json_object_is_type(v, json_type_boolean))
        hk_db_param_bool(p, json_object_get_boolean(v));
    else
        hk_db_param_null(p);
}

static bool member_true(json_object *body, const char *k)
{
    json_object *v = NULL;
    return json_object_object_get_ex(body, k, &v) &&
           json_object_is_type(v, json_type_boolean) &&
           json_object_get_boolean(v);
}

static const char *member_str(json_object *o, const char *k)
{
    json_object *v = NULL;
    if (!json_object_object_get_ex(o, k, &v) ||
        !json_object_is_type(v, json_type_string))
        return NULL;
    return json_object_get_string(v);
}

/* Loads one configuration of the user on c (FOR UPDATE when asked). */
static int load(struct hk_dbconn *c, int64_t user_id, int64_t id,
                bool for_update, PGresult **out, struct hk_err *err)
{
    struct hk_db_params p;
    hk_db_params_init(&p);
    hk_db_param_i64(&p, id);
    hk_db_param_i64(&p, user_id);
    int rc = run(c,
                 for_update ? "SELECT " JC_COLS " FROM job_configs WHERE id"
                              " = $1::bigint AND user_id = $2::bigint"
                              " FOR UPDATE"
                            : "SELECT " JC_COLS " FROM job_configs WHERE id"
                              " = $1::bigint AND user_id = $2::bigint",
                 &p, out, err);
    if (rc < 0)
        return rc;
    if (PQntuples(*out) == 0) {
        PQclear(*out);
        *out = NULL;
        return not_found(err, id);
    }
    return 0;
}

/* Ends a write: commits and gives the row back as *out; rolls back on a
 * failure.  Gives c back and clears r either way. */
static int finish(struct hk_jobconfigs *jc, struct hk_dbconn *c, int rc,
                  PGresult *r, json_object **out, struct hk_err *err)
{
    if (rc == 0) {
        rc = hk_db_commit(c);
        if (rc < 0)
            hk_db_err(err, rc);
    }
    if (rc == 0)
        *out = jc_json(r, 0, 0);
    else
        hk_db_rollback(c);
    hk_db_release(jc->db, c);
    if (r != NULL)
        PQclear(r);
    return rc;
}

/* See jobconfigs.h. */
int hk_jobconfigs_create(struct hk_jobconfigs *jc, int64_t user_id,
                         json_object *body, json_object **out,
                         struct hk_err *err)
{
    json_object *settings = NULL;
    struct hk_dbconn *c = NULL;
    PGresult *r = NULL;
    struct hk_db_params p;
    *out = NULL;
    int rc = hk_jobconfigs_check(body, true, err);
    if (rc == 0)
        rc = hk_jobconfigs_settings(body, NULL, &settings, err);
    if (rc == 0)
        rc = hk_db_borrow(jc->db, &c, err);
    if (rc < 0)
        goto out;
    rc = hk_db_begin(c);
    if (rc < 0)
        hk_db_err(err, rc);
    if (rc == 0)
        rc = hk_plans_lock(jc->plans, c, HK_PLANS_LOCK_JOB_CONFIGS, user_id,
                           err);
    if (rc == 0)
        rc = hk_plans_check(jc->plans, c, user_id, HK_PLANS_JOB_CONFIGS, 1,
                            NULL, err);
    hk_db_params_init(&p);
    hk_db_param_i64(&p, user_id);
    if (rc == 0 && member_true(body, "is_default"))
        rc = run(c,
                 "UPDATE job_configs SET is_default = false,"
                 " updated_at = now() WHERE user_id = $1::bigint"
                 " AND is_default",
                 &p, NULL, err);
    hk_db_param_text(&p, member_str(body, "name"));
    param_flag(&p, body, "is_active");
    param_flag(&p, body, "is_default");
    hk_db_param_text(
        &p, json_object_to_json_string_ext(settings, JSON_C_TO_STRING_PLAIN));
    /* No is_default given: default when the user has none yet. */
    if (rc == 0)
        rc = run(c,
                 "INSERT INTO job_configs (user_id, name, is_active,"
                 " is_default, settings) VALUES ($1::bigint, $2,"
                 " coalesce($3::boolean, true), coalesce($4::boolean,"
                 " NOT EXISTS (SELECT 1 FROM job_configs WHERE user_id ="
                 " $1::bigint AND is_default)), $5::jsonb)"
                 " RETURNING " JC_COLS,
                 &p, &r, err);
    rc = finish(jc, c, rc, r, out, err);
out:
    json_object_put(settings);
    return rc;
}

/* See jobconfigs.h. */
int hk_jobconfigs_update(struct hk_jobconfigs *jc, int64_t user_id, int64_t id,
                         json_object *body, json_object **out,
                         struct hk_err *err)
{
    json_object *base = NULL, *settings = NULL;
    struct hk_dbconn *c = NULL;
    PGresult *r = NULL;
    struct hk_db_params p;
    *out = NULL;
    int rc = hk_jobconfigs_check(body, false, err);
    if (rc == 0)
        rc = hk_db_borrow(jc->db, &c, err);
    if (rc < 0)
        return rc;
    rc = hk_db_begin(c);
    if (rc < 0)
        hk_db_err(err, rc);
    if (rc == 0)
        rc = load(c, user_id, id, true, &r, err);
    if (rc == 0) {
        base = hk_db_col_jsonb(r, 0, 4);
        PQclear(r);
        r = NULL;
        rc = hk_jobconfigs_settings(body, base, &settings, err);
    }
    hk_db_params_init(&p);
    hk_db_param_i64(&p, id);
    hk_db_param_i64(&p, user_id);
    if (rc == 0 && member_true(body, "is_default"))
        rc = run(c,
                 "UPDATE job_configs SET is_default = false,"
                 " updated_at = now() WHERE user_id = $2::bigint"
                 " AND is_default AND id <> $1::bigint",
                 &p, NULL, err);
    if (rc == 0) {
        hk_db_param_text(&p, member_str(body, "name"));
        param_flag(&p, body, "is_active");
        param_flag(&p, body, "is_default");
        hk_db_param_text(&p, json_object_to_json_string_ext(
                                 settings, JSON_C_TO_STRING_PLAIN));
        rc = run(c,
                 "UPDATE job_configs SET name = coalesce($3, name),"
                 " is_active = coalesce($4::boolean, is_active),"
                 " is_default = coalesce($5::boolean, is_default),"
                 " settings = $6::jsonb, updated_at = now()"
                 " WHERE id = $1::bigint AND user_id = $2::bigint"
                 " RETURNING " JC_COLS,
                 &p, &r, err);
    }
    rc = finish(jc, c, rc, r, out, err);
    json_object_put(base);
    json_object_put(settings);
    return rc;
}

/* See jobconfigs.h. */
int hk_jobconfigs_list(struct hk_jobconfigs *jc, int64_t user_id, int64_t page,
                       int64_t per_page, json_object **items, int64_t *total,
                       struct hk_err *err)
{
    struct hk_dbconn *c = NULL;
    PGresult *r = NULL;
    struct hk_db_params p;
    *items = NULL;
    *total = 0;
    int rc = hk_db_borrow(jc->db, &c, err);
    if (rc < 0)
        return rc;
    hk_db_params_init(&p);
    hk_db_param_i64(&p, user_id);
    hk_db_param_i64(&p, per_page);
    hk_db_param_i64(&p, (page - 1) * per_page);
    rc = run(c,
             "SELECT t.total, " JC_COLS " FROM (SELECT count(*) AS total FROM"
             " job_configs WHERE user_id = $1::bigint) t LEFT JOIN LATERAL"
             " (SELECT * FROM job_configs WHERE user_id = $1::bigint ORDER BY"
             " created_at DESC, id DESC LIMIT $2::bigint OFFSET $3::bigint) j"
             " ON true ORDER BY created_at DESC, id DESC",
             &p, &r, err);
    hk_db_release(jc->db, c);
    if (rc < 0)
        return rc;
    *items = json_object_new_array();
    for (int i = 0; i < PQntuples(r); i++) {
        *total = hk_db_col_i64(r, i, 0);
        if (PQgetisnull(r, i, 1))
            continue; /* page past the end: only the count row */
        json_object_array_add(*items, jc_json(r, i, 1));
    }
    PQclear(r);
    return 0;
}

/* See jobconfigs.h. */
int hk_jobconfigs_get(struct hk_jobconfigs *jc, int64_t user_id, int64_t id,
                      json_object **out, struct hk_err *err)
{
    struct hk_dbconn *c = NULL;
    PGresult *r = NULL;
    *out = NULL;
    int rc = hk_db_borrow(jc->db, &c, err);
    if (rc < 0)
        return rc;
    rc = load(c, user_id, id, false, &r, err);
    hk_db_release(jc->db, c);
    if (rc < 0)
        return rc;
    *out = jc_json(r, 0, 0);
    PQclear(r);
    return 0;
}

/* See jobconfigs.h. */
int hk_jobconfigs_delete(struct hk_jobconfigs *jc, int64_t user_id, int64_t id,
                         struct hk_err *err)
{
    struct hk_dbconn *c = NULL;
    PGresult *r = NULL;
    struct hk_db_params p;
    int rc = hk_db_borrow(jc->db, &c, err);
    if (rc < 0)
        return rc;
    hk_db_params_init(&p);
    hk_db_param_i64(&p, id);
    hk_db_param_i64(&p, user_id);
    rc = run(c,
             "DELETE FROM job_configs WHERE id = $1::bigint"
             " AND user_id = $2::bigint RETURNING id",
             &p, &r, err);
    hk_db_release(jc->db, c);
    if (rc < 0)
        return rc;
    if (PQntuples(r) == 0)
        rc = not_found(err, id);
    PQclear(r);
    return rc;
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

/* See jobconfigs.h. */
int hk_jobconfigs_preview(struct hk_jobconfigs *jc, int64_t user_id, int64_t id,
                          json_object *body, json_object **out,
                          struct hk_err *err)
{
    struct hk_dbconn *c = NULL;
    PGresult *r = NULL;
    json_object *cfg = NULL, *once = NULL;
    struct hk_jobconfigs_filter_result res;
    *out = NULL;
    int rc = hk_json_validate(body, preview_fields, "", err);
    if (rc == 0)
        rc = hk_db_borrow(jc->db, &c, err);
    if (rc < 0)
        return rc;
    rc = load(c, user_id, id, false, &r, err);
    if (rc < 0)
        goto out;
    cfg = jc_json(r, 0, 0);
    PQclear(r);
    struct hk_jobconfigs_filter *fl = hk_jobconfigs_filter_new();
    int skip = hk_jobconfigs_filter_eval(fl, cfg, body, &res);
    hk_jobconfigs_filter_free(fl);
    const char *company = member_str(body, "company");
    if (skip == 0 && company != NULL && *company &&
        json_object_object_get_ex(cfg, "apply_once_at_company", &once) &&
        json_object_get_boolean(once)) {
        bool applied = false;
        rc = hk_applications_applied_at(jc->applications, c, user_id, company,
                                        &applied, err);
        if (rc < 0)
            goto out;
        if (applied) {
            skip = 1;
            memset(&res, 0, sizeof(res));
            hk_strlcpy(res.rule, "apply_once_at_company", sizeof(res.rule));
            snprintf(res.why, sizeof(res.why),
                     "you already applied to a job at %.400s", company);
        }
    }
    if (skip < 0) {
        /* Stored lists are checked on write; only an older row can fail
         * here. */
        rc = hk_err_set(err, HAWK_EINVAL, "invalid_field", res.rule,
                        "'%s' has an invalid entry %s; fix the configuration",
                        res.rule, res.entry);
        goto out;
    }
    *out = json_object_new_object();
    json_object_object_add(*out, "would_apply",
                           json_object_new_boolean(skip == 0));
    json_object_object_add(*out, "rule",
                           skip ? json_object_new_string(res.rule) : NULL);
    json_object_object_add(
        *out, "entry",
        skip && res.entry[0] ? json_object_new_string(res.entry) : NULL);
    json_object_object_add(*out, "reason",
                           skip ? json_object_new_string(res.why) : NULL);
out:
    hk_db_release(jc->db, c);
    json_object_put(cfg);
    return rc;
}

/* See jobconfigs.h. */
int hk_jobconfigs_active(struct hk_jobconfigs *jc, struct hk_dbconn *c,
                         int64_t user_id, char **json_out, struct hk_err *err)
{
    (void)jc;
    PGresult *r = NULL;
    struct hk_db_params p;
    *json_out = NULL;
    hk_db_params_init(&p);
    hk_db_param_i64(&p, user_id);
    int rc = run(c,
                 "SELECT " JC_COLS " FROM job_configs WHERE user_id"
                 " = $1::bigint AND is_active ORDER BY is_default"
                 " DESC, created_at DESC, id DESC LIMIT 1",
                 &p, &r, err);
    if (rc < 0)
        return rc;
    if (PQntuples(r) == 0) {
        PQclear(r);
        return hk_err_set(err, HAWK_ENOTFOUND, NULL, NULL,
                          "no active job search configuration");
    }
    json_object *o = jc_json(r, 0, 0);
    PQclear(r);
    *json_out = hk_strdup(json_object_to_json_string_ext(
        o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(o);
    return 0;
}
