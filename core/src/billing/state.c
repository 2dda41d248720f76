/*
 * billing/state.c - writing a subscription state for a user: which plan
 * a provider price is, whether the state is newer than the one held,
 * the row, the history line and the mail that goes with a change.
 *
 * Ordering: a row remembers the provider time of the state it holds
 * (state_at).  A state older than that is stale, and so is one of the
 * same second that ends its period earlier; a subscription that has
 * ended never comes back (providers open a new one instead); and the end
 * of a subscription that is not the user's current one does not touch
 * the current one.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "billing/billing_int.h"
#include "db/db.h"
#include "db/params.h"
#include "db/result.h"
#include "log/log.h"
#include "mail/mail.h"
#include "util/err.h"
#include "util/str.h"

/* Serialises one user's billing changes (webhooks, user requests). */
#define BL_LOCK_CLASS 7301

/* See billing_int.h. */
void bl_sub_state_from(json_object *sub, int64_t state_at,
                       struct bl_sub_state *st)
{
    memset(st, 0, sizeof(*st));
    st->sub_id = bl_str(sub, "id");
    st->customer = bl_str(sub, "customer");
    st->status = bl_str(sub, "status");
    st->price = bl_str(sub, "price");
    st->period_start = bl_i64(sub, "current_period_start", 0);
    st->period_end = bl_i64(sub, "current_period_end", 0);
    st->trial_end = bl_i64(sub, "trial_end", 0);
    st->canceled_at = bl_i64(sub, "canceled_at", 0);
    st->ended_at = bl_i64(sub, "ended_at", 0);
    st->cancel_at_period_end = bl_bool(sub, "cancel_at_period_end");
    st->state_at = state_at;
}

static bool bl_is(const char *s, const char *a)
{
    return s != NULL && strcmp(s, a) == 0;
}

/* A status that gives the plan's limits (platform/plans/ reads the
 * same list). */
static bool bl_live(const char *s)
{
    return bl_is(s, "active") || bl_is(s, "trialing") || bl_is(s, "past_due");
}

static bool bl_terminal(const char *s)
{
    return bl_is(s, "canceled") || bl_is(s, "incomplete_expired");
}

static const char *const bl_statuses[] = {
    "trialing", "active", "past_due",           "canceled",
    "unpaid",   "paused", "incomplete_expired", "incomplete"};

static bool bl_status_ok(const char *s)
{
    for (size_t i = 0; i < sizeof(bl_statuses) / sizeof(bl_statuses[0]); i++)
        if (bl_is(s, bl_statuses[i]))
            return true;
    return false;
}

/* What the row held before. */
struct bl_old {
    bool exists;
    int64_t plan_id;
    char status[24];
    char sub_id[256];
    int64_t state_at;
    int64_t period_end;
    bool ended;
};

static int bl_load_old(struct hk_dbconn *c, int64_t user_id, struct bl_old *o,
                       struct hk_err *err)
{
    struct hk_db_params p;
    PGresult *r = NULL;
    memset(o, 0, sizeof(*o));
    hk_db_params_init(&p);
    hk_db_param_i64(&p, BL_LOCK_CLASS);
    hk_db_param_i64(&p, user_id);
    int rc = hk_db_params_run(c,
                              "SELECT pg_advisory_xact_lock($1::int,"
                              " ($2::bigint % 2147483647)::int)",
                              &p, NULL);
    if (rc < 0)
        return hk_db_err(err, rc);
    hk_db_params_init(&p);
    hk_db_param_i64(&p, user_id);
    rc = hk_db_params_run(
        c,
        "SELECT plan_id, status, coalesce(stripe_subscription_id, ''),"
        " state_at, coalesce(extract(epoch FROM current_period_end)::bigint,"
        " 0), ended_at IS NOT NULL FROM subscriptions"
        " WHERE user_id = $1::bigint FOR UPDATE",
        &p, &r);
    if (rc < 0)
        return hk_db_err(err, rc);
    if (PQntuples(r) == 1) {
        o->exists = true;
        o->plan_id = hk_db_col_i64(r, 0, 0);
        hk_strlcpy(o->status, PQgetvalue(r, 0, 1), sizeof(o->status));
        hk_strlcpy(o->sub_id, PQgetvalue(r, 0, 2), sizeof(o->sub_id));
        o->state_at = hk_db_col_i64(r, 0, 3);
        o->period_end = hk_db_col_i64(r, 0, 4);
        o->ended = hk_db_col_true(r, 0, 5);
    }
    PQclear(r);
    return 0;
}

