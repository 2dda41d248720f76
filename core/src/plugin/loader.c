/*
 * plugin/loader.c - loading the configured plugin instances in order,
 * checking each before use, the registry, and shutdown in reverse order.
 *
 * Per entry: disabled? -> path -> file safety -> dlopen -> symbol ->
 * descriptor checks -> name clash -> options -> init.  A failing optional
 * entry is recorded (FAILED + reason) and skipped; a failing required one
 * fails the whole load.
 */
#include <dlfcn.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "config/config.h"
#include "log/log.h"
#include "plugin/internal.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/str.h"

/* See plugins.h. */
const char *hk_plugin_kind_name(uint32_t kind)
{
    switch (kind) {
    case HAWK_KIND_JOBBOARD:
        return "jobboard";
    case HAWK_KIND_LLM:
        return "llm";
    case HAWK_KIND_PAYMENT:
        return "payment";
    case HAWK_KIND_STORAGE:
        return "storage";
    }
    return "unknown";
}

static void fail(struct hk_plugin_entry *e, const char *reason)
{
    e->status = HK_PLUGIN_FAILED;
    hk_strlcpy(e->reason, reason, sizeof(e->reason));
}

/* One JSON log line per entry with its outcome. */
static void log_entry(const struct hk_plugin_entry *e)
{
    struct hk_buf f;
    hk_buf_init(&f, 4096);
    hk_buf_puts(&f, "{\"instance\":");
    hk_buf_json_str(&f, e->name, strlen(e->name));
    if (e->desc != NULL && e->status == HK_PLUGIN_LOADED) {
        hk_buf_puts(&f, ",\"plugin\":");
        hk_buf_json_str(&f, e->desc->name, strlen(e->desc->name));
        hk_buf_printf(&f, ",\"kind\":\"%s\",\"version\":",
                      hk_plugin_kind_name(e->desc->kind));
        hk_buf_json_str(&f, e->desc->version, strlen(e->desc->version));
    }
    if (e->path != NULL) {
        hk_buf_puts(&f, ",\"path\":");
        hk_buf_json_str(&f, e->path, strlen(e->path));
    }
    if (e->status != HK_PLUGIN_LOADED) {
        hk_buf_puts(&f, ",\"reason\":");
        hk_buf_json_str(&f, e->reason, strlen(e->reason));
    }
    hk_buf_printf(&f, ",\"required\":%s}", e->required ? "true" : "false");
    switch (e->status) {
    case HK_PLUGIN_LOADED:
        hk_log_fields(HAWK_LOG_INFO, "plugin loaded", hk_buf_str(&f));
        break;
    case HK_PLUGIN_DISABLED:
        hk_log_fields(HAWK_LOG_INFO, "plugin disabled", hk_buf_str(&f));
        break;
    case HK_PLUGIN_FAILED:
        hk_log_fields(e->required ? HAWK_LOG_ERROR : HAWK_LOG_WARN,
                      "plugin failed", hk_buf_str(&f));
        break;
    }
    hk_buf_release(&f);
}

/* Finds the descriptor symbol; on failure words the reason, probing the
 * symbol names of other ABI majors to say which one the file was built
 * for. */
static const struct hawk_plugin *find_symbol(void *dl, char *reason,
                                             size_t reasonlen)
{
    const struct hawk_plugin *d = dlsym(dl, HAWK_PLUGIN_SYMBOL);
    if (d != NULL)
        return d;
    for (int major = 2; major <= 9; major++) {
        char sym[32];
        snprintf(sym, sizeof(sym), "hawk_plugin_v%d", major);
        if (dlsym(dl, sym) != NULL) {
            snprintf(reason, reasonlen,
                     "plugin built for ABI v%d; this hawk speaks v%d", major,
                     HAWK_ABI_MAJOR);
            return NULL;
        }
    }
    snprintf(reason, reasonlen,
             "no %s symbol: not a hawk plugin (or built without "
             "HAWK_PLUGIN_DEFINE)",
             HAWK_PLUGIN_SYMBOL);
    return NULL;
}

/* Another loaded instance of a different plugin already uses d's name?
 * Instances of the same plugin (same descriptor) may coexist. */
static const struct hk_plugin_entry *name_taken(const struct hk_plugins *p,
                                                size_t upto,
                                                const struct hawk_plugin *d)
{
    for (size_t i = 0; i < upto; i++) {
        const struct hk_plugin_entry *o = &p->v[i];
        if (o->status == HK_PLUGIN_LOADED && o->desc != d &&
            strcmp(o->desc->name, d->name) == 0)
            return o;
    }
    return NULL;
}

/* Drops the dlopen handle of an entry whose descriptor cannot be
 * trusted (its memory goes away with the handle). */
