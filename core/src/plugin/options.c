/*
 * plugin/options.c - a plugin's `options` group, checked against the keys
 * it declares, and the cfg_* getters of the host API over the result.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "config/config.h"
#include "config/internal.h"
#include "plugin/internal.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/str.h"

#define REDACTED "<redacted>"

/* The SDK's HAWK_CFG_* and the core's enum hk_cfg_type differ only in
 * name; map explicitly so either may grow. */
static int map_type(uint32_t t, enum hk_cfg_type *out)
{
    switch (t) {
    case HAWK_CFG_STR:
        *out = HK_CFG_STR;
        return 0;
    case HAWK_CFG_INT:
        *out = HK_CFG_INT;
        return 0;
    case HAWK_CFG_BOOL:
        *out = HK_CFG_BOOL;
        return 0;
    case HAWK_CFG_DOUBLE:
        *out = HK_CFG_DOUBLE;
        return 0;
    case HAWK_CFG_DURATION:
        *out = HK_CFG_DURATION;
        return 0;
    case HAWK_CFG_SIZE:
        *out = HK_CFG_SIZE;
        return 0;
    case HAWK_CFG_SECRET:
        *out = HK_CFG_SECRET;
        return 0;
    case HAWK_CFG_STR_LIST:
        *out = HK_CFG_STR_LIST;
        return 0;
    }
    return HAWK_EINVAL;
}

/* Key i of the plugin's table, stepping by the element size it declared
 * (its build's sizeof(struct hawk_cfg_key), which may differ from ours). */
static const struct hawk_cfg_key *plugin_key(const struct hawk_plugin *d,
                                             size_t i)
{
    return HAWK_AT(hawk_cfg_key, d->config_keys, d->config_key_size, i);
}

/* Counts and sanity-checks the declared keys. */
static int count_keys(const struct hawk_plugin *d, size_t *n, char *reason,
                      size_t reasonlen)
{
    *n = 0;
    if (d->config_keys == NULL)
        return 0;
    if (d->config_key_size < HAWK_CFG_KEY_SIZE_1_0) {
        snprintf(reason, reasonlen,
                 "plugin declares config keys of %zu bytes each (at least "
                 "%zu): set config_key_size, or use HAWK_PLUGIN_HEADER",
                 d->config_key_size, (size_t)HAWK_CFG_KEY_SIZE_1_0);
        return HAWK_EABI;
    }
    for (size_t i = 0; plugin_key(d, i)->name != NULL; i++) {
        const struct hawk_cfg_key *k = plugin_key(d, i);
        enum hk_cfg_type t;
        if (i >= HK_PLUGIN_MAX_KEYS) {
            snprintf(reason, reasonlen,
                     "plugin declares more than %d config keys",
                     HK_PLUGIN_MAX_KEYS);
            return HAWK_EINVAL;
        }
        if (k->name[0] == '\0' || strlen(k->name) > 64 ||
            map_type(k->type, &t) < 0) {
            snprintf(reason, reasonlen,
                     "plugin declares an invalid config key (#%zu)", i + 1);
            return HAWK_EINVAL;
        }
        for (size_t j = 0; j < i; j++) {
            if (strcmp(plugin_key(d, j)->name, k->name) == 0) {
                snprintf(reason, reasonlen,
                         "plugin declares config key '%.64s' twice", k->name);
                return HAWK_EINVAL;
            }
        }
        *n = i + 1;
    }
    return 0;
}

static long key_index(const struct hawk_config *c, const char *name)
{
    for (size_t i = 0; i < c->n; i++) {
        if (strcmp(c->keys[i].name, name) == 0)
            return (long)i;
    }
    return -1;
}

