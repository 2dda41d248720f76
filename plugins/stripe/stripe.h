/*
 * plugins/stripe/stripe.h - internals of the Stripe payment plugin shared
 * by its files.  Nothing here is exported: the version script keeps every
 * symbol but hawk_plugin_v1 local.
 *
 * The plugin speaks Stripe's REST API v1 through the host's HTTP client
 * (form-encoded bodies, Bearer key, pinned Stripe-Version, an
 * Idempotency-Key on every POST, retries as Stripe documents them) and
 * verifies webhook signatures (HMAC-SHA256 over "<t>.<body>", any
 * matching v1, a tolerance, several secrets during a rotation).  What it
 * hands the host is provider-neutral JSON (see normalize.c).
 */
#ifndef STP_STRIPE_H
#define STP_STRIPE_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hawk/plugin.h"

#define STP_MAX_SECRETS 8
#define STP_KEY_MAX 1024
/* Largest Stripe reply read (lists of 100 invoices are ~500 KiB). */
#define STP_MAX_RESPONSE ((size_t)4 << 20)
/* Largest webhook body verified (Stripe events are a few KiB). */
#define STP_MAX_EVENT ((size_t)1 << 20)

/* Read-only after init(), so ops may run concurrently on one instance. */
struct hawk_instance {
    const struct hawk_host_api *api;
    struct hawk_host *host;
    char *api_base;   /* "https://api.stripe.com", no trailing slash */
    char *secret_key; /* secret: never logged */
    char *api_version;
    char *idem_prefix;  /* idempotency keys start with it */
    char *user_ref_key; /* metadata key holding the hawk user id */
    char *proration;    /* default proration_behavior */
    bool allow_promotion_codes;
    bool retry_rate_limited;
    bool health_probe;
    int max_retries;
    int64_t timeout_ms;
    int64_t retry_base_ms;
    int64_t retry_cap_ms;
    int64_t tolerance_s;               /* 0: timestamps not checked */
    char *wh_secrets[STP_MAX_SECRETS]; /* secrets: never logged */
    size_t n_wh_secrets;
    struct hawk_http_header headers[4]; /* Authorization (secret), ... */
    size_t n_headers;
};

/* ---- util.c ---- */
/* Abort on OOM like the host: plugin allocations are small and bounded;
 * sizes from outside are bounded by stp_buf. */
void *stp_alloc(size_t n);
char *stp_dup(const char *s);
char *stp_dupn(const char *s, size_t n);
char *stp_fmt(const char *fmt, ...) HAWK_PRINTF(1, 2);
/* Overwrites then frees a secret string.  Accepts NULL. */
void stp_free_secret(char *s);

/* Growable text with a hard cap: append fails with HAWK_ETOOBIG (and
 * leaves the text as it was) past `max` bytes. */
struct stp_buf {
    char *p;
    size_t len, cap, max;
};
void stp_buf_init(struct stp_buf *b, size_t max);
void stp_buf_free(struct stp_buf *b);
int stp_buf_put(struct stp_buf *b, const char *s, size_t n);
int stp_buf_puts(struct stp_buf *b, const char *s);
const char *stp_buf_str(const struct stp_buf *b);

/* A text sink collecting into an stp_buf (for tests and helpers). */
struct stp_collect {
    struct hawk_text_sink sink;
    struct stp_buf buf;
};
void stp_collect_init(struct stp_collect *c, size_t max);

/* Writes a json object to the host's sink as compact text. */
int stp_emit_json(struct hawk_text_sink *out, json_object *o);

/* Copies src to dst replacing every token that looks like a Stripe
 * secret (sk_, rk_, whsec_ prefixes, masked keys) or shares a fragment
 * with one of the instance's secrets by "[redacted]". */
void stp_redact(const struct hawk_instance *in, const char *src, char *dst,
                size_t dst_size);

/* ---- form.c ---- */
/* An application/x-www-form-urlencoded body with Stripe's bracket keys.
 * Keys are written as given ("line_items[0][price]") with brackets kept
 * literal; every other byte outside RFC 3986's unreserved set is
 * percent-encoded, in keys and values. */
struct stp_form {
    struct stp_buf buf;
};
void stp_form_init(struct stp_form *f);
void stp_form_free(struct stp_form *f);
/* Adds key=value (value NULL: nothing is added).  0 or HAWK_ETOOBIG. */
int stp_form_add(struct stp_form *f, const char *key, const char *value);
int stp_form_addf(struct stp_form *f, const char *key, const char *fmt, ...)
    HAWK_PRINTF(3, 4);
int stp_form_add_bool(struct stp_form *f, const char *key, bool v);
/* Percent-encodes s into b (brackets kept when keep_brackets). */
int stp_form_escape(struct stp_buf *b, const char *s, bool keep_brackets);

/* ---- http.c ---- */
/* One API request with Stripe's retry policy:
 *  - retried: connection errors and timeouts, 409, 5xx, any status with
 *    `Stripe-Should-Retry: true`, and 429 (rate_limit, lock_timeout) when
 *    the option retry_rate_limited is on (every POST carries an
 *    idempotency key, so a retry never repeats an effect); never a
 *    status with `Stripe-Should-Retry: false`, and never 400, 401, 402,
 *    403 or 404;
 *  - the wait doubles from retry_base to retry_cap with up to 50% jitter,
 *    slept through api->sleep_ms (the call's cancel flag and deadline
 *    end it; the host's test clock observes it);
 *  - POSTs send `Idempotency-Key: <idem_key>` on every attempt.
 * On a 2xx reply *out is the parsed JSON object (caller json_object_put()s
 * it).  On a Stripe error the error object {"error": {type, code, param,
 * message, status, request_id}} is written to err_sink (when not NULL)
 * and the code is returned with err filled (message redacted). */
