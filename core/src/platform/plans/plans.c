/*
 * platform/plans/plans.c - plans, the effective plan of a user, quota
 * checks and metered usage (see plans.h).
 */
#include "platform/plans/plans.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/db.h"
#include "db/params.h"
#include "db/result.h"
#include "hawk/plugin.h"
#include "util/alloc.h"
#include "util/err.h"
#include "util/json_check.h"
#include "util/str.h"

struct hk_plans {
    struct hk_plans_cfg cfg;
    struct hk_db *db; /* borrowed; NULL: no database */
};

enum lkind {
    LK_COUNT, /* integer maximum of a count */
    LK_BOOL,  /* feature flag */
    LK_MIN,   /* integer minimum of a value asked for */
    LK_AMOUNT /* decimal maximum of a metered amount */
};

struct limit_def {
    const char *name;
    enum lkind kind;
    bool metered;       /* drops to zero when the trial is over */
    const char *period; /* "day", "month" or NULL */
};

static const struct limit_def limits[] = {
    {HK_PLANS_APPLICATIONS_PER_DAY, LK_COUNT, true, "day"},
    {HK_PLANS_RESUMES, LK_COUNT, false, NULL},
    {HK_PLANS_JOB_CONFIGS, LK_COUNT, false, NULL},
    {HK_PLANS_CUSTOM_RESUME, LK_BOOL, true, NULL},
    {HK_PLANS_WORKFLOWS, LK_COUNT, false, NULL},
    {HK_PLANS_MIN_SCHEDULE_INTERVAL, LK_MIN, false, NULL},
    {HK_PLANS_LLM_BUDGET, LK_AMOUNT, true, "month"},
    {NULL, 0, false, NULL}};

static const struct limit_def *find_limit(const char *name)
{
    for (const struct limit_def *d = limits; d->name != NULL; d++)
        if (strcmp(d->name, name) == 0)
            return d;
    return NULL;
}

/* See plans.h. */
int hk_plans_new(const struct hk_plans_cfg *cfg, struct hk_db *db,
                 struct hk_plans **out, struct hk_err *err)
{
    *out = NULL;
    if (cfg == NULL || cfg->trial_days < 0)
        return hk_err_set(err, HAWK_EINVAL, NULL, NULL,
                          "plans: trial_days must be 0 or more");
    struct hk_plans *pl = hk_calloc(1, sizeof(*pl));
    pl->cfg = *cfg;
    pl->db = db;
    *out = pl;
    return 0;
}

/* See plans.h. */
void hk_plans_free(struct hk_plans *pl)
{
    hk_free(pl);
}

/* ---------------------------------------------------------------------
 * The effective plan
 * ------------------------------------------------------------------ */

/* Columns: 0 plan id, 1 name, 2 features, 3 status, 4 trial_ends_at,
 * 5 current_period_end, 6 expired.  $2: the trial's length in days. */
/* clang-format off */
static const char sql_effective[] =
    "WITH u AS (SELECT id, created_at FROM users WHERE id = $1::bigint),"
    " s AS (SELECT * FROM subscriptions WHERE user_id = $1::bigint),"
    " act AS (SELECT plan_id, status, trial_ends_at, current_period_end"
    "  FROM s WHERE status IN ('active', 'past_due') OR (status = 'trialing'"
    "  AND (trial_ends_at IS NULL OR trial_ends_at > now())))"
    " SELECT p.id, p.name, p.features::text,"
    "  coalesce((SELECT status FROM act), 'trialing'),"
    "  CASE WHEN EXISTS (SELECT 1 FROM act)"
    "   THEN (SELECT " HK_DB_TS("trial_ends_at") " FROM act)"
    "   ELSE " HK_DB_TS("u.created_at + make_interval(days => $2::int)")
    "  END,"
    "  (SELECT " HK_DB_TS("current_period_end") " FROM act),"
    "  NOT EXISTS (SELECT 1 FROM act) AND (EXISTS (SELECT 1 FROM s)"
    "   OR now() >= u.created_at + make_interval(days => $2::int))"
    " FROM u JOIN plans p ON p.id = coalesce((SELECT plan_id FROM act),"
    "  (SELECT id FROM plans ORDER BY (name = 'Free Trial') DESC, id"
    "   LIMIT 1))";