static void close_entry(struct hk_plugin_entry *e)
{
    if (e->dl != NULL)
        dlclose(e->dl);
    e->dl = NULL;
    e->desc = NULL;
}

/* Loads one enabled entry up to a successful init().  On failure the
 * entry is FAILED with a reason and holds no handle. */
static void load_entry(struct hk_plugins *p, size_t idx,
                       const struct hk_config *cfg,
                       const struct hk_plugin_cfg *pc)
{
    struct hk_plugin_entry *e = &p->v[idx];
    char path[PATH_MAX], reason[sizeof(e->reason)];
    if (hk_plugin_resolve_path(cfg, pc->name, pc->path, path, sizeof(path),
                               reason, sizeof(reason)) < 0) {
        e->path = hk_strdup(path);
        fail(e, reason);
        return;
    }
    e->path = hk_strdup(path);
    if (hk_plugin_check_file(pc->name, path, reason, sizeof(reason)) < 0) {
        fail(e, reason);
        return;
    }
    dlerror();
    e->dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (e->dl == NULL) {
        const char *why = dlerror();
        char *msg =
            hk_asprintf("cannot load plugin '%s': %s (check its "
                        "dependencies with: ldd %s)",
                        pc->name, why != NULL ? why : "unknown error", path);
        fail(e, msg);
        hk_free(msg);
        return;
    }
    const struct hawk_plugin *d = find_symbol(e->dl, reason, sizeof(reason));
    if (d == NULL || hk_plugin_check_desc(d, reason, sizeof(reason)) < 0) {
        fail(e, reason);
        close_entry(e);
        return;
    }
    /* From here the descriptor is sound: a failing entry keeps its handle
     * until unload so `plugins list` can still show kind and version. */
    e->desc = d;
    const struct hk_plugin_entry *other = name_taken(p, idx, d);
    if (other != NULL) {
        snprintf(reason, sizeof(reason),
                 "plugin name '%s' already registered by instance '%s'",
                 d->name, other->name);
        fail(e, reason);
        return;
    }
    if (hk_plugin_options_build(pc, d, cfg->path, &e->options, reason,
                                sizeof(reason)) < 0) {
        fail(e, reason);
        return;
    }
    struct hawk_host *h = hk_calloc(1, sizeof(*h));
    h->instance = e->name;
    h->plugin = d->name;
    h->cfg = e->options;
    h->reg = p;
    e->host = h;
    struct hawk_error herr;
    memset(&herr, 0, sizeof(herr));
    struct hawk_instance *inst = NULL;
    int rc = d->init(&hk_host_api, h, e->options, &inst, &herr);
    if (rc < 0) {
        herr.msg[sizeof(herr.msg) - 1] = '\0';
        hk_plugin_options_redact(e->options, herr.msg, sizeof(herr.msg));
        snprintf(reason, sizeof(reason), "init failed: %s",
                 herr.msg[0] != '\0' ? herr.msg : hawk_strerror(rc));
        fail(e, reason);
        return;
    }
    e->instance = inst;
    e->status = HK_PLUGIN_LOADED;
    e->reason[0] = '\0';
    hk_plugin_calls_prepare(e);
    if ((d->flags & HAWK_PLUGIN_THREADSAFE) == 0) {
        pthread_mutex_t *m = hk_malloc(sizeof(*m));
        pthread_mutex_init(m, NULL);
        e->lock_ = m;
    }
}

/* Releases what an entry holds after its fini() (if any) ran. */
static void release_entry(struct hk_plugin_entry *e)
{
    e->instance = NULL;
    if (e->dl != NULL)
        dlclose(e->dl);
    e->dl = NULL;
    e->desc = NULL;
    hk_plugin_options_free(e->options);
    e->options = NULL;
    hk_free(e->host);
    e->host = NULL;
    if (e->lock_ != NULL) {
        pthread_mutex_destroy(e->lock_);
        hk_free(e->lock_);
        e->lock_ = NULL;
    }
}

static void start_all(struct hk_plugins *p)
{
    for (size_t i = 0; i < p->n; i++) {
        struct hk_plugin_entry *e = &p->v[i];
        if (e->status != HK_PLUGIN_LOADED)
            continue;
        if (e->desc->start == NULL) {
            e->started = true;
            continue;
        }
        struct hawk_error herr;
        memset(&herr, 0, sizeof(herr));
        int rc = e->desc->start(e->instance, &herr);
        if (rc == 0) {
            e->started = true;
            continue;
        }
        herr.msg[sizeof(herr.msg) - 1] = '\0';
        hk_plugin_options_redact(e->options, herr.msg, sizeof(herr.msg));
        char reason[sizeof(e->reason)];
        snprintf(reason, sizeof(reason), "start failed: %s",
                 herr.msg[0] != '\0' ? herr.msg : hawk_strerror(rc));
        /* Never started, so no stop(); fini() frees what init() made.
         * The handle stays until unload, like other failed entries. */
        e->desc->fini(e->instance);
        e->instance = NULL;
        fail(e, reason);
        log_entry(e);
    }
}

