/*
 * plugin/internal.h - private to plugin/: the host handle, validated
 * plugin options, and helpers shared by the loader files.
 */
#ifndef HK_PLUGIN_INTERNAL_H
#define HK_PLUGIN_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "config/value.h"
#include "plugin/calls.h"
#include "plugin/plugins.h"

struct hk_buf;

/* One configured plugin instance (see plugins.h).  Owned by the
 * registry; only plugin/ sees inside. */
struct hk_plugin_entry {
    char *name; /* instance name from the config */
    char *path; /* resolved .so path */
    enum hk_plugin_status status;
    char reason[1024];              /* why FAILED/DISABLED, "" when loaded */
    const struct hawk_plugin *desc; /* NULL unless the descriptor was read */
    struct hawk_instance *instance; /* NULL unless init succeeded */
    struct hawk_host *host;         /* host handle given to init */
    void *dl;                       /* dlopen handle */
    bool required;
    struct hawk_config *options; /* validated options; NULL until read */
    int line;                    /* line of the entry in the config */
    bool started;                /* start() succeeded (or is absent) */
    /* Serialises calls into an instance that did not declare
     * HAWK_PLUGIN_THREADSAFE (NULL for thread-safe ones); taken only by
     * plugin/calls.c. */
    void *lock_;
    /* `instance="<name>",op="<op>"` per op, formatted once at load
     * (hk_plugin_calls_prepare) so a call does not format its labels. */
    char op_labels[HK_OP_COUNT_][112];
};

/* Fills e->op_labels; called by the loader once the entry is loaded. */
void hk_plugin_calls_prepare(struct hk_plugin_entry *e);

/* The registry. */
struct hk_plugins {
    struct hk_plugin_entry *v; /* one per config entry, stable addresses */
    size_t n;
    struct hk_app *app; /* borrowed; may be NULL */
};

/* Handed to a plugin's init(); one per instance, owned by the registry. */
struct hawk_host {
    const char *instance;          /* borrowed from the entry */
    const char *plugin;            /* descriptor name, borrowed */
    const struct hawk_config *cfg; /* borrowed from the entry */
    struct hk_plugins *reg;
};

/* A plugin's options, validated against its declared keys. */
struct hawk_config {
    struct hawk_cfg_key *keys; /* owned copy of the descriptor's,
                                        at this build's stride */
    size_t n;
    struct hk_cfg_value *vals; /* n values, same order as keys */
};

/* Most keys a plugin may declare. */
#define HK_PLUGIN_MAX_KEYS 256

/*
 * Checks the options group of config entry `pc` against the keys plugin
 * `d` declares: unknown keys (with a suggestion), types, ranges, required
 * keys, ${VAR} expansion, defaults.  cfg_path names the config file for
 * messages.  On success *out is set (free with hk_plugin_options_free).
 * Returns 0 or HAWK_ECONFIG with "FILE:LINE: ..." in reason.
 */
int hk_plugin_options_build(const struct hk_plugin_cfg *pc,
                            const struct hawk_plugin *d, const char *cfg_path,
                            struct hawk_config **out, char *reason,
                            size_t reasonlen);
void hk_plugin_options_free(struct hawk_config *c);

/* Appends the set options: "key=value key=value" or, with json, an
 * object {"key":value,...}.  SECRET values are written as "<redacted>". */
void hk_plugin_options_render(const struct hawk_config *c, struct hk_buf *b,
                              bool json);

/* Replaces every occurrence of a SECRET option value (4+ bytes) in the
 * NUL-terminated text (capacity cap) with "<redacted>". */
void hk_plugin_options_redact(const struct hawk_config *c, char *text,
                              size_t cap);

/* Refuses a plugin file, or its directory, writable by group or others or
 * owned by someone other than root or us.  0 or HAWK_EPERM with reason. */
int hk_plugin_check_file(const char *instance, const char *path, char *reason,
                         size_t reasonlen);

/* The host API's cfg_* getters (see struct hawk_host_api): 0,
 * HAWK_EINVAL for an undeclared key or the wrong getter, HAWK_ENOTFOUND
 * when unset without default.  Strings borrowed until the options are
 * freed. */
int hk_plugin_cfg_str(const struct hawk_config *c, const char *key,
                      const char **out);
int hk_plugin_cfg_int(const struct hawk_config *c, const char *key,
                      int64_t *out);
int hk_plugin_cfg_bool(const struct hawk_config *c, const char *key, bool *out);
int hk_plugin_cfg_double(const struct hawk_config *c, const char *key,
                         double *out);
int hk_plugin_cfg_list_len(const struct hawk_config *c, const char *key,
                           size_t *out);
int hk_plugin_cfg_list_item(const struct hawk_config *c, const char *key,
                            size_t i, const char **out);

/* Adds to a counter with the instance="x" label first. */
void hk_plugin_metric_add(struct hawk_host *h, const char *name,
                          const char *labels, double value);

/* ---- host_browser.c: the ABI 1.1 entries (see hawk/plugin.h) ---- */
int hk_api_browser_open(struct hawk_call *call, const char *profile,
                        struct hawk_browser **out, struct hawk_error *err);
int hk_api_browser_cmd(struct hawk_browser *b, const char *method,
                       const char *path, const char *body,
                       struct hawk_text_sink *value_json,
                       struct hawk_error *err);
int hk_api_browser_capture(struct hawk_browser *b, const char *reason,
                           struct hawk_error *err);
void hk_api_browser_close(struct hawk_browser *b, bool reusable);
int hk_api_answer(struct hawk_call *call, const char *question,
                  const char *type, const char *options_json,
                  struct hawk_text_sink *answer_json, struct hawk_error *err);

#endif
