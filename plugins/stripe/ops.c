/*
 * plugins/stripe/ops.c - the payment kind's operations on Stripe:
 * customers, Checkout Sessions in subscription mode, Billing Portal
 * sessions, invoices, and the subscription changes a user asks for
 * (cancel at period end, resume, cancel now, change price).
 *
 * Every POST carries an Idempotency-Key derived from the hawk operation
 * (the user for a customer, the host's key for the others), so a retry,
 * whether ours or the user's, never makes a second object.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stripe.h"

#define STP_IDEM_MAX 256

/* See stripe.h. */
bool stp_id_ok(const char *id, const char *prefix)
{
    if (id == NULL)
        return false;
    size_t n = strlen(id);
    if (n == 0 || n > 255)
        return false;
    if (prefix != NULL &&
        (strncmp(id, prefix, strlen(prefix)) != 0 || n == strlen(prefix)))
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = id[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '_' || c == '-'))
            return false;
    }
    return true;
}

static int stp_bad_arg(struct hawk_error *err, const char *what,
                       const char *arg)
{
    HAWK_ERR_SET(err, HAWK_EINVAL, false, 0, "%s: invalid %s", what, arg);
    return HAWK_EINVAL;
}

static bool stp_url_ok(const char *u)
{
    if (u == NULL || strlen(u) > 2048)
        return false;
    if (strncmp(u, "https://", 8) != 0 && strncmp(u, "http://", 7) != 0)
        return false;
    for (const unsigned char *p = (const unsigned char *)u; *p; p++) {
        if (*p <= 32 || *p == 127)
            return false;
    }
    return true;
}

/* FNV-1a: a short, stable digest of an input for an idempotency key (not
 * a secret; only tells one request from another). */
static uint64_t stp_fnv(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s != '\0'; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ull;
    }
    return h;
}

/* Runs one request and hands the normalized object to out. */
static int stp_run(struct hawk_instance *in, struct hawk_call *call,
                   const struct stp_req *r,
                   json_object *(*norm)(const struct hawk_instance *,
                                        json_object *),
                   struct hawk_text_sink *out, struct hawk_error *err)
{
    json_object *reply = NULL;
    int rc = stp_call(in, call, r, &reply, out, err);
    if (rc < 0)
        return rc;
    json_object *o = norm(in, reply);
    rc = stp_emit_json(out, o);
    json_object_put(o);
    json_object_put(reply);
    return rc;
}

/* ---- customers -------------------------------------------------------- */

/* POST /v1/customers.  Key: the user and a digest of the email, so the
 * same user asking twice gets one customer, and a changed email is a new
 * request rather than an idempotency_error. */
int stp_create_customer(struct hawk_instance *in, struct hawk_call *call,
                        const char *email, const char *user_ref,
                        struct hawk_text_sink *out, struct hawk_error *err)
{
    const char *what = "create customer";
    struct stp_form f;
    char key[STP_IDEM_MAX], suffix[200];
    char md[128];

    if (email == NULL || strlen(email) > 512 || email[0] == '\0')
        return stp_bad_arg(err, what, "email");
    if (user_ref != NULL && (strlen(user_ref) > 100 || user_ref[0] == '\0'))
        return stp_bad_arg(err, what, "user reference");
    snprintf(suffix, sizeof(suffix), "%s-%016llx",
             user_ref != NULL ? user_ref : "anon",
             (unsigned long long)stp_fnv(email));
    int rc = stp_idem_key(in, "customer", user_ref != NULL ? suffix : NULL, key,
                          sizeof(key));
    if (rc < 0)
        return rc;
    stp_form_init(&f);
    snprintf(md, sizeof(md), "metadata[%s]", in->user_ref_key);
    rc = stp_form_add(&f, "email", email);
    if (rc == 0 && user_ref != NULL)
        rc = stp_form_add(&f, md, user_ref);
    if (rc == 0) {
        struct stp_req r = {
            "POST", "/v1/customers", stp_buf_str(&f.buf), key, what, false};
        rc = stp_run(in, call, &r, stp_norm_customer, out, err);
    }
    stp_form_free(&f);
    return rc;
}

