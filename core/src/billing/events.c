/*
 * billing/events.c - webhook events: verified by the payment plugin,
 * stored by id, then applied, all in one transaction.
 *
 * The INSERT of the event id is the duplicate check: a second delivery
 * of the same event waits on the first one's row lock and then finds
 * the id taken, so it is acknowledged and nothing is applied twice even
 * when both arrive at once.  An event hawk cannot use (an unknown
 * customer, a price no plan has) is stored with what went wrong and
 * acknowledged, so the provider stops resending it; a database failure
 * rolls everything back and the provider retries later.
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

#define BL_NOTE_MAX 400

/* One event being applied. */
struct bl_ev {
    json_object *root; /* owned */
    const char *id, *type, *ptype;
    int64_t created;
    json_object *obj; /* borrowed from root */
    int64_t user_id;
    char status[16];
    char note[BL_NOTE_MAX];
};

static int bl_parse_event(const char *text, size_t len, struct bl_ev *ev,
                          struct hk_err *err)
{
    struct json_tokener *tok = json_tokener_new();
    ev->root = json_tokener_parse_ex(tok, text, (int)len);
    bool complete = json_tokener_get_error(tok) == json_tokener_success;
    json_tokener_free(tok);
    ev->id = bl_str(ev->root, "id");
    ev->type = bl_str(ev->root, "type");
    ev->ptype = bl_str(ev->root, "provider_type");
    ev->created = bl_i64(ev->root, "created", -1);
    json_object_object_get_ex(ev->root, "object", &ev->obj);
    if (!complete || ev->id == NULL || strlen(ev->id) > 255 ||
        ev->id[0] == '\0' || ev->type == NULL || strlen(ev->type) > 63 ||
        ev->created < 0)
        return hk_err_set(err, HAWK_EINVAL, "invalid_event", NULL,
                          "the payment plugin handed over an event without "
                          "an id, a type or a time");
    if (ev->ptype == NULL)
        ev->ptype = ev->type;
    return 0;
}

/* The hawk user an event object belongs to: the user id hawk put in its
 * metadata, else the user linked to its customer, else the one holding
 * its subscription.  0 when none. */
static int bl_resolve_user(struct hk_dbconn *c, json_object *obj,
                           const char *sub_key, int64_t *uid,
                           struct hk_err *err)
{
    struct hk_db_params p;
    PGresult *r = NULL;
    int64_t ref = 0;
    const char *ref_s = bl_str(obj, "user_ref");
    *uid = 0;
    if (ref_s != NULL && hk_parse_i64(ref_s, 1, INT64_MAX, &ref) < 0)
        ref = 0;
    hk_db_params_init(&p);
    if (ref > 0)
        hk_db_param_i64(&p, ref);
    else
        hk_db_param_null(&p);
    hk_db_param_text(&p, bl_str(obj, "customer"));
    hk_db_param_text(&p, sub_key != NULL ? bl_str(obj, sub_key) : NULL);
    int rc = hk_db_params_run(
        c,
        "SELECT coalesce((SELECT id FROM users WHERE id = $1::bigint),"
        " (SELECT user_id FROM billing_customers WHERE customer_id = $2),"
        " (SELECT user_id FROM subscriptions WHERE"
        "  stripe_subscription_id = $3), 0)",
        &p, &r);
    if (rc < 0)
        return hk_db_err(err, rc);
    *uid = hk_db_col_i64(r, 0, 0);
    PQclear(r);
    return 0;
}

/* Links user_id to customer (once; a customer of another user is left
 * alone and reported in the note). */
static int bl_link_customer(struct hk_dbconn *c, int64_t user_id,
                            const char *customer, const char *email,
                            struct bl_ev *ev, struct hk_err *err)
{
    struct hk_db_params p;
    PGresult *r = NULL;
    if (customer == NULL || strlen(customer) > 255)
        return 0;
    hk_db_params_init(&p);
    hk_db_param_i64(&p, user_id);
    hk_db_param_text(&p, customer);
    hk_db_param_text(&p, email);
    int rc = hk_db_params_run(
        c,
        "INSERT INTO billing_customers (user_id, customer_id, email)"
        " VALUES ($1::bigint, $2, $3) ON CONFLICT DO NOTHING",
        &p, NULL);
    if (rc < 0)
        return hk_db_err(err, rc);
    hk_db_params_init(&p);
    hk_db_param_text(&p, customer);
    rc = hk_db_params_run(
        c, "SELECT user_id FROM billing_customers WHERE customer_id = $1", &p,
        &r);
    if (rc < 0)
        return hk_db_err(err, rc);
    int64_t owner = PQntuples(r) == 1 ? hk_db_col_i64(r, 0, 0) : 0;
    PQclear(r);
    if (owner != user_id)
        snprintf(ev->note, sizeof(ev->note),
                 "customer %.100s is linked to another user (%" PRId64 ")",
                 customer, owner);
    return 0;
}