static int unknown_option(const struct hawk_config *c,
                          const config_setting_t *s, const char *instance,
                          const char *cfg_path, char *reason, size_t reasonlen)
{
    char where[300];
    hk_config_where(s, cfg_path, where, sizeof(where));
    const char *name = config_setting_name(s);
    const char *cands[HK_PLUGIN_MAX_KEYS];
    for (size_t i = 0; i < c->n; i++)
        cands[i] = c->keys[i].name;
    const char *best = hk_config_suggest(name, cands, c->n);
    if (best != NULL) {
        snprintf(reason, reasonlen,
                 "%s: unknown option '%s' for plugin '%s' (did you mean "
                 "'%s'?)",
                 where, name, instance, best);
        return HAWK_ECONFIG;
    }
    struct hk_buf known;
    hk_buf_init(&known, 256);
    for (size_t i = 0; i < c->n; i++) {
        if (hk_buf_printf(&known, "%s%s", i ? ", " : "", c->keys[i].name) < 0)
            break;
    }
    if (c->n == 0)
        snprintf(reason, reasonlen,
                 "%s: unknown option '%s' for plugin '%s' (it takes no "
                 "options)",
                 where, name, instance);
    else
        snprintf(reason, reasonlen,
                 "%s: unknown option '%s' for plugin '%s' (known: %s)", where,
                 name, instance, hk_buf_str(&known));
    hk_buf_release(&known);
    return HAWK_ECONFIG;
}

/* Reads the present options; unknown keys and bad values fail. */
static int read_present(struct hawk_config *c, const struct hk_plugin_cfg *pc,
                        const char *cfg_path, char *reason, size_t reasonlen)
{
    if (pc->options == NULL)
        return 0;
    for (int i = 0; i < config_setting_length(pc->options); i++) {
        const config_setting_t *s =
            config_setting_get_elem(pc->options, (unsigned)i);
        long k = key_index(c, config_setting_name(s));
        if (k < 0)
            return unknown_option(c, s, pc->name, cfg_path, reason, reasonlen);
        const struct hawk_cfg_key *key = &c->keys[k];
        enum hk_cfg_type t;
        map_type(key->type, &t);
        char what[200], msg[1024], where[300];
        snprintf(what, sizeof(what), "option '%s' of plugin '%s'", key->name,
                 pc->name);
        struct hk_cfg_value *v = &c->vals[k];
        if (hk_cfg_value_from_setting(v, s, t, key->min, key->max, what, msg,
                                      sizeof(msg)) < 0) {
            hk_cfg_value_clear(v);
            hk_config_where(s, cfg_path, where, sizeof(where));
            snprintf(reason, reasonlen, "%s: %s", where, msg);
            return HAWK_ECONFIG;
        }
        hk_config_where(s, cfg_path, where, sizeof(where));
        hk_cfg_value_set_origin(v, where);
    }
    return 0;
}

/* Fills defaults and checks required keys. */
static int fill_missing(struct hawk_config *c, const struct hk_plugin_cfg *pc,
                        const char *cfg_path, char *reason, size_t reasonlen)
{
    for (size_t i = 0; i < c->n; i++) {
        const struct hawk_cfg_key *key = &c->keys[i];
        struct hk_cfg_value *v = &c->vals[i];
        enum hk_cfg_type t;
        map_type(key->type, &t);
        v->type = t;
        if (v->set)
            continue;
        if (key->flags & HAWK_CFG_REQUIRED) {
            char where[300];
            if (pc->options != NULL)
                hk_config_where(pc->options, cfg_path, where, sizeof(where));
            else
                snprintf(where, sizeof(where), "%s:%d", cfg_path, pc->line);
            snprintf(reason, reasonlen,
                     "%s: plugin '%s' needs option '%s' (%s%s%s): add it to "
                     "its options group",
                     where, pc->name, key->name, hk_cfg_type_phrase(t),
                     key->help != NULL ? "; " : "",
                     key->help != NULL ? key->help : "");
            return HAWK_ECONFIG;
        }
        if (key->default_value == NULL)
            continue;
        char what[200], msg[1024];
        snprintf(what, sizeof(what), "the plugin's default for option '%s'",
                 key->name);
        /* A default may name environment variables ("${STRIPE_SECRET_KEY:-}")
         * so an entry without options still finds its keys. */
        char *text = hk_config_expand(key->default_value, msg, sizeof(msg));
        if (text == NULL) {
            snprintf(reason, reasonlen,
                     "plugin '%s' option '%s': %s (set it in the environment "
                     "or in the options group)",
                     pc->name, key->name, msg);
            return HAWK_ECONFIG;
        }
        int vrc = hk_cfg_value_from_text(v, text, t, key->min, key->max, what,
                                         msg, sizeof(msg));
        if (key->type == HAWK_CFG_SECRET)
            hk_free_secret(text);
        else
            hk_free(text);
        if (vrc < 0) {
            hk_cfg_value_clear(v);
            snprintf(reason, reasonlen, "%s (a bug in the plugin)", msg);
            return HAWK_EINVAL;
        }
        hk_cfg_value_set_origin(v, strchr(key->default_value, '$') != NULL
                                       ? "default (environment)"
                                       : "default");
    }
    return 0;
}