/* clang-format on */

struct eff_plan {
    PGresult *r;
    json_object *features; /* owned */
    bool expired;
};

static void eff_release(struct eff_plan *e)
{
    if (e->r != NULL)
        PQclear(e->r);
    json_object_put(e->features);
    e->r = NULL;
    e->features = NULL;
}

static int eff_load(const struct hk_plans *pl, struct hk_dbconn *c,
                    int64_t user_id, struct eff_plan *e, struct hk_err *err)
{
    struct hk_db_params p;
    memset(e, 0, sizeof(*e));
    hk_db_params_init(&p);
    hk_db_param_i64(&p, user_id);
    hk_db_param_i64(&p, pl->cfg.trial_days);
    int rc = hk_db_params_run(c, sql_effective, &p, &e->r);
    if (rc < 0)
        return hk_db_err(err, rc);
    if (PQntuples(e->r) != 1) {
        eff_release(e);
        return hk_db_err(err, HAWK_ENOTFOUND); /* no such user */
    }
    e->features = json_tokener_parse(PQgetvalue(e->r, 0, 2));
    if (e->features == NULL)
        e->features = json_object_new_object();
    e->expired = hk_db_col_true(e->r, 0, 6);
    return 0;
}

/* The plan's value for a limit (negative: unlimited). */
static double eff_value(const struct eff_plan *e, const struct limit_def *d)
{
    json_object *v = NULL;
    if (d->metered && e->expired)
        return 0;
    if (!json_object_object_get_ex(e->features, d->name, &v))
        return 0;
    if (json_object_is_type(v, json_type_boolean))
        return json_object_get_boolean(v) ? 1 : 0;
    if (json_object_is_type(v, json_type_int) ||
        json_object_is_type(v, json_type_double))
        return json_object_get_double(v);
    return 0;
}

/* ---------------------------------------------------------------------
 * Usage
 * ------------------------------------------------------------------ */

static const char sql_usage[] =
    "SELECT"
    " (SELECT count(*) FROM applications WHERE user_id = $1::bigint"
    "   AND created_at >= date_trunc('day', now() AT TIME ZONE 'UTC')"
    "   AT TIME ZONE 'UTC' AND status <> 'skipped'),"
    " (SELECT count(*) FROM resumes WHERE user_id = $1::bigint),"
    " (SELECT count(*) FROM job_configs WHERE user_id = $1::bigint),"
    " (SELECT coalesce(sum(amount), 0) FROM usage_counters"
    "   WHERE user_id = $1::bigint AND name = 'llm_usd' AND period_start ="
    "   date_trunc('month', now() AT TIME ZONE 'UTC')::date)";

struct usage {
    double apps_today, resumes, job_configs, llm_usd, workflows;
};

static int usage_load(struct hk_dbconn *c, int64_t user_id, struct usage *u,
                      struct hk_err *err)
{
    struct hk_db_params p;
    PGresult *r = NULL;
    memset(u, 0, sizeof(*u));
    hk_db_params_init(&p);
    hk_db_param_i64(&p, user_id);
    int rc = hk_db_params_run(c, sql_usage, &p, &r);
    if (rc < 0)
        return hk_db_err(err, rc);
    u->apps_today = strtod(PQgetvalue(r, 0, 0), NULL);
    u->resumes = strtod(PQgetvalue(r, 0, 1), NULL);
    u->job_configs = strtod(PQgetvalue(r, 0, 2), NULL);
    u->llm_usd = strtod(PQgetvalue(r, 0, 3), NULL);
    PQclear(r);
    return 0;
}

static double usage_of(const struct usage *u, const char *name)
{
    if (strcmp(name, HK_PLANS_APPLICATIONS_PER_DAY) == 0)
        return u->apps_today;
    if (strcmp(name, HK_PLANS_RESUMES) == 0)
        return u->resumes;
    if (strcmp(name, HK_PLANS_JOB_CONFIGS) == 0)
        return u->job_configs;
    if (strcmp(name, HK_PLANS_LLM_BUDGET) == 0)
        return u->llm_usd;
    if (strcmp(name, HK_PLANS_WORKFLOWS) == 0)
        return u->workflows;
    return 0;
}

/* ---------------------------------------------------------------------
 * Checks
 * ------------------------------------------------------------------ */

