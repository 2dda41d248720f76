/*
 * billing/account.c - what a user asks of billing: a checkout for a
 * plan, the billing portal, invoices, the subscription, cancelling at
 * the period's end (or undoing it), and a change of plan.
 *
 * No database connection is held across a call to the provider: the
 * rows are read, the connection given back, the provider asked, and its
 * answer written in a new short transaction.
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
#include "util/err.h"
#include "util/str.h"

/* What billing needs to know of a user, read in one statement. */
struct bl_user {
    char email[256];
    char customer[256]; /* "" when none yet */
    char sub_id[256];   /* "" when none */
    char status[24];    /* "" without a subscription row */
    int64_t plan_id;
    char plan_name[104];
};

struct bl_plan {
    char name[104];
    int64_t price_cents;
    bool active;
    char price[256]; /* provider price id, "" when none */
};

static bool bl_paid_live(const struct bl_user *u)
{
    return u->sub_id[0] != '\0' && (strcmp(u->status, "active") == 0 ||
                                    strcmp(u->status, "trialing") == 0 ||
                                    strcmp(u->status, "past_due") == 0);
}

static int bl_load_user(struct hk_billing *b, int64_t user_id,
                        struct bl_user *u, struct hk_err *err)
{
    struct hk_dbconn *c = NULL;
    struct hk_db_params p;
    PGresult *r = NULL;
    memset(u, 0, sizeof(*u));
    int rc = hk_db_borrow(b->db, &c, err);
    if (rc < 0)
        return rc;
    hk_db_params_init(&p);
    hk_db_param_i64(&p, user_id);
    rc = hk_db_params_run(
        c,
        "SELECT u.email, coalesce(bc.customer_id, ''),"
        " coalesce(s.stripe_subscription_id, ''), coalesce(s.status, ''),"
        " coalesce(s.plan_id, 0), coalesce(p.name, '')"
        " FROM users u LEFT JOIN billing_customers bc ON bc.user_id = u.id"
        " LEFT JOIN subscriptions s ON s.user_id = u.id"
        " LEFT JOIN plans p ON p.id = s.plan_id WHERE u.id = $1::bigint",
        &p, &r);
    hk_db_release(b->db, c);
    if (rc < 0)
        return hk_db_err(err, rc);
    if (PQntuples(r) != 1) {
        PQclear(r);
        return hk_err_set(err, HAWK_ENOTFOUND, NULL, NULL, "no such user");
    }
    hk_strlcpy(u->email, PQgetvalue(r, 0, 0), sizeof(u->email));
    hk_strlcpy(u->customer, PQgetvalue(r, 0, 1), sizeof(u->customer));
    hk_strlcpy(u->sub_id, PQgetvalue(r, 0, 2), sizeof(u->sub_id));
    hk_strlcpy(u->status, PQgetvalue(r, 0, 3), sizeof(u->status));
    u->plan_id = hk_db_col_i64(r, 0, 4);
    hk_strlcpy(u->plan_name, PQgetvalue(r, 0, 5), sizeof(u->plan_name));
    PQclear(r);
    return 0;
}

/* A plan the user may buy: exists, not archived, priced at the
 * provider. */
static int bl_load_plan(struct hk_billing *b, int64_t plan_id,
                        struct bl_plan *pl, struct hk_err *err)
{
    struct hk_dbconn *c = NULL;
    struct hk_db_params p;
    PGresult *r = NULL;
    memset(pl, 0, sizeof(*pl));
    int rc = hk_db_borrow(b->db, &c, err);
    if (rc < 0)
        return rc;
    hk_db_params_init(&p);
    hk_db_param_i64(&p, plan_id);
    rc = hk_db_params_run(c,
                          "SELECT name, price_cents, is_active,"
                          " coalesce(stripe_price_id, '') FROM plans"
                          " WHERE id = $1::bigint",
                          &p, &r);
    hk_db_release(b->db, c);
    if (rc < 0)
        return hk_db_err(err, rc);
    if (PQntuples(r) != 1) {
        PQclear(r);
        return hk_err_set(err, HAWK_ENOTFOUND, "plan_not_found", "plan_id",
                          "no plan %" PRId64 "; list the plans with GET "
                          "/api/v1/plans",
                          plan_id);
    }
    hk_strlcpy(pl->name, PQgetvalue(r, 0, 0), sizeof(pl->name));
    pl->price_cents = hk_db_col_i64(r, 0, 1);
    pl->active = hk_db_col_true(r, 0, 2);
    hk_strlcpy(pl->price, PQgetvalue(r, 0, 3), sizeof(pl->price));
    PQclear(r);
    if (!pl->active)
        return hk_err_set(err, HAWK_EINVAL, "plan_archived", "plan_id",
                          "the plan '%s' is archived and takes no new "
                          "subscriptions; choose another from GET "
                          "/api/v1/plans",
                          pl->name);
    if (pl->price_cents <= 0 || pl->price[0] == '\0')
        return hk_err_set(err, HAWK_EINVAL, "plan_not_for_sale", "plan_id",
                          "the plan '%s' cannot be bought: it is free or "
                          "the administrator has not set its "
                          "stripe_price_id",
                          pl->name);
    return 0;
}