/* Why st must not replace what the row holds, or NULL when it may. */
static const char *bl_stale_reason(const struct bl_old *o,
                                   const struct bl_sub_state *st)
{
    if (!o->exists)
        return NULL;
    bool same = o->sub_id[0] != '\0' && bl_is(st->sub_id, o->sub_id);
    if (same && o->ended && !bl_terminal(st->status))
        return "the subscription has already ended";
    if (!same && o->sub_id[0] != '\0' && bl_terminal(st->status) &&
        !bl_terminal(o->status))
        return "the subscription that ended is not the user's current one";
    if (st->state_at < o->state_at)
        return "a newer state of the subscription is already applied";
    if (same && st->state_at == o->state_at && st->period_end != 0 &&
        st->period_end < o->period_end)
        return "a state with a later period is already applied";
    return NULL;
}

/* The plan whose provider price is `price` (an active one first). */
static int bl_plan_for_price(struct hk_dbconn *c, const char *price,
                             int64_t *plan_id, struct hk_err *err)
{
    struct hk_db_params p;
    PGresult *r = NULL;
    *plan_id = 0;
    if (price == NULL)
        return 0;
    hk_db_params_init(&p);
    hk_db_param_text(&p, price);
    int rc = hk_db_params_run(c,
                              "SELECT id FROM plans WHERE stripe_price_id = $1"
                              " ORDER BY is_active DESC, id LIMIT 1",
                              &p, &r);
    if (rc < 0)
        return hk_db_err(err, rc);
    if (PQntuples(r) == 1)
        *plan_id = hk_db_col_i64(r, 0, 0);
    PQclear(r);
    return 0;
}

/* The user holding subscription sub_id, other than user_id (0: none). */
static int bl_sub_owner(struct hk_dbconn *c, const char *sub_id,
                        int64_t user_id, int64_t *owner, struct hk_err *err)
{
    struct hk_db_params p;
    PGresult *r = NULL;
    *owner = 0;
    if (sub_id == NULL)
        return 0;
    hk_db_params_init(&p);
    hk_db_param_text(&p, sub_id);
    hk_db_param_i64(&p, user_id);
    int rc = hk_db_params_run(c,
                              "SELECT user_id FROM subscriptions WHERE"
                              " stripe_subscription_id = $1 AND user_id <>"
                              " $2::bigint",
                              &p, &r);
    if (rc < 0)
        return hk_db_err(err, rc);
    if (PQntuples(r) == 1)
        *owner = hk_db_col_i64(r, 0, 0);
    PQclear(r);
    return 0;
}

/* clang-format off */
static const char sql_upsert[] =
    "INSERT INTO subscriptions (user_id, plan_id, status, trial_ends_at,"
    " current_period_start, current_period_end, cancel_at_period_end,"
    " canceled_at, ended_at, stripe_customer_id, stripe_subscription_id,"
    " stripe_price_id, state_at, past_due_since)"
    " VALUES ($1::bigint, $2::bigint, $3,"
    " to_timestamp(NULLIF($4::bigint, 0)), to_timestamp(NULLIF($5::bigint, 0)),"
    " to_timestamp(NULLIF($6::bigint, 0)), $7::boolean,"
    " to_timestamp(NULLIF($8::bigint, 0)), to_timestamp(NULLIF($9::bigint, 0)),"
    " $10, $11, $12, $13::bigint,"
    " CASE WHEN $3 = 'past_due' THEN now() END)"
    " ON CONFLICT (user_id) DO UPDATE SET plan_id = EXCLUDED.plan_id,"
    " status = EXCLUDED.status, trial_ends_at = EXCLUDED.trial_ends_at,"
    " current_period_start = EXCLUDED.current_period_start,"
    " current_period_end = EXCLUDED.current_period_end,"
    " cancel_at_period_end = EXCLUDED.cancel_at_period_end,"
    " canceled_at = EXCLUDED.canceled_at, ended_at = EXCLUDED.ended_at,"
    " stripe_customer_id = coalesce(EXCLUDED.stripe_customer_id,"
    "  subscriptions.stripe_customer_id),"
    " stripe_subscription_id = EXCLUDED.stripe_subscription_id,"
    " stripe_price_id = EXCLUDED.stripe_price_id,"
    " state_at = GREATEST(subscriptions.state_at, EXCLUDED.state_at),"
    " past_due_since = CASE WHEN EXCLUDED.status = 'past_due'"
    "  THEN coalesce(subscriptions.past_due_since, now()) END,"
    " updated_at = now()";