static void fmt_num(char *buf, size_t n, double v)
{
    if (v == floor(v) && fabs(v) < 1e15)
        snprintf(buf, n, "%.0f", v);
    else
        snprintf(buf, n, "%.2f", v);
}

static json_object *exact_num(double v)
{
    if (v == floor(v))
        return json_object_new_int64((int64_t)v);
    return json_object_new_double(v);
}

/* The refusal in the user's words, and the numbers for clients as the
 * detail members limit, value, used and plan. */
static int limit_err(const struct hk_plans_limit *l, struct hk_err *err)
{
    char msg[400], v[32], u[32];
    fmt_num(v, sizeof(v), l->value);
    fmt_num(u, sizeof(u), l->used);
    if (l->trial_expired)
        snprintf(msg, sizeof(msg),
                 "your free trial has ended; choose a plan to use %s again",
                 l->name);
    else if (l->is_bool)
        snprintf(msg, sizeof(msg),
                 "%s is not included in plan '%s'; upgrade your plan to "
                 "use it",
                 strcmp(l->name, HK_PLANS_CUSTOM_RESUME) == 0
                     ? "custom resume generation"
                     : l->name,
                 l->plan);
    else if (l->is_minimum)
        snprintf(msg, sizeof(msg),
                 "plan '%s' allows %s of at least %s; ask for a larger value "
                 "or upgrade your plan",
                 l->plan, l->name, v);
    else if (strcmp(l->name, HK_PLANS_APPLICATIONS_PER_DAY) == 0)
        snprintf(msg, sizeof(msg),
                 "daily application limit reached (%s of %s on plan '%s'); "
                 "try again tomorrow or upgrade your plan",
                 u, v, l->plan);
    else
        snprintf(msg, sizeof(msg),
                 "%s limit reached (%s of %s on plan '%s'); remove one or "
                 "upgrade your plan",
                 l->name, u, v, l->plan);
    hk_err_set(err, HAWK_EQUOTA, "plan_limit", NULL, "%s", msg);
    if (err == NULL)
        return HAWK_EQUOTA;
    json_object *d = json_object_new_object();
    json_object_object_add(d, "limit", json_object_new_string(l->name));
    json_object_object_add(d, "value",
                           l->is_bool ? json_object_new_boolean(l->value != 0)
                                      : exact_num(l->value));
    json_object_object_add(d, "used", exact_num(l->used));
    json_object_object_add(d, "plan", json_object_new_string(l->plan));
    size_t len = 0;
    const char *s = json_object_to_json_string_length(
        d, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
    /* the members without the object's braces; a plan name too long for
     * the detail leaves the numbers out rather than a broken object */
    if (len >= 2 && len - 2 < sizeof(err->detail)) {
        memcpy(err->detail, s + 1, len - 2);
        err->detail[len - 2] = '\0';
    }
    json_object_put(d);
    return HAWK_EQUOTA;
}

/* Decides one limit: 0 or HAWK_EQUOTA (err set); out is filled. */
static int decide(const struct eff_plan *e, const struct limit_def *d,
                  double used, double adding, struct hk_plans_limit *out,
                  struct hk_err *err)
{
    memset(out, 0, sizeof(*out));
    hk_strlcpy(out->name, d->name, sizeof(out->name));
    hk_strlcpy(out->plan, PQgetvalue(e->r, 0, 1), sizeof(out->plan));
    out->value = eff_value(e, d);
    out->used = used;
    out->is_bool = d->kind == LK_BOOL;
    out->is_minimum = d->kind == LK_MIN;
    out->trial_expired = e->expired && d->metered;
    bool ok = false;
    switch (d->kind) {
    case LK_BOOL:
        ok = out->value != 0;
        break;
    case LK_MIN:
        out->used = adding;
        ok = adding >= out->value;
        break;
    case LK_COUNT:
    case LK_AMOUNT:
        ok = (out->value < 0 && !out->trial_expired) ||
             used + adding <= out->value + 1e-9;
        break;
    }
    return ok ? 0 : limit_err(out, err);
}

static int check_common(struct hk_plans *pl, struct hk_dbconn *c,
                        int64_t user_id, const char *limit, bool have_used,
                        double used, double adding, struct hk_plans_limit *out,
                        struct hk_err *err)
{
    struct hk_plans_limit tmp;
    struct eff_plan e;
    struct usage u;
    if (out == NULL)
        out = &tmp;
    memset(out, 0, sizeof(*out));
    const struct limit_def *d = limit != NULL ? find_limit(limit) : NULL;
    if (d == NULL)
        return hk_err_set(err, HAWK_EINVAL, NULL, NULL,
                          "no plan limit named '%s'", limit ? limit : "");
    int rc = eff_load(pl, c, user_id, &e, err);
    if (rc < 0)
        return rc;
    if (!have_used && (d->kind == LK_COUNT || d->kind == LK_AMOUNT)) {
        rc = usage_load(c, user_id, &u, err);
        if (rc < 0)
            goto out;
        used = usage_of(&u, d->name);
    }
    rc = decide(&e, d, used, adding, out, err);
out:
    eff_release(&e);
    return rc;
}

/* See plans.h. */
int hk_plans_check(struct hk_plans *pl, struct hk_dbconn *c, int64_t user_id,
                   const char *limit, double adding, struct hk_plans_limit *out,
                   struct hk_err *err)
{
    return check_common(pl, c, user_id, limit, false, 0, adding, out, err);
}

/* See plans.h. */
int hk_plans_check_used(struct hk_plans *pl, struct hk_dbconn *c,
                        int64_t user_id, const char *limit, double used,
                        double adding, struct hk_plans_limit *out,
                        struct hk_err *err)
{
    return check_common(pl, c, user_id, limit, true, used, adding, out, err);
}

/* See plans.h. */
int hk_plans_lock(struct hk_plans *pl, struct hk_dbconn *c,
                  enum hk_plans_lock_kind kind, int64_t user_id,
                  struct hk_err *err)
{
    (void)pl;
    struct hk_db_params p;
    hk_db_params_init(&p);
    hk_db_param_i64(&p, 0x504c0000 + (int)kind);
    hk_db_param_i64(&p, user_id);
    /* Two int4 keys: the kind and the user id folded into 31 bits. */
    int rc = hk_db_params_run(c,
                              "SELECT pg_advisory_xact_lock($1::int,"
                              " ($2::bigint % 2147483647)::int)",
                              &p, NULL);
    return rc < 0 ? hk_db_err(err, rc) : 0;
}

/* See plans.h. */
int hk_plans_usage_add(struct hk_plans *pl, struct hk_dbconn *c,
                       int64_t user_id, const char *name, double amount,
                       struct hk_err *err)
{
    (void)pl;
    if (!isfinite(amount) || name == NULL)
        return hk_err_set(err, HAWK_EINVAL, NULL, NULL,
                          "a usage amount must be a finite number");
    char amt[64];
    snprintf(amt, sizeof(amt), "%.6f", amount);
    struct hk_db_params p;
    hk_db_params_init(&p);
    hk_db_param_i64(&p, user_id);
    hk_db_param_text(&p, name);
    hk_db_param_text(&p, amt);
    int rc = hk_db_params_run(
        c,
        "INSERT INTO usage_counters (user_id, name, period_start, amount)"
        " VALUES ($1::bigint, $2, date_trunc('month', now() AT TIME ZONE"
        " 'UTC')::date, $3::numeric) ON CONFLICT (user_id, name,"
        " period_start) DO UPDATE SET amount = usage_counters.amount +"
        " EXCLUDED.amount, updated_at = now()",
        &p, NULL);
    return rc < 0 ? hk_db_err(err, rc) : 0;
}

/* ---------------------------------------------------------------------
 * Plans
 * ------------------------------------------------------------------ */

/* clang-format off */
#define PLAN_COLS                                                              \
    "id, name, description, price_cents, currency, billing_interval,"          \
    " features::text, is_active, stripe_price_id, "                            \
    HK_DB_TS("created_at") ", " HK_DB_TS("updated_at")
/* clang-format on */

static json_object *plan_json(const PGresult *r, int i)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "id", hk_db_col_int(r, i, 0));
    json_object_object_add(o, "name", hk_db_col_text(r, i, 1));
    json_object_object_add(o, "description", hk_db_col_text(r, i, 2));
    json_object_object_add(o, "price_cents", hk_db_col_int(r, i, 3));
    json_object_object_add(o, "currency", hk_db_col_text(r, i, 4));
    json_object_object_add(o, "interval", hk_db_col_text(r, i, 5));
    json_object_object_add(o, "features", hk_db_col_jsonb(r, i, 6));
    json_object_object_add(o, "is_active", hk_db_col_bool(r, i, 7));
    json_object_object_add(o, "stripe_price_id", hk_db_col_text(r, i, 8));
    json_object_object_add(o, "created_at", hk_db_col_text(r, i, 9));
    json_object_object_add(o, "updated_at", hk_db_col_text(r, i, 10));
    return o;
}