/* The user's customer at the provider, made on first use. */
static int bl_ensure_customer(struct hk_billing *b, int64_t user_id,
                              struct bl_user *u, struct hk_err *err)
{
    struct bl_call bc;
    json_object *o = NULL;
    char ref[32];
    if (u->customer[0] != '\0')
        return 0;
    snprintf(ref, sizeof(ref), "%" PRId64, user_id);
    int rc = bl_call_begin(b, user_id, "create the billing customer", &bc, err);
    if (rc < 0)
        return rc;
    /* The plugin's idempotency key is the user and the address, so a
     * retry after a lost answer finds the same customer. */
    rc = hk_plugin_payment_create_customer(bc.e, &bc.call, u->email, ref,
                                           &bc.sink, &bc.perr);
    rc = bl_call_end(&bc, rc, &o, err);
    if (rc < 0)
        return rc;
    const char *id = bl_str(o, "id");
    if (id == NULL || strlen(id) >= sizeof(u->customer)) {
        json_object_put(o);
        return hk_err_set(err, HAWK_EUNAVAIL, "payment_unavailable", NULL,
                          "the payment provider answered without a "
                          "customer id");
    }
    struct hk_dbconn *c = NULL;
    struct hk_db_params p;
    PGresult *r = NULL;
    rc = hk_db_borrow(b->db, &c, err);
    if (rc == 0) {
        hk_db_params_init(&p);
        hk_db_param_i64(&p, user_id);
        hk_db_param_text(&p, id);
        hk_db_param_text(&p, u->email);
        rc = hk_db_params_run(
            c,
            "INSERT INTO billing_customers (user_id, customer_id, email)"
            " VALUES ($1::bigint, $2, $3) ON CONFLICT (user_id) DO UPDATE"
            " SET updated_at = now() RETURNING customer_id",
            &p, &r);
        hk_db_release(b->db, c);
        if (rc < 0)
            rc = hk_db_err(err, rc);
    }
    if (rc == 0)
        hk_strlcpy(u->customer, PQgetvalue(r, 0, 0), sizeof(u->customer));
    if (r != NULL)
        PQclear(r);
    json_object_put(o);
    return rc;
}

