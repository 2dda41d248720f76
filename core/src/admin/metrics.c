/*
 * admin/metrics.c - business and operations figures for administrators.
 *
 * Each figure is one indexed query over a small set of rows: revenue
 * reads the monthly roll-up billing/ keeps (revenue_monthly), not every
 * invoice; new subscriptions and churn read subscription_history of the
 * last 12 months.  Churn rate per month is churned / active at the
 * month's start, where the active count at a month's start is rebuilt
 * backwards from today's: active(start of m) = active(end of m) -
 * new(m) + churned(m).
 */
#include <string.h>

#include "admin/admin_int.h"
#include "db/db.h"
#include "db/params.h"
#include "db/result.h"
#include "util/err.h"

#define ADM_MONTHS 12

/* clang-format off */
static const char sql_by_plan[] =
    "SELECT p.id, p.name, p.currency,"
    " count(*) FILTER (WHERE s.status IN ('active', 'past_due')),"
    " count(*) FILTER (WHERE s.status = 'trialing'),"
    " coalesce(sum(CASE p.billing_interval WHEN 'month' THEN p.price_cents"
    "  WHEN 'year' THEN p.price_cents / 12.0 ELSE 0 END)"
    "  FILTER (WHERE s.status IN ('active', 'past_due')), 0)::bigint"
    " FROM subscriptions s JOIN plans p ON p.id = s.plan_id"
    " WHERE s.status IN ('active', 'past_due', 'trialing')"
    " GROUP BY p.id, p.name, p.currency ORDER BY p.id";

/* Columns: month, signups, new subscriptions, churned, revenue (cents,
 * all currencies), paid invoices. */
static const char sql_monthly[] =
    "WITH m AS (SELECT generate_series(date_trunc('month', now() AT TIME"
    "  ZONE 'UTC') - interval '11 months', date_trunc('month', now() AT"
    "  TIME ZONE 'UTC'), interval '1 month')::date AS month),"
    " lo AS (SELECT min(month)::timestamp AT TIME ZONE 'UTC' AS t FROM m),"
    " su AS (SELECT date_trunc('month', created_at AT TIME ZONE 'UTC')::date"
    "  AS month, count(*) AS n FROM users, lo WHERE created_at >= lo.t"
    "  GROUP BY 1),"
    " h AS (SELECT date_trunc('month', at AT TIME ZONE 'UTC')::date AS month,"
    "  count(DISTINCT user_id) FILTER (WHERE new_status IN ('active',"
    "   'trialing') AND (old_status IS NULL OR old_status NOT IN ('active',"
    "   'trialing', 'past_due'))) AS new_subs,"
    "  count(*) FILTER (WHERE new_status IN ('canceled', 'unpaid',"
    "   'incomplete_expired') AND old_status IN ('active', 'trialing',"
    "   'past_due')) AS churned"
    "  FROM subscription_history, lo WHERE at >= lo.t GROUP BY 1),"
    " rv AS (SELECT r.month, sum(r.amount) AS amount, sum(r.invoices) AS n"
    "  FROM revenue_monthly r WHERE r.month >= (SELECT min(month) FROM m)"
    "  GROUP BY r.month)"
    " SELECT to_char(m.month, 'YYYY-MM'), coalesce(su.n, 0),"
    "  coalesce(h.new_subs, 0), coalesce(h.churned, 0),"
    "  coalesce(rv.amount, 0), coalesce(rv.n, 0)"
    " FROM m LEFT JOIN su USING (month) LEFT JOIN h USING (month)"
    " LEFT JOIN rv USING (month) ORDER BY m.month";

static const char sql_revenue_by_plan[] =
    "SELECT coalesce(p.name, 'no plan'), r.currency, sum(r.amount)::bigint,"
    " sum(r.invoices)::bigint FROM revenue_monthly r"
    " LEFT JOIN plans p ON p.id = r.plan_id"
    " WHERE r.month >= (date_trunc('month', now() AT TIME ZONE 'UTC')"
    "  - interval '11 months')::date"
    " GROUP BY 1, 2 ORDER BY 3 DESC";

/* $1: trial length in days.  Users whose trial is over, and how many of
 * them ever paid. */
