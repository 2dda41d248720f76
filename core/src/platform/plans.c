/*
 * platform/plans.c - plans, the user's effective plan, quota checks, and
 * the routes /api/v1/plans, /api/v1/user/usage, /api/v1/admin/plans and
 * /api/v1/admin/users/{id}/plan.
 *
 * A plan's limits live in its `features` JSON.  A negative number means
 * unlimited; a missing key means the feature is not included.  A user
 * without a subscription row is on the Free Trial plan from the moment
 * the account was created until plans.trial_days later; after that the
 * metered limits (applications per day, LLM budget, custom resumes) drop
 * to zero until a plan is chosen, while counts of things the user keeps
 * (resumes, configurations) stay as they were.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "config/config.h"
#include "hawk/plugin.h"
#include "log/log.h"
#include "platform/pf.h"
#include "platform/platform.h"
#include "util/alloc.h"
#include "util/err.h"
#include "util/str.h"

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
    {HK_LIMIT_APPLICATIONS_PER_DAY, LK_COUNT, true, "day"},
    {HK_LIMIT_RESUMES, LK_COUNT, false, NULL},
    {HK_LIMIT_JOB_CONFIGS, LK_COUNT, false, NULL},
    {HK_LIMIT_CUSTOM_RESUME, LK_BOOL, true, NULL},
    {HK_LIMIT_WORKFLOWS, LK_COUNT, false, NULL},
    {HK_LIMIT_MIN_SCHEDULE_INTERVAL, LK_MIN, false, NULL},
    {HK_LIMIT_LLM_BUDGET, LK_AMOUNT, true, "month"},
    {NULL, 0, false, NULL}};

static const struct limit_def *find_limit(const char *name)
{
    for (const struct limit_def *d = limits; d->name != NULL; d++)
        if (strcmp(d->name, name) == 0)
            return d;
    return NULL;
}

static int trial_days(void)
{
    if (hk_app_current != NULL && hk_app_current->cfg != NULL)
        return (int)hk_cfg_int(hk_app_current->cfg, "plans.trial_days");
    return 14;
}

/* ---------------------------------------------------------------------
 * The effective plan
 * ------------------------------------------------------------------ */

/* Columns: 0 plan id, 1 name, 2 features, 3 status, 4 trial_ends_at,
 * 5 current_period_end, 6 expired. */
static const char sql_effective[] =
    "WITH u AS (SELECT id, created_at FROM users WHERE id = $1::bigint),"
    " s AS (SELECT * FROM subscriptions WHERE user_id = $1::bigint),"
    " act AS (SELECT plan_id, status, trial_ends_at, current_period_end"
    "  FROM s WHERE status IN ('active', 'past_due') OR (status = 'trialing'"
    "  AND (trial_ends_at IS NULL OR trial_ends_at > now())))"
    " SELECT p.id, p.name, p.features::text,"
    "  coalesce((SELECT status FROM act), 'trialing'),"
    "  CASE WHEN EXISTS (SELECT 1 FROM act)"
    "   THEN (SELECT " PF_TS(
        "trial_ends_at") " FROM act)"
                         "   ELSE " PF_TS("u.created_at + make_interval(days "
                                          "=> $2::int)") " END,"
                                                         "  (SELECT " PF_TS(
                                                             "current_period_"
                                                             "end") " FROM "
                                                                    "act),"
                                                                    "  NOT "
                                                                    "EXISTS "
                                                                    "(SELECT 1 "
                                                                    "FROM act) "
                                                                    "AND "
                                                                    "(EXISTS "
                                                                    "(SELECT 1 "
                                                                    "FROM s)"
                                                                    "   OR "
                                                                    "now() >= "
                                                                    "u.created_"
                                                                    "at + "
                                                                    "make_"
                                                                    "interval("
                                                                    "days => "
                                                                    "$2::int))"
                                                                    " FROM u "
                                                                    "JOIN "
                                                                    "plans p "
                                                                    "ON p.id = "
                                                                    "coalesce(("
                                                                    "SELECT "
                                                                    "plan_id "
                                                                    "FROM act),"
                                                                    "  (SELECT "
                                                                    "id FROM "
                                                                    "plans "
                                                                    "ORDER BY "
                                                                    "(name = "
                                                                    "'Free "
                                                                    "Trial') "
                                                                    "DESC, id"
                                                                    "   LIMIT "
                                                                    "1))";

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