/* GET /v1/customers?email=...: the customer with that email whose
 * metadata names user_ref (any of them when user_ref is NULL). */
int stp_find_customer(struct hawk_instance *in, struct hawk_call *call,
                      const char *email, const char *user_ref,
                      struct hawk_text_sink *out, struct hawk_error *err)
{
    const char *what = "find customer";
    struct stp_form q;
    json_object *reply = NULL;

    if (email == NULL || strlen(email) > 512 || email[0] == '\0')
        return stp_bad_arg(err, what, "email");
    stp_form_init(&q);
    int rc = stp_buf_puts(&q.buf, "/v1/customers?");
    if (rc == 0)
        rc = stp_form_add(&q, "email", email);
    if (rc == 0)
        rc = stp_buf_puts(&q.buf, "&limit=100");
    if (rc == 0) {
        struct stp_req r = {"GET", stp_buf_str(&q.buf), NULL, NULL, what,
                            false};
        rc = stp_call(in, call, &r, &reply, out, err);
    }
    stp_form_free(&q);
    if (rc < 0)
        return rc;
    json_object *data = stp_get(reply, "data");
    json_object *hit = NULL;
    size_t n = json_object_is_type(data, json_type_array)
                   ? json_object_array_length(data)
                   : 0;
    for (size_t i = 0; i < n && hit == NULL; i++) {
        json_object *c = json_object_array_get_idx(data, i);
        json_object *norm = stp_norm_customer(in, c);
        const char *ref = stp_get_str(norm, "user_ref");
        if (user_ref == NULL || (ref != NULL && strcmp(ref, user_ref) == 0))
            hit = norm;
        else
            json_object_put(norm);
    }
    if (hit == NULL) {
        HAWK_ERR_SET(err, HAWK_ENOTFOUND, false, 0,
                     "%s: no stripe customer with that email%s", what,
                     user_ref != NULL ? " belongs to this user" : "");
        rc = HAWK_ENOTFOUND;
    } else {
        rc = stp_emit_json(out, hit);
        json_object_put(hit);
    }
    json_object_put(reply);
    return rc;
}

/* ---- checkout and portal ---------------------------------------------- */

static int stp_checkout_form(const struct hawk_instance *in,
                             const struct hawk_checkout_req *req,
                             struct stp_form *f)
{
    char k1[128], k2[160];
    snprintf(k1, sizeof(k1), "metadata[%s]", in->user_ref_key);
    snprintf(k2, sizeof(k2), "subscription_data[metadata][%s]",
             in->user_ref_key);
    int rc = stp_form_add(f, "mode", "subscription");
    if (rc == 0)
        rc = stp_form_add(f, "line_items[0][price]", req->price_id);
    if (rc == 0)
        rc = stp_form_add(f, "line_items[0][quantity]", "1");
    if (rc == 0)
        rc = stp_form_add(f, "success_url", req->success_url);
    if (rc == 0)
        rc = stp_form_add(f, "cancel_url", req->cancel_url);
    if (rc == 0 && req->customer_id != NULL)
        rc = stp_form_add(f, "customer", req->customer_id);
    else if (rc == 0)
        rc = stp_form_add(f, "customer_email", req->customer_email);
    if (rc == 0 && req->client_reference_id != NULL) {
        rc = stp_form_add(f, "client_reference_id", req->client_reference_id);
        if (rc == 0)
            rc = stp_form_add(f, k1, req->client_reference_id);
        if (rc == 0)
            rc = stp_form_add(f, k2, req->client_reference_id);
    }
    if (rc == 0 && req->trial_days > 0)
        rc = stp_form_addf(f, "subscription_data[trial_period_days]", "%d",
                           req->trial_days);
    if (rc == 0 && in->allow_promotion_codes)
        rc = stp_form_add_bool(f, "allow_promotion_codes", true);
    return rc;
}

