/*
 * billing/billing.c - the module object, its configuration, and calls
 * into the payment plugin with their errors said for the user.
 */
#include "billing/billing_int.h"

#include <inttypes.h>
#include <string.h>

#include "config/config.h"
#include "util/alloc.h"
#include "log/log.h"
#include "util/err.h"
#include "util/str.h"

#define BL_CALL_TIMEOUT_MS 30000
#define BL_MAX_REPLY ((size_t)8 << 20)

/* See billing.h. */
void hk_billing_cfg_from_config(const struct hk_config *c,
                                struct hk_billing_cfg *cfg)
{
    const struct hk_cfg_billing *s = &c->settings.billing;
    memset(cfg, 0, sizeof(*cfg));
    cfg->public_url = s->public_url;
    cfg->plugin = s->plugin;
    cfg->webhook_max_body = (size_t)s->webhook_max_body;
}

/* See billing.h. */
int hk_billing_new(const struct hk_billing_cfg *cfg, struct hk_db *db,
                   const struct hk_plugins *plugins, struct hk_billing **out,
                   struct hk_err *err)
{
    *out = NULL;
    const char *url = cfg->public_url;
    if (url == NULL ||
        (!hk_str_has_prefix(url, "https://") &&
         !hk_str_has_prefix(url, "http://")) ||
        strlen(url) > 1000)
        return hk_err_set(err, HAWK_ECONFIG, NULL, "billing.public_url",
                          "billing.public_url must be the http(s):// address "
                          "users reach hawk at, e.g. \"https://hawk.example\"");
    struct hk_billing *b = hk_calloc(1, sizeof(*b));
    size_t n = strlen(url);
    while (n > 0 && url[n - 1] == '/')
        n--;
    b->public_url = hk_strndup(url, n);
    if (cfg->plugin != NULL && cfg->plugin[0] != '\0')
        b->plugin = hk_strdup(cfg->plugin);
    b->webhook_max_body =
        cfg->webhook_max_body > 0 ? cfg->webhook_max_body : (size_t)1 << 20;
    b->db = db;
    b->plugins = plugins;
    *out = b;
    return 0;
}

/* See billing.h. */
void hk_billing_free(struct hk_billing *b)
{
    if (b == NULL)
        return;
    hk_free(b->public_url);
    hk_free(b->plugin);
    hk_free(b);
}

/* ---- plugin calls ----------------------------------------------------- */

static int bl_sink_write(struct hawk_text_sink *s, const char *data, size_t len)
{
    struct bl_call *bc = s->opaque;
    return hk_buf_append(&bc->out, data, len);
}

/* See billing_int.h. */
int bl_call_begin(const struct hk_billing *b, int64_t user_id, const char *what,
                  struct bl_call *bc, struct hk_err *err)
{
    memset(bc, 0, sizeof(*bc));
    bc->what = what;
    bc->e = b->plugins != NULL
                ? hk_plugins_find(b->plugins, HAWK_KIND_PAYMENT, b->plugin)
                : NULL;
    if (bc->e == NULL)
        return hk_err_set(err, HAWK_EUNAVAIL, "payment_unavailable", NULL,
                          "cannot %s: no payment plugin is loaded; the "
                          "administrator must enable one (plugins entry "
                          "for stripe.so%s%s)",
                          what, b->plugin != NULL ? " named " : "",
                          b->plugin != NULL ? b->plugin : "");
    struct hawk_error init = HAWK_ERROR_INIT;
    bc->perr = init;
    bc->sink.opaque = bc;
    bc->sink.write = bl_sink_write;
    hk_buf_init(&bc->out, BL_MAX_REPLY);
    hk_call_init(&bc->call, user_id, NULL, BL_CALL_TIMEOUT_MS, NULL);
    return 0;
}

