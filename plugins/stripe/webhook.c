/*
 * plugins/stripe/webhook.c - webhook signatures as Stripe specifies them
 * and the event handed to the host.
 *
 * Stripe-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>...][,v0=<hex>]
 * The header splits on ',' and each item on its first '='; `t` is the
 * signing time (the last one wins), every `v1` a candidate signature;
 * other schemes (v0) are ignored.  A v1 is hex(HMAC-SHA256(key = the whole
 * endpoint secret "whsec_..." as bytes, message = "<t>" "." raw body)).
 * The event is accepted when ANY v1 equals the HMAC under ANY configured
 * secret (Stripe sends one v1 per active secret while a secret is being
 * rolled), compared in constant time, and when now - t <= tolerance
 * (tolerance 0 turns the age check off; a t in the future is not refused,
 * as in Stripe's own libraries).  The exact raw bytes are verified,
 * before any JSON parsing.
 */
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stripe.h"

#define STP_SIG_HEADER_MAX 4096
#define STP_MAX_SIGS 16

/* See stripe.h.  0, or HAWK_EINTERNAL when OpenSSL fails. */
int stp_sign(const char *secret, int64_t t, const char *body, size_t len,
             char hex[65])
{
    char ts[24];
    unsigned char mac[32];
    size_t maclen = 0;
    int ok = 0;
    int tn = snprintf(ts, sizeof(ts), "%lld.", (long long)t);

    EVP_MAC *m = EVP_MAC_fetch(NULL, "HMAC", NULL);
    EVP_MAC_CTX *ctx = m != NULL ? EVP_MAC_CTX_new(m) : NULL;
    if (ctx != NULL) {
        OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(
                                   OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0),
                               OSSL_PARAM_construct_end()};
        ok = EVP_MAC_init(ctx, (const unsigned char *)secret, strlen(secret),
                          params) &&
             EVP_MAC_update(ctx, (const unsigned char *)ts, (size_t)tn) &&
             EVP_MAC_update(ctx, (const unsigned char *)body, len) &&
             EVP_MAC_final(ctx, mac, &maclen, sizeof(mac)) && maclen == 32;
    }
    EVP_MAC_CTX_free(ctx);
    EVP_MAC_free(m);
    if (!ok)
        return HAWK_EINTERNAL;
    for (size_t i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", mac[i]);
    return 0;
}

/* Equality of two 64-character strings in time independent of where they
 * differ. */
static bool stp_ct_eq64(const char *a, const char *b)
{
    unsigned char d = 0;
    for (size_t i = 0; i < 64; i++)
        d |= (unsigned char)(a[i] ^ b[i]);
    return d == 0;
}

struct stp_sig_header {
    int64_t t;
    bool have_t;
    char v1[STP_MAX_SIGS][65];
    size_t n_v1;
};