/* The first required entry that failed, or NULL. */
static const struct hk_plugin_entry *required_failure(
    const struct hk_plugins *p)
{
    for (size_t i = 0; i < p->n; i++) {
        if (p->v[i].required && p->v[i].status == HK_PLUGIN_FAILED)
            return &p->v[i];
    }
    return NULL;
}

/* See plugins.h. */
int hk_plugins_load(const struct hk_config *cfg, struct hk_app *app,
                    unsigned flags, struct hk_plugins **out, char *err,
                    size_t errlen)
{
    *out = NULL;
    if (err != NULL && errlen > 0)
        err[0] = '\0';
    struct hk_plugins *p = hk_calloc(1, sizeof(*p));
    p->app = app;
    p->n = cfg->n_plugins;
    p->v = hk_calloc(p->n + 1, sizeof(*p->v));
    bool keep_going = (flags & HK_PLUGINS_KEEP_GOING) != 0;
    const struct hk_plugin_entry *bad = NULL;
    for (size_t i = 0; i < p->n; i++) {
        const struct hk_plugin_cfg *pc = &cfg->plugins[i];
        struct hk_plugin_entry *e = &p->v[i];
        e->name = hk_strdup(pc->name);
        e->required = pc->required;
        e->line = pc->line;
        if (!pc->enabled) {
            e->status = HK_PLUGIN_DISABLED;
            hk_strlcpy(e->reason, "disabled in config", sizeof(e->reason));
        } else {
            load_entry(p, i, cfg, pc);
        }
        log_entry(e);
        if (e->status == HK_PLUGIN_FAILED && e->required && !keep_going) {
            bad = e;
            break;
        }
    }
    if (bad == NULL && (flags & HK_PLUGINS_START) != 0)
        start_all(p);
    if (bad == NULL)
        bad = required_failure(p);
    if (bad != NULL && err != NULL)
        snprintf(err, errlen, "plugin '%s' is required but failed to load: %s",
                 bad->name, bad->reason);
    if (bad != NULL && !keep_going) {
        hk_plugins_unload(p);
        return HAWK_ECONFIG;
    }
    *out = p;
    return bad != NULL ? HAWK_ECONFIG : 0;
}

/* See plugins.h. */
void hk_plugins_unload(struct hk_plugins *p)
{
    if (p == NULL)
        return;
    for (size_t i = p->n; i-- > 0;) {
        struct hk_plugin_entry *e = &p->v[i];
        if (e->status == HK_PLUGIN_LOADED && e->desc->stop != NULL)
            e->desc->stop(e->instance);
    }
    for (size_t i = p->n; i-- > 0;) {
        struct hk_plugin_entry *e = &p->v[i];
        if (e->status == HK_PLUGIN_LOADED)
            e->desc->fini(e->instance);
        e->instance = NULL;
    }
    for (size_t i = p->n; i-- > 0;) {
        struct hk_plugin_entry *e = &p->v[i];
        release_entry(e);
        hk_free(e->name);
        hk_free(e->path);
    }
    hk_free(p->v);
    hk_free(p);
}

/* See plugins.h. */
size_t hk_plugins_count(const struct hk_plugins *p)
{
    return p != NULL ? p->n : 0;
}

/* See plugins.h. */
const struct hk_plugin_entry *hk_plugins_at(const struct hk_plugins *p,
                                            size_t i)
{
    return p != NULL && i < p->n ? &p->v[i] : NULL;
}

/* See plugins.h. */
const struct hk_plugin_entry *hk_plugins_find(const struct hk_plugins *p,
                                              uint32_t kind, const char *name)
{
    for (size_t i = 0; p != NULL && i < p->n; i++) {
        const struct hk_plugin_entry *e = &p->v[i];
        if (e->status != HK_PLUGIN_LOADED || e->desc->kind != kind)
            continue;
        if (name == NULL || strcmp(e->name, name) == 0)
            return e;
    }
    return NULL;
}

/* See plugins.h. */
const char *hk_plugin_entry_name(const struct hk_plugin_entry *e)
{
    return e->name;
}

/* See plugins.h. */
enum hk_plugin_status hk_plugin_entry_status(const struct hk_plugin_entry *e)
{
    return e->status;
}

/* See plugins.h. */
const char *hk_plugin_entry_reason(const struct hk_plugin_entry *e)
{
    return e->reason;
}

/* See plugins.h. */
uint32_t hk_plugin_entry_kind(const struct hk_plugin_entry *e)
{
    return e->desc != NULL ? e->desc->kind : 0;
}