/* The plugin's error in the user's terms. */
static int bl_map_error(struct bl_call *bc, int rc, struct hk_err *err)
{
    const struct hawk_error *pe = &bc->perr;
    const char *m = pe->msg[0] != '\0' ? pe->msg : hawk_strerror(rc);
    if (pe->http_status == 402)
        return hk_err_set(err, HAWK_EPERM, "payment_declined", NULL,
                          "the payment was declined: %s; use another card "
                          "or payment method",
                          m);
    switch (rc) {
    case HAWK_EINVAL:
        return hk_err_set(err, HAWK_EINVAL, "payment_refused", NULL,
                          "cannot %s: %s", bc->what, m);
    case HAWK_ENOTFOUND:
        return hk_err_set(err, HAWK_ENOTFOUND, NULL, NULL, "cannot %s: %s",
                          bc->what, m);
    case HAWK_ERATELIMIT:
        return hk_err_set(err, HAWK_ERATELIMIT, NULL, NULL,
                          "cannot %s now: the payment provider is busy; try "
                          "again in a minute",
                          bc->what);
    case HAWK_ECONFLICT:
        return hk_err_set(err, HAWK_ECONFLICT, NULL, NULL,
                          "cannot %s: %s; try again", bc->what, m);
    case HAWK_EUNSUPPORTED:
        return hk_err_set(err, HAWK_EUNAVAIL, "payment_unavailable", NULL,
                          "cannot %s: the payment plugin '%s' does not offer "
                          "it",
                          bc->what, hk_plugin_entry_name(bc->e));
    case HAWK_EAUTH:
    case HAWK_EPERM:
    case HAWK_ECONFIG:
        hk_log(HAWK_LOG_ERROR, "payment plugin refused to %s: %s", bc->what, m);
        return hk_err_set(err, HAWK_EUNAVAIL, "payment_unavailable", NULL,
                          "cannot %s: the payment provider refused hawk's "
                          "credentials; the administrator must check the "
                          "payment plugin's secret key",
                          bc->what);
    default:
        hk_log(HAWK_LOG_WARN, "payment plugin could not %s: %s (%s)", bc->what,
               m, hawk_err_name(rc));
        return hk_err_set(err, HAWK_EUNAVAIL, "payment_unavailable", NULL,
                          "cannot %s: the payment provider is unreachable "
                          "(%s); try again shortly",
                          bc->what, m);
    }
}

/* See billing_int.h. */
int bl_call_end(struct bl_call *bc, int rc, json_object **out,
                struct hk_err *err)
{
    if (out != NULL)
        *out = NULL;
    if (rc < 0) {
        rc = bl_map_error(bc, rc, err);
    } else if (out != NULL) {
        *out = json_tokener_parse(hk_buf_str(&bc->out));
        if (!json_object_is_type(*out, json_type_object)) {
            json_object_put(*out);
            *out = NULL;
            rc = hk_err_set(err, HAWK_EUNAVAIL, "payment_unavailable", NULL,
                            "cannot %s: the payment plugin answered "
                            "something that is not a JSON object",
                            bc->what);
        }
    }
    hk_buf_release(&bc->out);
    return rc;
}

/* ---- JSON members ----------------------------------------------------- */

/* See billing_int.h. */
const char *bl_str(json_object *o, const char *key)
{
    json_object *v = NULL;
    if (!json_object_object_get_ex(o, key, &v) ||
        !json_object_is_type(v, json_type_string))
        return NULL;
    return json_object_get_string(v);
}

/* See billing_int.h. */
int64_t bl_i64(json_object *o, const char *key, int64_t dflt)
{
    json_object *v = NULL;
    if (!json_object_object_get_ex(o, key, &v) ||
        !json_object_is_type(v, json_type_int))
        return dflt;
    return json_object_get_int64(v);
}

/* See billing_int.h. */
bool bl_bool(json_object *o, const char *key)
{
    json_object *v = NULL;
    return json_object_object_get_ex(o, key, &v) &&
           json_object_is_type(v, json_type_boolean) &&
           json_object_get_boolean(v);
}
