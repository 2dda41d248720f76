/*
 * plugins/stripe/normalize.c - Stripe objects into the provider-neutral
 * records the payment kind hands the host (field list in stripe.h).
 *
 * Stripe moved some fields between API versions: the billing period of a
 * subscription lives on its items since 2025-03-31 (on the subscription
 * before), and an invoice names its subscription under
 * parent.subscription_details (top-level `subscription` before).  Both
 * places are read, the newer first, so events from an endpoint pinned to
 * an older version normalize the same.
 */
#include <stdio.h>
#include <string.h>

#include "stripe.h"

/* See stripe.h. */
json_object *stp_get(json_object *o, const char *path)
{
    char part[64];
    const char *p = path;

    while (o != NULL && *p != '\0') {
        const char *dot = strchr(p, '.');
        size_t n = dot != NULL ? (size_t)(dot - p) : strlen(p);
        if (n >= sizeof(part))
            return NULL;
        memcpy(part, p, n);
        part[n] = '\0';
        json_object *next = NULL;
        if (!json_object_is_type(o, json_type_object) ||
            !json_object_object_get_ex(o, part, &next))
            return NULL;
        o = next;
        p = dot != NULL ? dot + 1 : p + n;
    }
    return o;
}

const char *stp_get_str(json_object *o, const char *path)
{
    json_object *v = stp_get(o, path);
    return json_object_is_type(v, json_type_string) ? json_object_get_string(v)
                                                    : NULL;
}

bool stp_get_i64(json_object *o, const char *path, int64_t *out)
{
    json_object *v = stp_get(o, path);
    if (!json_object_is_type(v, json_type_int))
        return false;
    *out = json_object_get_int64(v);
    return true;
}

static void put_str(json_object *dst, const char *key, const char *v)
{
    json_object_object_add(dst, key, v ? json_object_new_string(v) : NULL);
}

static void put_i64(json_object *dst, const char *key, json_object *src,
                    const char *path)
{
    int64_t v = 0;
    json_object_object_add(
        dst, key, stp_get_i64(src, path, &v) ? json_object_new_int64(v) : NULL);
}

/* The first of two places that holds an integer (the newer API version's
 * place first). */
static void put_i64_2(json_object *dst, const char *key, json_object *a,
                      const char *pa, json_object *b, const char *pb)
{
    int64_t v = 0;
    if (stp_get_i64(a, pa, &v) || stp_get_i64(b, pb, &v))
        json_object_object_add(dst, key, json_object_new_int64(v));
    else
        json_object_object_add(dst, key, NULL);
}

/* An id member that may be a string or an expanded object. */
static const char *id_of(json_object *o, const char *path)
{
    json_object *v = stp_get(o, path);
    if (json_object_is_type(v, json_type_string))
        return json_object_get_string(v);
    return stp_get_str(v, "id");
}

static const char *user_ref(const struct hawk_instance *in, json_object *md)
{
    json_object *v = NULL;
    if (json_object_is_type(md, json_type_object) &&
        json_object_object_get_ex(md, in->user_ref_key, &v) &&
        json_object_is_type(v, json_type_string))
        return json_object_get_string(v);
    return NULL;
}

static json_object *first_item(json_object *s)
{
    json_object *data = stp_get(s, "items.data");
    if (!json_object_is_type(data, json_type_array) ||
        json_object_array_length(data) == 0)
        return NULL;
    return json_object_array_get_idx(data, 0);
}

/* See stripe.h. */
json_object *stp_norm_subscription(const struct hawk_instance *in,
                                   json_object *s)
{
    json_object *o = json_object_new_object();
    json_object *item = first_item(s);
    bool cape = false;
    json_object *v = stp_get(s, "cancel_at_period_end");

    if (json_object_is_type(v, json_type_boolean))
        cape = json_object_get_boolean(v);
    put_str(o, "id", stp_get_str(s, "id"));
    put_str(o, "customer", id_of(s, "customer"));
    put_str(o, "status", stp_get_str(s, "status"));
    const char *price = id_of(item, "price");
    put_str(o, "price", price != NULL ? price : id_of(s, "plan"));
    put_str(o, "item_id", stp_get_str(item, "id"));
    put_i64(o, "created", s, "created");
    put_i64_2(o, "current_period_start", item, "current_period_start", s,
              "current_period_start");
    put_i64_2(o, "current_period_end", item, "current_period_end", s,
              "current_period_end");
    json_object_object_add(o, "cancel_at_period_end",
                           json_object_new_boolean(cape));
    put_i64(o, "cancel_at", s, "cancel_at");
    put_i64(o, "canceled_at", s, "canceled_at");
    put_i64(o, "ended_at", s, "ended_at");
    put_i64(o, "trial_end", s, "trial_end");
    put_str(o, "user_ref", user_ref(in, stp_get(s, "metadata")));
    return o;
}