struct stp_req {
    const char *method;   /* GET, POST, DELETE */
    const char *path;     /* "/v1/customers" (query included for GET) */
    const char *form;     /* POST body or NULL */
    const char *idem_key; /* POST: required */
    const char *what;     /* for messages: "create customer" */
    bool once;            /* no retries (health probes) */
};
int stp_call(struct hawk_instance *in, struct hawk_call *call,
             const struct stp_req *r, json_object **out,
             struct hawk_text_sink *err_sink, struct hawk_error *err);

/* Milliseconds before retry n+1 (n >= 0 failed attempts) with jitter
 * from rnd in [0, 1). */
int64_t stp_backoff_ms(const struct hawk_instance *in, int n, double rnd);

/* Builds the idempotency key "<prefix>-<op>-<suffix>" into dst: suffix is
 * the host's key when given (cut to fit Stripe's 255), else random hex
 * (one per operation, reused by its retries). */
int stp_idem_key(const struct hawk_instance *in, const char *op,
                 const char *given, char *dst, size_t n);

/* ---- normalize.c ---- */
/* Provider-neutral forms of Stripe objects (new objects; caller puts):
 * subscription {id, customer, status, price, item_id, created,
 *   current_period_start, current_period_end, cancel_at_period_end,
 *   cancel_at, canceled_at, ended_at, trial_end, user_ref}
 * invoice {id, number, customer, subscription, status, amount_due,
 *   amount_paid, currency, created, period_start, period_end, paid_at,
 *   hosted_url, pdf_url, billing_reason, attempt_count, next_attempt,
 *   price, user_ref}
 * checkout {session_id, customer, subscription, user_ref, mode,
 *   payment_status, customer_email}
 * customer {id, email, name, user_ref, created, deleted}
 * Absent or null fields come out as JSON null. */
json_object *stp_norm_subscription(const struct hawk_instance *in,
                                   json_object *s);
json_object *stp_norm_invoice(const struct hawk_instance *in, json_object *v);
json_object *stp_norm_checkout(const struct hawk_instance *in, json_object *s);
json_object *stp_norm_customer(const struct hawk_instance *in, json_object *c);

/* Member helpers: borrowed values, NULL/0 when absent or of another
 * type.  Paths are dotted ("parent.subscription_details.subscription"). */
json_object *stp_get(json_object *o, const char *path);
const char *stp_get_str(json_object *o, const char *path);
bool stp_get_i64(json_object *o, const char *path, int64_t *out);

/* ---- webhook.c ---- */
int stp_verify_webhook(struct hawk_instance *in, struct hawk_call *call,
                       const char *body, size_t body_len, const char *header,
                       int64_t now_s, struct hawk_text_sink *event_json,
                       struct hawk_error *err);
/* hex(HMAC-SHA256(secret, "<t>." + body)) into hex (65 bytes). */
int stp_sign(const char *secret, int64_t t, const char *body, size_t len,
             char hex[65]);

/* ---- ops.c ---- */
int stp_create_customer(struct hawk_instance *in, struct hawk_call *call,
                        const char *email, const char *user_ref,
                        struct hawk_text_sink *out, struct hawk_error *err);
int stp_find_customer(struct hawk_instance *in, struct hawk_call *call,
                      const char *email, const char *user_ref,
                      struct hawk_text_sink *out, struct hawk_error *err);
int stp_checkout_session(struct hawk_instance *in, struct hawk_call *call,
                         const struct hawk_checkout_req *req,
                         struct hawk_text_sink *out, struct hawk_error *err);
int stp_portal_session(struct hawk_instance *in, struct hawk_call *call,
                       const char *customer_id, const char *return_url,
                       struct hawk_text_sink *out, struct hawk_error *err);
int stp_list_invoices(struct hawk_instance *in, struct hawk_call *call,
                      const char *customer_id, int limit,
                      const char *starting_after, struct hawk_text_sink *out,
                      struct hawk_error *err);
int stp_get_subscription(struct hawk_instance *in, struct hawk_call *call,
                         const char *subscription_id,
                         struct hawk_text_sink *out, struct hawk_error *err);
int stp_cancel_subscription(struct hawk_instance *in, struct hawk_call *call,
                            const char *subscription_id, bool at_period_end,
                            const char *idempotency_key,
                            struct hawk_text_sink *out, struct hawk_error *err);
int stp_cancel_now(struct hawk_instance *in, struct hawk_call *call,
                   const char *subscription_id, struct hawk_text_sink *out,
                   struct hawk_error *err);
int stp_change_price(struct hawk_instance *in, struct hawk_call *call,
                     const char *subscription_id, const char *price_id,
                     const char *proration, const char *idempotency_key,
                     struct hawk_text_sink *out, struct hawk_error *err);

/* Checks an id Stripe gave ("cus_", "sub_", "price_" ... then
 * [A-Za-z0-9_]{1,250}); false for anything that could escape a URL path
 * or a form value. */
bool stp_id_ok(const char *id, const char *prefix);

#endif