/* See billing.h. */
int hk_billing_checkout(struct hk_billing *b, int64_t user_id, int64_t plan_id,
                        json_object **out, struct hk_err *err)
{
    struct bl_user u;
    struct bl_plan pl;
    struct bl_call bc;
    json_object *o = NULL;
    char ok_url[1200], cancel_url[1200], ref[32], key[128];
    *out = NULL;
    int rc = bl_load_plan(b, plan_id, &pl, err);
    if (rc == 0)
        rc = bl_load_user(b, user_id, &u, err);
    if (rc < 0)
        return rc;
    if (bl_paid_live(&u))
        return hk_err_set(err, HAWK_ECONFLICT, "already_subscribed", NULL,
                          "you already pay for the '%s' plan; change it with "
                          "POST /api/v1/billing/change-plan or in the billing "
                          "portal",
                          u.plan_name);
    rc = bl_ensure_customer(b, user_id, &u, err);
    if (rc < 0)
        return rc;
    snprintf(ok_url, sizeof(ok_url),
             "%s/app/billing?checkout=done&session_id={CHECKOUT_SESSION_ID}",
             b->public_url);
    snprintf(cancel_url, sizeof(cancel_url), "%s/app/billing?checkout=canceled",
             b->public_url);
    snprintf(ref, sizeof(ref), "%" PRId64, user_id);
    /* One session per user, plan and hour: a double click or a retry
     * gets the same session back, a return after an abandoned hour a new
     * one. */
    snprintf(key, sizeof(key), "u%" PRId64 "-plan%" PRId64 "-h%lld", user_id,
             plan_id, (long long)(time(NULL) / 3600));
    struct hawk_checkout_req req = {
        .struct_size = sizeof(req),
        .customer_id = u.customer,
        .price_id = pl.price,
        .success_url = ok_url,
        .cancel_url = cancel_url,
        .client_reference_id = ref,
        .idempotency_key = key,
    };
    rc = bl_call_begin(b, user_id, "start a checkout", &bc, err);
    if (rc < 0)
        return rc;
    rc = hk_plugin_payment_checkout_session(bc.e, &bc.call, &req, &bc.sink,
                                            &bc.perr);
    rc = bl_call_end(&bc, rc, &o, err);
    if (rc < 0)
        return rc;
    const char *url = bl_str(o, "url"), *id = bl_str(o, "id");
    if (url == NULL) {
        json_object_put(o);
        return hk_err_set(err, HAWK_EUNAVAIL, "payment_unavailable", NULL,
                          "the payment provider answered without a checkout "
                          "address");
    }
    *out = json_object_new_object();
    json_object_object_add(*out, "url", json_object_new_string(url));
    json_object_object_add(*out, "session_id",
                           id ? json_object_new_string(id) : NULL);
    json_object_object_add(*out, "plan_id", json_object_new_int64(plan_id));
    json_object_put(o);
    return 0;
}

static int bl_no_customer(struct hk_err *err)
{
    return hk_err_set(err, HAWK_ENOTFOUND, "no_billing_account", NULL,
                      "you have no billing account yet; choose a plan with "
                      "POST /api/v1/billing/checkout first");
}

/* See billing.h. */
int hk_billing_portal(struct hk_billing *b, int64_t user_id, json_object **out,
                      struct hk_err *err)
{
    struct bl_user u;
    struct bl_call bc;
    char ret[1200];
    *out = NULL;
    int rc = bl_load_user(b, user_id, &u, err);
    if (rc < 0)
        return rc;
    if (u.customer[0] == '\0')
        return bl_no_customer(err);
    snprintf(ret, sizeof(ret), "%s/app/billing", b->public_url);
    rc = bl_call_begin(b, user_id, "open the billing portal", &bc, err);
    if (rc < 0)
        return rc;
    rc = hk_plugin_payment_portal_session(bc.e, &bc.call, u.customer, ret,
                                          &bc.sink, &bc.perr);
    json_object *o = NULL;
    rc = bl_call_end(&bc, rc, &o, err);
    if (rc < 0)
        return rc;
    const char *url = bl_str(o, "url");
    *out = json_object_new_object();
    json_object_object_add(*out, "url",
                           url ? json_object_new_string(url) : NULL);
    json_object_put(o);
    return 0;
}

/* See billing.h. */
int hk_billing_invoices(struct hk_billing *b, int64_t user_id, int limit,
                        const char *starting_after, json_object **out,
                        struct hk_err *err)
{
    struct bl_user u;
    struct bl_call bc;
    *out = NULL;
    int rc = bl_load_user(b, user_id, &u, err);
    if (rc < 0)
        return rc;
    if (u.customer[0] == '\0') {
        *out = json_object_new_object();
        json_object_object_add(*out, "items", json_object_new_array());
        json_object_object_add(*out, "has_more",
                               json_object_new_boolean(false));
        return 0;
    }
    rc = bl_call_begin(b, user_id, "list invoices", &bc, err);
    if (rc < 0)
        return rc;
    rc = hk_plugin_payment_list_invoices(bc.e, &bc.call, u.customer, limit,
                                         starting_after, &bc.sink, &bc.perr);
    json_object *o = NULL, *data = NULL;
    rc = bl_call_end(&bc, rc, &o, err);
    if (rc < 0)
        return rc;
    json_object_object_get_ex(o, "data", &data);
    *out = json_object_new_object();
    json_object_object_add(*out, "items",
                           json_object_is_type(data, json_type_array)
                               ? json_object_get(data)
                               : json_object_new_array());
    json_object_object_add(*out, "has_more",
                           json_object_new_boolean(bl_bool(o, "has_more")));
    json_object_put(o);
    return 0;
}

