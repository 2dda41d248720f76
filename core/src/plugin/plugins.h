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
#include <stdio.h>

#include "hawk/plugin.h"

struct hk_config;
struct hk_app;
struct hk_buf;
struct hk_call_services;

enum hk_plugin_status {
    HK_PLUGIN_LOADED = 1,
    HK_PLUGIN_DISABLED,
    HK_PLUGIN_FAILED
};

/* One configured plugin instance, owned by the registry.  Opaque outside
 * plugin/: read it with the accessors below and call its ops only
 * through plugin/calls.h. */
struct hk_plugin_entry;

struct hk_plugins;

/* Flags for hk_plugins_load(). */
#define HK_PLUGINS_START 0x1u /* call start() after all are up */
/* A failing required plugin does not abort the load: the registry is
 * returned with it FAILED and the return code is still HAWK_ECONFIG with
 * err set (for `plugins list`). */
#define HK_PLUGINS_KEEP_GOING 0x2u

/* Loads every plugin in cfg in order.  Failing optional plugins are
 * recorded (status FAILED, reason) and skipped; a failing required one
 * makes this return HAWK_ECONFIG with err "plugin 'x' is required but
 * failed to load: <reason>" (everything loaded so far is unloaded,
 * unless flags has HK_PLUGINS_KEEP_GOING: then *out is set even when
 * HAWK_ECONFIG is returned).  flags: HK_PLUGINS_*.  Caller frees *out
 * with hk_plugins_unload(). */
int hk_plugins_load(const struct hk_config *cfg, struct hk_app *app,
                    unsigned flags, struct hk_plugins **out, char *err,
                    size_t errlen);
/* stop() all in reverse order, then fini() all in reverse order, then
 * dlclose.  Accepts NULL. */
void hk_plugins_unload(struct hk_plugins *p);

size_t hk_plugins_count(const struct hk_plugins *p);
const struct hk_plugin_entry *hk_plugins_at(const struct hk_plugins *p,
                                            size_t i);
/* A loaded instance of `kind`; name NULL picks the first loaded one. */
const struct hk_plugin_entry *hk_plugins_find(const struct hk_plugins *p,
                                              uint32_t kind, const char *name);
/* "jobboard", "llm", "payment", "storage", or "unknown"; static. */
const char *hk_plugin_kind_name(uint32_t kind);

/* An entry's instance name from the config; borrowed from the registry. */
const char *hk_plugin_entry_name(const struct hk_plugin_entry *e);
enum hk_plugin_status hk_plugin_entry_status(const struct hk_plugin_entry *e);
/* Why it is FAILED or DISABLED, "" when loaded; borrowed. */
const char *hk_plugin_entry_reason(const struct hk_plugin_entry *e);
/* HAWK_KIND_*, or 0 when the descriptor was never read (disabled, or it
 * failed before its descriptor could be trusted). */
uint32_t hk_plugin_entry_kind(const struct hk_plugin_entry *e);

/* Appends JSON object members (no braces: the caller writes them), one
 * per configured instance, comma-separated, in config order:
 *   "name": {"status":"ok","kind":"llm","version":"1.0.0","detail":{...}}
 *   "name": {"status":"error","kind":...,"version":...,"error":"<msg>"}
 *   "name": {"status":"disabled"}  or  {"status":"failed","error":"<why>"}
 * health() of each loaded instance is called with a 2 s deadline (the
 * plugin must honour it; the host cannot preempt a plugin); one without
 * health() is "ok".  `detail` is the plugin's JSON object, dropped when
 * not valid JSON.  No option values appear.  p may be NULL (nothing is
 * appended). */
void hk_plugins_health_json(const struct hk_plugins *p, struct hk_buf *buf);

/* Checks a descriptor before any of its function pointers is used.
 * Returns 0, or HAWK_EABI / HAWK_EINVAL with a one-line reason
 * ("unknown kind 99", "needs host ABI 1.99; this hawk speaks 1.0"). */
int hk_plugin_check_desc(const struct hawk_plugin *d, char *reason,
                         size_t reasonlen);

/* Resolves an entry's path: with a slash, relative to the working
 * directory; without, in HAWK_PLUGIN_PATH / plugin_dir, else the
 * compiled-in HAWK_DEFAULT_PLUGIN_DIR, else <dir of the executable>/
 * plugins.  Writes the absolute path to out.  Returns 0, or HAWK_ENOTFOUND
 * with out set to the first place looked and reason saying where else
 * was tried. */
int hk_plugin_resolve_path(const struct hk_config *cfg, const char *name,
                           const char *path, char *out, size_t outlen,
                           char *reason, size_t reasonlen);