/* See internal.h. */
int hk_plugin_options_build(const struct hk_plugin_cfg *pc,
                            const struct hawk_plugin *d, const char *cfg_path,
                            struct hawk_config **out, char *reason,
                            size_t reasonlen)
{
    *out = NULL;
    size_t n;
    int rc = count_keys(d, &n, reason, reasonlen);
    if (rc < 0)
        return rc;
    struct hawk_config *c = hk_calloc(1, sizeof(*c));
    /* Our own copy at our own stride: the rest of the host indexes keys
     * as a plain array, and fields the plugin's build lacks read as 0. */
    struct hawk_cfg_key *keys = hk_calloc(n + 1, sizeof(*keys));
    size_t take =
        d->config_key_size < sizeof(*keys) ? d->config_key_size : sizeof(*keys);
    for (size_t i = 0; i < n; i++)
        memcpy(&keys[i], plugin_key(d, i), take);
    c->keys = keys;
    c->n = n;
    c->vals = hk_calloc(n + 1, sizeof(struct hk_cfg_value));
    rc = read_present(c, pc, cfg_path, reason, reasonlen);
    if (rc == 0)
        rc = fill_missing(c, pc, cfg_path, reason, reasonlen);
    if (rc < 0) {
        hk_plugin_options_free(c);
        return rc;
    }
    *out = c;
    return 0;
}

/* See internal.h. */
void hk_plugin_options_free(struct hawk_config *c)
{
    if (c == NULL)
        return;
    for (size_t i = 0; i < c->n; i++)
        hk_cfg_value_clear(&c->vals[i]);
    hk_free(c->vals);
    hk_free(c->keys);
    hk_free(c);
}

static void render_value(const struct hk_cfg_value *v, struct hk_buf *b,
                         bool json)
{
    char tmp[64];
    switch (v->type) {
    case HK_CFG_SECRET:
        if (json)
            hk_buf_json_str(b, REDACTED, strlen(REDACTED));
        else
            hk_buf_puts(b, REDACTED);
        return;
    case HK_CFG_STR:
        if (json)
            hk_buf_json_str(b, v->s, strlen(v->s));
        else
            hk_buf_printf(b, "\"%s\"", v->s);
        return;
    case HK_CFG_INT:
        hk_buf_printf(b, "%" PRId64, v->i);
        return;
    case HK_CFG_BOOL:
        hk_buf_puts(b, v->b ? "true" : "false");
        return;
    case HK_CFG_DOUBLE:
        hk_buf_printf(b, "%g", v->d);
        return;
    case HK_CFG_DURATION:
    case HK_CFG_SIZE:
        if (v->type == HK_CFG_DURATION)
            hk_cfg_format_duration(v->i, tmp, sizeof(tmp));
        else
            hk_cfg_format_size(v->i, tmp, sizeof(tmp));
        if (json)
            hk_buf_json_str(b, tmp, strlen(tmp));
        else
            hk_buf_puts(b, tmp);
        return;
    case HK_CFG_STR_LIST:
        hk_buf_putc(b, '[');
        for (size_t i = 0; i < v->n_items; i++) {
            if (i > 0)
                hk_buf_puts(b, json ? "," : ", ");
            if (json)
                hk_buf_json_str(b, v->items[i], strlen(v->items[i]));
            else
                hk_buf_printf(b, "\"%s\"", v->items[i]);
        }
        hk_buf_putc(b, ']');
        return;
    case HK_CFG_GROUP_LIST:
        break;
    }
    hk_buf_puts(b, "null");
}

/* See internal.h. */
void hk_plugin_options_render(const struct hawk_config *c, struct hk_buf *b,
                              bool json)
{
    bool first = true;
    if (json)
        hk_buf_putc(b, '{');
    for (size_t i = 0; c != NULL && i < c->n; i++) {
        const struct hk_cfg_value *v = &c->vals[i];
        if (!v->set)
            continue;
        if (json) {
            if (!first)
                hk_buf_putc(b, ',');
            hk_buf_json_str(b, c->keys[i].name, strlen(c->keys[i].name));
            hk_buf_putc(b, ':');
        } else {
            hk_buf_printf(b, "%s%s=", first ? "" : " ", c->keys[i].name);
        }
        render_value(v, b, json);
        first = false;
    }
    if (json)
        hk_buf_putc(b, '}');
}

