/*
 * plugins/stripe/plugin.c - the descriptor of the `stripe` payment
 * plugin: its options (parsed and type-checked by the host), init/fini
 * and the health probe.
 *
 * The secret key and the webhook secret default to ${STRIPE_SECRET_KEY}
 * and ${STRIPE_WEBHOOK_SECRET}, so an entry with only name, path and
 * enabled works when those are set.  webhook_secret may hold several
 * secrets separated by commas or spaces: while a secret is being rolled,
 * list the new one and the old one, and events signed with either pass.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stripe.h"

#define STP_HEALTH_TIMEOUT_MS 5000
/* The API version this plugin's parsing was written against.  Pinned, so
 * a change of the account's default version changes nothing here. */
#define STP_API_VERSION "2025-03-31.basil"

static const struct hawk_cfg_key stp_keys[] = {
    {"secret_key", HAWK_CFG_SECRET, 0, "${STRIPE_SECRET_KEY:-}",
     "API secret key (sk_live_... or sk_test_..., or a restricted rk_...)", 0,
     0},
    {"webhook_secret", HAWK_CFG_SECRET, 0, "${STRIPE_WEBHOOK_SECRET:-}",
     "signing secret(s) of the webhook endpoint (whsec_...), separated by "
     "commas while one is being rolled",
     0, 0},
    {"api_base", HAWK_CFG_STR, 0, "https://api.stripe.com",
     "API root; /v1/... is appended", 0, 0},
    {"api_version", HAWK_CFG_STR, 0, STP_API_VERSION,
     "Stripe-Version sent with every request", 0, 0},
    {"timeout", HAWK_CFG_DURATION, 0, "30s", "time limit of one HTTP attempt",
     1, 600000},
    {"max_retries", HAWK_CFG_INT, 0, "2",
     "retries after a connection error, 409, 429 or 5xx", 0, 10},
    {"retry_base", HAWK_CFG_DURATION, 0, "500ms",
     "first back-off wait; doubles per retry", 1, 600000},
    {"retry_cap", HAWK_CFG_DURATION, 0, "5s", "longest back-off wait", 1,
     3600000},
    {"retry_rate_limited", HAWK_CFG_BOOL, 0, "true",
     "retry 429 answers (safe: every POST carries an idempotency key)", 0, 0},
    {"webhook_tolerance", HAWK_CFG_DURATION, 0, "300s",
     "oldest signature timestamp accepted; 0 turns the check off", 0, 86400000},
    {"proration_behavior", HAWK_CFG_STR, 0, "create_prorations",
     "on a plan change: create_prorations, none or always_invoice", 0, 0},
    {"allow_promotion_codes", HAWK_CFG_BOOL, 0, "false",
     "let users enter promotion codes in Checkout", 0, 0},
    {"idempotency_prefix", HAWK_CFG_STR, 0, "hawk",
     "first part of every Idempotency-Key; give each installation sharing "
     "one Stripe account its own",
     0, 0},
    {"user_ref_key", HAWK_CFG_STR, 0, "hawk_user_id",
     "metadata key that carries the hawk user id", 0, 0},
    {"health_probe", HAWK_CFG_BOOL, 0, "true",
     "health checks call the API (GET /v1/customers?limit=1)", 0, 0},
    {NULL, 0, 0, NULL, NULL, 0, 0}};

static int stp_cfg_fail(struct hawk_error *err, const char *key,
                        const char *why)
{
    HAWK_ERR_SET(err, HAWK_ECONFIG, false, 0, "option %s: %s", key, why);
    return HAWK_ECONFIG;
}

static bool stp_printable(const char *s)
{
    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;
        if (c <= 32 || c == 127)
            return false;
    }
    return true;
}

/* A string option: 0 with *out (NULL when unset), never fails. */
static const char *stp_opt(struct hawk_instance *in,
                           const struct hawk_config *cfg, const char *key)
{
    const char *v = NULL;
    if (in->api->cfg_str(cfg, key, &v) < 0)
        return NULL;
    return v;
}

static int stp_read_key(struct hawk_instance *in, const struct hawk_config *cfg,
                        struct hawk_error *err)
{
    const char *key = stp_opt(in, cfg, "secret_key");
    if (key == NULL || key[0] == '\0')
        return stp_cfg_fail(err, "secret_key",
                            "is empty: set STRIPE_SECRET_KEY in the "
                            "environment or secret_key in the options");
    if (strlen(key) > STP_KEY_MAX || !stp_printable(key))
        return stp_cfg_fail(err, "secret_key", "contains invalid characters");
    if (strncmp(key, "sk_", 3) != 0 && strncmp(key, "rk_", 3) != 0)
        return stp_cfg_fail(err, "secret_key",
                            "must be a secret (sk_...) or restricted "
                            "(rk_...) key, not a publishable one");
    in->secret_key = stp_dup(key);
    return 0;
}

