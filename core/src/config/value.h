/*
 * config/value.h - one typed configuration value, converted and checked
 * from a libconfig setting or from text (environment overrides, schema
 * defaults).  Shared by the core schema (config.c) and by plugin options
 * (plugin/options.c) so both report errors the same way.
 */
#ifndef HK_CONFIG_VALUE_H
#define HK_CONFIG_VALUE_H

#include <libconfig.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"

/* Longest string value accepted (after ${VAR} expansion), in bytes. */
#define HK_CFG_MAX_STR 4096
/* Most items a string list may hold. */
#define HK_CFG_MAX_LIST 1024

struct hk_cfg_value {
    enum hk_cfg_type type;
    bool set;     /* false: unset and no default */
    int64_t i;    /* INT, DURATION (ms), SIZE (bytes) */
    double d;     /* DOUBLE */
    bool b;       /* BOOL */
    char *s;      /* STR, SECRET; owned */
    char **items; /* STR_LIST; owned */
    size_t n_items;
    const config_setting_t *raw; /* GROUP_LIST; borrowed from the config */
    char *origin;                /* "file:line", "env HAWK_X", "default" */
};

/*
 * Converts setting `s` to `type` into `v` (which must be zeroed or
 * cleared).  Strings are ${VAR}-expanded and length-checked; numbers are
 * range-checked against [min, max] unless both are 0.  `what` names the
 * key in messages ("'server.threads'", "option 'x' of plugin 'y'").
 * Returns 0, or HAWK_ECONFIG with msg set to "<what> must be ..." (no
 * file:line prefix; the caller adds it).  On failure v holds nothing.
 */
int hk_cfg_value_from_setting(struct hk_cfg_value *v, const config_setting_t *s,
                              enum hk_cfg_type type, int64_t min, int64_t max,
                              const char *what, char *msg, size_t msglen);

/*
 * Same from text (no ${VAR} expansion: environment values and defaults
 * are taken literally).  A STR_LIST is comma-separated.
 */
int hk_cfg_value_from_text(struct hk_cfg_value *v, const char *text,
                           enum hk_cfg_type type, int64_t min, int64_t max,
                           const char *what, char *msg, size_t msglen);

/* Frees what v owns (secrets are wiped) and zeroes it.  Accepts a zeroed
 * value. */
void hk_cfg_value_clear(struct hk_cfg_value *v);

/* Replaces v->origin with a copy of origin. */
void hk_cfg_value_set_origin(struct hk_cfg_value *v, const char *origin);

/* "30s", "15m", "1500ms", "30d" for ms values (the largest exact unit). */
void hk_cfg_format_duration(int64_t ms, char *out, size_t outlen);
/* "64MiB", "8KiB", "1000" for byte counts (the largest exact unit). */
void hk_cfg_format_size(int64_t bytes, char *out, size_t outlen);

/* Human description of a type for messages: "an integer", "a string". */
const char *hk_cfg_type_phrase(enum hk_cfg_type type);

#endif