static const char sql_conversion[] =
    "SELECT (SELECT count(*) FROM users WHERE created_at <"
    "  now() - make_interval(days => $1::int)),"
    " (SELECT count(DISTINCT h.user_id) FROM subscription_history h"
    "  JOIN users u ON u.id = h.user_id WHERE h.new_status = 'active'"
    "  AND u.created_at < now() - make_interval(days => $1::int))";

static const char sql_queue[] =
    "SELECT queue, count(*) FILTER (WHERE state = 'queued'),"
    " count(*) FILTER (WHERE state = 'running'),"
    " count(*) FILTER (WHERE state = 'dead')"
    " FROM queue_jobs WHERE state IN ('queued', 'running', 'dead')"
    " GROUP BY queue ORDER BY queue";

static const char sql_llm[] =
    "SELECT to_char(day, 'YYYY-MM-DD'), sum(cost_usd)::float8, sum(calls),"
    " sum(failures) FROM llm_usage WHERE day >= (now() AT TIME ZONE 'UTC')"
    "::date - 29 GROUP BY day ORDER BY day";

static const char sql_apply[] =
    "SELECT board, count(*) FILTER (WHERE status NOT IN ('failed', 'queued',"
    " 'skipped', 'awaiting_review', 'approved', 'needs_attention')),"
    " count(*) FILTER (WHERE status = 'failed')"
    " FROM applications WHERE created_at >= now() - interval '30 days'"
    " GROUP BY board ORDER BY board";
/* clang-format on */

/* Runs one statement; on failure releases everything and fills err. */
static int adm_q(struct hk_dbconn *c, const char *sql,
                 const struct hk_db_params *p, PGresult **r, struct hk_err *err)
{
    int rc = hk_db_params_run(c, sql, p, r);
    return rc < 0 ? hk_db_err(err, rc) : 0;
}

static json_object *adm_by_plan(const PGresult *r, json_object *mrr)
{
    json_object *list = json_object_new_array();
    for (int i = 0; i < PQntuples(r); i++) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "plan_id", hk_db_col_int(r, i, 0));
        json_object_object_add(o, "plan", hk_db_col_text(r, i, 1));
        json_object_object_add(o, "active", hk_db_col_int(r, i, 3));
        json_object_object_add(o, "trialing", hk_db_col_int(r, i, 4));
        json_object_object_add(o, "mrr_cents", hk_db_col_int(r, i, 5));
        json_object_array_add(list, o);
        /* MRR per currency: plans in several currencies are not added. */
        const char *cur = PQgetvalue(r, i, 2);
        json_object *v = NULL;
        int64_t sum = hk_db_col_i64(r, i, 5);
        if (json_object_object_get_ex(mrr, cur, &v))
            sum += json_object_get_int64(v);
        json_object_object_add(mrr, cur, json_object_new_int64(sum));
    }
    return list;
}

static json_object *adm_monthly(const PGresult *r, int64_t active_now)
{
    int n = PQntuples(r);
    json_object *list = json_object_new_array();
    int64_t end_active = active_now;
    json_object *rows[ADM_MONTHS + 1] = {0};
    /* Newest first to rebuild the active count, then listed oldest first. */
    for (int i = n - 1; i >= 0 && i <= ADM_MONTHS; i--) {
        int64_t nw = hk_db_col_i64(r, i, 2), ch = hk_db_col_i64(r, i, 3);
        int64_t start = end_active - nw + ch;
        if (start < 0)
            start = 0;
        json_object *o = json_object_new_object();
        json_object_object_add(o, "month", hk_db_col_text(r, i, 0));
        json_object_object_add(o, "signups", hk_db_col_int(r, i, 1));
        json_object_object_add(o, "new_subscriptions",
                               json_object_new_int64(nw));
        json_object_object_add(o, "churned", json_object_new_int64(ch));
        json_object_object_add(o, "active_at_start",
                               json_object_new_int64(start));
        json_object_object_add(
            o, "churn_rate",
            start > 0 ? json_object_new_double((double)ch / (double)start)
                      : json_object_new_double(0));
        json_object_object_add(o, "revenue_cents", hk_db_col_int(r, i, 4));
        json_object_object_add(o, "paid_invoices", hk_db_col_int(r, i, 5));
        rows[i] = o;
        end_active = start;
    }
    for (int i = 0; i < n && i <= ADM_MONTHS; i++)
        json_object_array_add(list, rows[i]);
    return list;
}

