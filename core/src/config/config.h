/*
 * config/config.h - the configuration: one libconfig file, validated
 * against a schema of every known key (config/schema.c), with ${VAR} and
 * ${VAR:-default} expansion and HAWK_* environment overrides.
 *
 * Loading is all-or-nothing: any error (syntax, unknown key, wrong type,
 * out of range) fails the load with a message naming file:line and, for an
 * unknown key, the nearest valid key.  A loaded config is read-only and
 * may be shared by all threads.
 */
#ifndef HK_CONFIG_H
#define HK_CONFIG_H

#include <libconfig.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/settings.h"

enum hk_cfg_type {
    HK_CFG_STR = 1,
    HK_CFG_INT,
    HK_CFG_BOOL,
    HK_CFG_DOUBLE,
    HK_CFG_DURATION, /* stored as milliseconds */
    HK_CFG_SIZE,     /* stored as bytes */
    HK_CFG_SECRET,   /* string, never logged */
    HK_CFG_STR_LIST,
    HK_CFG_GROUP_LIST /* list of groups, read raw through hk_cfg_setting */
};

/* One row of the schema.  `path` is dotted ("server.listen"). */
struct hk_cfg_field {
    const char *path;
    enum hk_cfg_type type;
    const char *default_value; /* text form, NULL for none */
    int64_t min, max;          /* numeric range; both 0: unchecked */
    const char *help;
    /* Optional semantic check of a string value (after expansion and
     * overrides).  Returns 0, or HAWK_ECONFIG with msg set to
     * "<what> must be ..." (no file:line prefix). */
    int (*check)(const char *what, const char *value, char *msg, size_t msglen);
    /* The member of struct hk_settings the value fills (HK_AT): its
     * offset and size, checked against the type when the config loads. */
    size_t off;
    size_t size;
};

/* The settings member a schema row fills: HK_AT(auth.access_ttl_ms). */
#define HK_AT(member)                                                          \
    offsetof(struct hk_settings, member),                                      \
        sizeof(((struct hk_settings *)0)->member)

/* One entry of the `plugins` list. */
struct hk_plugin_cfg {
    char *name; /* instance name, unique */
    char *path; /* .so path as written (resolved by the loader) */
    bool enabled;
    bool required;
    const config_setting_t *options; /* may be NULL; owned by the config */
    int line;                        /* line of the entry in the file */
};

struct hk_config {
    char *path;     /* file the config came from; owned */
    char *data_dir; /* absolute; owned */
    struct hk_plugin_cfg *plugins;
    size_t n_plugins;
    config_t lc;  /* kept alive for plugin option settings */
    void *values; /* private: resolved values by schema row */
    /* Every key as a typed member (config/settings.h), filled by
     * hk_config_load(); read-only afterwards. */
    struct hk_settings settings;
};

/* The schema table, NULL-terminated (config/schema.c). */
extern const struct hk_cfg_field hk_config_schema[];

/* Loads and validates `path` (NULL: $HAWK_CONFIG, else etc/hawk.cfg).
 * Environment overrides win over the file.  On failure returns HAWK_ECONFIG
 * and writes a one-line message ("etc/hawk.cfg:12: unknown key 'servr'
 * (did you mean 'server'?)") into err.  On success the caller releases
 * with hk_config_release(). */
int hk_config_load(const char *path, struct hk_config *out, char *err,
                   size_t errlen);
void hk_config_release(struct hk_config *c);

/* Typed getters for schema keys.  The value is the file's (after
 * expansion), the environment override, or the default.  Asking for a key
 * not in the schema, or with the wrong getter, aborts (programming error).
 * Strings are borrowed until hk_config_release(); NULL when unset with no
 * default. */
int64_t hk_cfg_int(const struct hk_config *c, const char *path);
bool hk_cfg_bool(const struct hk_config *c, const char *path);
double hk_cfg_double(const struct hk_config *c, const char *path);
const char *hk_cfg_str(const struct hk_config *c, const char *path);
size_t hk_cfg_list_len(const struct hk_config *c, const char *path);
const char *hk_cfg_list_item(const struct hk_config *c, const char *path,
                             size_t i);
/* Raw libconfig setting (for GROUP_LIST keys); NULL when absent. */
const config_setting_t *hk_cfg_setting(const struct hk_config *c,
                                       const char *path);
/* Where a key was set: "file:line", "env HAWK_X", or "default". */
const char *hk_cfg_origin(const struct hk_config *c, const char *path);

/* Expands ${VAR} and ${VAR:-default} in s.  Returns a new string (caller
 * frees with hk_free) or NULL with err filled for an unset variable
 * without default or a malformed reference. */
char *hk_config_expand(const char *s, char *err, size_t errlen);

/* Returns the JWT secret: the configured one (file or HAWK_JWT_SECRET), or
 * the one kept in <data_dir>/jwt.secret, generating it (0600) on first
 * use.  Caller frees with hk_free_secret().  NULL with err on failure. */
char *hk_config_jwt_secret(const struct hk_config *c, char *err, size_t errlen);

/* Splits a listen address "host:port" or "[v6addr]:port" (host may be
 * "*" or "0.0.0.0" for all interfaces).  host gets the host part without
 * brackets.  Returns 0, or HAWK_EINVAL when malformed or the port is not
 * 1..65535, or when host does not fit. */
int hk_config_parse_listen(const char *s, char *host, size_t hostlen,
                           int *port);

/* Schema row for a dotted path, or NULL. */
const struct hk_cfg_field *hk_config_field(const char *path);

#endif