/* See stripe.h. */
json_object *stp_norm_invoice(const struct hawk_instance *in, json_object *v)
{
    json_object *o = json_object_new_object();
    json_object *line = NULL;
    json_object *lines = stp_get(v, "lines.data");

    if (json_object_is_type(lines, json_type_array) &&
        json_object_array_length(lines) > 0)
        line = json_object_array_get_idx(lines, 0);
    put_str(o, "id", stp_get_str(v, "id"));
    put_str(o, "number", stp_get_str(v, "number"));
    put_str(o, "customer", id_of(v, "customer"));
    const char *sub = id_of(v, "parent.subscription_details.subscription");
    put_str(o, "subscription", sub != NULL ? sub : id_of(v, "subscription"));
    put_str(o, "status", stp_get_str(v, "status"));
    put_i64(o, "amount_due", v, "amount_due");
    put_i64(o, "amount_paid", v, "amount_paid");
    put_str(o, "currency", stp_get_str(v, "currency"));
    put_i64(o, "created", v, "created");
    put_i64_2(o, "period_start", line, "period.start", v, "period_start");
    put_i64_2(o, "period_end", line, "period.end", v, "period_end");
    put_i64(o, "paid_at", v, "status_transitions.paid_at");
    put_str(o, "hosted_url", stp_get_str(v, "hosted_invoice_url"));
    put_str(o, "pdf_url", stp_get_str(v, "invoice_pdf"));
    put_str(o, "billing_reason", stp_get_str(v, "billing_reason"));
    put_i64(o, "attempt_count", v, "attempt_count");
    put_i64(o, "next_attempt", v, "next_payment_attempt");
    const char *price = id_of(line, "pricing.price_details.price");
    put_str(o, "price", price != NULL ? price : id_of(line, "price"));
    const char *ref =
        user_ref(in, stp_get(v, "parent.subscription_details.metadata"));
    put_str(o, "user_ref",
            ref != NULL ? ref : user_ref(in, stp_get(v, "metadata")));
    return o;
}

/* See stripe.h. */
json_object *stp_norm_checkout(const struct hawk_instance *in, json_object *s)
{
    json_object *o = json_object_new_object();
    const char *ref = stp_get_str(s, "client_reference_id");

    put_str(o, "session_id", stp_get_str(s, "id"));
    put_str(o, "customer", id_of(s, "customer"));
    put_str(o, "subscription", id_of(s, "subscription"));
    put_str(o, "user_ref",
            ref != NULL ? ref : user_ref(in, stp_get(s, "metadata")));
    put_str(o, "mode", stp_get_str(s, "mode"));
    put_str(o, "status", stp_get_str(s, "status"));
    put_str(o, "payment_status", stp_get_str(s, "payment_status"));
    const char *email = stp_get_str(s, "customer_details.email");
    put_str(o, "customer_email",
            email != NULL ? email : stp_get_str(s, "customer_email"));
    return o;
}

/* See stripe.h. */
json_object *stp_norm_customer(const struct hawk_instance *in, json_object *c)
{
    json_object *o = json_object_new_object();
    json_object *d = stp_get(c, "deleted");

    put_str(o, "id", stp_get_str(c, "id"));
    put_str(o, "email", stp_get_str(c, "email"));
    put_str(o, "name", stp_get_str(c, "name"));
    put_str(o, "user_ref", user_ref(in, stp_get(c, "metadata")));
    put_i64(o, "created", c, "created");
    json_object_object_add(
        o, "deleted",
        json_object_new_boolean(json_object_is_type(d, json_type_boolean) &&
                                json_object_get_boolean(d)));
    return o;
}
