/*
 * sched/scheduler.c - the scheduler thread (leader election + scheduling
 * passes) and the built-in schedules from the config.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "config/config.h"
#include "db/db.h"
#include "log/log.h"
#include "queue/queue.h"
#include "sched/cron.h"
#include "sched/sched.h"
#include "util/alloc.h"
#include "util/str.h"
#include "util/time.h"

/* Most passes per tick when many schedules are due at once. */
#define MAX_PASSES 50
#define PASS_ROWS 200

struct hk_sched {
    struct hk_db *db; /* borrowed */
    struct hk_sched_opts o;
    struct hk_sched_spec *builtins; /* owned copies */
    struct hk_leader *leader;
    pthread_t tid;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stop;
    bool is_leader;
};

/* ---- built-in schedules from the config ---- */

static const struct hk_sched_spec default_prune = {
    .name = "prune-jobs",
    .cron = "0 3 * * *",
    .tz = "UTC",
    .kind = "queue_prune",
    .payload = "{}",
    .enabled = true,
};

static const char *const entry_keys[] = {"name",    "cron",   "tz",      "kind",
                                         "payload", "jitter", "enabled", NULL};

static int entry_error(const struct hk_config *cfg, const config_setting_t *s,
                       size_t idx, const char *key, char *err, size_t errlen,
                       const char *msg)
{
    const char *file = config_setting_source_file(s);
    snprintf(err, errlen, "%s:%u: schedules[%zu]%s%s: %s",
             file ? file : (cfg->path ? cfg->path : "config"),
             config_setting_source_line(s), idx, key ? "." : "", key ? key : "",
             msg);
    return HAWK_ECONFIG;
}

static int entry_string(const struct hk_config *cfg, const config_setting_t *e,
                        size_t idx, const char *key, bool required,
                        const char **out, char *err, size_t errlen)
{
    const config_setting_t *m = config_setting_get_member(e, key);
    if (m == NULL) {
        if (required)
            return entry_error(cfg, e, idx, key, err, errlen, "is required");
        return 0;
    }
    if (config_setting_type(m) != CONFIG_TYPE_STRING)
        return entry_error(cfg, m, idx, key, err, errlen, "must be a string");
    *out = config_setting_get_string(m);
    return 0;
}

/* Parses and validates the config's `schedules` (or the default);
 * *specs borrows strings from cfg.  0 or HAWK_ECONFIG with err. */
int hk_sched_specs_from_config(const struct hk_config *cfg,
                               struct hk_sched_spec **specs, size_t *n,
                               char *err, size_t errlen)
{
    *specs = NULL;
    *n = 0;
    const config_setting_t *list = cfg != NULL ? cfg->settings.schedules : NULL;
    if (list == NULL) {
        *specs = hk_calloc(1, sizeof(**specs));
        (*specs)[0] = default_prune;
        *n = 1;
        return 0;
    }
    size_t count = (size_t)config_setting_length(list);
    struct hk_sched_spec *v = hk_calloc(count + 1, sizeof(*v));
    int rc = 0;
    for (size_t i = 0; i < count && rc == 0; i++) {
        const config_setting_t *e = config_setting_get_elem(list, (unsigned)i);
        struct hk_sched_spec *s = &v[i];
        s->tz = "UTC";
        s->payload = "{}";
        s->enabled = true;
        for (int k = 0; k < config_setting_length(e) && rc == 0; k++) {
            const config_setting_t *m = config_setting_get_elem(e, (unsigned)k);
            const char *name = config_setting_name(m);
            bool known = false;
            for (const char *const *p = entry_keys; *p; p++)
                known = known || strcmp(*p, name) == 0;
            if (!known)
                rc = entry_error(cfg, m, i, name, err, errlen,
                                 "unknown key (use name, cron, tz, kind, "
                                 "payload, jitter, enabled)");
        }
        if (rc == 0)
            rc = entry_string(cfg, e, i, "name", true, &s->name, err, errlen);
        if (rc == 0)
            rc = entry_string(cfg, e, i, "cron", true, &s->cron, err, errlen);
        if (rc == 0)
            rc = entry_string(cfg, e, i, "kind", true, &s->kind, err, errlen);
        if (rc == 0)
            rc = entry_string(cfg, e, i, "tz", false, &s->tz, err, errlen);
        if (rc == 0)
            rc = entry_string(cfg, e, i, "payload", false, &s->payload, err,
                              errlen);
        const config_setting_t *m = config_setting_get_member(e, "jitter");
        if (rc == 0 && m != NULL) {
            if (config_setting_type(m) != CONFIG_TYPE_INT ||
                config_setting_get_int(m) < 0 ||
                config_setting_get_int(m) > HK_SCHED_JITTER_MAX)
                rc = entry_error(cfg, m, i, "jitter", err, errlen,
                                 "must be a whole number of seconds from 0 "
                                 "to 86400");
            else
                s->jitter_s = config_setting_get_int(m);
        }
        m = config_setting_get_member(e, "enabled");
        if (rc == 0 && m != NULL) {
            if (config_setting_type(m) != CONFIG_TYPE_BOOL)
                rc = entry_error(cfg, m, i, "enabled", err, errlen,
                                 "must be true or false");
            else
                s->enabled = config_setting_get_bool(m);
        }
        char why[200];
        if (rc == 0 &&
            hk_cron_parse(s->cron, &(struct hk_cron){0}, why, sizeof(why)) < 0)
            rc = entry_error(cfg, config_setting_get_member(e, "cron"), i,
                             "cron", err, errlen, why);
        if (rc == 0 &&
            hk_cron_validate("* * * * *", s->tz, why, sizeof(why)) < 0)
            rc = entry_error(cfg, config_setting_get_member(e, "tz"), i, "tz",
                             err, errlen, why);
        if (rc == 0 && !hk_queue_kind_name_valid(s->kind))
            rc = entry_error(cfg, config_setting_get_member(e, "kind"), i,
                             "kind", err, errlen,
                             "must be 1 to 64 characters of a-z, 0-9, _ "
                             "and .");
        if (rc == 0 &&
            (s->name[0] == '\0' || strlen(s->name) > HK_SCHED_NAME_MAX))
            rc =
                entry_error(cfg, config_setting_get_member(e, "name"), i,
                            "name", err, errlen, "must be 1 to 128 characters");
        for (size_t j = 0; rc == 0 && j < i; j++)
            if (strcmp(v[j].name, s->name) == 0)
                rc = entry_error(cfg, config_setting_get_member(e, "name"), i,
                                 "name", err, errlen,
                                 "is used by an earlier entry");
        if (rc == 0) {
            json_object *p = json_tokener_parse(s->payload);
            if (p == NULL || !json_object_is_type(p, json_type_object))
                rc = entry_error(cfg, config_setting_get_member(e, "payload"),
                                 i, "payload", err, errlen,
                                 "must be a JSON object in a string, e.g. "
                                 "\"{}\"");
            json_object_put(p);
        }
    }
    if (rc < 0) {
        hk_free(v);
        return rc;
    }
    *specs = v;
    *n = count;
    return 0;
}