/* clang-format off */
static const char sql_sub[] =
    "SELECT s.status, p.id, p.name, " HK_DB_TS("s.current_period_end") ","
    " s.cancel_at_period_end, " HK_DB_TS("s.trial_ends_at") ","
    " s.stripe_subscription_id IS NOT NULL, " HK_DB_TS("s.past_due_since") ","
    " EXISTS (SELECT 1 FROM billing_customers WHERE user_id = $1::bigint)"
    " FROM subscriptions s JOIN plans p ON p.id = s.plan_id"
    " WHERE s.user_id = $1::bigint";

static const char sql_history[] =
    "SELECT " HK_DB_TS("h.at") ", h.source, h.old_status, h.new_status,"
    " op.name, np.name FROM subscription_history h"
    " LEFT JOIN plans op ON op.id = h.old_plan_id"
    " LEFT JOIN plans np ON np.id = h.new_plan_id"
    " WHERE h.user_id = $1::bigint ORDER BY h.at DESC, h.id DESC LIMIT 20";
/* clang-format on */

/* See billing.h. */
int hk_billing_subscription(struct hk_billing *b, int64_t user_id,
                            json_object **out, struct hk_err *err)
{
    struct hk_dbconn *c = NULL;
    struct hk_db_params p;
    PGresult *r = NULL, *h = NULL;
    *out = NULL;
    int rc = hk_db_borrow(b->db, &c, err);
    if (rc < 0)
        return rc;
    hk_db_params_init(&p);
    hk_db_param_i64(&p, user_id);
    rc = hk_db_params_run(c, sql_sub, &p, &r);
    if (rc == 0)
        rc = hk_db_params_run(c, sql_history, &p, &h);
    hk_db_release(b->db, c);
    if (rc < 0) {
        if (r != NULL)
            PQclear(r);
        return hk_db_err(err, rc);
    }
    json_object *o = json_object_new_object();
    bool has = PQntuples(r) == 1;
    json_object_object_add(o, "status",
                           has ? hk_db_col_text(r, 0, 0)
                               : json_object_new_string("none"));
    json_object *plan = NULL;
    if (has) {
        plan = json_object_new_object();
        json_object_object_add(plan, "id", hk_db_col_int(r, 0, 1));
        json_object_object_add(plan, "name", hk_db_col_text(r, 0, 2));
    }
    json_object_object_add(o, "plan", plan);
    json_object_object_add(o, "current_period_end",
                           has ? hk_db_col_text(r, 0, 3) : NULL);
    json_object_object_add(
        o, "cancel_at_period_end",
        json_object_new_boolean(has && hk_db_col_true(r, 0, 4)));
    json_object_object_add(o, "trial_ends_at",
                           has ? hk_db_col_text(r, 0, 5) : NULL);
    json_object_object_add(
        o, "paid", json_object_new_boolean(has && hk_db_col_true(r, 0, 6)));
    json_object_object_add(o, "past_due_since",
                           has ? hk_db_col_text(r, 0, 7) : NULL);
    json_object_object_add(
        o, "billing_account",
        json_object_new_boolean(has && hk_db_col_true(r, 0, 8)));
    json_object *hist = json_object_new_array();
    for (int i = 0; i < PQntuples(h); i++) {
        json_object *e = json_object_new_object();
        json_object_object_add(e, "at", hk_db_col_text(h, i, 0));
        json_object_object_add(e, "source", hk_db_col_text(h, i, 1));
        json_object_object_add(e, "old_status", hk_db_col_text(h, i, 2));
        json_object_object_add(e, "new_status", hk_db_col_text(h, i, 3));
        json_object_object_add(e, "old_plan", hk_db_col_text(h, i, 4));
        json_object_object_add(e, "new_plan", hk_db_col_text(h, i, 5));
        json_object_array_add(hist, e);
    }
    json_object_object_add(o, "history", hist);
    PQclear(r);
    PQclear(h);
    *out = o;
    return 0;
}