static json_object *stp_norm_session(const struct hawk_instance *in,
                                     json_object *s)
{
    (void)in;
    json_object *o = json_object_new_object();
    const char *id = stp_get_str(s, "id");
    const char *url = stp_get_str(s, "url");
    const char *cus = stp_get_str(s, "customer");
    int64_t exp = 0;
    json_object_object_add(o, "id", id ? json_object_new_string(id) : NULL);
    json_object_object_add(o, "url", url ? json_object_new_string(url) : NULL);
    json_object_object_add(o, "customer",
                           cus ? json_object_new_string(cus) : NULL);
    json_object_object_add(
        o, "expires_at",
        stp_get_i64(s, "expires_at", &exp) ? json_object_new_int64(exp) : NULL);
    return o;
}

/* POST /v1/checkout/sessions in subscription mode. */
int stp_checkout_session(struct hawk_instance *in, struct hawk_call *call,
                         const struct hawk_checkout_req *req,
                         struct hawk_text_sink *out, struct hawk_error *err)
{
    const char *what = "create checkout session";
    struct stp_form f;
    char key[STP_IDEM_MAX];

    if (req == NULL || req->struct_size < HAWK_CHECKOUT_REQ_SIZE_1_0)
        return stp_bad_arg(err, what, "request");
    if (!stp_id_ok(req->price_id, NULL))
        return stp_bad_arg(err, what, "price id");
    if (req->customer_id != NULL && !stp_id_ok(req->customer_id, "cus_"))
        return stp_bad_arg(err, what, "customer id");
    if (req->customer_id == NULL &&
        (req->customer_email == NULL || strlen(req->customer_email) > 512))
        return stp_bad_arg(err, what, "customer email");
    if (!stp_url_ok(req->success_url) ||
        (req->cancel_url != NULL && !stp_url_ok(req->cancel_url)))
        return stp_bad_arg(err, what, "return url");
    if (req->client_reference_id != NULL &&
        strlen(req->client_reference_id) > 200)
        return stp_bad_arg(err, what, "client reference id");
    if (req->trial_days < 0 || req->trial_days > 730)
        return stp_bad_arg(err, what, "trial days");
    int rc =
        stp_idem_key(in, "checkout", req->idempotency_key, key, sizeof(key));
    if (rc < 0)
        return rc;
    stp_form_init(&f);
    rc = stp_checkout_form(in, req, &f);
    if (rc == 0) {
        struct stp_req r = {
            "POST", "/v1/checkout/sessions", stp_buf_str(&f.buf), key, what,
            false};
        rc = stp_run(in, call, &r, stp_norm_session, out, err);
    }
    stp_form_free(&f);
    return rc;
}

/* POST /v1/billing_portal/sessions. */
int stp_portal_session(struct hawk_instance *in, struct hawk_call *call,
                       const char *customer_id, const char *return_url,
                       struct hawk_text_sink *out, struct hawk_error *err)
{
    const char *what = "create billing portal session";
    struct stp_form f;
    char key[STP_IDEM_MAX];

    if (!stp_id_ok(customer_id, "cus_"))
        return stp_bad_arg(err, what, "customer id");
    if (return_url != NULL && !stp_url_ok(return_url))
        return stp_bad_arg(err, what, "return url");
    int rc = stp_idem_key(in, "portal", NULL, key, sizeof(key));
    if (rc < 0)
        return rc;
    stp_form_init(&f);
    rc = stp_form_add(&f, "customer", customer_id);
    if (rc == 0)
        rc = stp_form_add(&f, "return_url", return_url);
    if (rc == 0) {
        struct stp_req r = {"POST",
                            "/v1/billing_portal/sessions",
                            stp_buf_str(&f.buf),
                            key,
                            what,
                            false};
        rc = stp_run(in, call, &r, stp_norm_session, out, err);
    }
    stp_form_free(&f);
    return rc;
}