/* Splits webhook_secret on commas and whitespace. */
static int stp_read_wh_secrets(struct hawk_instance *in,
                               const struct hawk_config *cfg,
                               struct hawk_error *err)
{
    const char *v = stp_opt(in, cfg, "webhook_secret");
    const char *p = v != NULL ? v : "";

    while (*p != '\0') {
        while (*p == ',' || *p == ' ' || *p == '\t')
            p++;
        size_t n = strcspn(p, ", \t");
        if (n == 0)
            break;
        if (in->n_wh_secrets == STP_MAX_SECRETS)
            return stp_cfg_fail(err, "webhook_secret",
                                "holds more than 8 secrets");
        if (n > STP_KEY_MAX)
            return stp_cfg_fail(err, "webhook_secret", "a secret is too long");
        char *s = stp_dupn(p, n);
        if (!stp_printable(s)) {
            stp_free_secret(s);
            return stp_cfg_fail(err, "webhook_secret",
                                "contains invalid characters");
        }
        in->wh_secrets[in->n_wh_secrets++] = s;
        p += n;
    }
    /* Without a secret the plugin still creates sessions; webhooks are
     * then refused with a message naming the missing setting. */
    if (in->n_wh_secrets == 0)
        in->api->log(in->host, HAWK_LOG_WARN,
                     "stripe: no webhook secret configured: webhooks will be "
                     "refused until STRIPE_WEBHOOK_SECRET or "
                     "options.webhook_secret is set");
    return 0;
}

static int stp_read_strings(struct hawk_instance *in,
                            const struct hawk_config *cfg,
                            struct hawk_error *err)
{
    const char *base = stp_opt(in, cfg, "api_base");
    if (base == NULL ||
        (strncmp(base, "https://", 8) != 0 &&
         strncmp(base, "http://", 7) != 0) ||
        !stp_printable(base) || strlen(base) > 512)
        return stp_cfg_fail(err, "api_base",
                            "must be an http:// or https:// URL");
    size_t bl = strlen(base);
    while (bl > 0 && base[bl - 1] == '/')
        bl--;
    in->api_base = stp_dupn(base, bl);

    const char *ver = stp_opt(in, cfg, "api_version");
    if (ver == NULL || ver[0] == '\0' || strlen(ver) > 64 ||
        !stp_printable(ver))
        return stp_cfg_fail(err, "api_version",
                            "must be a Stripe API version such as "
                            "2025-03-31.basil");
    in->api_version = stp_dup(ver);

    const char *pro = stp_opt(in, cfg, "proration_behavior");
    if (pro == NULL ||
        (strcmp(pro, "create_prorations") != 0 && strcmp(pro, "none") != 0 &&
         strcmp(pro, "always_invoice") != 0))
        return stp_cfg_fail(err, "proration_behavior",
                            "must be create_prorations, none or "
                            "always_invoice");
    in->proration = stp_dup(pro);

    const char *pre = stp_opt(in, cfg, "idempotency_prefix");
    if (pre == NULL || pre[0] == '\0' || strlen(pre) > 40 ||
        !stp_id_ok(pre, NULL))
        return stp_cfg_fail(err, "idempotency_prefix",
                            "must be 1 to 40 letters, digits, '_' or '-'");
    in->idem_prefix = stp_dup(pre);

    const char *urk = stp_opt(in, cfg, "user_ref_key");
    if (urk == NULL || urk[0] == '\0' || strlen(urk) > 40 ||
        !stp_id_ok(urk, NULL))
        return stp_cfg_fail(err, "user_ref_key",
                            "must be 1 to 40 letters, digits, '_' or '-' "
                            "(Stripe metadata keys are at most 40)");
    in->user_ref_key = stp_dup(urk);
    return 0;
}

static int stp_read_numbers(struct hawk_instance *in,
                            const struct hawk_config *cfg,
                            struct hawk_error *err)
{
    const struct hawk_host_api *api = in->api;
    int64_t retries = 2;
    bool b = false;

    if (api->cfg_int(cfg, "timeout", &in->timeout_ms) < 0 ||
        api->cfg_int(cfg, "retry_base", &in->retry_base_ms) < 0 ||
        api->cfg_int(cfg, "retry_cap", &in->retry_cap_ms) < 0 ||
        api->cfg_int(cfg, "max_retries", &retries) < 0 ||
        api->cfg_int(cfg, "webhook_tolerance", &in->tolerance_s) < 0)
        return stp_cfg_fail(err, "timeout", "a number option is unreadable");
    if (in->retry_cap_ms < in->retry_base_ms)
        return stp_cfg_fail(err, "retry_cap", "must be at least retry_base");
    in->max_retries = (int)retries;
    in->tolerance_s /= 1000;
    in->retry_rate_limited =
        api->cfg_bool(cfg, "retry_rate_limited", &b) == 0 ? b : true;
    in->allow_promotion_codes =
        api->cfg_bool(cfg, "allow_promotion_codes", &b) == 0 ? b : false;
    in->health_probe = api->cfg_bool(cfg, "health_probe", &b) == 0 ? b : true;
    return 0;
}