/* Rows of (text, int, int[, int]) as objects with the given names. */
static json_object *adm_rows(const PGresult *r, const char *const *names,
                             int ncols)
{
    json_object *list = json_object_new_array();
    for (int i = 0; i < PQntuples(r); i++) {
        json_object *o = json_object_new_object();
        for (int k = 0; k < ncols; k++)
            json_object_object_add(o, names[k],
                                   k == 0 ? hk_db_col_text(r, i, k)
                                          : hk_db_col_num(r, i, k));
        json_object_array_add(list, o);
    }
    return list;
}

/* See admin.h. */
int hk_admin_metrics(struct hk_admin *a, json_object **out, struct hk_err *err)
{
    struct hk_dbconn *c = NULL;
    struct hk_db_params p;
    PGresult *plan = NULL, *mon = NULL, *rev = NULL, *conv = NULL, *q = NULL,
             *llm = NULL, *app = NULL;
    *out = NULL;
    int rc = hk_db_borrow(a->db, &c, err);
    if (rc < 0)
        return rc;
    hk_db_params_init(&p);
    hk_db_param_i64(&p, a->cfg.trial_days);
    rc = adm_q(c, sql_by_plan, NULL, &plan, err);
    if (rc == 0)
        rc = adm_q(c, sql_monthly, NULL, &mon, err);
    if (rc == 0)
        rc = adm_q(c, sql_revenue_by_plan, NULL, &rev, err);
    if (rc == 0)
        rc = adm_q(c, sql_conversion, &p, &conv, err);
    if (rc == 0)
        rc = adm_q(c, sql_queue, NULL, &q, err);
    if (rc == 0)
        rc = adm_q(c, sql_llm, NULL, &llm, err);
    if (rc == 0)
        rc = adm_q(c, sql_apply, NULL, &app, err);
    hk_db_release(a->db, c);
    if (rc == 0) {
        json_object *o = json_object_new_object();
        json_object *mrr = json_object_new_object();
        json_object *by_plan = adm_by_plan(plan, mrr);
        int64_t active = 0;
        for (int i = 0; i < PQntuples(plan); i++)
            active += hk_db_col_i64(plan, i, 3) + hk_db_col_i64(plan, i, 4);
        json_object *arr = json_object_new_object();
        json_object_object_foreach(mrr, cur, v) json_object_object_add(
            arr, cur, json_object_new_int64(json_object_get_int64(v) * 12));
        json_object_object_add(o, "active_subscriptions",
                               json_object_new_int64(active));
        json_object_object_add(o, "subscriptions_by_plan", by_plan);
        json_object_object_add(o, "mrr_cents", mrr);
        json_object_object_add(o, "arr_cents", arr);
        json_object_object_add(o, "months", adm_monthly(mon, active));
        static const char *const rv[] = {"plan", "currency", "revenue_cents",
                                         "paid_invoices"};
        json_object_object_add(o, "revenue_by_plan", adm_rows(rev, rv, 4));
        int64_t cohort = hk_db_col_i64(conv, 0, 0);
        int64_t paid = hk_db_col_i64(conv, 0, 1);
        json_object *tc = json_object_new_object();
        json_object_object_add(tc, "trials_ended",
                               json_object_new_int64(cohort));
        json_object_object_add(tc, "converted", json_object_new_int64(paid));
        json_object_object_add(
            tc, "rate",
            json_object_new_double(cohort > 0 ? (double)paid / (double)cohort
                                              : 0));
        json_object_object_add(o, "trial_conversion", tc);
        static const char *const qn[] = {"queue", "queued", "running", "dead"};
        json_object_object_add(o, "queues", adm_rows(q, qn, 4));
        static const char *const ln[] = {"day", "cost_usd", "calls",
                                         "failures"};
        json_object_object_add(o, "llm_spend_per_day", adm_rows(llm, ln, 4));
        static const char *const an[] = {"board", "sent", "failed"};
        json_object_object_add(o, "applications_by_board",
                               adm_rows(app, an, 3));
        *out = o;
    }
    PGresult *all[] = {plan, mon, rev, conv, q, llm, app};
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
        if (all[i] != NULL)
            PQclear(all[i]);
    return rc;
}
