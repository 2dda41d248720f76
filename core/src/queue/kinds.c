/*
 * queue/kinds.c - the job kind registry and the built-in kinds:
 *   noop        does nothing (tests, benchmarks); {"fail": "msg",
 *               "permanent": bool} makes it fail on purpose
 *   sleep       waits {"ms": N} milliseconds, cancellable (tests)
 *   queue_prune deletes finished jobs older than queue.prune_after (run
 *               by the nightly built-in schedule)
 *
 * Kinds are registered at start-up and never removed, so a copy handed
 * out by hk_queue_find_kind() stays valid for the life of the process.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "app/app.h"
#include "config/config.h"
#include "db/db.h"
#include "http/http.h"
#include "log/log.h"
#include "queue/queue.h"
#include "queue/queue_int.h"
#include "util/alloc.h"
#include "util/str.h"

#define MAX_KINDS 128
/* Longest sleep a user may ask for through the task API. */
#define SLEEP_API_MAX_MS 60000
/* Longest sleep the handler accepts from internal producers. */
#define SLEEP_MAX_MS (24LL * 3600 * 1000)

static pthread_mutex_t kinds_mu = PTHREAD_MUTEX_INITIALIZER;
static struct hk_job_kind kinds[MAX_KINDS];
static size_t n_kinds;
static pthread_once_t builtins_once = PTHREAD_ONCE_INIT;

/* Strings of replaced entries: copies handed out may still point at
 * them, so they are kept (and stay reachable) for the process life. */
struct retired {
    char *s;
    struct retired *next;
};
static struct retired *retired_strings;

static int register_locked(const struct hk_job_kind *k)
{
    const char *queue = k->queue ? k->queue : HK_QUEUE_DEFAULT;
    for (size_t i = 0; i < n_kinds; i++) {
        if (strcmp(kinds[i].name, k->name) == 0) {
            const char *name = kinds[i].name;
            const char *old_queue = kinds[i].queue;
            kinds[i] = *k;
            kinds[i].name = name;
            if (strcmp(old_queue, queue) == 0) {
                kinds[i].queue = old_queue;
            } else {
                struct retired *r = hk_malloc(sizeof(*r));
                r->s = (char *)(uintptr_t)old_queue;
                r->next = retired_strings;
                retired_strings = r;
                kinds[i].queue = hk_strdup(queue);
            }
            return 0;
        }
    }
    if (n_kinds == MAX_KINDS)
        return HAWK_ETOOBIG;
    kinds[n_kinds] = *k;
    kinds[n_kinds].name = hk_strdup(k->name);
    kinds[n_kinds].queue = hk_strdup(queue);
    n_kinds++;
    return 0;
}

static int register_kind(const struct hk_job_kind *k)
{
    if (k == NULL || k->run == NULL || !hk_queue_kind_name_valid(k->name) ||
        (k->queue != NULL && !hk_queue_name_valid(k->queue)) ||
        k->max_attempts < 0 || k->max_attempts > 1000 || k->timeout_ms < 0)
        return HAWK_EINVAL;
    pthread_mutex_lock(&kinds_mu);
    int rc = register_locked(k);
    pthread_mutex_unlock(&kinds_mu);
    return rc;
}

/* Registers or replaces a kind (copied): 0, HAWK_EINVAL, HAWK_ETOOBIG
 * when the registry is full.  Thread-safe. */
int hk_queue_register_kind(const struct hk_job_kind *k)
{
    hk_queue_kinds_init();
    return register_kind(k);
}

/* Copies a registered kind into *out (strings borrowed for the process
 * life): 0 or HAWK_ENOTFOUND.  Thread-safe. */
int hk_queue_find_kind(const char *name, struct hk_job_kind *out)
{
    hk_queue_kinds_init();
    if (name == NULL)
        return HAWK_ENOTFOUND;
    int rc = HAWK_ENOTFOUND;
    pthread_mutex_lock(&kinds_mu);
    for (size_t i = 0; i < n_kinds; i++) {
        if (strcmp(kinds[i].name, name) == 0) {
            *out = kinds[i];
            rc = 0;
            break;
        }
    }
    pthread_mutex_unlock(&kinds_mu);
    return rc;
}

/* ---- noop ---- */

static int noop_run(struct hk_job_ctx *ctx, const char *payload,
                    struct hk_buf *result, struct hawk_error *err)
{
    (void)ctx;
    (void)result;
    if (payload == NULL || strcmp(payload, "{}") == 0)
        return 0; /* the benchmark path: nothing to parse */
    json_object *o = json_tokener_parse(payload);
    json_object *fail = NULL, *perm = NULL;
    int rc = 0;
    if (o != NULL && json_object_object_get_ex(o, "fail", &fail) &&
        json_object_is_type(fail, json_type_string)) {
        bool permanent = json_object_object_get_ex(o, "permanent", &perm) &&
                         json_object_get_boolean(perm);
        err->code = HAWK_EIO;
        err->retryable = !permanent;
        hk_strlcpy(err->msg, json_object_get_string(fail), sizeof(err->msg));
        rc = HAWK_EIO;
    }
    json_object_put(o);
    return rc;
}

