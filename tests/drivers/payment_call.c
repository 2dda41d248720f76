/*
 * tests/drivers/payment_call.c - runs one operation of a payment plugin
 * loaded by the real host (config, loader, option parsing, HTTP client)
 * and prints the outcome, so the integration tests can drive
 * plugins/stripe against the local Stripe stand-in.
 *
 *   payment_call CONFIG OP ARGS_JSON
 *
 * OP: create_customer {email, user_ref} | checkout {price, customer,
 * customer_email, success_url, cancel_url, user_ref, trial_days, key} |
 * portal {customer, return_url} | invoices {customer, limit, after} |
 * verify {body_file, header, now} | find_customer {email, user_ref} |
 * subscription {sub} | cancel {sub, at_period_end, key} | cancel_now {sub}
 * | change_price {sub, price, proration, key}.  Log lines go to stdout as JSON; the
 * last line is "RESULT {rc, code, retryable, http_status, message, out}".
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "config/config.h"
#include "log/log.h"
#include "plugin/calls.h"
#include "plugin/http_client.h"
#include "plugin/plugins.h"
#include "util/buf.h"

struct collect {
    struct hawk_text_sink sink;
    struct hk_buf buf;
};

static int collect_write(struct hawk_text_sink *s, const char *d, size_t n)
{
    return hk_buf_append(&((struct collect *)s)->buf, d, n);
}

static const char *arg_str(json_object *a, const char *k)
{
    json_object *v = NULL;
    if (json_object_object_get_ex(a, k, &v) &&
        json_object_is_type(v, json_type_string))
        return json_object_get_string(v);
    return NULL;
}

static int arg_int(json_object *a, const char *k, int dflt)
{
    json_object *v = NULL;
    if (json_object_object_get_ex(a, k, &v) &&
        json_object_is_type(v, json_type_int))
        return json_object_get_int(v);
    return dflt;
}

static bool arg_bool(json_object *a, const char *k)
{
    json_object *v = NULL;
    return json_object_object_get_ex(a, k, &v) &&
           json_object_is_type(v, json_type_boolean) &&
           json_object_get_boolean(v);
}

static int run_optional(const struct hk_plugin_entry *e, const char *op,
                        json_object *a, struct hawk_call *call,
                        struct hawk_text_sink *out, struct hawk_error *err)
{
    if (strcmp(op, "find_customer") == 0 &&
        hk_plugin_has_op(e, HK_OP_PAYMENT_FIND_CUSTOMER))
        return hk_plugin_payment_find_customer(
            e, call, arg_str(a, "email"), arg_str(a, "user_ref"), out, err);
    if (strcmp(op, "subscription") == 0 &&
        hk_plugin_has_op(e, HK_OP_PAYMENT_GET_SUBSCRIPTION))
        return hk_plugin_payment_get_subscription(e, call, arg_str(a, "sub"),
                                                  out, err);
    if (strcmp(op, "cancel") == 0 &&
        hk_plugin_has_op(e, HK_OP_PAYMENT_CANCEL_SUBSCRIPTION))
        return hk_plugin_payment_cancel_subscription(
            e, call, arg_str(a, "sub"), arg_bool(a, "at_period_end"),
            arg_str(a, "key"), out, err);
    if (strcmp(op, "cancel_now") == 0 &&
        hk_plugin_has_op(e, HK_OP_PAYMENT_CANCEL_NOW))
        return hk_plugin_payment_cancel_now(e, call, arg_str(a, "sub"), out,
                                            err);
    if (strcmp(op, "change_price") == 0 &&
        hk_plugin_has_op(e, HK_OP_PAYMENT_CHANGE_PRICE))
        return hk_plugin_payment_change_price(
            e, call, arg_str(a, "sub"), arg_str(a, "price"),
            arg_str(a, "proration"), arg_str(a, "key"), out, err);
    HAWK_ERR_SET(err, HAWK_EINVAL, false, 0, "unknown op %s", op);
    return HAWK_EINVAL;
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    struct hk_buf b;
    char chunk[4096];
    size_t n;
    hk_buf_init(&b, (size_t)8 << 20);
    if (f == NULL)
        return NULL;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        (void)hk_buf_append(&b, chunk, n);
    fclose(f);
    if (b.data == NULL)
        (void)hk_buf_append(&b, "", 0);
    return hk_buf_steal(&b, len);
}

static int run(const struct hk_plugin_entry *e, const char *op, json_object *a,
               struct hawk_text_sink *out, struct hawk_error *err)
{
    struct hawk_call call;
    hk_call_init(&call, 1, "test-request", 60000, NULL);
    if (strcmp(op, "create_customer") == 0)
        return hk_plugin_payment_create_customer(
            e, &call, arg_str(a, "email"), arg_str(a, "user_ref"), out, err);
    if (strcmp(op, "checkout") == 0) {
        struct hawk_checkout_req r;
        memset(&r, 0, sizeof(r));
        r.struct_size = sizeof(r);
        r.customer_id = arg_str(a, "customer");
        r.customer_email = arg_str(a, "customer_email");
        r.price_id = arg_str(a, "price");
        r.success_url = arg_str(a, "success_url");
        r.cancel_url = arg_str(a, "cancel_url");
        r.client_reference_id = arg_str(a, "user_ref");
        r.trial_days = arg_int(a, "trial_days", 0);
        r.idempotency_key = arg_str(a, "key");
        return hk_plugin_payment_checkout_session(e, &call, &r, out, err);
    }
    if (strcmp(op, "portal") == 0)
        return hk_plugin_payment_portal_session(
            e, &call, arg_str(a, "customer"), arg_str(a, "return_url"), out,
            err);
    if (strcmp(op, "invoices") == 0)
        return hk_plugin_payment_list_invoices(e, &call, arg_str(a, "customer"),
                                               arg_int(a, "limit", 10),
                                               arg_str(a, "after"), out, err);
    if (strcmp(op, "verify") == 0) {
        size_t len = 0;
        const char *file = arg_str(a, "body_file");
        char *body = file != NULL ? read_file(file, &len) : NULL;
        json_object *now = NULL;
        json_object_object_get_ex(a, "now", &now);
        int rc = hk_plugin_payment_verify_webhook(
            e, &call, body, len, arg_str(a, "header"),
            json_object_get_int64(now), out, err);
        free(body);
        return rc;
    }
    return run_optional(e, op, a, &call, out, err);
}

int main(int argc, char **argv)
{
    struct hk_config cfg;
    struct hk_plugins *plugins = NULL;
    char msg[1024];
    if (argc != 4) {
        fprintf(stderr, "usage: payment_call CONFIG OP ARGS_JSON\n");
        return 2;
    }
    if (hk_config_load(argv[1], &cfg, msg, sizeof(msg)) < 0) {
        fprintf(stderr, "payment_call: %s\n", msg);
        return 2;
    }
    struct hk_log_opts lo = {.level = HAWK_LOG_DEBUG, .to_stdout = true};
    hk_log_init(&lo);
    hk_http_client_global_init();
    json_object *a = json_tokener_parse(argv[3]);
    int rc = hk_plugins_load(&cfg, NULL, HK_PLUGINS_START, &plugins, msg,
                             sizeof(msg));
    struct hawk_error err;
    struct collect c = {{NULL, collect_write}, {0}};
    hk_buf_init(&c.buf, (size_t)16 << 20);
    c.sink.opaque = &c;
    memset(&err, 0, sizeof(err));
    const struct hk_plugin_entry *e =
        rc == 0 ? hk_plugins_find(plugins, HAWK_KIND_PAYMENT, NULL) : NULL;
    if (e == NULL) {
        HAWK_ERR_SET(&err, HAWK_ECONFIG, false, 0, "%.250s",
                     rc < 0 ? msg : "no payment plugin loaded");
        if (plugins != NULL && hk_plugins_count(plugins) > 0 &&
            hk_plugin_entry_status(hk_plugins_at(plugins, 0)) !=
                HK_PLUGIN_LOADED)
            snprintf(err.msg, sizeof(err.msg), "%.250s",
                     hk_plugin_entry_reason(hk_plugins_at(plugins, 0)));
        rc = HAWK_ECONFIG;
    } else {
        rc = run(e, argv[2], a, &c.sink, &err);
    }
    json_object *res = json_object_new_object();
    json_object_object_add(res, "rc", json_object_new_int(rc));
    json_object_object_add(res, "code",
                           json_object_new_string(hawk_err_name(rc)));
    json_object_object_add(res, "retryable",
                           json_object_new_boolean(err.retryable));
    json_object_object_add(res, "http_status",
                           json_object_new_int(err.http_status));
    json_object_object_add(res, "message", json_object_new_string(err.msg));
    json_object *out = json_tokener_parse(hk_buf_str(&c.buf));
    json_object_object_add(
        res, "out",
        out != NULL ? out : json_object_new_string(hk_buf_str(&c.buf)));
    printf("RESULT %s\n",
           json_object_to_json_string_ext(res, JSON_C_TO_STRING_PLAIN));
    json_object_put(res);
    json_object_put(a);
    hk_buf_release(&c.buf);
    hk_plugins_unload(plugins);
    hk_http_client_global_cleanup();
    hk_config_release(&cfg);
    hk_log_shutdown();
    return 0;
}