static int eff_load(struct hk_dbconn *c, int64_t user_id, struct eff_plan *e)
{
    char uid[24], days[16];
    memset(e, 0, sizeof(*e));
    snprintf(days, sizeof(days), "%d", trial_days());
    const char *params[] = {hk_pf_id(uid, user_id), days};
    int rc = hk_db_query(c, sql_effective, 2, params, &e->r);
    if (rc < 0)
        return rc;
    if (PQntuples(e->r) != 1) {
        eff_release(e);
        return HAWK_ENOTFOUND;
    }
    e->features = json_tokener_parse(PQgetvalue(e->r, 0, 2));
    if (e->features == NULL)
        e->features = json_object_new_object();
    e->expired = PQgetvalue(e->r, 0, 6)[0] == 't';
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

static int usage_load(struct hk_dbconn *c, int64_t user_id, struct usage *u)
{
    char uid[24];
    PGresult *r = NULL;
    const char *params[] = {hk_pf_id(uid, user_id)};
    memset(u, 0, sizeof(*u));
    int rc = hk_db_query(c, sql_usage, 1, params, &r);
    if (rc < 0)
        return rc;
    u->apps_today = strtod(PQgetvalue(r, 0, 0), NULL);
    u->resumes = strtod(PQgetvalue(r, 0, 1), NULL);
    u->job_configs = strtod(PQgetvalue(r, 0, 2), NULL);
    u->llm_usd = strtod(PQgetvalue(r, 0, 3), NULL);
    PQclear(r);
    return 0;
}

static double usage_of(const struct usage *u, const char *name)
{
    if (strcmp(name, HK_LIMIT_APPLICATIONS_PER_DAY) == 0)
        return u->apps_today;
    if (strcmp(name, HK_LIMIT_RESUMES) == 0)
        return u->resumes;
    if (strcmp(name, HK_LIMIT_JOB_CONFIGS) == 0)
        return u->job_configs;
    if (strcmp(name, HK_LIMIT_LLM_BUDGET) == 0)
        return u->llm_usd;
    if (strcmp(name, HK_LIMIT_WORKFLOWS) == 0)
        return u->workflows;
    return 0;
}

/* Decides one limit.  Returns 0 or HAWK_EQUOTA; out is filled. */
static int decide(const struct eff_plan *e, const struct limit_def *d,
                  double used, double adding, struct hk_plan_limit *out)
{
    memset(out, 0, sizeof(*out));
    hk_strlcpy(out->name, d->name, sizeof(out->name));
    hk_strlcpy(out->plan, PQgetvalue(e->r, 0, 1), sizeof(out->plan));
    out->value = eff_value(e, d);
    out->used = used;
    out->is_bool = d->kind == LK_BOOL;
    out->is_minimum = d->kind == LK_MIN;
    out->trial_expired = e->expired && d->metered;
    switch (d->kind) {
    case LK_BOOL:
        return out->value != 0 ? 0 : HAWK_EQUOTA;
    case LK_MIN:
        out->used = adding;
        return adding >= out->value ? 0 : HAWK_EQUOTA;
    case LK_COUNT:
    case LK_AMOUNT:
        if (out->value < 0 && !out->trial_expired)
            return 0;
        return used + adding <= out->value + 1e-9 ? 0 : HAWK_EQUOTA;
    }
    return HAWK_EQUOTA;
}

static int check_common(struct hk_dbconn *c, int64_t user_id, const char *limit,
                        bool have_used, double used, double adding,
                        struct hk_plan_limit *out)
{
    struct hk_plan_limit tmp;
    struct eff_plan e;
    struct usage u;
    if (out == NULL)
        out = &tmp;
    memset(out, 0, sizeof(*out));
    const struct limit_def *d = find_limit(limit);
    if (d == NULL)
        return HAWK_EINVAL;
    int rc = eff_load(c, user_id, &e);
    if (rc < 0)
        return rc;
    if (!have_used && (d->kind == LK_COUNT || d->kind == LK_AMOUNT)) {
        rc = usage_load(c, user_id, &u);
        if (rc < 0) {
            eff_release(&e);
            return rc;
        }
        used = usage_of(&u, d->name);
    }
    rc = decide(&e, d, used, adding, out);
    eff_release(&e);
    return rc;
}

/* See platform.h. */
int hk_plan_check(struct hk_dbconn *c, int64_t user_id, const char *limit,
                  double adding, struct hk_plan_limit *out)
{
    return check_common(c, user_id, limit, false, 0, adding, out);
}

/* See platform.h. */
int hk_plan_check_used(struct hk_dbconn *c, int64_t user_id, const char *limit,
                       double used, double adding, struct hk_plan_limit *out)
{
    return check_common(c, user_id, limit, true, used, adding, out);
}

/* See platform.h. */
int hk_usage_add(struct hk_dbconn *c, int64_t user_id, const char *name,
                 double amount)
{
    char uid[24], amt[64];
    if (!isfinite(amount))
        return HAWK_EINVAL;
    snprintf(amt, sizeof(amt), "%.6f", amount);
    const char *params[] = {hk_pf_id(uid, user_id), name, amt};
    return hk_db_query(
        c,
        "INSERT INTO usage_counters (user_id, name, period_start, amount)"
        " VALUES ($1::bigint, $2, date_trunc('month', now() AT TIME ZONE"
        " 'UTC')::date, $3::numeric) ON CONFLICT (user_id, name,"
        " period_start) DO UPDATE SET amount = usage_counters.amount +"
        " EXCLUDED.amount, updated_at = now()",
        3, params, NULL);
}

static void fmt_num(char *buf, size_t n, double v)
{
    if (v == floor(v) && fabs(v) < 1e15)
        snprintf(buf, n, "%.0f", v);
    else
        snprintf(buf, n, "%.2f", v);
}

/* See platform.h. */
void hk_plan_limit_resp(struct hk_resp *resp, const struct hk_plan_limit *l)
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
                 strcmp(l->name, HK_LIMIT_CUSTOM_RESUME) == 0
                     ? "custom resume generation"
                     : l->name,
                 l->plan);
    else if (l->is_minimum)
        snprintf(msg, sizeof(msg),
                 "plan '%s' allows %s of at least %s; ask for a larger value "
                 "or upgrade your plan",
                 l->plan, l->name, v);
    else if (strcmp(l->name, HK_LIMIT_APPLICATIONS_PER_DAY) == 0)
        snprintf(msg, sizeof(msg),
                 "daily application limit reached (%s of %s on plan '%s'); "
                 "try again tomorrow or upgrade your plan",
                 u, v, l->plan);
    else
        snprintf(msg, sizeof(msg),
                 "%s limit reached (%s of %s on plan '%s'); remove one or "
                 "upgrade your plan",
                 l->name, u, v, l->plan);
    json_object *err = json_object_new_object();
    json_object_object_add(err, "code", json_object_new_string("plan_limit"));
    json_object_object_add(err, "message", json_object_new_string(msg));
    json_object_object_add(err, "limit", json_object_new_string(l->name));
    if (l->is_bool)
        json_object_object_add(err, "value",
                               json_object_new_boolean(l->value != 0));
    else if (l->value == floor(l->value))
        json_object_object_add(err, "value",
                               json_object_new_int64((int64_t)l->value));
    else
        json_object_object_add(err, "value", json_object_new_double(l->value));
    if (l->used == floor(l->used))
        json_object_object_add(err, "used",
                               json_object_new_int64((int64_t)l->used));
    else
        json_object_object_add(err, "used", json_object_new_double(l->used));
    json_object_object_add(err, "plan", json_object_new_string(l->plan));
    json_object *o = json_object_new_object();
    json_object_object_add(o, "error", err);
    hk_resp_json(resp, 403, o);
}