/* clang-format on */

static int bl_write_row(struct hk_dbconn *c, int64_t user_id, int64_t plan_id,
                        const struct bl_sub_state *st, struct hk_err *err)
{
    struct hk_db_params p;
    hk_db_params_init(&p);
    hk_db_param_i64(&p, user_id);
    hk_db_param_i64(&p, plan_id);
    hk_db_param_text(&p, st->status);
    hk_db_param_i64(&p, st->trial_end);
    hk_db_param_i64(&p, st->period_start);
    hk_db_param_i64(&p, st->period_end);
    hk_db_param_bool(&p, st->cancel_at_period_end);
    hk_db_param_i64(&p, st->canceled_at);
    hk_db_param_i64(&p, st->ended_at);
    hk_db_param_text(&p, st->customer);
    hk_db_param_text(&p, st->sub_id);
    hk_db_param_text(&p, st->price);
    hk_db_param_i64(&p, st->state_at);
    int rc = hk_db_params_run(c, sql_upsert, &p, NULL);
    return rc < 0 ? hk_db_err(err, rc) : 0;
}

static int bl_history(struct hk_dbconn *c, int64_t user_id, const char *source,
                      const char *event_id, const struct bl_old *o,
                      int64_t plan_id, const char *status, struct hk_err *err)
{
    struct hk_db_params p;
    hk_db_params_init(&p);
    hk_db_param_i64(&p, user_id);
    hk_db_param_text(&p, source);
    hk_db_param_text(&p, event_id);
    if (o->exists)
        hk_db_param_i64(&p, o->plan_id);
    else
        hk_db_param_null(&p);
    hk_db_param_i64(&p, plan_id);
    hk_db_param_text(&p, o->exists ? o->status : NULL);
    hk_db_param_text(&p, status);
    int rc = hk_db_params_run(
        c,
        "INSERT INTO subscription_history (user_id, source, event_id,"
        " old_plan_id, new_plan_id, old_status, new_status) VALUES"
        " ($1::bigint, $2, $3, $4::bigint, $5::bigint, $6, $7)",
        &p, NULL);
    return rc < 0 ? hk_db_err(err, rc) : 0;
}

/* Queues `tmpl` to the user about plan_id, with the usual variables plus
 * the period end.  A user without a usable address gets no mail (logged);
 * only a database failure fails. */
