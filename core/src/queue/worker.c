/*
 * queue/worker.c - the worker pool: N worker threads fed by a dispatcher
 * thread (dispatch.c) and drained by a completer thread (complete.c);
 * starting and stopping the pool.
 *
 * The dispatcher claims jobs in batches into a local FIFO, sends
 * heartbeats for every job the pool holds, rescues jobs of dead workers,
 * enforces timeouts, and listens for notifications on a dedicated
 * connection.  It sleeps in poll() on that connection's socket and an
 * eventfd the workers write when they finish, so an idle pool costs one
 * claim per poll interval and a new job starts within a notification's
 * delivery time.  The completer writes outcomes in batches on its own
 * connection, so recording results overlaps with claiming.
 *
 * Jobs this pool holds in the database (state running, worker = our id)
 * are exactly: the local FIFO, the jobs on worker threads, and outcomes
 * waiting or in flight.  Heartbeats name exactly those ids, so a claim
 * whose commit reply was lost is found and put back.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "app/app.h"
#include "config/config.h"
#include "db/db.h"
#include "log/log.h"
#include "plugin/metrics.h"
#include "queue/queue.h"
#include "queue/queue_int.h"
#include "queue/worker_int.h"
#include "util/alloc.h"
#include "util/assert.h"
#include "util/str.h"
#include "util/time.h"

/* After a shutdown's grace period, how long cancelled handlers get to
 * return before the pool gives up on them. */
#define CANCEL_WAIT_MS 5000

/* Jobs shorter than this on average are prefetched: a batch waiting in
 * the local FIFO then costs other nodes at most a few milliseconds. */
#define PREFETCH_MAX_AVG_MS 10.0

/* ---- small helpers ---- */

/* See worker_int.h: idle workers plus a batch of prefetch while jobs are
 * short.  Caller holds w->mu. */
int hk_workers_capacity(const struct hk_workers *w)
{
    if (w->stopping)
        return 0;
    int room = w->o.n - w->busy - (int)w->fifo_len;
    if (w->avg_run_ms < PREFETCH_MAX_AVG_MS)
        room += w->o.batch_size;
    return room > 0 ? room : 0;
}

/* Wakes the dispatcher.  Thread-safe, async-signal-safe. */
void hk_workers_wake(struct hk_workers *w)
{
    uint64_t one = 1;
    ssize_t r = write(w->efd, &one, sizeof(one));
    (void)r; /* a full counter still wakes the reader */
}

/* Appends a claimed job to the local FIFO (takes its payload).  Caller
 * holds w->mu. */
void hk_workers_fifo_push(struct hk_workers *w, struct hk_claimed_job *j)
{
    if (w->fifo_len == w->fifo_cap) {
        size_t ncap = w->fifo_cap ? w->fifo_cap * 2 : 64;
        struct hk_claimed_job *n = hk_calloc(ncap, sizeof(*n));
        for (size_t i = 0; i < w->fifo_len; i++)
            n[i] = w->fifo[(w->fifo_head + i) % w->fifo_cap];
        hk_free(w->fifo);
        w->fifo = n;
        w->fifo_cap = ncap;
        w->fifo_head = 0;
    }
    w->fifo[(w->fifo_head + w->fifo_len) % w->fifo_cap] = *j;
    w->fifo_len++;
}

/* Removes the oldest claimed job (payload now the caller's).  Caller
 * holds w->mu and checked fifo_len. */
struct hk_claimed_job hk_workers_fifo_pop(struct hk_workers *w)
{
    struct hk_claimed_job j = w->fifo[w->fifo_head];
    w->fifo_head = (w->fifo_head + 1) % w->fifo_cap;
    w->fifo_len--;
    return j;
}