/* ---------------------------------------------------------------------
 * Plan JSON and validation
 * ------------------------------------------------------------------ */

#define PLAN_COLS                                                              \
    "id, name, description, price_cents, currency, billing_interval,"          \
    " features::text, is_active, stripe_price_id, " PF_TS(                     \
        "created_at") ", " PF_TS("updated_at")

static json_object *plan_json(const PGresult *r, int i)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "id", hk_pf_int(r, i, 0));
    json_object_object_add(o, "name", hk_pf_text(r, i, 1));
    json_object_object_add(o, "description", hk_pf_text(r, i, 2));
    json_object_object_add(o, "price_cents", hk_pf_int(r, i, 3));
    json_object_object_add(o, "currency", hk_pf_text(r, i, 4));
    json_object_object_add(o, "interval", hk_pf_text(r, i, 5));
    json_object_object_add(o, "features", hk_pf_jsonb(r, i, 6));
    json_object_object_add(o, "is_active", hk_pf_bool(r, i, 7));
    json_object_object_add(o, "stripe_price_id", hk_pf_text(r, i, 8));
    json_object_object_add(o, "created_at", hk_pf_text(r, i, 9));
    json_object_object_add(o, "updated_at", hk_pf_text(r, i, 10));
    return o;
}

#define COUNT_LIMIT(name)                                                      \
    {                                                                          \
        name, HK_F_INT, false, false, -1, 1000000,                             \
            .msg = "must be an integer from -1 (unlimited) to 1000000"         \
    }