/* Writes the provider's answer about the user's subscription (a
 * neutral subscription object) as the newest state, then answers what
 * hawk now holds. */
static int bl_take_answer(struct hk_billing *b, int64_t user_id,
                          json_object *sub, json_object **out,
                          struct hk_err *err)
{
    struct bl_sub_state st;
    struct hk_dbconn *c = NULL;
    char status[16], note[400];
    bl_sub_state_from(sub, 0, &st);
    int rc = hk_db_borrow(b->db, &c, err);
    if (rc < 0)
        return rc;
    rc = hk_db_begin(c) < 0 ? hk_db_err(err, HAWK_EUNAVAIL) : 0;
    if (rc == 0)
        rc = bl_apply_sub_state(b, c, user_id, &st, "user", NULL, status, note,
                                sizeof(note), err);
    if (rc == 0)
        rc = hk_db_commit(c) < 0 ? hk_db_err(err, HAWK_EUNAVAIL) : 0;
    if (rc < 0)
        hk_db_rollback(c);
    hk_db_release(b->db, c);
    if (rc < 0)
        return rc;
    if (strcmp(status, "applied") != 0)
        hk_log(HAWK_LOG_WARN,
               "subscription answer for user %" PRId64 " not applied (%s): %s",
               user_id, status, note);
    return hk_billing_subscription(b, user_id, out, err);
}

static int bl_no_subscription(struct hk_err *err, const char *what)
{
    return hk_err_set(err, HAWK_ENOTFOUND, "no_subscription", NULL,
                      "you have no paid subscription to %s; choose a plan "
                      "with POST /api/v1/billing/checkout",
                      what);
}

/* See billing.h. */
int hk_billing_cancel(struct hk_billing *b, int64_t user_id, bool resume,
                      json_object **out, struct hk_err *err)
{
    struct bl_user u;
    struct bl_call bc;
    char key[400];
    *out = NULL;
    int rc = bl_load_user(b, user_id, &u, err);
    if (rc < 0)
        return rc;
    if (!bl_paid_live(&u))
        return bl_no_subscription(err, resume ? "resume" : "cancel");
    rc = bl_call_begin(b, user_id,
                       resume ? "resume the subscription"
                              : "cancel the subscription",
                       &bc, err);
    if (rc < 0)
        return rc;
    /* Per user, subscription and second: a double click is one request. */
    snprintf(key, sizeof(key), "u%" PRId64 "-%s-t%lld", user_id, u.sub_id,
             (long long)time(NULL));
    rc = hk_plugin_payment_cancel_subscription(
        bc.e, &bc.call, u.sub_id, !resume, key, &bc.sink, &bc.perr);
    json_object *o = NULL;
    rc = bl_call_end(&bc, rc, &o, err);
    if (rc == 0)
        rc = bl_take_answer(b, user_id, o, out, err);
    json_object_put(o);
    return rc;
}

/* See billing.h. */
int hk_billing_change_plan(struct hk_billing *b, int64_t user_id,
                           int64_t plan_id, json_object **out,
                           struct hk_err *err)
{
    struct bl_user u;
    struct bl_plan pl;
    struct bl_call bc;
    char key[128];
    *out = NULL;
    int rc = bl_load_plan(b, plan_id, &pl, err);
    if (rc == 0)
        rc = bl_load_user(b, user_id, &u, err);
    if (rc < 0)
        return rc;
    if (!bl_paid_live(&u))
        return bl_no_subscription(err, "change");
    if (u.plan_id == plan_id)
        return hk_err_set(err, HAWK_ECONFLICT, "same_plan", "plan_id",
                          "you are already on the '%s' plan", pl.name);
    rc = bl_call_begin(b, user_id, "change the plan", &bc, err);
    if (rc < 0)
        return rc;
    snprintf(key, sizeof(key), "u%" PRId64 "-plan%" PRId64 "-t%lld", user_id,
             plan_id, (long long)time(NULL));
    rc = hk_plugin_payment_change_price(bc.e, &bc.call, u.sub_id, pl.price,
                                        NULL, key, &bc.sink, &bc.perr);
    json_object *o = NULL;
    rc = bl_call_end(&bc, rc, &o, err);
    if (rc == 0)
        rc = bl_take_answer(b, user_id, o, out, err);
    json_object_put(o);
    return rc;
}