/* Adds an outcome (strings copied).  Caller holds w->mu. */
void hk_workers_push_outcome(struct hk_workers *w,
                             const struct hk_job_outcome *o)
{
    HK_ASSERT_LOCKED(&w->mu);
    if (w->n_out == w->cap_out) {
        w->cap_out = w->cap_out ? w->cap_out * 2 : 64;
        w->out = hk_realloc(w->out, w->cap_out * sizeof(*w->out));
    }
    struct outcome_rec *r = &w->out[w->n_out++];
    r->o = *o;
    r->result = o->result ? hk_strdup(o->result) : NULL;
    r->error = o->error ? hk_strdup(o->error) : NULL;
    r->pmsg = o->progress_message ? hk_strdup(o->progress_message) : NULL;
    r->o.result = r->result;
    r->o.error = r->error;
    r->o.progress_message = r->pmsg;
    pthread_cond_signal(&w->out_cv);
}

/* Frees outcome records and their strings; accepts NULL. */
void hk_workers_free_outcomes(struct outcome_rec *r, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        hk_free(r[i].result);
        hk_free(r[i].error);
        hk_free(r[i].pmsg);
    }
    hk_free(r);
}

/* A claimed job the pool gives back unstarted.  Caller holds w->mu. */
void hk_workers_release_unstarted(struct hk_workers *w,
                                  struct hk_claimed_job *j,
                                  enum hk_job_outcome_kind kind)
{
    HK_ASSERT_LOCKED(&w->mu);
    struct hk_job_outcome o = {
        .id = j->id, .attempt = j->attempt, .kind = kind, .progress = -1};
    hk_workers_push_outcome(w, &o);
    hk_free(j->payload);
    j->payload = NULL;
}

/* ---- worker threads ---- */

/* hawk_queue_workers_busy / hawk_queue_workers: the utilization of this
 * process's pool (summed over pools by the dashboard).  w->mu held. */
static void set_busy(const struct hk_workers *w)
{
    (void)hk_metrics_set("hawk_queue_workers_busy", NULL, (double)w->busy);
    (void)hk_metrics_set("hawk_queue_workers", NULL, (double)w->o.n);
}

/* hawk_queue_job_duration_seconds{kind,outcome}: kinds are registered
 * names, so the label set stays bounded. */
static void observe_job(const char *kind, enum hk_job_outcome_kind outcome,
                        double ran_ms)
{
    static const char *const names[] = {"",     "done",      "retry",
                                        "dead", "cancelled", "released"};
    const char *oname =
        (int)outcome >= 1 && (int)outcome <= 5 ? names[outcome] : "other";
    char labels[200];
    char k[96];
    size_t n = 0;
    for (const char *p = kind; *p && n + 1 < sizeof(k); p++)
        if (*p != '"' && *p != '\\' && *p != '\n')
            k[n++] = *p;
    k[n] = '\0';
    snprintf(labels, sizeof(labels), "kind=\"%s\",outcome=\"%s\"", k, oname);
    (void)hk_metrics_observe("hawk_queue_job_duration_seconds", labels,
                             ran_ms / 1000.0);
}

static void run_job(struct hk_workers *w, struct slot *s,
                    struct hk_claimed_job *j)
{
    struct hk_job_impl impl;
    struct hk_job_ctx ctx = {0};
    hk_job_ctx_init(&ctx, &impl);
    impl.worker = w->id;
    ctx.job_id = j->id;
    ctx.user_id = j->user_id;
    ctx.attempt = j->attempt;
    ctx.max_attempts = j->max_attempts;
    ctx.kind = j->kind;
    ctx.queue = j->queue;
    ctx.app = w->app;

    pthread_mutex_lock(&w->mu);
    s->ctx = &ctx;
    if (s->pending_cancel != 0)
        hk_job_ctx_cancel(&ctx, (enum hk_cancel_reason)s->pending_cancel);
    s->timeout_ms = j->timeout_ms;
    s->deadline_mono = j->timeout_ms > 0 ? hk_mono_ms() + j->timeout_ms : 0;
    pthread_mutex_unlock(&w->mu);
    if (j->timeout_ms > 0)
        hk_workers_wake(w); /* so it re-arms its timer for the deadline */

    char rid[40];
    snprintf(rid, sizeof(rid), "job-%" PRId64, j->id);
    hk_log_ctx_set(rid, j->user_id);