static void bl_unmatched(struct bl_ev *ev, const char *what)
{
    hk_strlcpy(ev->status, "unmatched", sizeof(ev->status));
    snprintf(ev->note, sizeof(ev->note), "no hawk user for this %s", what);
}

/* subscription.created / .updated / .deleted */
static int bl_on_subscription(struct hk_billing *b, struct hk_dbconn *c,
                              struct bl_ev *ev, struct hk_err *err)
{
    struct bl_sub_state st;
    int rc = bl_resolve_user(c, ev->obj, "id", &ev->user_id, err);
    if (rc < 0)
        return rc;
    if (ev->user_id == 0) {
        bl_unmatched(ev, "subscription's customer");
        return 0;
    }
    rc = bl_link_customer(c, ev->user_id, bl_str(ev->obj, "customer"), NULL, ev,
                          err);
    if (rc < 0)
        return rc;
    bl_sub_state_from(ev->obj, ev->created, &st);
    return bl_apply_sub_state(b, c, ev->user_id, &st, "webhook", ev->id,
                              ev->status, ev->note, sizeof(ev->note), err);
}

/* checkout.completed: links the user to the customer the checkout made
 * (the subscription's own events carry its state). */
static int bl_on_checkout(struct hk_dbconn *c, struct bl_ev *ev,
                          struct hk_err *err)
{
    int rc = bl_resolve_user(c, ev->obj, "subscription", &ev->user_id, err);
    if (rc < 0)
        return rc;
    if (ev->user_id == 0) {
        bl_unmatched(ev, "checkout");
        return 0;
    }
    rc = bl_link_customer(c, ev->user_id, bl_str(ev->obj, "customer"),
                          bl_str(ev->obj, "customer_email"), ev, err);
    if (rc == 0)
        hk_strlcpy(ev->status, ev->note[0] ? "failed" : "applied",
                   sizeof(ev->status));
    return rc;
}

/* clang-format off */
static const char sql_invoice[] =
    "INSERT INTO invoices (id, user_id, customer_id, subscription_id,"
    " plan_id, status, amount_due, amount_paid, currency, created_at,"
    " paid_at, period_start, period_end, hosted_url, pdf_url)"
    " VALUES ($1, NULLIF($2::bigint, 0), $3, $4,"
    " (SELECT id FROM plans WHERE stripe_price_id = $5"
    "  ORDER BY is_active DESC, id LIMIT 1),"
    " $6, $7::bigint, $8::bigint, coalesce($9, 'usd'),"
    " to_timestamp($10::bigint), to_timestamp(NULLIF($11::bigint, 0)),"
    " to_timestamp(NULLIF($12::bigint, 0)),"
    " to_timestamp(NULLIF($13::bigint, 0)), $14, $15)"
    " ON CONFLICT (id) DO UPDATE SET"
    /* paid is final: a failure reported late does not undo it */
    " status = CASE WHEN invoices.status = 'paid' THEN 'paid'"
    "  ELSE EXCLUDED.status END,"
    " amount_paid = GREATEST(invoices.amount_paid, EXCLUDED.amount_paid),"
    " paid_at = coalesce(invoices.paid_at, EXCLUDED.paid_at),"
    " user_id = coalesce(invoices.user_id, EXCLUDED.user_id),"
    " plan_id = coalesce(EXCLUDED.plan_id, invoices.plan_id),"
    " hosted_url = coalesce(EXCLUDED.hosted_url, invoices.hosted_url),"
    " pdf_url = coalesce(EXCLUDED.pdf_url, invoices.pdf_url),"
    " updated_at = now()";
/* clang-format on */