/* A features object: the known limits with the right types. */
static const struct hk_field feature_fields[] = {
    COUNT_LIMIT(HK_LIMIT_APPLICATIONS_PER_DAY),
    COUNT_LIMIT(HK_LIMIT_RESUMES),
    COUNT_LIMIT(HK_LIMIT_JOB_CONFIGS),
    HK_FIELD(HK_LIMIT_CUSTOM_RESUME, HK_F_BOOL, false, false, 0, 0),
    COUNT_LIMIT(HK_LIMIT_WORKFLOWS),
    COUNT_LIMIT(HK_LIMIT_MIN_SCHEDULE_INTERVAL),
    {HK_LIMIT_LLM_BUDGET, HK_F_NUMBER, false, false, -1, 1000000,
     .msg = "must be a number from -1 (unlimited) to 1000000"},
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

/* Checks a plan body; fills resp with the 400 naming the field. */
static int check_plan(json_object *body, bool create, struct hk_resp *resp)
{
    static const char *const required[] = {"name", "price_cents", "features"};
    struct hk_err err = HK_ERR_INIT;
    int rc = hk_json_validate(body, plan_fields, "", &err);
    for (size_t i = 0; rc == 0 && create && i < 3; i++)
        if (!json_object_object_get_ex(body, required[i], NULL))
            rc = hk_json_fail(&err, required[i], "is required");
    if (rc < 0)
        hk_resp_from_err(resp, &err);
    return rc;
}

/* Text of a member for an SQL parameter, or NULL when absent. */
static const char *param_of(json_object *body, const char *k, char *buf,
                            size_t n)
{
    json_object *v = NULL;
    if (!json_object_object_get_ex(body, k, &v) || v == NULL)
        return NULL;
    if (json_object_is_type(v, json_type_boolean))
        return json_object_get_boolean(v) ? "true" : "false";
    if (json_object_is_type(v, json_type_int)) {
        snprintf(buf, n, "%" PRId64, json_object_get_int64(v));
        return buf;
    }
    if (json_object_is_type(v, json_type_string))
        return json_object_get_string(v);
    return json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
}

/* ---------------------------------------------------------------------
 * Routes
 * ------------------------------------------------------------------ */

/* GET /api/v1/plans: active plans, for the pricing page. */
static void h_plans_public(struct hk_req *req, struct hk_resp *resp)
{
    struct hk_dbconn *c = NULL;
    PGresult *r = NULL;
    if (hk_pf_acquire(req, resp, &c) < 0)
        return;
    int rc = hk_db_query(c,
                         "SELECT " PLAN_COLS " FROM plans WHERE is_active"
                         " ORDER BY price_cents, id",
                         0, NULL, &r);
    hk_pf_release(req, c);
    if (rc < 0) {
        hk_resp_from_status(resp, rc);
        return;
    }
    json_object *items = json_object_new_array();
    for (int i = 0; i < PQntuples(r); i++) {
        json_object *p = plan_json(r, i);
        json_object_object_del(p, "stripe_price_id");
        json_object_array_add(items, p);
    }
    PQclear(r);
    json_object *o = json_object_new_object();
    json_object_object_add(o, "items", items);
    hk_resp_json(resp, 200, o);
}

/* GET /api/v1/admin/plans */
static void h_admin_list(struct hk_req *req, struct hk_resp *resp)
{
    int64_t page, per_page;
    struct hk_dbconn *c = NULL;
    PGresult *r = NULL;
    char lim[24], off[24];
    if (hk_req_page(req, resp, PF_MAX_PER_PAGE, &page, &per_page) < 0)
        return;
    if (hk_pf_acquire(req, resp, &c) < 0)
        return;
    const char *params[] = {hk_pf_id(lim, per_page),
                            hk_pf_id(off, (page - 1) * per_page)};
    int rc = hk_db_query(c,
                         "SELECT " PLAN_COLS ", count(*) OVER () FROM plans"
                         " ORDER BY id LIMIT $1::bigint OFFSET $2::bigint",
                         2, params, &r);
    int64_t total = 0;
    if (rc == 0 && PQntuples(r) > 0) {
        total = hk_pf_i64(r, 0, 11);
    } else if (rc == 0) {
        PGresult *cr = NULL;
        rc = hk_db_query(c, "SELECT count(*) FROM plans", 0, NULL, &cr);
        if (rc == 0) {
            total = hk_pf_i64(cr, 0, 0);
            PQclear(cr);
        }
    }
    hk_pf_release(req, c);
    if (rc < 0) {
        if (r != NULL)
            PQclear(r);
        hk_resp_from_status(resp, rc);
        return;
    }
    json_object *items = json_object_new_array();
    for (int i = 0; i < PQntuples(r); i++)
        json_object_array_add(items, plan_json(r, i));
    PQclear(r);
    hk_resp_json(resp, 200, hk_pf_page(items, page, per_page, total));
}

static void plan_write_error(struct hk_resp *resp, int rc)
{
    if (rc == HAWK_ECONFLICT)
        hk_resp_error(resp, 409, "conflict", "name",
                      "a plan with this name already exists; choose "
                      "another name");
    else
        hk_resp_from_status(resp, rc);
}

/* POST /api/v1/admin/plans */
static void h_admin_create(struct hk_req *req, struct hk_resp *resp)
{
    json_object *body = NULL;
    struct hk_dbconn *c = NULL;
    PGresult *r = NULL;
    char b1[24], b2[24];
    if (hk_req_json(req, resp, &body) < 0)
        return;
    if (check_plan(body, true, resp) < 0)
        goto out;
    if (hk_pf_acquire(req, resp, &c) < 0)
        goto out;
    const char *params[] = {hk_pf_member_str(body, "name"),
                            param_of(body, "description", NULL, 0),
                            param_of(body, "price_cents", b1, sizeof(b1)),
                            hk_pf_member_str(body, "currency"),
                            hk_pf_member_str(body, "interval"),
                            param_of(body, "features", NULL, 0),
                            param_of(body, "is_active", b2, sizeof(b2)),
                            param_of(body, "stripe_price_id", NULL, 0)};
    int rc = hk_db_query(
        c,
        "INSERT INTO plans (name, description, price_cents, currency,"
        " billing_interval, features, is_active, stripe_price_id)"
        " VALUES ($1, coalesce($2, ''), $3::bigint, coalesce($4, 'usd'),"
        " coalesce($5, 'month'), $6::jsonb, coalesce($7::boolean, true), $8)"
        " RETURNING " PLAN_COLS,
        8, params, &r);
    hk_pf_release(req, c);
    if (rc < 0) {
        plan_write_error(resp, rc);
        goto out;
    }
    hk_resp_json(resp, 201, plan_json(r, 0));
    PQclear(r);
out:
    json_object_put(body);
}

/* PUT /api/v1/admin/plans/{id}: members given replace the stored ones;
 * features are merged key by key. */
static void h_admin_update(struct hk_req *req, struct hk_resp *resp)
{
    json_object *body = NULL;
    struct hk_dbconn *c = NULL;
    PGresult *r = NULL;
    int64_t id;
    char b0[24], b1[24], b2[24];
    if (hk_req_param_id(req, resp, "id", &id) < 0)
        return;
    if (hk_req_json(req, resp, &body) < 0)
        return;
    if (check_plan(body, false, resp) < 0)
        goto out;
    if (hk_pf_acquire(req, resp, &c) < 0)
        goto out;
    json_object *sp = NULL;
    bool has_sp = json_object_object_get_ex(body, "stripe_price_id", &sp);
    const char *params[] = {hk_pf_id(b0, id),
                            hk_pf_member_str(body, "name"),
                            param_of(body, "description", NULL, 0),
                            param_of(body, "price_cents", b1, sizeof(b1)),
                            hk_pf_member_str(body, "currency"),
                            hk_pf_member_str(body, "interval"),
                            param_of(body, "features", NULL, 0),
                            param_of(body, "is_active", b2, sizeof(b2)),
                            has_sp ? "true" : "false",
                            sp ? json_object_get_string(sp) : NULL};
    int rc = hk_db_query(
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
        10, params, &r);
    hk_pf_release(req, c);
    if (rc < 0) {
        plan_write_error(resp, rc);
        goto out;
    }
    if (PQntuples(r) == 0)
        hk_resp_error(resp, 404, "not_found", NULL, "no plan with id %" PRId64,
                      id);
    else
        hk_resp_json(resp, 200, plan_json(r, 0));
    PQclear(r);
out:
    json_object_put(body);
}

static const char *const user_plan_statuses[] = {"active", "trialing",
                                                 "canceled", NULL};
static const struct hk_field user_plan_fields[] = {
    HK_FIELD("plan_id", HK_F_INT, true, false, 1, INT64_MAX),
    {"status", HK_F_STRING, false, false, 1, 20, .oneof = user_plan_statuses,
     .msg = "must be active, trialing or canceled"},
    HK_FIELD_END};

/* PUT /api/v1/admin/users/{id}/plan: moves a user to a plan (support,
 * comped accounts); billing writes the same row from payment events. */
static void h_admin_user_plan(struct hk_req *req, struct hk_resp *resp)
{
    json_object *body = NULL;
    struct hk_dbconn *c = NULL;
    PGresult *r = NULL;
    int64_t uid;
    char b0[24], b1[24];
    if (hk_req_param_id(req, resp, "id", &uid) < 0)
        return;
    if (hk_req_json(req, resp, &body) < 0)
        return;
    if (hk_json_check(body, user_plan_fields, resp) < 0)
        goto out;
    const char *status = hk_pf_member_str(body, "status");
    if (hk_pf_acquire(req, resp, &c) < 0)
        goto out;
    json_object *pid = NULL;
    json_object_object_get_ex(body, "plan_id", &pid);
    const char *params[] = {hk_pf_id(b0, uid),
                            hk_pf_id(b1, json_object_get_int64(pid)),
                            status ? status : "active"};
    int rc = hk_db_query(
        c,
        "INSERT INTO subscriptions (user_id, plan_id, status)"
        " SELECT u.id, p.id, $3 FROM users u, plans p"
        " WHERE u.id = $1::bigint AND p.id = $2::bigint"
        " ON CONFLICT (user_id) DO UPDATE SET plan_id = EXCLUDED.plan_id,"
        " status = EXCLUDED.status, updated_at = now()"
        " RETURNING user_id",
        3, params, &r);
    hk_pf_release(req, c);
    if (rc < 0) {
        hk_resp_from_status(resp, rc);
        goto out;
    }
    if (PQntuples(r) == 0) {
        hk_resp_error(resp, 404, "not_found", NULL,
                      "no user %" PRId64 " or no plan %" PRId64, uid,
                      json_object_get_int64(pid));
    } else {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "user_id", json_object_new_int64(uid));
        json_object_object_add(o, "plan_id", json_object_get(pid));
        json_object_object_add(
            o, "status", json_object_new_string(status ? status : "active"));
        hk_resp_json(resp, 200, o);
    }
    PQclear(r);
out:
    json_object_put(body);
}

