/*
 * queue/complete.c - the worker pool's completer thread: writes job
 * outcomes in batches on its own pooled connection, so recording results
 * overlaps with the dispatcher's claims instead of waiting behind them.
 *
 * Outcomes being written stay in w->inflight (under w->mu) until their
 * statement returns, so the dispatcher's heartbeat still counts those
 * jobs as held: a job is never invisible to it.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <string.h>
#include <time.h>

#include "app/app.h"
#include "db/db.h"
#include "log/log.h"
#include "queue/queue.h"
#include "queue/queue_int.h"
#include "queue/worker_int.h"
#include "util/alloc.h"
#include "util/time.h"

/* At shutdown, how long the completer keeps trying to write outcomes. */
#define FLUSH_DEADLINE_MS 10000
#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 2000

/* Waits on out_cv until mono time `until` (or a signal).  Caller holds
 * w->mu. */
static void wait_until_mono(struct hk_workers *w, int64_t until)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    int64_t ms = until - hk_mono_ms();
    if (ms <= 0)
        return;
    ts.tv_sec += ms / 1000;
    ts.tv_nsec += (ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    pthread_cond_timedwait(&w->out_cv, &w->mu, &ts);
}

/* Writes the in-flight batch: 0 or a database error. */
static int write_batch(struct hk_workers *w, struct outcome_rec *recs, size_t n)
{
    struct hk_dbconn *c = NULL;
    int rc = hk_db_acquire(w->app->db, &c);
    if (rc < 0)
        return rc;
    struct hk_job_outcome *o = hk_calloc(n, sizeof(*o));
    for (size_t i = 0; i < n; i++)
        o[i] = recs[i].o;
    size_t applied = 0;
    rc = hk_queue_finish(c, w->id, o, n, &applied);
    hk_free(o);
    hk_db_release(w->app->db, c);
    if (rc == 0 && applied < n)
        hk_debug("queue: %zu outcome(s) skipped: jobs no longer held by "
                 "this worker",
                 n - applied);
    return rc;
}

/* The completer thread: loops until exit_completer is set and every
 * outcome is written (or FLUSH_DEADLINE_MS passed).  arg is the pool. */
void *hk_workers_completer_main(void *arg)
{
    struct hk_workers *w = arg;
    int64_t backoff = 0, retry_at = 0, deadline = 0;
    hk_log_ctx_set("queue-completer", 0);
    pthread_mutex_lock(&w->mu);
    for (;;) {
        if (w->n_out == 0) {
            if (w->exit_completer)
                break;
            pthread_cond_wait(&w->out_cv, &w->mu);
            continue;
        }
        int64_t now = hk_mono_ms();
        if (w->exit_completer) {
            if (deadline == 0)
                deadline = now + FLUSH_DEADLINE_MS;
            if (now > deadline)
                break;
        }
        if (now < retry_at) {
            wait_until_mono(w, retry_at);
            continue;
        }
        /* Everything pending goes in one statement. */
        struct outcome_rec *recs = w->out;
        size_t n = w->n_out;
        w->out = NULL;
        w->n_out = w->cap_out = 0;
        w->inflight = recs;
        w->n_inflight = n;
        pthread_mutex_unlock(&w->mu);

        int rc = write_batch(w, recs, n);

        pthread_mutex_lock(&w->mu);
        w->inflight = NULL;
        w->n_inflight = 0;
        if (rc < 0) {
            for (size_t i = 0; i < n; i++)
                hk_workers_push_outcome(w, &recs[i].o);
            backoff = backoff ? backoff * 2 : BACKOFF_MIN_MS;
            if (backoff > BACKOFF_MAX_MS)
                backoff = BACKOFF_MAX_MS;
            retry_at = hk_mono_ms() + backoff;
            hk_warn("queue: recording job outcomes failed (%s); retrying "
                    "in %lld ms",
                    hawk_strerror(rc), (long long)backoff);
        } else {
            backoff = 0;
            /* finished jobs free per-user and per-queue slots */
            w->claim_hint = true;
        }
        pthread_mutex_unlock(&w->mu);
        hk_workers_free_outcomes(recs, n);
        hk_workers_wake(w);
        pthread_mutex_lock(&w->mu);
    }
    if (w->n_out > 0)
        hk_error("queue: %zu job outcome(s) could not be recorded; those "
                 "jobs will be retried",
                 w->n_out);
    pthread_mutex_unlock(&w->mu);
    hk_log_ctx_clear();
    return NULL;
}