/* Adds a newly paid invoice to revenue_monthly. */
static int bl_add_revenue(struct hk_dbconn *c, const char *id,
                          struct hk_err *err)
{
    struct hk_db_params p;
    hk_db_params_init(&p);
    hk_db_param_text(&p, id);
    int rc = hk_db_params_run(
        c,
        "INSERT INTO revenue_monthly (month, plan_id, currency, amount,"
        " invoices) SELECT date_trunc('month', coalesce(paid_at, now())"
        " AT TIME ZONE 'UTC')::date, coalesce(plan_id, 0), currency,"
        " amount_paid, 1 FROM invoices WHERE id = $1"
        " ON CONFLICT (month, plan_id, currency) DO UPDATE SET amount ="
        " revenue_monthly.amount + EXCLUDED.amount, invoices ="
        " revenue_monthly.invoices + 1",
        &p, NULL);
    return rc < 0 ? hk_db_err(err, rc) : 0;
}

static int bl_store_invoice(struct hk_dbconn *c, struct bl_ev *ev,
                            const char *status, struct hk_err *err)
{
    struct hk_db_params p;
    PGresult *r = NULL;
    json_object *o = ev->obj;
    /* Whether it was paid before decides whether revenue grows now. */
    hk_db_params_init(&p);
    hk_db_param_text(&p, bl_str(o, "id"));
    int rc = hk_db_params_run(c,
                              "SELECT status = 'paid' FROM invoices WHERE"
                              " id = $1 FOR UPDATE",
                              &p, &r);
    if (rc < 0)
        return hk_db_err(err, rc);
    bool was_paid = PQntuples(r) == 1 && hk_db_col_true(r, 0, 0);
    PQclear(r);
    hk_db_params_init(&p);
    hk_db_param_text(&p, bl_str(o, "id"));
    hk_db_param_i64(&p, ev->user_id);
    hk_db_param_text(&p, bl_str(o, "customer"));
    hk_db_param_text(&p, bl_str(o, "subscription"));
    hk_db_param_text(&p, bl_str(o, "price"));
    hk_db_param_text(&p, status);
    hk_db_param_i64(&p, bl_i64(o, "amount_due", 0));
    hk_db_param_i64(&p, bl_i64(o, "amount_paid", 0));
    hk_db_param_text(&p, bl_str(o, "currency"));
    hk_db_param_i64(&p, bl_i64(o, "created", ev->created));
    hk_db_param_i64(&p, bl_i64(o, "paid_at", 0));
    hk_db_param_i64(&p, bl_i64(o, "period_start", 0));
    hk_db_param_i64(&p, bl_i64(o, "period_end", 0));
    hk_db_param_text(&p, bl_str(o, "hosted_url"));
    hk_db_param_text(&p, bl_str(o, "pdf_url"));
    rc = hk_db_params_run(c, sql_invoice, &p, NULL);
    if (rc < 0)
        return hk_db_err(err, rc);
    if (!was_paid && strcmp(status, "paid") == 0)
        return bl_add_revenue(c, bl_str(o, "id"), err);
    return 0;
}

/* "19.00 USD" */
static void bl_amount(int64_t cents, const char *currency, char *out, size_t n)
{
    char cur[8] = "USD";
    if (currency != NULL && strlen(currency) < sizeof(cur)) {
        hk_strlcpy(cur, currency, sizeof(cur));
        for (char *p = cur; *p; p++)
            if (*p >= 'a' && *p <= 'z')
                *p = (char)(*p - 'a' + 'A');
    }
    int64_t a = cents < 0 ? -cents : cents;
    snprintf(out, n, "%s%" PRId64 ".%02" PRId64 " %s", cents < 0 ? "-" : "",
             a / 100, a % 100, cur);
}

