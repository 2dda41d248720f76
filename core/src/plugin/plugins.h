/*
 * plugin/plugins.h - the host side of the plugin ABI: loading, checking,
 * the registry by kind and name, the host API table, call contexts.
 */
#ifndef HK_PLUGINS_H
#define HK_PLUGINS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hawk/plugin.h"

struct hk_config;
struct hk_app;
struct hk_buf;

enum hk_plugin_status {
    HK_PLUGIN_LOADED = 1,
    HK_PLUGIN_DISABLED,
    HK_PLUGIN_FAILED
};

/* One configured plugin instance.  Owned by the registry. */
struct hk_plugin_entry {
    char *name;                    /* instance name from the config */
    char *path;                    /* resolved .so path */
    enum hk_plugin_status status;
    char reason[512];              /* why FAILED/DISABLED, "" when loaded */
    const struct hawk_plugin *desc; /* NULL unless the descriptor was read */
    struct hawk_instance *instance; /* NULL unless init succeeded */
    struct hawk_host *host;        /* host handle given to init */
    void *dl;                      /* dlopen handle */
    bool required;
};

struct hk_plugins;

/* Loads every plugin in cfg in order.  Failing optional plugins are
 * recorded (status FAILED, reason) and skipped; a failing required one
 * makes this return HAWK_ECONFIG with err "plugin 'x' is required but
 * failed to load: <reason>" (everything loaded so far is unloaded).
 * start_instances: call each plugin's start() after all are up.
 * Caller frees with hk_plugins_unload(). */
int hk_plugins_load(const struct hk_config *cfg, struct hk_app *app,
                    bool start_instances, struct hk_plugins **out,
                    char *err, size_t errlen);
/* stop() all in reverse order, then fini() all in reverse order, then
 * dlclose.  Accepts NULL. */
void hk_plugins_unload(struct hk_plugins *p);

size_t hk_plugins_count(const struct hk_plugins *p);
const struct hk_plugin_entry *hk_plugins_at(const struct hk_plugins *p,
                                            size_t i);
/* A loaded instance of `kind`; name NULL picks the first loaded one. */
const struct hk_plugin_entry *hk_plugins_find(const struct hk_plugins *p,
                                              enum hawk_kind kind,
                                              const char *name);
const char *hk_plugin_kind_name(enum hawk_kind kind);

/* Appends {"name":{"status":"ok"|"error",...}} members for every loaded
 * plugin's health() to a JSON object text in buf. */
void hk_plugins_health_json(const struct hk_plugins *p, struct hk_buf *buf);

/* ---- call contexts ----
 * A call context lives on the caller's stack for the duration of one
 * plugin operation.  `cancel` may point at a flag another thread sets
 * (queue job cancellation, server shutdown). */
struct hawk_call {
    int64_t user_id;
    char request_id[65];
    int64_t deadline_mono_ms;       /* 0: none */
    const atomic_bool *cancel;      /* may be NULL */
};

/* Initialises a call: timeout_ms 0 means no deadline; request_id NULL
 * takes the current thread's log context id. */
void hk_call_init(struct hawk_call *call, int64_t user_id,
                  const char *request_id, int64_t timeout_ms,
                  const atomic_bool *cancel);

/* The host API table given to every plugin. */
extern const struct hawk_host_api hk_host_api;

#endif