/* Strict unsigned decimal of at most 15 digits. */
static bool stp_parse_t(const char *s, size_t n, int64_t *out)
{
    if (n == 0 || n > 15)
        return false;
    int64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

static void stp_parse_header(const char *h, struct stp_sig_header *out)
{
    memset(out, 0, sizeof(*out));
    const char *p = h;
    while (*p != '\0') {
        const char *comma = strchr(p, ',');
        size_t n = comma != NULL ? (size_t)(comma - p) : strlen(p);
        const char *eq = memchr(p, '=', n);
        if (eq != NULL) {
            size_t kn = (size_t)(eq - p);
            const char *v = eq + 1;
            size_t vn = n - kn - 1;
            int64_t t = 0;
            if (kn == 1 && p[0] == 't' && stp_parse_t(v, vn, &t)) {
                out->t = t;
                out->have_t = true;
            } else if (kn == 2 && memcmp(p, "v1", 2) == 0 && vn == 64 &&
                       out->n_v1 < STP_MAX_SIGS) {
                memcpy(out->v1[out->n_v1], v, 64);
                out->v1[out->n_v1][64] = '\0';
                out->n_v1++;
            } else if (kn == 2 && memcmp(p, "v1", 2) == 0) {
                /* A v1 of the wrong length can never match; count it so
                 * the error says "does not match", not "missing". */
                if (out->n_v1 < STP_MAX_SIGS) {
                    memset(out->v1[out->n_v1], '!', 64);
                    out->v1[out->n_v1][64] = '\0';
                    out->n_v1++;
                }
            }
        }
        if (comma == NULL)
            break;
        p = comma + 1;
    }
}

static int stp_bad_sig(struct hawk_error *err, const char *msg)
{
    HAWK_ERR_SET(err, HAWK_EAUTH, false, 400, "%s", msg);
    return HAWK_EAUTH;
}

/* 0 when the header signs body under one of the secrets within the
 * tolerance; HAWK_EAUTH with a message saying which check failed. */
static int stp_check_signature(const struct hawk_instance *in, const char *body,
                               size_t len, const char *header, int64_t now_s,
                               struct hawk_error *err)
{
    struct stp_sig_header sh;

    if (header == NULL || header[0] == '\0')
        return stp_bad_sig(err, "missing Stripe-Signature header");
    if (strlen(header) > STP_SIG_HEADER_MAX)
        return stp_bad_sig(err, "malformed Stripe-Signature header: longer "
                                "than " HAWK_STR(STP_SIG_HEADER_MAX) " bytes");
    stp_parse_header(header, &sh);
    if (!sh.have_t)
        return stp_bad_sig(
            err, "malformed Stripe-Signature header: no t= timestamp");
    if (sh.n_v1 == 0)
        return stp_bad_sig(
            err, "malformed Stripe-Signature header: no v1= signature");
    if (in->n_wh_secrets == 0) {
        HAWK_ERR_SET(err, HAWK_ECONFIG, false, 0,
                     "no webhook secret configured (set "
                     "STRIPE_WEBHOOK_SECRET or options.webhook_secret)");
        return HAWK_ECONFIG;
    }
    bool match = false;
    for (size_t s = 0; s < in->n_wh_secrets; s++) {
        char want[65];
        if (stp_sign(in->wh_secrets[s], sh.t, body, len, want) < 0) {
            HAWK_ERR_SET(err, HAWK_EINTERNAL, false, 0,
                         "cannot compute HMAC-SHA256");
            return HAWK_EINTERNAL;
        }
        /* Every candidate is compared, whatever matched before, so the
         * time taken says nothing about which one matched. */
        for (size_t i = 0; i < sh.n_v1; i++)
            match |= stp_ct_eq64(want, sh.v1[i]);
    }
    if (!match)
        return stp_bad_sig(err, "signature does not match: the body was "
                                "changed on the way or the webhook secret is "
                                "not this endpoint's");
    if (in->tolerance_s > 0 && now_s - sh.t > in->tolerance_s) {
        HAWK_ERR_SET(err, HAWK_EAUTH, false, 400,
                     "signature timestamp is %lld s old, over the tolerance "
                     "of %lld s (a replayed or long-delayed event)",
                     (long long)(now_s - sh.t), (long long)in->tolerance_s);
        return HAWK_EAUTH;
    }
    return 0;
}

struct stp_type_map {
    const char *stripe;
    const char *neutral;
    json_object *(*norm)(const struct hawk_instance *, json_object *);
};

static const struct stp_type_map stp_types[] = {
    {"checkout.session.completed", "checkout.completed", stp_norm_checkout},
    {"customer.subscription.created", "subscription.created",
     stp_norm_subscription},
    {"customer.subscription.updated", "subscription.updated",
     stp_norm_subscription},
    {"customer.subscription.paused", "subscription.updated",
     stp_norm_subscription},
    {"customer.subscription.resumed", "subscription.updated",
     stp_norm_subscription},
    {"customer.subscription.deleted", "subscription.deleted",
     stp_norm_subscription},
    {"customer.subscription.trial_will_end", "subscription.trial_will_end",
     stp_norm_subscription},
    {"invoice.paid", "invoice.paid", stp_norm_invoice},
    {"invoice.payment_succeeded", "invoice.paid", stp_norm_invoice},
    {"invoice.payment_failed", "invoice.payment_failed", stp_norm_invoice},
    {"invoice.payment_action_required", "invoice.action_required",
     stp_norm_invoice},
    {"customer.updated", "customer.updated", stp_norm_customer},
    {"customer.deleted", "customer.deleted", stp_norm_customer},
    {NULL, NULL, NULL}};

static int stp_not_event(struct hawk_error *err, const char *why)
{
    HAWK_ERR_SET(err, HAWK_EINVAL, false, 400,
                 "the signed body is not a Stripe event: %s", why);
    return HAWK_EINVAL;
}

/* Builds the neutral event from a verified body. */
static int stp_event_json(const struct hawk_instance *in, const char *body,
                          size_t len, json_object **out, struct hawk_error *err)
{
    struct json_tokener *tok = json_tokener_new_ex(64);
    json_object *root = json_tokener_parse_ex(tok, body, (int)len);
    bool complete = json_tokener_get_error(tok) == json_tokener_success;
    json_tokener_free(tok);
    if (root == NULL || !complete ||
        !json_object_is_type(root, json_type_object)) {
        json_object_put(root);
        return stp_not_event(err, "not a JSON object");
    }
    const char *id = stp_get_str(root, "id");
    const char *type = stp_get_str(root, "type");
    const char *object = stp_get_str(root, "object");
    int64_t created = 0;
    json_object *obj = stp_get(root, "data.object");
    const char *why = NULL;
    if (object == NULL || strcmp(object, "event") != 0)
        why = "\"object\" is not \"event\"";
    else if (id == NULL || !stp_id_ok(id, "evt_"))
        why = "\"id\" is not an evt_ id";
    else if (type == NULL || strlen(type) > 100)
        why = "no \"type\"";
    else if (!stp_get_i64(root, "created", &created))
        why = "no \"created\" time";
    else if (!json_object_is_type(obj, json_type_object))
        why = "no \"data.object\"";
    if (why != NULL) {
        json_object_put(root);
        return stp_not_event(err, why);
    }

    const struct stp_type_map *m = stp_types;
    while (m->stripe != NULL && strcmp(m->stripe, type) != 0)
        m++;
    json_object *ev = json_object_new_object();
    json_object_object_add(ev, "id", json_object_new_string(id));
    json_object_object_add(
        ev, "type", json_object_new_string(m->neutral ? m->neutral : "other"));
    json_object_object_add(ev, "provider_type", json_object_new_string(type));
    json_object_object_add(ev, "created", json_object_new_int64(created));
    json_object *live = stp_get(root, "livemode");
    json_object_object_add(
        ev, "livemode",
        json_object_new_boolean(json_object_is_type(live, json_type_boolean) &&
                                json_object_get_boolean(live)));
    json_object_object_add(ev, "object", m->norm ? m->norm(in, obj) : NULL);
    const char *prev = stp_get_str(root, "data.previous_attributes.status");
    json_object *pv = json_object_new_object();
    json_object_object_add(pv, "status",
                           prev ? json_object_new_string(prev) : NULL);
    json_object_object_add(ev, "previous", pv);
    json_object_put(root);
    *out = ev;
    return 0;
}

/* See the payment kind's verify_webhook in hawk/plugin.h. */
int stp_verify_webhook(struct hawk_instance *in, struct hawk_call *call,
                       const char *body, size_t body_len, const char *header,
                       int64_t now_s, struct hawk_text_sink *event_json,
                       struct hawk_error *err)
{
    (void)call;
    if (body == NULL || body_len > STP_MAX_EVENT) {
        HAWK_ERR_SET(err, HAWK_ETOOBIG, false, 413,
                     "webhook body of %zu bytes is over the %zu byte limit",
                     body_len, STP_MAX_EVENT);
        return HAWK_ETOOBIG;
    }
    int rc = stp_check_signature(in, body, body_len, header, now_s, err);
    if (rc < 0)
        return rc;
    json_object *ev = NULL;
    rc = stp_event_json(in, body, body_len, &ev, err);
    if (rc < 0)
        return rc;
    rc = stp_emit_json(event_json, ev);
    json_object_put(ev);
    return rc;
}