/* Frees the array from hk_sched_specs_from_config(); accepts NULL. */
void hk_sched_specs_free(struct hk_sched_spec *specs, size_t n)
{
    (void)n;
    hk_free(specs);
}

/* ---- the loop ---- */

static void copy_builtins(struct hk_sched *s, const struct hk_sched_spec *b,
                          size_t n)
{
    s->builtins = hk_calloc(n + 1, sizeof(*s->builtins));
    for (size_t i = 0; i < n; i++) {
        struct hk_sched_spec *d = &s->builtins[i];
        *d = b[i];
        d->name = hk_strdup(b[i].name);
        d->cron = hk_strdup(b[i].cron);
        d->tz = hk_strdup(b[i].tz ? b[i].tz : "UTC");
        d->kind = hk_strdup(b[i].kind);
        d->payload = hk_strdup(b[i].payload ? b[i].payload : "{}");
    }
    s->o.builtins = s->builtins;
    s->o.n_builtins = n;
}

static void free_builtins(struct hk_sched *s)
{
    for (size_t i = 0; i < s->o.n_builtins; i++) {
        hk_free((char *)(uintptr_t)s->builtins[i].name);
        hk_free((char *)(uintptr_t)s->builtins[i].cron);
        hk_free((char *)(uintptr_t)s->builtins[i].tz);
        hk_free((char *)(uintptr_t)s->builtins[i].kind);
        hk_free((char *)(uintptr_t)s->builtins[i].payload);
    }
    hk_free(s->builtins);
}

/* One leader tick: sync built-ins once per leadership, then fire. */
static void lead(struct hk_sched *s, bool *synced)
{
    struct hk_dbconn *c = NULL;
    int rc = hk_db_acquire(s->db, &c);
    if (rc < 0)
        return;
    if (!*synced) {
        char err[256] = "";
        rc = hk_sched_sync_builtins(c, s->o.builtins, s->o.n_builtins, err,
                                    sizeof(err));
        if (rc < 0)
            hk_warn("scheduler: cannot store built-in schedules: %s", err);
        else
            *synced = true;
    }
    for (int pass = 0; pass < MAX_PASSES && rc == 0; pass++) {
        int fired = 0;
        rc = hk_sched_run_due(c, hk_queue_now_ms(), s->o.catch_up_ms, PASS_ROWS,
                              &fired);
        if (rc < 0)
            hk_warn("scheduler: pass failed (%s); retrying next tick",
                    hawk_strerror(rc));
        if (fired == 0)
            break;
        hk_debug("scheduler: fired %d schedule(s)", fired);
    }
    hk_db_release(s->db, c);
}

