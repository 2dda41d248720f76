/*
 * config/plugins_cfg.c - the `plugins` list: one group per instance,
 *
 *   plugins = ( { name = "openai"; path = "openai.so"; enabled = true;
 *                 required = false; options = { ... }; } );
 *
 * Only the entry's own keys are checked here.  `options` is checked by the
 * plugin loader against the keys the plugin declares, and only for enabled
 * entries, so a disabled entry may name ${VARS} that are not set.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "config/internal.h"
#include "hawk/plugin.h"
#include "util/alloc.h"
#include "util/str.h"

#define MAX_PLUGINS 64

static const char *const entry_keys[] = {"name", "path", "enabled", "required",
                                         "options"};
#define N_ENTRY_KEYS (sizeof(entry_keys) / sizeof(entry_keys[0]))

static int entry_error(const config_setting_t *s, const struct hk_config *c,
                       char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static int entry_error(const config_setting_t *s, const struct hk_config *c,
                       char *err, size_t errlen, const char *fmt, ...)
{
    char where[300], msg[1024];
    hk_config_where(s, c->path, where, sizeof(where));
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    snprintf(err, errlen, "%s: %s", where, msg);
    return HAWK_ECONFIG;
}

static int check_entry_keys(const config_setting_t *g,
                            const struct hk_config *c, char *err, size_t errlen)
{
    for (int i = 0; i < config_setting_length(g); i++) {
        const config_setting_t *s = config_setting_get_elem(g, (unsigned)i);
        const char *k = config_setting_name(s);
        bool known = false;
        for (size_t j = 0; j < N_ENTRY_KEYS && !known; j++)
            known = strcmp(k, entry_keys[j]) == 0;
        if (known)
            continue;
        const char *best = hk_config_suggest(k, entry_keys, N_ENTRY_KEYS);
        if (best != NULL)
            return entry_error(s, c, err, errlen,
                               "unknown key '%s' in plugin entry "
                               "(did you mean '%s'?)",
                               k, best);
        return entry_error(s, c, err, errlen,
                           "unknown key '%s' in plugin entry (keys are: name, "
                           "path, enabled, required, options)",
                           k);
    }
    return 0;
}

/* Reads an optional typed member through the shared value converter. */
static int member(const config_setting_t *g, const char *key,
                  enum hk_cfg_type type, const struct hk_config *c,
                  const char *label, struct hk_cfg_value *v, char *err,
                  size_t errlen)
{
    const config_setting_t *s = config_setting_get_member(g, key);
    if (s == NULL)
        return 0;
    char what[200], msg[1024], where[300];
    if (label[0] != '\0')
        snprintf(what, sizeof(what), "'%s' of plugin entry %s", key, label);
    else
        snprintf(what, sizeof(what), "'%s' of a plugin entry", key);
    if (hk_cfg_value_from_setting(v, s, type, 0, 0, what, msg, sizeof(msg)) <
        0) {
        hk_cfg_value_clear(v);
        hk_config_where(s, c->path, where, sizeof(where));
        snprintf(err, errlen, "%s: %s", where, msg);
        return HAWK_ECONFIG;
    }
    return 0;
}

static int parse_entry(struct hk_config *c, const config_setting_t *g,
                       struct hk_plugin_cfg *pc, char *err, size_t errlen)
{
    pc->line = (int)config_setting_source_line(g);
    pc->enabled = true;
    struct hk_cfg_value name = {0}, path = {0}, en = {0}, req = {0};
    int rc = member(g, "name", HK_CFG_STR, c, "", &name, err, errlen);
    if (rc < 0)
        return rc;
    if (!name.set) {
        return entry_error(g, c, err, errlen,
                           "plugin entry has no name: add name = \"...\"; "
                           "(1-32 of a-z, 0-9, _ and -)");
    }
    if (!hk_config_valid_name(name.s)) {
        rc = entry_error(config_setting_get_member(g, "name"), c, err, errlen,
                         "invalid plugin instance name '%.64s': use 1-32 of "
                         "a-z, 0-9, _ and -",
                         name.s);
        hk_cfg_value_clear(&name);
        return rc;
    }
    pc->name = name.s;
    name.s = NULL;
    hk_cfg_value_clear(&name);

    char label[64];
    snprintf(label, sizeof(label), "'%s'", pc->name);
    rc = check_entry_keys(g, c, err, errlen);
    if (rc == 0)
        rc = member(g, "path", HK_CFG_STR, c, label, &path, err, errlen);
    if (rc == 0)
        rc = member(g, "enabled", HK_CFG_BOOL, c, label, &en, err, errlen);
    if (rc == 0)
        rc = member(g, "required", HK_CFG_BOOL, c, label, &req, err, errlen);
    if (rc < 0)
        goto out;
    if (path.set && path.s[0] == '\0') {
        rc = entry_error(config_setting_get_member(g, "path"), c, err, errlen,
                         "'path' of plugin entry '%s' is empty: name the "
                         ".so file or leave path out to use %s.so",
                         pc->name, pc->name);
        goto out;
    }
    pc->path = path.set ? hk_strdup(path.s) : hk_asprintf("%s.so", pc->name);
    if (en.set)
        pc->enabled = en.b;
    pc->required = req.set && req.b;
    const config_setting_t *opts = config_setting_get_member(g, "options");
    if (opts != NULL && !config_setting_is_group(opts)) {
        rc = entry_error(opts, c, err, errlen,
                         "'options' of plugin entry '%s' must be a group: "
                         "options = { key = value; };",
                         pc->name);
        goto out;
    }
    pc->options = opts;
out:
    hk_cfg_value_clear(&path);
    hk_cfg_value_clear(&en);
    hk_cfg_value_clear(&req);
    return rc;
}

/* See internal.h. */
int hk_config_parse_plugins(struct hk_config *c, const config_setting_t *list,
                            char *err, size_t errlen)
{
    hk_config_free_plugins(c);
    int n = config_setting_length(list);
    if (n > MAX_PLUGINS) {
        char where[300];
        hk_config_where(list, c->path, where, sizeof(where));
        snprintf(err, errlen, "%s: too many plugin entries (%d; at most %d)",
                 where, n, MAX_PLUGINS);
        return HAWK_ECONFIG;
    }
    c->plugins = hk_calloc((size_t)n + 1, sizeof(struct hk_plugin_cfg));
    for (int i = 0; i < n; i++) {
        const config_setting_t *g = config_setting_get_elem(list, (unsigned)i);
        struct hk_plugin_cfg *pc = &c->plugins[i];
        c->n_plugins = (size_t)i + 1;
        int rc = parse_entry(c, g, pc, err, errlen);
        if (rc < 0)
            return rc;
        for (int j = 0; j < i; j++) {
            if (strcmp(c->plugins[j].name, pc->name) != 0)
                continue;
            char where[300], first[300];
            hk_config_where(g, c->path, where, sizeof(where));
            hk_config_where(config_setting_get_elem(list, (unsigned)j), c->path,
                            first, sizeof(first));
            snprintf(err, errlen,
                     "%s: duplicate plugin instance name '%s' (first defined "
                     "at %s): give each entry its own name",
                     where, pc->name, first);
            return HAWK_ECONFIG;
        }
    }
    return 0;
}

/* See internal.h. */
void hk_config_free_plugins(struct hk_config *c)
{
    for (size_t i = 0; i < c->n_plugins; i++) {
        hk_free(c->plugins[i].name);
        hk_free(c->plugins[i].path);
    }
    hk_free(c->plugins);
    c->plugins = NULL;
    c->n_plugins = 0;
}
