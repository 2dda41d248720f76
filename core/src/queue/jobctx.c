/*
 * queue/jobctx.c - the context a job handler runs with: cancellation
 * (flag + wake-up), interruptible sleep, progress reports.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "app/app.h"
#include "db/db.h"
#include "log/log.h"
#include "queue/queue.h"
#include "queue/queue_int.h"
#include "util/str.h"
#include "util/time.h"

/* Progress is written at most this often while a job runs. */
#define PROGRESS_FLUSH_MS 250

/* Prepares ctx and its private state for one job; impl must outlive ctx.
 * Release with hk_job_ctx_destroy(). */
void hk_job_ctx_init(struct hk_job_ctx *ctx, struct hk_job_impl *impl)
{
    memset(impl, 0, sizeof(*impl));
    pthread_mutex_init(&impl->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&impl->cv, &ca);
    pthread_condattr_destroy(&ca);
    impl->progress = -1;
    atomic_init(&ctx->cancel, false);
    ctx->impl_ = impl;
}

/* Releases what hk_job_ctx_init() set up; ctx and impl stay the
 * caller's. */
void hk_job_ctx_destroy(struct hk_job_ctx *ctx)
{
    struct hk_job_impl *impl = ctx->impl_;
    if (impl == NULL)
        return;
    pthread_cond_destroy(&impl->cv);
    pthread_mutex_destroy(&impl->mu);
    ctx->impl_ = NULL;
}

/* Sets the job's cancel flag (the first reason is kept) and wakes a
 * handler sleeping in hk_job_sleep().  Thread-safe. */
void hk_job_ctx_cancel(struct hk_job_ctx *ctx, enum hk_cancel_reason why)
{
    struct hk_job_impl *impl = ctx->impl_;
    if (impl == NULL) {
        atomic_store(&ctx->cancel, true);
        return;
    }
    pthread_mutex_lock(&impl->mu);
    if (!atomic_load(&ctx->cancel)) {
        impl->by_user = why == HK_CANCEL_USER;
        impl->timed_out = why == HK_CANCEL_TIMEOUT;
        impl->shutdown = why == HK_CANCEL_SHUTDOWN;
        impl->lost = why == HK_CANCEL_LOST;
    }
    atomic_store(&ctx->cancel, true);
    pthread_cond_broadcast(&impl->cv);
    pthread_mutex_unlock(&impl->mu);
}

/* Sleeps up to ms or until the job is cancelled: 0 or HAWK_ECANCELED.
 * See queue.h. */
int hk_job_sleep(struct hk_job_ctx *ctx, int64_t ms)
{
    if (ms < 0)
        ms = 0;
    struct hk_job_impl *impl = ctx->impl_;
    if (impl == NULL) {
        /* A context built outside the pool: poll the flag. */
        int64_t end = hk_mono_ms() + ms;
        while (!atomic_load(&ctx->cancel)) {
            int64_t left = end - hk_mono_ms();
            if (left <= 0)
                return 0;
            hk_sleep_ms(left < 20 ? left : 20);
        }
        return HAWK_ECANCELED;
    }
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_sec += ms / 1000;
    ts.tv_nsec += (ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    int rc = 0;
    pthread_mutex_lock(&impl->mu);
    while (!atomic_load(&ctx->cancel)) {
        int w = pthread_cond_timedwait(&impl->cv, &impl->mu, &ts);
        if (w == ETIMEDOUT)
            break;
    }
    if (atomic_load(&ctx->cancel))
        rc = HAWK_ECANCELED;
    pthread_mutex_unlock(&impl->mu);
    return rc;
}

static const char SQL_PROGRESS[] =
    "UPDATE queue_jobs SET progress = $2::smallint, progress_message = $3"
    " WHERE id = $1::bigint AND worker = $4 AND state = 'running'";

/* Records progress; writes it to the job row at most every
 * PROGRESS_FLUSH_MS (best effort: the final value goes with the outcome). */
void hk_job_progress(struct hk_job_ctx *ctx, int pct, const char *msg)
{
    struct hk_job_impl *impl = ctx->impl_;
    if (impl == NULL)
        return;
    if (pct < 0)
        pct = 0;
    if (pct > 100)
        pct = 100;
    pthread_mutex_lock(&impl->mu);
    impl->progress = pct;
    if (msg != NULL) {
        size_t n =
            hk_strlcpy(impl->progress_msg, msg, sizeof(impl->progress_msg));
        /* never cut a UTF-8 sequence in half */
        if (n >= sizeof(impl->progress_msg)) {
            size_t l = sizeof(impl->progress_msg) - 1;
            while (l > 0 &&
                   ((unsigned char)impl->progress_msg[l] & 0xC0) == 0x80)
                l--;
            impl->progress_msg[l] = '\0';
        }
    }
    impl->progress_dirty = true;
    int64_t now = hk_mono_ms();
    bool flush = now - impl->progress_flushed_mono_ms >= PROGRESS_FLUSH_MS;
    char pbuf[8], idbuf[24], mbuf[sizeof(impl->progress_msg)];
    if (flush) {
        impl->progress_flushed_mono_ms = now;
        impl->progress_dirty = false;
        snprintf(pbuf, sizeof(pbuf), "%d", pct);
        hk_strlcpy(mbuf, impl->progress_msg, sizeof(mbuf));
    }
    pthread_mutex_unlock(&impl->mu);
    if (!flush || ctx->app == NULL || ctx->app->db == NULL ||
        impl->worker == NULL)
        return;
    snprintf(idbuf, sizeof(idbuf), "%" PRId64, ctx->job_id);
    struct hk_dbconn *c = NULL;
    if (hk_db_acquire(ctx->app->db, &c) < 0)
        return; /* best effort: the final value goes with the outcome */
    const char *params[4] = {idbuf, pbuf, mbuf[0] ? mbuf : NULL, impl->worker};
    if (hk_db_query(c, SQL_PROGRESS, 4, params, NULL) < 0)
        hk_debug("queue: could not store progress of job %s", idbuf);
    hk_db_release(ctx->app->db, c);
}
