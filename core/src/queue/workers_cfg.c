/*
 * queue/workers_cfg.c - worker pool options from the config (queue.*) and
 * the config-driven start used by hawk serve and hawk worker.
 */
#include <stdio.h>
#include <string.h>

#include "app/app.h"
#include "config/config.h"
#include "log/log.h"
#include "queue/queue.h"
#include "queue/queue_int.h"
#include "queue/worker_int.h"
#include "util/alloc.h"
#include "util/str.h"

/* ---- configuration ---- */

/* Frees what hk_workers_opts_from_config() allocated in o. */
void hk_workers_opts_release(struct hk_workers_opts *o)
{
    for (size_t i = 0; i < o->n_limits; i++)
        hk_free((char *)(uintptr_t)o->limits[i].queue);
    hk_free((void *)(uintptr_t)o->limits);
    hk_free((void *)(uintptr_t)o->queues);
    o->limits = NULL;
    o->n_limits = 0;
    o->queues = NULL;
}

/* Parses one "name=N" item into an owned name and a limit. */
static int parse_limit(const char *item, struct hk_queue_limit *out)
{
    const char *eq = strchr(item, '=');
    if (eq == NULL || eq == item || (size_t)(eq - item) > HK_QUEUE_NAME_MAX)
        return HAWK_EINVAL;
    char *name = hk_strndup(item, (size_t)(eq - item));
    int64_t v = 0;
    if (!hk_queue_name_valid(name) || hk_parse_i64(eq + 1, 1, 100000, &v) < 0) {
        hk_free(name);
        return HAWK_EINVAL;
    }
    out->queue = name;
    out->max_running = (int)v;
    return 0;
}

/* Fills pool options from queue.* (see queue.h); release with
 * hk_workers_opts_release().  0 or HAWK_ECONFIG with err. */
int hk_workers_opts_from_config(const struct hk_app *app,
                                struct hk_workers_opts *o, char *err,
                                size_t errlen)
{
    memset(o, 0, sizeof(*o));
    const struct hk_config *cfg = app->cfg;
    if (cfg == NULL) {
        o->n = 2;
        o->per_user_limit = 2;
        hk_workers_opts_defaults(o);
        return 0;
    }
    o->n = (int)cfg->settings.queue.workers;
    o->batch_size = (int)cfg->settings.queue.batch_size;
    o->per_user_limit = (int)cfg->settings.queue.per_user_concurrency;
    o->poll_interval_ms = cfg->settings.queue.poll_interval_ms;
    o->heartbeat_interval_ms = cfg->settings.queue.heartbeat_interval_ms;
    o->rescue_after_ms = cfg->settings.queue.rescue_after_ms;
    if (o->rescue_after_ms < 2 * o->heartbeat_interval_ms) {
        snprintf(err, errlen,
                 "queue.rescue_after (%lld ms) must be at least twice "
                 "queue.heartbeat_interval (%lld ms)",
                 (long long)o->rescue_after_ms,
                 (long long)o->heartbeat_interval_ms);
        return HAWK_ECONFIG;
    }
    size_t nq = cfg->settings.queue.queues.n;
    if (nq > 0) {
        const char **q = hk_calloc(nq + 1, sizeof(char *));
        for (size_t i = 0; i < nq; i++) {
            q[i] = cfg->settings.queue.queues.items[i];
            if (!hk_queue_name_valid(q[i])) {
                snprintf(err, errlen,
                         "queue.queues: '%s' is not a queue name (use "
                         "a-z, 0-9, _ and -, at most 64)",
                         q[i]);
                hk_free(q);
                return HAWK_ECONFIG;
            }
        }
        o->queues = q;
    }
    size_t nl = cfg->settings.queue.concurrency.n;
    struct hk_queue_limit *lim = hk_calloc(nl + 1, sizeof(*lim));
    o->limits = lim;
    for (size_t i = 0; i < nl; i++) {
        const char *item = cfg->settings.queue.concurrency.items[i];
        if (parse_limit(item, &lim[i]) < 0) {
            snprintf(err, errlen,
                     "queue.concurrency: '%s' must look like \"name=N\" "
                     "with N from 1 to 100000",
                     item);
            hk_workers_opts_release(o);
            return HAWK_ECONFIG;
        }
        o->n_limits = i + 1;
    }
    return 0;
}

/* Starts the configured pool (n/queues override the config); *out is
 * NULL when no workers are configured.  See queue.h. */
int hk_workers_start(struct hk_app *app, int n, const char *const *queues,
                     struct hk_workers **out)
{
    *out = NULL;
    struct hk_workers_opts o;
    char err[256] = "";
    int rc = hk_workers_opts_from_config(app, &o, err, sizeof(err));
    if (rc < 0) {
        hk_error("%s", err);
        return rc;
    }
    if (n > 0)
        o.n = n;
    const char *const *cfg_queues = o.queues;
    if (queues != NULL)
        o.queues = queues;
    if (o.n > 0)
        rc = hk_workers_start_opts(app, &o, out);
    /* else queue.workers = 0: this process runs no jobs */
    o.queues = cfg_queues;
    hk_workers_opts_release(&o);
    return rc;
}