#define COUNT_LIMIT(name)                                                      \
    {                                                                          \
        name, HK_F_INT, false, false, -1, 1000000,                             \
            .msg = "must be an integer from -1 (unlimited) to 1000000"         \
    }

/* A features object: the known limits with the right types. */
static const struct hk_field feature_fields[] = {
    COUNT_LIMIT(HK_PLANS_APPLICATIONS_PER_DAY),
    COUNT_LIMIT(HK_PLANS_RESUMES),
    COUNT_LIMIT(HK_PLANS_JOB_CONFIGS),
    HK_FIELD(HK_PLANS_CUSTOM_RESUME, HK_F_BOOL, false, false, 0, 0),
    COUNT_LIMIT(HK_PLANS_WORKFLOWS),
    COUNT_LIMIT(HK_PLANS_MIN_SCHEDULE_INTERVAL),
    {HK_PLANS_LLM_BUDGET, HK_F_NUMBER, false, false, -1, 1000000,
     .msg = "must be a number from -1 (unlimited) to 1000000"},
    {HK_PLANS_WORKFLOW_CONCURRENCY, HK_F_INT, false, false, 1, 1000,
     .msg = "must be an integer from 1 to 1000 (workflow runs at once)"},
    HK_FIELD_END};

static int currency_check(const struct hk_jslot *slot, struct hk_err *err)
{
    const char *cur = json_object_get_string(slot->value);
    for (int i = 0; i < 3; i++)
        if (cur[i] < 'a' || cur[i] > 'z')
            return hk_json_fail(err, slot->path,
                                "must be a lower-case ISO 4217 code such as "
                                "usd");
    return 0;
}