/* ---- invoices ---------------------------------------------------------- */

static json_object *stp_norm_invoice_list(const struct hawk_instance *in,
                                          json_object *reply)
{
    json_object *o = json_object_new_object();
    json_object *list = json_object_new_array();
    json_object *data = stp_get(reply, "data");
    size_t n = json_object_is_type(data, json_type_array)
                   ? json_object_array_length(data)
                   : 0;
    for (size_t i = 0; i < n; i++)
        json_object_array_add(
            list, stp_norm_invoice(in, json_object_array_get_idx(data, i)));
    json_object *more = stp_get(reply, "has_more");
    json_object_object_add(o, "data", list);
    json_object_object_add(
        o, "has_more",
        json_object_new_boolean(json_object_is_type(more, json_type_boolean) &&
                                json_object_get_boolean(more)));
    return o;
}

/* GET /v1/invoices?customer=...&limit=...[&starting_after=...], newest
 * first. */
int stp_list_invoices(struct hawk_instance *in, struct hawk_call *call,
                      const char *customer_id, int limit,
                      const char *starting_after, struct hawk_text_sink *out,
                      struct hawk_error *err)
{
    const char *what = "list invoices";
    struct stp_form q;

    if (!stp_id_ok(customer_id, "cus_"))
        return stp_bad_arg(err, what, "customer id");
    if (starting_after != NULL && !stp_id_ok(starting_after, "in_"))
        return stp_bad_arg(err, what, "starting_after invoice id");
    if (limit < 1 || limit > 100)
        return stp_bad_arg(err, what, "limit (1 to 100)");
    stp_form_init(&q);
    int rc = stp_buf_puts(&q.buf, "/v1/invoices?");
    if (rc == 0)
        rc = stp_form_add(&q, "customer", customer_id);
    if (rc == 0)
        rc = stp_form_addf(&q, "limit", "%d", limit);
    if (rc == 0)
        rc = stp_form_add(&q, "starting_after", starting_after);
    if (rc == 0) {
        struct stp_req r = {"GET", stp_buf_str(&q.buf), NULL, NULL, what,
                            false};
        rc = stp_run(in, call, &r, stp_norm_invoice_list, out, err);
    }
    stp_form_free(&q);
    return rc;
}

/* ---- subscriptions ----------------------------------------------------- */

/* GET /v1/subscriptions/{id}, normalized. */
int stp_get_subscription(struct hawk_instance *in, struct hawk_call *call,
                         const char *subscription_id,
                         struct hawk_text_sink *out, struct hawk_error *err)
{
    const char *what = "get subscription";
    if (!stp_id_ok(subscription_id, "sub_"))
        return stp_bad_arg(err, what, "subscription id");
    char *path = stp_fmt("/v1/subscriptions/%s", subscription_id);
    struct stp_req r = {"GET", path, NULL, NULL, what, false};
    int rc = stp_run(in, call, &r, stp_norm_subscription, out, err);
    free(path);
    return rc;
}

/* POST /v1/subscriptions/{id} cancel_at_period_end=true|false (at period
 * end, or resumed), or DELETE /v1/subscriptions/{id} (now). */
int stp_cancel_subscription(struct hawk_instance *in, struct hawk_call *call,
                            const char *subscription_id, bool at_period_end,
                            const char *idempotency_key,
                            struct hawk_text_sink *out, struct hawk_error *err)
{
    const char *what = at_period_end ? "cancel subscription at period end"
                                     : "resume subscription";
    char key[STP_IDEM_MAX];