    int64_t t_start = hk_mono_us();
    struct hk_job_kind kind;
    struct hawk_error err = {0};
    struct hk_buf result;
    hk_buf_init(&result, HK_JOB_RESULT_MAX);
    int rc;
    bool have_kind = hk_queue_find_kind(j->kind, &kind) == 0;
    if (!have_kind) {
        rc = HAWK_EUNSUPPORTED;
        err.retryable = true;
        snprintf(err.msg, sizeof(err.msg),
                 "no handler for job kind '%s' on worker %s", j->kind, w->id);
    } else {
        ctx.kind_ctx = kind.ctx;
        rc = kind.run(&ctx, j->payload, &result, &err);
    }

    struct hk_job_outcome o = {.id = j->id, .attempt = j->attempt};
    pthread_mutex_lock(&impl.mu);
    bool by_user = impl.by_user, timed_out = impl.timed_out,
         shutdown = impl.shutdown, lost = impl.lost;
    o.progress = impl.progress;
    char pmsg[sizeof(impl.progress_msg)];
    hk_strlcpy(pmsg, impl.progress_msg, sizeof(pmsg));
    pthread_mutex_unlock(&impl.mu);
    o.progress_message = pmsg[0] ? pmsg : NULL;

    char msg[320];
    if (rc == 0) {
        o.kind = HK_OUTCOME_DONE;
        o.result = result.len > 0 ? hk_buf_str(&result) : NULL;
    } else if (shutdown) {
        o.kind = HK_OUTCOME_RELEASED;
        o.error = "released at worker shutdown";
    } else if (by_user) {
        o.kind = HK_OUTCOME_CANCELLED;
        o.error = "cancelled";
    } else {
        bool retryable = err.retryable;
        if (timed_out) {
            snprintf(msg, sizeof(msg), "timed out after %" PRId64 " ms",
                     j->timeout_ms);
            retryable = true;
        } else if (lost) {
            snprintf(msg, sizeof(msg),
                     "stopped: the job was taken over "
                     "after missed heartbeats");
        } else {
            snprintf(msg, sizeof(msg), "%s",
                     err.msg[0] ? err.msg : hawk_strerror(rc));
        }
        struct hk_job_kind *kp = have_kind ? &kind : NULL;
        hk_queue_fail_outcome(kp, j->id, j->attempt, j->max_attempts, retryable,
                              msg, &o);
        o.progress = impl.progress;
        o.progress_message = pmsg[0] ? pmsg : NULL;
        hk_log(o.kind == HK_OUTCOME_DEAD ? HAWK_LOG_ERROR : HAWK_LOG_WARN,
               "job %" PRId64 " (%s) attempt %d/%d failed: %s%s", j->id,
               j->kind, j->attempt, j->max_attempts, msg,
               o.kind == HK_OUTCOME_DEAD ? " (dead)" : " (will retry)");
    }

    double ran_ms = (double)(hk_mono_us() - t_start) / 1000.0;
    observe_job(j->kind, o.kind, ran_ms);
    pthread_mutex_lock(&w->mu);
    w->avg_run_ms = 0.9 * w->avg_run_ms + 0.1 * ran_ms;
    hk_workers_push_outcome(w, &o);
    s->ctx = NULL;
    s->job_id = 0;
    s->pending_cancel = 0;
    s->deadline_mono = 0;
    w->busy--;
    set_busy(w);
    pthread_cond_broadcast(&w->idle_cv);
    pthread_mutex_unlock(&w->mu);
    hk_workers_wake(w);

    hk_log_ctx_clear();
    hk_buf_release(&result);
    hk_job_ctx_destroy(&ctx);
}