static const char *const intervals[] = {"month", "year", "once", NULL};

/* A plan body; a new plan also needs name, price_cents and features. */
static const struct hk_field plan_fields[] = {
    HK_FIELD("name", HK_F_STRING, false, false, 1, 100),
    HK_FIELD("description", HK_F_STRING, false, false, 0, 1000),
    HK_FIELD("price_cents", HK_F_INT, false, false, 0, 100000000),
    {"currency", HK_F_STRING, false, false, 3, 3, .check = currency_check},
    {"interval", HK_F_STRING, false, false, 1, 10, .oneof = intervals,
     .msg = "must be month, year or once"},
    {"features", HK_F_OBJECT, false, false, 0, 0, .fields = feature_fields,
     .noun = "feature"},
    HK_FIELD("is_active", HK_F_BOOL, false, false, 0, 0),
    HK_FIELD("stripe_price_id", HK_F_STRING, false, true, 1, 200),
    HK_FIELD_END};

static int check_plan(json_object *body, bool create, struct hk_err *err)
{
    static const char *const required[] = {"name", "price_cents", "features"};
    int rc = hk_json_validate(body, plan_fields, "", err);
    for (size_t i = 0; rc == 0 && create && i < 3; i++)
        if (!json_object_object_get_ex(body, required[i], NULL))
            rc = hk_json_fail(err, required[i], "is required");
    return rc;
}

/* Member k of a checked body as the next parameter: a string as text, an
 * integer, a boolean, an object as its JSON text, absent or null as SQL
 * NULL. */
static void param_member(struct hk_db_params *p, json_object *body,
                         const char *k)
{
    json_object *v = NULL;
    if (!json_object_object_get_ex(body, k, &v) || v == NULL)
        hk_db_param_null(p);
    else if (json_object_is_type(v, json_type_boolean))
        hk_db_param_bool(p, json_object_get_boolean(v));
    else if (json_object_is_type(v, json_type_int))
        hk_db_param_i64(p, json_object_get_int64(v));
    else if (json_object_is_type(v, json_type_string))
        hk_db_param_text(p, json_object_get_string(v));
    else
        hk_db_param_text(
            p, json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN));
}