    if (!stp_id_ok(subscription_id, "sub_"))
        return stp_bad_arg(err, what, "subscription id");
    int rc = stp_idem_key(in, at_period_end ? "cancel" : "resume",
                          idempotency_key, key, sizeof(key));
    if (rc < 0)
        return rc;
    char *path = stp_fmt("/v1/subscriptions/%s", subscription_id);
    const char *form = at_period_end ? "cancel_at_period_end=true"
                                     : "cancel_at_period_end=false";
    struct stp_req r = {"POST", path, form, key, what, false};
    rc = stp_run(in, call, &r, stp_norm_subscription, out, err);
    free(path);
    return rc;
}

/* DELETE /v1/subscriptions/{id}: ends it at once (an account deleted). */
int stp_cancel_now(struct hawk_instance *in, struct hawk_call *call,
                   const char *subscription_id, struct hawk_text_sink *out,
                   struct hawk_error *err)
{
    const char *what = "cancel subscription now";
    if (!stp_id_ok(subscription_id, "sub_"))
        return stp_bad_arg(err, what, "subscription id");
    char *path = stp_fmt("/v1/subscriptions/%s", subscription_id);
    struct stp_req r = {"DELETE", path, NULL, NULL, what, false};
    int rc = stp_run(in, call, &r, stp_norm_subscription, out, err);
    free(path);
    return rc;
}

/* Reads the subscription, then moves its item to price_id with the given
 * proration (NULL: the instance's proration option).  Moving to the price
 * it already has changes nothing and answers the current state. */
int stp_change_price(struct hawk_instance *in, struct hawk_call *call,
                     const char *subscription_id, const char *price_id,
                     const char *proration, const char *idempotency_key,
                     struct hawk_text_sink *out, struct hawk_error *err)
{
    const char *what = "change subscription price";
    char key[STP_IDEM_MAX];
    json_object *cur = NULL;

    if (!stp_id_ok(subscription_id, "sub_"))
        return stp_bad_arg(err, what, "subscription id");
    if (!stp_id_ok(price_id, NULL))
        return stp_bad_arg(err, what, "price id");
    if (proration == NULL || proration[0] == '\0')
        proration = in->proration;
    if (strcmp(proration, "create_prorations") != 0 &&
        strcmp(proration, "none") != 0 &&
        strcmp(proration, "always_invoice") != 0)
        return stp_bad_arg(err, what,
                           "proration (create_prorations, none or "
                           "always_invoice)");
    char *path = stp_fmt("/v1/subscriptions/%s", subscription_id);
    struct stp_req get = {"GET", path, NULL, NULL, what, false};
    int rc = stp_call(in, call, &get, &cur, out, err);
    if (rc < 0) {
        free(path);
        return rc;
    }
    json_object *norm = stp_norm_subscription(in, cur);
    const char *item = stp_get_str(norm, "item_id");
    const char *have = stp_get_str(norm, "price");
    if (have != NULL && strcmp(have, price_id) == 0) {
        rc = stp_emit_json(out, norm);
    } else if (item == NULL || !stp_id_ok(item, "si_")) {
        HAWK_ERR_SET(err, HAWK_EPROTO, false, 0,
                     "%s: the subscription has no item to change", what);
        rc = HAWK_EPROTO;
    } else {
        struct stp_form f;
        stp_form_init(&f);
        rc = stp_idem_key(in, "price", idempotency_key, key, sizeof(key));
        if (rc == 0)
            rc = stp_form_add(&f, "items[0][id]", item);
        if (rc == 0)
            rc = stp_form_add(&f, "items[0][price]", price_id);
        if (rc == 0)
            rc = stp_form_add(&f, "proration_behavior", proration);
        if (rc == 0) {
            struct stp_req r = {"POST", path, stp_buf_str(&f.buf),
                                key,    what, false};
            rc = stp_run(in, call, &r, stp_norm_subscription, out, err);
        }
        stp_form_free(&f);
    }
    json_object_put(norm);
    json_object_put(cur);
    free(path);
    return rc;
}