static void stp_fini(struct hawk_instance *in)
{
    if (in == NULL)
        return;
    for (size_t i = 0; i < in->n_headers; i++) {
        if (in->headers[i].secret)
            stp_free_secret((char *)in->headers[i].value);
    }
    for (size_t i = 0; i < in->n_wh_secrets; i++)
        stp_free_secret(in->wh_secrets[i]);
    stp_free_secret(in->secret_key);
    free(in->api_base);
    free(in->api_version);
    free(in->proration);
    free(in->idem_prefix);
    free(in->user_ref_key);
    free(in);
}

static int stp_init(const struct hawk_host_api *api, struct hawk_host *host,
                    const struct hawk_config *cfg, struct hawk_instance **out,
                    struct hawk_error *err)
{
    *out = NULL;
    if (api == NULL || api->abi_major != HAWK_ABI_MAJOR ||
        !HAWK_API_HAS(api, metric_add)) {
        HAWK_ERR_SET(err, HAWK_EABI, false, 0,
                     "host API table is too old for the stripe plugin");
        return HAWK_EABI;
    }
    struct hawk_instance *in = stp_alloc(sizeof(*in));
    in->api = api;
    in->host = host;
    int rc = stp_read_key(in, cfg, err);
    if (rc == 0)
        rc = stp_read_wh_secrets(in, cfg, err);
    if (rc == 0)
        rc = stp_read_strings(in, cfg, err);
    if (rc == 0)
        rc = stp_read_numbers(in, cfg, err);
    if (rc < 0) {
        stp_fini(in);
        return rc;
    }
    in->headers[0] = (struct hawk_http_header){
        "Authorization", stp_fmt("Bearer %s", in->secret_key), true};
    in->headers[1] =
        (struct hawk_http_header){"Stripe-Version", in->api_version, false};
    in->headers[2] =
        (struct hawk_http_header){"Accept", "application/json", false};
    in->n_headers = 3;
    *out = in;
    return 0;
}

static int stp_health(struct hawk_instance *in, struct hawk_call *call,
                      struct hawk_text_sink *detail, struct hawk_error *err)
{
    char buf[256];
    if (!in->health_probe) {
        snprintf(buf, sizeof(buf),
                 "{\"probe\":\"none\",\"webhook_secrets\":%zu}",
                 in->n_wh_secrets);
        return detail->write(detail, buf, strlen(buf));
    }
    json_object *reply = NULL;
    /* One attempt: a health check reports, it does not wait out back-off. */
    struct stp_req r = {"GET", "/v1/customers?limit=1", NULL,
                        NULL,  "health probe",          true};
    int rc = stp_call(in, call, &r, &reply, NULL, err);
    if (rc < 0)
        return rc;
    json_object_put(reply);
    snprintf(buf, sizeof(buf),
             "{\"probe\":\"api\",\"api_version\":\"%s\",\"webhook_secrets\":%"
             "zu}",
             in->api_version, in->n_wh_secrets);
    return detail->write(detail, buf, strlen(buf));
}

/* The ops of the payment kind (hawk/plugin.h). */
static int stp_op_verify(struct hawk_instance *in, struct hawk_call *call,
                         const char *body, size_t body_len,
                         const char *signature_header, int64_t now_s,
                         struct hawk_text_sink *event_json,
                         struct hawk_error *err)
{
    return stp_verify_webhook(in, call, body, body_len, signature_header, now_s,
                              event_json, err);
}

static const struct hawk_payment_ops stp_ops = {
    .struct_size = sizeof(struct hawk_payment_ops),
    .create_customer = stp_create_customer,
    .checkout_session = stp_checkout_session,
    .portal_session = stp_portal_session,
    .list_invoices = stp_list_invoices,
    .verify_webhook = stp_op_verify,
    .find_customer = stp_find_customer,
    .get_subscription = stp_get_subscription,
    .cancel_subscription = stp_cancel_subscription,
    .cancel_now = stp_cancel_now,
    .change_price = stp_change_price,
};

HAWK_PLUGIN_DEFINE = {
    HAWK_PLUGIN_HEADER,
    .name = "stripe",
    .version = "1.0.0",
    .description = "Stripe subscriptions: Checkout, Billing Portal, "
                   "invoices and signed webhooks",
    .kind = HAWK_KIND_PAYMENT,
    .flags = HAWK_PLUGIN_THREADSAFE,
    .config_keys = stp_keys,
    .init = stp_init,
    .start = NULL,
    .health = stp_health,
    .stop = NULL,
    .fini = stp_fini,
    .ops = &stp_ops,
};