static int write_failed(int rc, struct hk_err *err)
{
    if (rc == HAWK_ECONFLICT)
        return hk_err_set(err, HAWK_ECONFLICT, NULL, "name",
                          "a plan with this name already exists; choose "
                          "another name");
    return hk_db_err(err, rc);
}

/* See plans.h. */
int hk_plans_list_active(struct hk_plans *pl, json_object **items,
                         struct hk_err *err)
{
    struct hk_dbconn *c = NULL;
    PGresult *r = NULL;
    *items = NULL;
    int rc = hk_db_borrow(pl->db, &c, err);
    if (rc < 0)
        return rc;
    rc = hk_db_params_run(c,
                          "SELECT " PLAN_COLS " FROM plans WHERE is_active"
                          " ORDER BY price_cents, id",
                          NULL, &r);
    hk_db_release(pl->db, c);
    if (rc < 0)
        return hk_db_err(err, rc);
    *items = json_object_new_array();
    for (int i = 0; i < PQntuples(r); i++) {
        json_object *p = plan_json(r, i);
        json_object_object_del(p, "stripe_price_id");
        json_object_array_add(*items, p);
    }
    PQclear(r);
    return 0;
}

/* See plans.h. */
int hk_plans_list(struct hk_plans *pl, int64_t page, int64_t per_page,
                  json_object **items, int64_t *total, struct hk_err *err)
{
    struct hk_dbconn *c = NULL;
    PGresult *r = NULL;
    struct hk_db_params p;
    *items = NULL;
    *total = 0;
    int rc = hk_db_borrow(pl->db, &c, err);
    if (rc < 0)
        return rc;
    hk_db_params_init(&p);
    hk_db_param_i64(&p, per_page);
    hk_db_param_i64(&p, (page - 1) * per_page);
    rc = hk_db_params_run(c,
                          "SELECT " PLAN_COLS ", count(*) OVER () FROM plans"
                          " ORDER BY id LIMIT $1::bigint OFFSET $2::bigint",
                          &p, &r);
    if (rc == 0 && PQntuples(r) > 0) {
        *total = hk_db_col_i64(r, 0, 11);
    } else if (rc == 0) {
        /* a page past the end still tells how many there are */
        PGresult *cr = NULL;
        rc = hk_db_params_run(c, "SELECT count(*) FROM plans", NULL, &cr);
        if (rc == 0) {
            *total = hk_db_col_i64(cr, 0, 0);
            PQclear(cr);
        }
    }
    hk_db_release(pl->db, c);
    if (rc < 0) {
        if (r != NULL)
            PQclear(r);
        return hk_db_err(err, rc);
    }
    *items = json_object_new_array();
    for (int i = 0; i < PQntuples(r); i++)
        json_object_array_add(*items, plan_json(r, i));
    PQclear(r);
    return 0;
}

/* See plans.h. */
int hk_plans_create(struct hk_plans *pl, json_object *body, json_object **out,
                    struct hk_err *err)
{
    struct hk_dbconn *c = NULL;
    PGresult *r = NULL;
    struct hk_db_params p;
    *out = NULL;
    int rc = check_plan(body, true, err);
    if (rc < 0)
        return rc;
    rc = hk_db_borrow(pl->db, &c, err);
    if (rc < 0)
        return rc;
    hk_db_params_init(&p);
    static const char *const cols[] = {
        "name",     "description", "price_cents", "currency",
        "interval", "features",    "is_active",   "stripe_price_id"};
    for (size_t i = 0; i < sizeof(cols) / sizeof(cols[0]); i++)
        param_member(&p, body, cols[i]);
    rc = hk_db_params_run(
        c,
        "INSERT INTO plans (name, description, price_cents, currency,"
        " billing_interval, features, is_active, stripe_price_id)"
        " VALUES ($1, coalesce($2, ''), $3::bigint, coalesce($4, 'usd'),"
        " coalesce($5, 'month'), $6::jsonb, coalesce($7::boolean, true), $8)"
        " RETURNING " PLAN_COLS,
        &p, &r);
    hk_db_release(pl->db, c);
    if (rc < 0)
        return write_failed(rc, err);
    *out = plan_json(r, 0);
    PQclear(r);
    return 0;
}