/* invoice.payment_failed: tells the user how to pay. */
static int bl_mail_failed(struct hk_dbconn *c, struct bl_ev *ev,
                          struct hk_err *err)
{
    struct hk_db_params p;
    PGresult *r = NULL;
    hk_db_params_init(&p);
    hk_db_param_i64(&p, ev->user_id);
    hk_db_param_text(&p, bl_str(ev->obj, "price"));
    int rc = hk_db_params_run(
        c,
        "SELECT u.email, coalesce(NULLIF(u.first_name, ''), u.email),"
        " coalesce((SELECT name FROM plans WHERE stripe_price_id = $2"
        "  ORDER BY is_active DESC, id LIMIT 1), (SELECT p.name FROM"
        "  subscriptions s JOIN plans p ON p.id = s.plan_id WHERE"
        "  s.user_id = u.id), 'hawk')"
        " FROM users u WHERE u.id = $1::bigint",
        &p, &r);
    if (rc < 0)
        return hk_db_err(err, rc);
    if (PQntuples(r) != 1) {
        PQclear(r);
        return 0;
    }
    char amount[64], note[200];
    bl_amount(bl_i64(ev->obj, "amount_due", 0), bl_str(ev->obj, "currency"),
              amount, sizeof(amount));
    int64_t next = bl_i64(ev->obj, "next_attempt", 0);
    if (next > 0) {
        time_t t = (time_t)next;
        struct tm tm;
        char day[32];
        gmtime_r(&t, &tm);
        strftime(day, sizeof(day), "%Y-%m-%d", &tm);
        snprintf(note, sizeof(note), "We will try the payment again on %s.",
                 day);
    } else {
        snprintf(note, sizeof(note),
                 "No further attempts will be made: without a payment the "
                 "plan ends.");
    }
    const char *url = bl_str(ev->obj, "hosted_url");
    json_object *vars = json_object_new_object();
    json_object_object_add(vars, "name",
                           json_object_new_string(PQgetvalue(r, 0, 1)));
    json_object_object_add(vars, "plan",
                           json_object_new_string(PQgetvalue(r, 0, 2)));
    json_object_object_add(vars, "amount", json_object_new_string(amount));
    json_object_object_add(vars, "invoice_url",
                           json_object_new_string(url != NULL ? url : ""));
    json_object_object_add(vars, "retry_note", json_object_new_string(note));
    struct hk_err merr = HK_ERR_INIT;
    rc = hk_mail_enqueue(c, PQgetvalue(r, 0, 0), "payment_failed", vars,
                         ev->user_id, &merr);
    json_object_put(vars);
    PQclear(r);
    if (rc == HAWK_EINVAL)
        return 0;
    if (rc < 0)
        *err = merr;
    return rc;
}

/* invoice.paid / .payment_failed / .action_required */
static int bl_on_invoice(struct hk_dbconn *c, struct bl_ev *ev,
                         struct hk_err *err)
{
    const char *id = bl_str(ev->obj, "id");
    if (id == NULL || strlen(id) > 255) {
        hk_strlcpy(ev->status, "failed", sizeof(ev->status));
        hk_strlcpy(ev->note, "invoice without an id", sizeof(ev->note));
        return 0;
    }
    int rc = bl_resolve_user(c, ev->obj, "subscription", &ev->user_id, err);
    if (rc < 0)
        return rc;
    bool paid = strcmp(ev->type, "invoice.paid") == 0;
    const char *st = bl_str(ev->obj, "status");
    rc = bl_store_invoice(c, ev, paid ? "paid" : (st != NULL ? st : "open"),
                          err);
    if (rc < 0)
        return rc;
    if (ev->user_id == 0) {
        bl_unmatched(ev, "invoice's customer");
        return 0;
    }
    if (strcmp(ev->type, "invoice.payment_failed") == 0)
        rc = bl_mail_failed(c, ev, err);
    if (rc == 0)
        hk_strlcpy(ev->status, "applied", sizeof(ev->status));
    return rc;
}

/* customer.updated / .deleted: the address kept beside the link. */
static int bl_on_customer(struct hk_dbconn *c, struct bl_ev *ev,
                          struct hk_err *err)
{
    struct hk_db_params p;
    PGresult *r = NULL;
    bool deleted = strcmp(ev->type, "customer.deleted") == 0;
    hk_db_params_init(&p);
    hk_db_param_text(&p, bl_str(ev->obj, "id"));
    if (!deleted)
        hk_db_param_text(&p, bl_str(ev->obj, "email"));
    int rc = hk_db_params_run(
        c,
        deleted ? "DELETE FROM billing_customers WHERE customer_id = $1"
                  " RETURNING user_id"
                : "UPDATE billing_customers SET email = $2, updated_at ="
                  " now() WHERE customer_id = $1 RETURNING user_id",
        &p, &r);
    if (rc < 0)
        return hk_db_err(err, rc);
    if (PQntuples(r) == 1) {
        ev->user_id = hk_db_col_i64(r, 0, 0);
        hk_strlcpy(ev->status, "applied", sizeof(ev->status));
    } else {
        bl_unmatched(ev, "customer");
    }
    PQclear(r);
    return 0;
}