/* `hawk plugins list`: loads every plugin (no start), prints a table
 * NAME KIND VERSION ABI PATH STATUS (status "loaded", "disabled" or
 * "failed: <reason>") with each loaded instance's options below it
 * (secrets shown as <redacted>), unloads.  Returns 0, or 1 when a
 * required plugin failed.  hk_plugins_cli_list_to() writes to `out`,
 * as a JSON array when json is true. */
int hk_plugins_cli_list(const struct hk_config *cfg);
int hk_plugins_cli_list_to(const struct hk_config *cfg, FILE *out, bool json);

/* ---- call contexts ----
 * A call context lives on the caller's stack for the duration of one
 * plugin operation.  `cancel` may point at a flag another thread sets
 * (queue job cancellation, server shutdown). */
struct hawk_call {
    int64_t user_id;
    char request_id[65];
    int64_t deadline_mono_ms;  /* 0: none */
    const atomic_bool *cancel; /* may be NULL */
    /* What the host offers this call beyond the basics (the browser, the
     * answer service); NULL: none of them (the entries answer
     * HAWK_EUNSUPPORTED).  Borrowed for the call. */
    const struct hk_call_services *svc;
};

/* Services a caller lends one plugin call.  The composition root fills
 * it (browser/ offers the browser half through hk_browser_lend()), so
 * plugin/ needs neither the browser, the LLM nor the database.  Every
 * member may be NULL: the host API entry then answers HAWK_EUNSUPPORTED. */
struct hk_call_services {
    /* ---- the browser (opaque: browser_ctx) ---- */
    void *browser_ctx;
    /* Lends user_id a session with the profile (NULL: throw-away) held
     * at most lease_ms (0: the service's maximum); *session until
     * browser_close. */
    int (*browser_open)(void *ctx, int64_t user_id, const char *profile,
                        int64_t lease_ms, const atomic_bool *cancel,
                        void **session, struct hawk_error *err);
    /* One WebDriver command; value gets the answer's "value" JSON. */
    int (*browser_cmd)(void *session, const char *method, const char *path,
                       const char *body, struct hk_buf *value,
                       int64_t timeout_ms, const atomic_bool *cancel,
                       struct hawk_error *err);
    /* PNG screenshot and page HTML (each best effort; 0 when at least one
     * was had, the empty one left empty). */
    int (*browser_snapshot)(void *session, struct hk_buf *png,
                            struct hk_buf *html, struct hawk_error *err);
    void (*browser_close)(void *session, bool reusable);

    /* ---- what the call works on (opaque: ctx) ---- */
    void *ctx;
    /* Answers a form question for user_id (see hawk_host_api.answer):
     * options is NULL or n_options strings.  *answer_json (caller
     * hk_free()s) {"answer", "source", ...}. */
    int (*answer)(void *ctx, int64_t user_id, const char *question,
                  const char *type, const char *const *options,
                  size_t n_options, const atomic_bool *cancel,
                  char **answer_json, struct hawk_error *err);
    /* Keeps a failure capture (PNG bytes and page HTML, either may be
     * empty) labelled reason. */
    int (*capture)(void *ctx, const char *reason, const void *png,
                   size_t png_len, const char *html, size_t html_len,
                   struct hawk_error *err);
};

/* Initialises a call: timeout_ms 0 means no deadline; request_id NULL
 * takes the current thread's log context id. */
void hk_call_init(struct hawk_call *call, int64_t user_id,
                  const char *request_id, int64_t timeout_ms,
                  const atomic_bool *cancel);

/* The host API table given to every plugin. */
extern const struct hawk_host_api hk_host_api;

/* ---- clock ----
 * The plugin clock is the wall/monotonic clock, unless the tree is built
 * with the tests (HAWK_TEST_SEAMS) and the environment variable
 * HAWK_TEST_CLOCK is set to a non-empty value other than "0" when it is
 * first consulted.  Then it is a virtual clock: it starts at the
 * real time of its first reading and moves only when sleep_ms() advances
 * it: sleep_ms() does not sleep, it adds the slept time at once and logs
 *   {"msg":"plugin sleep","ms":N}
 * so tests can assert back-off timing exactly, without waiting.  Call
 * deadlines (hk_call_init, call_remaining_ms) use the same clock, so a
 * sleep past the deadline advances to it and returns HAWK_ETIMEDOUT.  The
 * core may use these for the same reason. */
int64_t hk_plugin_wall_ms(void);
int64_t hk_plugin_mono_ms(void);
bool hk_plugin_test_clock(void);
/* Tests: force the test clock on/off (overrides HAWK_TEST_CLOCK). */
void hk_plugin_set_test_clock(bool on);

#endif