/* Counts the user's workflows when that module's table exists. */
static double count_workflows(struct hk_dbconn *c, int64_t user_id)
{
    PGresult *r = NULL;
    char uid[24];
    double n = 0;
    if (hk_db_query(c, "SELECT to_regclass('workflows') IS NOT NULL", 0, NULL,
                    &r) < 0)
        return 0;
    bool exists = PQgetvalue(r, 0, 0)[0] == 't';
    PQclear(r);
    if (!exists)
        return 0;
    const char *params[] = {hk_pf_id(uid, user_id)};
    if (hk_db_query(c,
                    "SELECT count(*) FROM workflows WHERE user_id ="
                    " $1::bigint",
                    1, params, &r) < 0)
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

/* GET /api/v1/user/usage */
static void h_usage(struct hk_req *req, struct hk_resp *resp)
{
    struct hk_dbconn *c = NULL;
    struct eff_plan e;
    struct usage u;
    if (hk_pf_acquire(req, resp, &c) < 0)
        return;
    int rc = eff_load(c, req->user_id, &e);
    if (rc == 0) {
        rc = usage_load(c, req->user_id, &u);
        if (rc < 0)
            eff_release(&e);
    }
    if (rc == 0)
        u.workflows = count_workflows(c, req->user_id);
    hk_pf_release(req, c);
    if (rc < 0) {
        hk_resp_from_status(resp, rc);
        return;
    }
    json_object *plan = json_object_new_object();
    json_object_object_add(plan, "id", hk_pf_int(e.r, 0, 0));
    json_object_object_add(plan, "name", hk_pf_text(e.r, 0, 1));
    json_object_object_add(plan, "status",
                           e.expired ? json_object_new_string("expired")
                                     : hk_pf_text(e.r, 0, 3));
    json_object_object_add(plan, "trial_ends_at", hk_pf_text(e.r, 0, 4));
    json_object_object_add(plan, "current_period_end", hk_pf_text(e.r, 0, 5));
    json_object *lims = json_object_new_object();
    for (const struct limit_def *d = limits; d->name != NULL; d++) {
        json_object *l = json_object_new_object();
        double value = eff_value(&e, d);
        double used = usage_of(&u, d->name);
        if (d->kind == LK_BOOL) {
            json_object_object_add(l, "enabled",
                                   json_object_new_boolean(value != 0));
        } else if (d->kind == LK_MIN) {
            json_object_object_add(l, "minimum", num_json(value));
        } else {
            bool unlimited = value < 0;
            json_object_object_add(l, "limit",
                                   unlimited ? NULL : num_json(value));
            json_object_object_add(l, "used", num_json(used));
            json_object_object_add(
                l, "remaining",
                unlimited ? NULL
                          : num_json(value - used > 0 ? value - used : 0));
            json_object_object_add(l, "unlimited",
                                   json_object_new_boolean(unlimited));
            if (d->period != NULL)
                json_object_object_add(l, "period",
                                       json_object_new_string(d->period));
        }
        json_object_object_add(lims, d->name, l);
    }
    eff_release(&e);
    json_object *o = json_object_new_object();
    json_object_object_add(o, "plan", plan);
    json_object_object_add(o, "limits", lims);
    hk_resp_json(resp, 200, o);
}

/* See pf.h. */
void hk_pf_plan_routes(struct hk_router *r)
{
    hk_pf_route(r, "GET", "/api/v1/plans", h_plans_public, HK_ROUTE_PUBLIC, 0);
    hk_pf_route(r, "GET", "/api/v1/user/usage", h_usage, HK_ROUTE_AUTH, 0);
    hk_pf_route(r, "GET", "/api/v1/admin/plans", h_admin_list, HK_ROUTE_ADMIN,
                0);
    hk_pf_route(r, "POST", "/api/v1/admin/plans", h_admin_create,
                HK_ROUTE_ADMIN, 0);
    hk_pf_route(r, "PUT", "/api/v1/admin/plans/{id}", h_admin_update,
                HK_ROUTE_ADMIN, 0);
    hk_pf_route(r, "PUT", "/api/v1/admin/users/{id}/plan", h_admin_user_plan,
                HK_ROUTE_ADMIN, 0);
}