static int bl_dispatch(struct hk_billing *b, struct hk_dbconn *c,
                       struct bl_ev *ev, struct hk_err *err)
{
    hk_strlcpy(ev->status, "ignored", sizeof(ev->status));
    if (!json_object_is_type(ev->obj, json_type_object))
        return 0;
    if (hk_str_has_prefix(ev->type, "subscription.") &&
        strcmp(ev->type, "subscription.trial_will_end") != 0)
        return bl_on_subscription(b, c, ev, err);
    if (strcmp(ev->type, "checkout.completed") == 0)
        return bl_on_checkout(c, ev, err);
    if (strcmp(ev->type, "invoice.paid") == 0 ||
        strcmp(ev->type, "invoice.payment_failed") == 0 ||
        strcmp(ev->type, "invoice.action_required") == 0)
        return bl_on_invoice(c, ev, err);
    if (strcmp(ev->type, "customer.updated") == 0 ||
        strcmp(ev->type, "customer.deleted") == 0)
        return bl_on_customer(c, ev, err);
    return 0;
}

/* Stores the event; *fresh false when its id was already stored (then
 * out gets what became of it the first time). */
static int bl_store_event(struct hk_dbconn *c, const struct bl_ev *ev,
                          const char *text, bool *fresh,
                          struct hk_billing_outcome *out, struct hk_err *err)
{
    struct hk_db_params p;
    PGresult *r = NULL;
    hk_db_params_init(&p);
    hk_db_param_text(&p, ev->id);
    hk_db_param_text(&p, ev->type);
    hk_db_param_text(&p, ev->ptype);
    hk_db_param_i64(&p, ev->created);
    hk_db_param_text(&p, text);
    int rc = hk_db_params_run(
        c,
        "INSERT INTO payment_events (id, type, provider_type, created,"
        " payload) VALUES ($1, $2, $3, $4::bigint, $5::jsonb)"
        " ON CONFLICT (id) DO NOTHING RETURNING 1",
        &p, &r);
    if (rc < 0)
        return hk_db_err(err, rc);
    *fresh = PQntuples(r) == 1;
    PQclear(r);
    if (*fresh)
        return 0;
    hk_db_params_init(&p);
    hk_db_param_text(&p, ev->id);
    rc = hk_db_params_run(c,
                          "SELECT status, coalesce(user_id, 0) FROM"
                          " payment_events WHERE id = $1",
                          &p, &r);
    if (rc < 0)
        return hk_db_err(err, rc);
    if (PQntuples(r) == 1) {
        hk_strlcpy(out->status, PQgetvalue(r, 0, 0), sizeof(out->status));
        out->user_id = hk_db_col_i64(r, 0, 1);
    }
    PQclear(r);
    return 0;
}

static int bl_finish_event(struct hk_dbconn *c, const struct bl_ev *ev,
                           struct hk_err *err)
{
    struct hk_db_params p;
    hk_db_params_init(&p);
    hk_db_param_text(&p, ev->id);
    hk_db_param_text(&p, ev->status);
    hk_db_param_i64(&p, ev->user_id);
    hk_db_param_text(&p, ev->note);
    int rc = hk_db_params_run(
        c,
        "UPDATE payment_events SET status = $2, user_id ="
        " (SELECT id FROM users WHERE id = $3::bigint), note = $4"
        " WHERE id = $1",
        &p, NULL);
    return rc < 0 ? hk_db_err(err, rc) : 0;
}