static void *worker_main(void *arg)
{
    struct slot *s = arg;
    struct hk_workers *w = s->w;
    pthread_mutex_lock(&w->mu);
    for (;;) {
        while (w->fifo_len == 0 && !w->exit_workers)
            pthread_cond_wait(&w->work_cv, &w->mu);
        if (w->fifo_len == 0 || w->stopping)
            break;
        struct hk_claimed_job j = hk_workers_fifo_pop(w);
        w->busy++;
        set_busy(w);
        s->job_id = j.id;
        s->pending_cancel = 0;
        pthread_mutex_unlock(&w->mu);
        run_job(w, s, &j);
        hk_free(j.payload);
        pthread_mutex_lock(&w->mu);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

/* ---- start / stop ---- */

/* Fills unset (zero) timing and batch options with their defaults. */
void hk_workers_opts_defaults(struct hk_workers_opts *o)
{
    if (o->batch_size <= 0)
        o->batch_size = 50;
    if (o->poll_interval_ms <= 0)
        o->poll_interval_ms = 1000;
    if (o->heartbeat_interval_ms <= 0)
        o->heartbeat_interval_ms = 5000;
    if (o->rescue_after_ms <= 0)
        o->rescue_after_ms = 30000;
}

static void make_id(char *out, size_t n)
{
    char host[64] = "host";
    gethostname(host, sizeof(host) - 1);
    host[sizeof(host) - 1] = '\0';
    unsigned char rnd[4] = {0};
    hk_random_bytes(rnd, sizeof(rnd));
    char hex[9];
    hk_hex_encode(rnd, sizeof(rnd), hex);
    snprintf(out, n, "%s:%ld:%s", host, (long)getpid(), hex);
}

static void workers_free(struct hk_workers *w)
{
    hk_workers_unlisten(&w->l);
    if (w->queues != NULL) {
        for (char **p = w->queues; *p != NULL; p++)
            hk_free(*p);
        hk_free(w->queues);
    }
    for (size_t i = 0; i < w->o.n_limits; i++)
        hk_free((char *)(uintptr_t)w->limits[i].queue);
    hk_free(w->limits);
    for (size_t k = 0; k < w->fifo_len; k++)
        hk_free(w->fifo[(w->fifo_head + k) % w->fifo_cap].payload);
    hk_free(w->fifo);
    hk_workers_free_outcomes(w->out, w->n_out);
    hk_free(w->slots);
    if (w->efd >= 0)
        close(w->efd);
    pthread_cond_destroy(&w->work_cv);
    pthread_cond_destroy(&w->idle_cv);
    pthread_cond_destroy(&w->out_cv);
    pthread_mutex_destroy(&w->mu);
    hk_free(w);
}

/* Starts a pool with explicit options (copied); stop with
 * hk_workers_stop().  0, HAWK_EINVAL or HAWK_EINTERNAL. */
int hk_workers_start_opts(struct hk_app *app, const struct hk_workers_opts *o,
                          struct hk_workers **out)
{
    *out = NULL;
    if (app == NULL || app->db == NULL || o == NULL || o->n < 1 || o->n > 4096)
        return HAWK_EINVAL;
    hk_queue_kinds_init();
    struct hk_workers *w = hk_calloc(1, sizeof(*w));
    w->app = app;
    w->o = *o;
    w->avg_run_ms = 1000.0; /* unknown: no prefetch until jobs prove short */
    hk_workers_opts_defaults(&w->o);
    if (o->queues != NULL) {
        size_t nq = 0;
        while (o->queues[nq] != NULL)
            nq++;
        if (nq > 0) {
            w->queues = hk_calloc(nq + 1, sizeof(char *));
            for (size_t i = 0; i < nq; i++)
                w->queues[i] = hk_strdup(o->queues[i]);
        }
    }
    w->o.queues = NULL;
    w->limits = hk_calloc(o->n_limits + 1, sizeof(*w->limits));
    for (size_t i = 0; i < o->n_limits; i++) {
        w->limits[i].queue = hk_strdup(o->limits[i].queue);
        w->limits[i].max_running = o->limits[i].max_running;
    }
    w->o.limits = NULL;
    make_id(w->id, sizeof(w->id));
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->work_cv, NULL);
    pthread_cond_init(&w->idle_cv, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&w->out_cv, &ca);
    pthread_condattr_destroy(&ca);
    w->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    /* LISTEN before anything can be claimed, so no job committed after
     * start returns goes unheard (the dispatcher retries on failure). */
    hk_workers_listen(w, &w->l);
    w->slots = hk_calloc((size_t)w->o.n, sizeof(*w->slots));
    if (w->efd < 0) {
        workers_free(w);
        return HAWK_EINTERNAL;
    }
    for (int i = 0; i < w->o.n; i++) {
        w->slots[i].w = w;
        if (pthread_create(&w->slots[i].tid, NULL, worker_main, &w->slots[i]) !=
            0) {
            hk_error("queue: cannot start worker thread %d", i);
            hk_workers_stop(w, 0);
            return HAWK_EINTERNAL;
        }
        w->slots[i].started = true;
    }
    if (pthread_create(&w->dispatcher, NULL, hk_workers_dispatcher_main, w) !=
        0) {
        hk_error("queue: cannot start the dispatcher thread");
        hk_workers_stop(w, 0);
        return HAWK_EINTERNAL;
    }
    w->dispatcher_started = true;
    if (pthread_create(&w->completer, NULL, hk_workers_completer_main, w) !=
        0) {
        hk_error("queue: cannot start the completer thread");
        hk_workers_stop(w, 0);
        return HAWK_EINTERNAL;
    }
    w->completer_started = true;
    hk_info("queue: %d worker(s) started as %s", w->o.n, w->id);
    *out = w;
    return 0;
}

static void wait_idle(struct hk_workers *w, int64_t ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += ms / 1000;
    ts.tv_nsec += (ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    while (w->busy > 0) {
        if (pthread_cond_timedwait(&w->idle_cv, &w->mu, &ts) == ETIMEDOUT)
            break;
    }
}

/* Graceful stop, then frees the pool (see queue.h); accepts NULL. */
void hk_workers_stop(struct hk_workers *w, int64_t grace_ms)
{
    if (w == NULL)
        return;
    pthread_mutex_lock(&w->mu);
    w->stopping = true;
    w->exit_workers = true;
    while (w->fifo_len > 0) {
        struct hk_claimed_job j = hk_workers_fifo_pop(w);
        hk_workers_release_unstarted(w, &j, HK_OUTCOME_RELEASED);
    }
    pthread_cond_broadcast(&w->work_cv);
    if (w->busy > 0)
        hk_info("queue: waiting up to %lld ms for %d running job(s)",
                (long long)grace_ms, w->busy);
    wait_idle(w, grace_ms);
    if (w->busy > 0) {
        hk_warn("queue: %d job(s) still running after the grace period; "
                "cancelling and releasing them",
                w->busy);
        for (int i = 0; i < w->o.n; i++)
            if (w->slots[i].ctx != NULL)
                hk_job_ctx_cancel(w->slots[i].ctx, HK_CANCEL_SHUTDOWN);
            else if (w->slots[i].job_id != 0)
                w->slots[i].pending_cancel = HK_CANCEL_SHUTDOWN;
        wait_idle(w, CANCEL_WAIT_MS);
    }
    int stuck = w->busy;
    pthread_mutex_unlock(&w->mu);
    hk_workers_wake(w);

    if (stuck > 0) {
        /* Their threads cannot be joined: leave the pool allocated, stop
         * the dispatcher so heartbeats end, and let the rescue of another
         * node retry those jobs once this process is gone. */
        hk_error("queue: %d handler(s) ignore cancellation; their jobs "
                 "will be rescued after the heartbeat lapses",
                 stuck);
    }
    for (int i = 0; i < w->o.n && stuck == 0; i++)
        if (w->slots[i].started)
            pthread_join(w->slots[i].tid, NULL);
    /* The dispatcher first (a claim it has in flight is given back as
     * outcomes), then the completer writes everything left. */
    if (w->dispatcher_started) {
        pthread_mutex_lock(&w->mu);
        w->exit_dispatch = true;
        pthread_mutex_unlock(&w->mu);
        hk_workers_wake(w);
        pthread_join(w->dispatcher, NULL);
    }
    if (w->completer_started) {
        pthread_mutex_lock(&w->mu);
        w->exit_completer = true;
        pthread_cond_broadcast(&w->out_cv);
        pthread_mutex_unlock(&w->mu);
        pthread_join(w->completer, NULL);
    }
    if (stuck > 0)
        return;
    hk_info("queue: workers %s stopped", w->id);
    workers_free(w);
}

/* The pool's worker id, borrowed until hk_workers_stop(). */
const char *hk_workers_id(const struct hk_workers *w)
{
    return w->id;
}