/* See plans.h. */
int hk_plans_update(struct hk_plans *pl, int64_t id, json_object *body,
                    json_object **out, struct hk_err *err)
{
    struct hk_dbconn *c = NULL;
    PGresult *r = NULL;
    struct hk_db_params p;
    json_object *sp = NULL;
    *out = NULL;
    int rc = check_plan(body, false, err);
    if (rc < 0)
        return rc;
    rc = hk_db_borrow(pl->db, &c, err);
    if (rc < 0)
        return rc;
    hk_db_params_init(&p);
    hk_db_param_i64(&p, id);
    static const char *const cols[] = {"name",     "description", "price_cents",
                                       "currency", "interval",    "features",
                                       "is_active"};
    for (size_t i = 0; i < sizeof(cols) / sizeof(cols[0]); i++)
        param_member(&p, body, cols[i]);
    /* stripe_price_id: given as null clears it, absent keeps it */
    hk_db_param_bool(&p,
                     json_object_object_get_ex(body, "stripe_price_id", &sp));
    hk_db_param_text(&p, sp != NULL ? json_object_get_string(sp) : NULL);
    rc = hk_db_params_run(
        c,
        "UPDATE plans SET name = coalesce($2, name),"
        " description = coalesce($3, description),"
        " price_cents = coalesce($4::bigint, price_cents),"
        " currency = coalesce($5, currency),"
        " billing_interval = coalesce($6, billing_interval),"
        " features = features || coalesce($7::jsonb, '{}'),"
        " is_active = coalesce($8::boolean, is_active),"
        " stripe_price_id = CASE WHEN $9::boolean THEN $10"
        "  ELSE stripe_price_id END,"
        " updated_at = now() WHERE id = $1::bigint RETURNING " PLAN_COLS,
        &p, &r);
    hk_db_release(pl->db, c);
    if (rc < 0)
        return write_failed(rc, err);
    if (PQntuples(r) == 0)
        rc = hk_err_set(err, HAWK_ENOTFOUND, NULL, NULL,
                        "no plan with id %" PRId64, id);
    else
        *out = plan_json(r, 0);
    PQclear(r);
    return rc;
}

static const char *const user_plan_statuses[] = {"active", "trialing",
                                                 "canceled", NULL};
static const struct hk_field user_plan_fields[] = {
    HK_FIELD("plan_id", HK_F_INT, true, false, 1, INT64_MAX),
    {"status", HK_F_STRING, false, false, 1, 20, .oneof = user_plan_statuses,
     .msg = "must be active, trialing or canceled"},
    HK_FIELD_END};

/* See plans.h. */
int hk_plans_assign(struct hk_plans *pl, int64_t user_id, json_object *body,
                    json_object **out, struct hk_err *err)
{
    struct hk_dbconn *c = NULL;
    PGresult *r = NULL;
    struct hk_db_params p;
    json_object *pid = NULL, *st = NULL;
    *out = NULL;
    int rc = hk_json_validate(body, user_plan_fields, "", err);
    if (rc < 0)
        return rc;
    json_object_object_get_ex(body, "plan_id", &pid);
    const char *status = json_object_object_get_ex(body, "status", &st)
                             ? json_object_get_string(st)
                             : "active";
    int64_t plan_id = json_object_get_int64(pid);
    rc = hk_db_borrow(pl->db, &c, err);
    if (rc < 0)
        return rc;
    hk_db_params_init(&p);
    hk_db_param_i64(&p, user_id);
    hk_db_param_i64(&p, plan_id);
    hk_db_param_text(&p, status);
    rc = hk_db_params_run(
        c,
        "INSERT INTO subscriptions (user_id, plan_id, status)"
        " SELECT u.id, p.id, $3 FROM users u, plans p"
        " WHERE u.id = $1::bigint AND p.id = $2::bigint"
        " ON CONFLICT (user_id) DO UPDATE SET plan_id = EXCLUDED.plan_id,"
        " status = EXCLUDED.status, updated_at = now()"
        " RETURNING user_id",
        &p, &r);
    hk_db_release(pl->db, c);
    if (rc < 0)
        return hk_db_err(err, rc);
    if (PQntuples(r) == 0) {
        rc = hk_err_set(err, HAWK_ENOTFOUND, NULL, NULL,
                        "no user %" PRId64 " or no plan %" PRId64, user_id,
                        plan_id);
    } else {
        *out = json_object_new_object();
        json_object_object_add(*out, "user_id", json_object_new_int64(user_id));
        json_object_object_add(*out, "plan_id", json_object_get(pid));
        json_object_object_add(*out, "status", json_object_new_string(status));
    }
    PQclear(r);
    return rc;
}