static void *sched_main(void *arg)
{
    struct hk_sched *s = arg;
    hk_log_ctx_set("scheduler", 0);
    bool synced = false;
    for (;;) {
        pthread_mutex_lock(&s->mu);
        bool stop = s->stop;
        pthread_mutex_unlock(&s->mu);
        if (stop)
            break;
        bool leader = hk_leader_tick(s->leader);
        pthread_mutex_lock(&s->mu);
        s->is_leader = leader;
        pthread_mutex_unlock(&s->mu);
        if (!leader)
            synced = false;
        else
            lead(s, &synced);

        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        ts.tv_sec += s->o.tick_ms / 1000;
        ts.tv_nsec += (s->o.tick_ms % 1000) * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_mutex_lock(&s->mu);
        while (!s->stop &&
               pthread_cond_timedwait(&s->cv, &s->mu, &ts) != ETIMEDOUT)
            ;
        pthread_mutex_unlock(&s->mu);
    }
    hk_log_ctx_clear();
    return NULL;
}

/* See sched.h. */
int hk_sched_start(struct hk_db *db, const char *db_url,
                   const struct hk_sched_opts *o, struct hk_sched **out)
{
    *out = NULL;
    if (db == NULL || db_url == NULL || o == NULL)
        return HAWK_EINVAL;
    struct hk_sched *s = hk_calloc(1, sizeof(*s));
    s->db = db;
    s->o = *o;
    if (s->o.tick_ms <= 0)
        s->o.tick_ms = 1000;
    copy_builtins(s, o->builtins, o->n_builtins);
    s->leader = hk_leader_new(db_url, o->lock_id);
    pthread_mutex_init(&s->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&s->cv, &ca);
    pthread_condattr_destroy(&ca);
    if (pthread_create(&s->tid, NULL, sched_main, s) != 0) {
        hk_leader_free(s->leader);
        free_builtins(s);
        pthread_cond_destroy(&s->cv);
        pthread_mutex_destroy(&s->mu);
        hk_free(s);
        return HAWK_EINTERNAL;
    }
    *out = s;
    return 0;
}

/* See sched.h.  The configured specs' strings are copied into o's
 * builtins by hk_sched_start() (copy_builtins), so o owns only its
 * arrays; the spec list itself is kept for hk_sched_opts_release(). */
int hk_sched_opts_from_config(const struct hk_config *cfg,
                              const struct hk_sched_spec *extra, size_t n_extra,
                              struct hk_sched_opts *o, bool *enabled)
{
    struct hk_sched_spec *specs = NULL;
    size_t n = 0;
    char err[512] = "";

    memset(o, 0, sizeof(*o));
    *enabled = cfg->settings.scheduler.enabled;
    int rc = hk_sched_specs_from_config(cfg, &specs, &n, err, sizeof(err));
    if (rc < 0) {
        hk_error("%s", err);
        return rc;
    }
    for (size_t i = 0; i < n_extra; i++) {
        for (size_t j = 0; j < n; j++) {
            if (strcmp(specs[j].name, extra[i].name) == 0) {
                hk_error("schedules: the name '%s' is taken by a built-in "
                         "schedule; rename that entry",
                         extra[i].name);
                hk_sched_specs_free(specs, n);
                return HAWK_ECONFIG;
            }
        }
    }
    /* Modules' own built-ins follow the configured ones. */
    struct hk_sched_spec *all = hk_calloc(n + n_extra + 1, sizeof(*all));
    if (n > 0)
        memcpy(all, specs, n * sizeof(*all));
    for (size_t i = 0; i < n_extra; i++)
        all[n + i] = extra[i];
    o->lock_id = cfg->settings.scheduler.lock_id;
    o->catch_up_ms = cfg->settings.scheduler.catch_up_ms;
    o->tick_ms = 1000;
    o->builtins = all;
    o->n_builtins = n + n_extra;
    o->configured_ = specs;
    o->n_configured_ = n;
    return 0;
}

/* See sched.h. */
void hk_sched_opts_release(struct hk_sched_opts *o)
{
    hk_free((void *)o->builtins);
    hk_sched_specs_free(o->configured_, o->n_configured_);
    memset(o, 0, sizeof(*o));
}

/* Stops the loop, gives up leadership, frees; accepts NULL. */
void hk_sched_stop(struct hk_sched *s)
{
    if (s == NULL)
        return;
    pthread_mutex_lock(&s->mu);
    s->stop = true;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
    pthread_join(s->tid, NULL);
    hk_leader_free(s->leader);
    free_builtins(s);
    pthread_cond_destroy(&s->cv);
    pthread_mutex_destroy(&s->mu);
    hk_free(s);
}

/* Whether this node held the scheduler lock at its last tick.
 * Thread-safe. */
bool hk_sched_is_leader(struct hk_sched *s)
{
    pthread_mutex_lock(&s->mu);
    bool l = s->is_leader;
    pthread_mutex_unlock(&s->mu);
    return l;
}