/* See internal.h. */
void hk_plugin_options_redact(const struct hawk_config *c, char *text,
                              size_t cap)
{
    for (size_t i = 0; c != NULL && i < c->n; i++) {
        const struct hk_cfg_value *v = &c->vals[i];
        if (v->type != HK_CFG_SECRET || v->s == NULL || strlen(v->s) < 4)
            continue;
        if (strstr(text, v->s) == NULL)
            continue;
        struct hk_buf out;
        hk_buf_init(&out, cap);
        size_t sl = strlen(v->s);
        const char *p = text;
        for (const char *hit = strstr(p, v->s); hit != NULL;
             hit = strstr(p, v->s)) {
            hk_buf_append(&out, p, (size_t)(hit - p));
            hk_buf_puts(&out, REDACTED);
            p = hit + sl;
        }
        hk_buf_puts(&out, p);
        hk_strlcpy(text, hk_buf_str(&out), cap);
        hk_buf_release(&out);
    }
}

/* ------------------------------------------------------------------------
 * Host API getters
 * --------------------------------------------------------------------- */

/* Finds key of one of the allowed types; 0, HAWK_EINVAL (undeclared or
 * wrong type) or HAWK_ENOTFOUND (unset without default). */
static int lookup(const struct hawk_config *c, const char *key, unsigned types,
                  const struct hk_cfg_value **out)
{
    if (c == NULL || key == NULL)
        return HAWK_EINVAL;
    long k = key_index(c, key);
    if (k < 0)
        return HAWK_EINVAL;
    const struct hk_cfg_value *v = &c->vals[k];
    if ((types & (1u << v->type)) == 0)
        return HAWK_EINVAL;
    if (!v->set)
        return HAWK_ENOTFOUND;
    *out = v;
    return 0;
}

#define T(x) (1u << (x))

/* Host API cfg_str: STR and SECRET keys. */
int hk_plugin_cfg_str(const struct hawk_config *c, const char *key,
                      const char **out)
{
    const struct hk_cfg_value *v;
    int rc = lookup(c, key, T(HK_CFG_STR) | T(HK_CFG_SECRET), &v);
    if (rc == 0)
        *out = v->s;
    return rc;
}

/* Host API cfg_int: INT, DURATION (ms) and SIZE (bytes) keys. */
int hk_plugin_cfg_int(const struct hawk_config *c, const char *key,
                      int64_t *out)
{
    const struct hk_cfg_value *v;
    int rc =
        lookup(c, key, T(HK_CFG_INT) | T(HK_CFG_DURATION) | T(HK_CFG_SIZE), &v);
    if (rc == 0)
        *out = v->i;
    return rc;
}

/* Host API cfg_bool. */
int hk_plugin_cfg_bool(const struct hawk_config *c, const char *key, bool *out)
{
    const struct hk_cfg_value *v;
    int rc = lookup(c, key, T(HK_CFG_BOOL), &v);
    if (rc == 0)
        *out = v->b;
    return rc;
}

/* Host API cfg_double: DOUBLE keys, and INT keys converted. */
int hk_plugin_cfg_double(const struct hawk_config *c, const char *key,
                         double *out)
{
    const struct hk_cfg_value *v;
    int rc = lookup(c, key, T(HK_CFG_DOUBLE) | T(HK_CFG_INT), &v);
    if (rc == 0)
        *out = v->type == HK_CFG_INT ? (double)v->i : v->d;
    return rc;
}

/* Host API cfg_list_len. */
int hk_plugin_cfg_list_len(const struct hawk_config *c, const char *key,
                           size_t *out)
{
    const struct hk_cfg_value *v;
    int rc = lookup(c, key, T(HK_CFG_STR_LIST), &v);
    if (rc == 0)
        *out = v->n_items;
    return rc;
}

/* Host API cfg_list_item: HAWK_EINVAL past the end. */
int hk_plugin_cfg_list_item(const struct hawk_config *c, const char *key,
                            size_t i, const char **out)
{
    const struct hk_cfg_value *v;
    int rc = lookup(c, key, T(HK_CFG_STR_LIST), &v);
    if (rc < 0)
        return rc;
    if (i >= v->n_items)
        return HAWK_EINVAL;
    *out = v->items[i];
    return 0;
}