/* Counts the user's workflows when that module's table exists (0 when
 * the count cannot be read: usage is informational). */
static double count_workflows(struct hk_dbconn *c, int64_t user_id)
{
    PGresult *r = NULL;
    struct hk_db_params p;
    double n = 0;
    if (hk_db_params_run(c, "SELECT to_regclass('workflows') IS NOT NULL", NULL,
                         &r) < 0)
        return 0;
    bool exists = hk_db_col_true(r, 0, 0);
    PQclear(r);
    if (!exists)
        return 0;
    hk_db_params_init(&p);
    hk_db_param_i64(&p, user_id);
    if (hk_db_params_run(c,
                         "SELECT count(*) FROM workflows WHERE user_id ="
                         " $1::bigint",
                         &p, &r) < 0)
        return 0;
    n = strtod(PQgetvalue(r, 0, 0), NULL);
    PQclear(r);
    return n;
}

static json_object *num_json(double v)
{
    if (v == floor(v) && fabs(v) < 1e15)
        return json_object_new_int64((int64_t)v);
    return json_object_new_double(round(v * 100) / 100);
}

static json_object *limit_json(const struct limit_def *d, double value,
                               double used)
{
    json_object *l = json_object_new_object();
    if (d->kind == LK_BOOL) {
        json_object_object_add(l, "enabled",
                               json_object_new_boolean(value != 0));
    } else if (d->kind == LK_MIN) {
        json_object_object_add(l, "minimum", num_json(value));
    } else {
        bool unlimited = value < 0;
        json_object_object_add(l, "limit", unlimited ? NULL : num_json(value));
        json_object_object_add(l, "used", num_json(used));
        json_object_object_add(
            l, "remaining",
            unlimited ? NULL : num_json(value - used > 0 ? value - used : 0));
        json_object_object_add(l, "unlimited",
                               json_object_new_boolean(unlimited));
        if (d->period != NULL)
            json_object_object_add(l, "period",
                                   json_object_new_string(d->period));
    }
    return l;
}

/* See plans.h. */
int hk_plans_usage(struct hk_plans *pl, int64_t user_id, json_object **out,
                   struct hk_err *err)
{
    struct hk_dbconn *c = NULL;
    struct eff_plan e;
    struct usage u;
    *out = NULL;
    int rc = hk_db_borrow(pl->db, &c, err);
    if (rc < 0)
        return rc;
    rc = eff_load(pl, c, user_id, &e, err);
    if (rc == 0) {
        rc = usage_load(c, user_id, &u, err);
        if (rc < 0)
            eff_release(&e);
    }
    if (rc == 0)
        u.workflows = count_workflows(c, user_id);
    hk_db_release(pl->db, c);
    if (rc < 0)
        return rc;
    json_object *plan = json_object_new_object();
    json_object_object_add(plan, "id", hk_db_col_int(e.r, 0, 0));
    json_object_object_add(plan, "name", hk_db_col_text(e.r, 0, 1));
    json_object_object_add(plan, "status",
                           e.expired ? json_object_new_string("expired")
                                     : hk_db_col_text(e.r, 0, 3));
    json_object_object_add(plan, "trial_ends_at", hk_db_col_text(e.r, 0, 4));
    json_object_object_add(plan, "current_period_end",
                           hk_db_col_text(e.r, 0, 5));
    json_object *lims = json_object_new_object();
    for (const struct limit_def *d = limits; d->name != NULL; d++)
        json_object_object_add(
            lims, d->name,
            limit_json(d, eff_value(&e, d), usage_of(&u, d->name)));
    eff_release(&e);
    *out = json_object_new_object();
    json_object_object_add(*out, "plan", plan);
    json_object_object_add(*out, "limits", lims);
    return 0;
}