static int bl_mail(struct hk_billing *b, struct hk_dbconn *c, int64_t user_id,
                   int64_t plan_id, const char *tmpl, int64_t period_end,
                   struct hk_err *err)
{
    struct hk_db_params p;
    PGresult *r = NULL;
    hk_db_params_init(&p);
    hk_db_param_i64(&p, user_id);
    hk_db_param_i64(&p, plan_id);
    int rc = hk_db_params_run(
        c,
        "SELECT u.email, coalesce(NULLIF(u.first_name, ''), u.email),"
        " coalesce((SELECT name FROM plans WHERE id = $2::bigint), 'hawk')"
        " FROM users u WHERE u.id = $1::bigint",
        &p, &r);
    if (rc < 0)
        return hk_db_err(err, rc);
    if (PQntuples(r) != 1) {
        PQclear(r);
        return 0;
    }
    char day[32] = "the end of the period";
    if (period_end > 0) {
        time_t t = (time_t)period_end;
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(day, sizeof(day), "%Y-%m-%d", &tm);
    }
    char billing_url[1100];
    snprintf(billing_url, sizeof(billing_url), "%s/app/billing", b->public_url);
    json_object *vars = json_object_new_object();
    json_object_object_add(vars, "name",
                           json_object_new_string(PQgetvalue(r, 0, 1)));
    json_object_object_add(vars, "plan",
                           json_object_new_string(PQgetvalue(r, 0, 2)));
    json_object_object_add(vars, "period_end", json_object_new_string(day));
    json_object_object_add(vars, "billing_url",
                           json_object_new_string(billing_url));
    json_object_object_add(vars, "plans_url",
                           json_object_new_string(billing_url));
    struct hk_err merr = HK_ERR_INIT;
    rc = hk_mail_enqueue(c, PQgetvalue(r, 0, 0), tmpl, vars, user_id, &merr);
    json_object_put(vars);
    PQclear(r);
    if (rc == HAWK_EINVAL) {
        hk_log(HAWK_LOG_WARN, "no %s mail for user %" PRId64 ": %s", tmpl,
               user_id, merr.msg);
        return 0;
    }
    if (rc < 0)
        *err = merr;
    return rc;
}

/* See billing_int.h. */
int bl_apply_sub_state(struct hk_billing *b, struct hk_dbconn *c,
                       int64_t user_id, const struct bl_sub_state *st,
                       const char *source, const char *event_id,
                       char *status_out, char *note, size_t note_len,
                       struct hk_err *err)
{
    struct bl_old o;
    int64_t plan_id = 0, owner = 0;
    hk_strlcpy(status_out, "failed", 16);
    note[0] = '\0';
    if (st->sub_id == NULL || !bl_status_ok(st->status)) {
        snprintf(note, note_len,
                 "subscription without an id or with an "
                 "unknown status");
        return 0;
    }
    int rc = bl_load_old(c, user_id, &o, err);
    if (rc < 0)
        return rc;
    /* A state of time 0 is the provider's answer to a request hawk just
     * made: as new as anything held. */
    struct bl_sub_state now_st = *st;
    if (now_st.state_at <= 0) {
        int64_t now = (int64_t)time(NULL);
        now_st.state_at = now > o.state_at ? now : o.state_at;
    }
    st = &now_st;
    const char *why = bl_stale_reason(&o, st);
    if (why != NULL) {
        hk_strlcpy(status_out, "stale", 16);
        hk_strlcpy(note, why, note_len);
        return 0;
    }
    rc = bl_plan_for_price(c, st->price, &plan_id, err);
    if (rc == 0)
        rc = bl_sub_owner(c, st->sub_id, user_id, &owner, err);
    if (rc < 0)
        return rc;
    if (owner != 0) {
        snprintf(note, note_len, "subscription %.100s belongs to user %" PRId64,
                 st->sub_id, owner);
        return 0;
    }
    if (plan_id == 0 && bl_terminal(st->status) && o.exists)
        plan_id = o.plan_id; /* an ended plan's price may be gone */
    if (plan_id == 0) {
        snprintf(note, note_len,
                 "no plan has the provider price '%.100s'; set it as the "
                 "plan's stripe_price_id (PUT /api/v1/admin/plans/{id})",
                 st->price != NULL ? st->price : "");
        return 0;
    }
    rc = bl_write_row(c, user_id, plan_id, st, err);
    if (rc < 0)
        return rc;
    bool changed =
        !o.exists || o.plan_id != plan_id || strcmp(o.status, st->status) != 0;
    if (changed)
        rc = bl_history(c, user_id, source, event_id, &o, plan_id, st->status,
                        err);
    bool was_live = o.exists && bl_live(o.status);
    if (rc == 0 && bl_live(st->status) && !bl_is(st->status, "past_due") &&
        (!was_live || o.plan_id != plan_id))
        rc = bl_mail(b, c, user_id, plan_id, "subscription_started",
                     st->period_end, err);
    else if (rc == 0 && bl_terminal(st->status) && o.exists &&
             !bl_terminal(o.status))
        rc = bl_mail(b, c, user_id, plan_id, "subscription_canceled", 0, err);
    if (rc == 0)
        hk_strlcpy(status_out, "applied", 16);
    return rc;
}