/* See billing.h. */
int hk_billing_apply_event(struct hk_billing *b, const char *event, size_t len,
                           struct hk_billing_outcome *out, struct hk_err *err)
{
    struct bl_ev ev;
    struct hk_dbconn *c = NULL;
    bool fresh = false;
    memset(&ev, 0, sizeof(ev));
    memset(out, 0, sizeof(*out));
    int rc = bl_parse_event(event, len, &ev, err);
    if (rc < 0)
        goto out;
    hk_strlcpy(out->event_id, ev.id, sizeof(out->event_id));
    hk_strlcpy(out->type, ev.type, sizeof(out->type));
    rc = hk_db_borrow(b->db, &c, err);
    if (rc < 0)
        goto out;
    rc = hk_db_begin(c);
    if (rc < 0) {
        rc = hk_db_err(err, rc);
        goto out;
    }
    /* Stored as received; the JSON text is the plugin's own output. */
    rc = bl_store_event(c, &ev, event, &fresh, out, err);
    if (rc == 0 && fresh)
        rc = bl_dispatch(b, c, &ev, err);
    if (rc == 0 && fresh)
        rc = bl_finish_event(c, &ev, err);
    if (rc == 0)
        rc = hk_db_commit(c) < 0 ? hk_db_err(err, HAWK_EUNAVAIL) : 0;
    if (rc < 0) {
        hk_db_rollback(c);
        goto out;
    }
    out->duplicate = !fresh;
    if (fresh) {
        hk_strlcpy(out->status, ev.status, sizeof(out->status));
        out->user_id = ev.user_id;
        int level = strcmp(ev.status, "unmatched") == 0 ||
                            strcmp(ev.status, "failed") == 0
                        ? HAWK_LOG_WARN
                        : HAWK_LOG_INFO;
        hk_log(level, "payment event %s (%s) %s%s%s", ev.id, ev.ptype,
               ev.status, ev.note[0] ? ": " : "", ev.note);
    }
out:
    if (c != NULL)
        hk_db_release(b->db, c);
    json_object_put(ev.root);
    return rc;
}

/* ---- verification ----------------------------------------------------- */

static int bl_verify_sink(struct hawk_text_sink *s, const char *d, size_t n)
{
    return hk_buf_append(s->opaque, d, n);
}

/* See billing.h. */
int hk_billing_webhook(struct hk_billing *b, const char *body, size_t len,
                       const char *signature, int64_t now_s,
                       struct hk_billing_outcome *out, struct hk_err *err)
{
    struct bl_call bc;
    memset(out, 0, sizeof(*out));
    if (len > b->webhook_max_body)
        return hk_err_set(err, HAWK_ETOOBIG, NULL, NULL,
                          "webhook body of %zu bytes is over the %zu byte "
                          "limit (billing.webhook_max_body)",
                          len, b->webhook_max_body);
    if (signature == NULL || signature[0] == '\0')
        return hk_err_set(err, HAWK_EINVAL, "invalid_signature", NULL,
                          "the Stripe-Signature header is missing: only "
                          "signed events from the payment provider are "
                          "accepted");
    if (strlen(signature) > 4096)
        return hk_err_set(err, HAWK_EINVAL, "invalid_signature", NULL,
                          "the Stripe-Signature header is too long");
    int rc = bl_call_begin(b, 0, "verify a webhook", &bc, err);
    if (rc < 0)
        return rc;
    struct hk_buf ev;
    hk_buf_init(&ev, b->webhook_max_body * 2 + 4096);
    struct hawk_text_sink sink = {&ev, bl_verify_sink};
    rc = hk_plugin_payment_verify_webhook(bc.e, &bc.call, body, len, signature,
                                          now_s, &sink, &bc.perr);
    hk_buf_release(&bc.out);
    if (rc == HAWK_EAUTH || rc == HAWK_ETOOBIG || rc == HAWK_EINVAL) {
        /* A bad signature is a bad request (400), not a login failure. */
        rc = hk_err_set(err, rc == HAWK_ETOOBIG ? rc : HAWK_EINVAL,
                        rc == HAWK_EAUTH ? "invalid_signature" : NULL, NULL,
                        "%s", bc.perr.msg);
    } else if (rc < 0) {
        hk_log(HAWK_LOG_ERROR, "cannot verify a webhook: %s", bc.perr.msg);
        rc = hk_err_set(err, HAWK_EUNAVAIL, "payment_unavailable", NULL,
                        "cannot verify the webhook: %s; the administrator "
                        "must check the payment plugin's webhook secret",
                        bc.perr.msg);
    } else {
        rc = hk_billing_apply_event(b, hk_buf_str(&ev), ev.len, out, err);
    }
    hk_buf_release(&ev);
    return rc;
}