static int noop_validate(json_object *payload, struct hk_resp *resp)
{
    static const struct hk_field fields[] = {
        HK_FIELD("fail", HK_F_STRING, false, false, 1, 200),
        HK_FIELD("permanent", HK_F_BOOL, false, false, 0, 0),
        HK_FIELD_END,
    };
    return hk_json_check(payload, fields, resp);
}

/* ---- sleep ---- */

static int sleep_run(struct hk_job_ctx *ctx, const char *payload,
                     struct hk_buf *result, struct hawk_error *err)
{
    json_object *o = json_tokener_parse(payload);
    json_object *ms = NULL;
    int64_t v = 0;
    if (o == NULL || !json_object_object_get_ex(o, "ms", &ms) ||
        !json_object_is_type(ms, json_type_int) ||
        (v = json_object_get_int64(ms)) < 0 || v > SLEEP_MAX_MS) {
        json_object_put(o);
        err->code = HAWK_EINVAL;
        err->retryable = false;
        hk_strlcpy(err->msg, "payload needs \"ms\": a number of milliseconds",
                   sizeof(err->msg));
        return HAWK_EINVAL;
    }
    json_object_put(o);
    hk_job_progress(ctx, 0, "sleeping");
    int rc = hk_job_sleep(ctx, v);
    if (rc < 0) {
        err->code = rc;
        err->retryable = true;
        hk_strlcpy(err->msg, "sleep interrupted", sizeof(err->msg));
        return rc;
    }
    hk_buf_printf(result, "{\"slept_ms\":%" PRId64 "}", v);
    return 0;
}

static int sleep_validate(json_object *payload, struct hk_resp *resp)
{
    static const struct hk_field fields[] = {
        HK_FIELD("ms", HK_F_INT, true, false, 0, SLEEP_API_MAX_MS),
        HK_FIELD_END,
    };
    return hk_json_check(payload, fields, resp);
}

/* ---- queue_prune ---- */

static int prune_run(struct hk_job_ctx *ctx, const char *payload,
                     struct hk_buf *result, struct hawk_error *err)
{
    (void)payload;
    int64_t older = 7LL * 24 * 3600 * 1000;
    if (ctx->app != NULL && ctx->app->cfg != NULL)
        older = ctx->app->cfg->settings.queue.prune_after_ms;
    if (ctx->app == NULL || ctx->app->db == NULL) {
        err->code = HAWK_EUNAVAIL;
        err->retryable = true;
        hk_strlcpy(err->msg, "no database", sizeof(err->msg));
        return HAWK_EUNAVAIL;
    }
    struct hk_dbconn *c = NULL;
    int rc = hk_db_acquire(ctx->app->db, &c);
    int64_t deleted = 0;
    if (rc == 0)
        rc = hk_queue_prune(c, older, &deleted);
    hk_db_release(ctx->app->db, c);
    if (rc < 0) {
        err->code = rc;
        err->retryable = true;
        snprintf(err->msg, sizeof(err->msg), "pruning failed: %s",
                 hawk_strerror(rc));
        return rc;
    }
    hk_info("queue: pruned %" PRId64 " finished job(s)", deleted);
    hk_buf_printf(result, "{\"deleted\":%" PRId64 "}", deleted);
    return 0;
}

static void builtins(void)
{
    static const struct hk_job_kind noop = {
        .name = "noop",
        .run = noop_run,
        .validate = noop_validate,
        .max_attempts = 3,
        .backoff_base_ms = 1000,
        .user_startable = true,
    };
    static const struct hk_job_kind sleep_kind = {
        .name = "sleep",
        .run = sleep_run,
        .validate = sleep_validate,
        .max_attempts = 3,
        .backoff_base_ms = 1000,
        .user_startable = true,
    };
    static const struct hk_job_kind prune = {
        .name = "queue_prune",
        .run = prune_run,
        .queue = "maintenance",
        .max_attempts = 3,
        .backoff_base_ms = 60000,
    };
    register_kind(&noop);
    register_kind(&sleep_kind);
    register_kind(&prune);
}

/* Registers the built-in kinds once; every registry entry point calls
 * it, so callers rarely need to. */
void hk_queue_kinds_init(void)
{
    pthread_once(&builtins_once, builtins);
}
