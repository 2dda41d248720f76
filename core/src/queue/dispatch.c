/*
 * queue/dispatch.c - the worker pool's dispatcher thread: the LISTEN
 * connection, claims into the local FIFO, heartbeats, rescue of dead
 * workers' jobs, and job timeouts.  Outcomes are written by the completer
 * thread (complete.c).
 *
 * Only the dispatcher claims, and it heartbeats between claims, so the
 * set of jobs the pool holds (FIFO + running + outcomes waiting or in
 * flight) is read under w->mu with no claim half-recorded.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "app/app.h"
#include "db/db.h"
#include "log/log.h"
#include "queue/queue.h"
#include "queue/queue_int.h"
#include "queue/worker_int.h"
#include "util/alloc.h"
#include "util/str.h"
#include "util/time.h"

/* Back-off after a failed database round. */
#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 2000

/* ---- the LISTEN connection ---- */

/* Closes the LISTEN connection, if any. */
void hk_workers_unlisten(struct listener *l)
{
    if (l->pg != NULL)
        PQfinish(l->pg);
    l->pg = NULL;
}

/* Connects and LISTENs; on failure schedules a retry.  true when a new
 * connection came up (notifications may have been missed meanwhile). */
bool hk_workers_listen(struct hk_workers *w, struct listener *l)
{
    if (l->pg != NULL || w->app->db_url == NULL)
        return false;
    int64_t now = hk_mono_ms();
    if (now < l->retry_at_mono)
        return false;
    const char *keys[] = {"connect_timeout", "application_name", "dbname",
                          NULL};
    const char *vals[] = {"3", "hawk-queue-listen", w->app->db_url, NULL};
    PGconn *pg = PQconnectdbParams(keys, vals, 1);
    PGresult *r = NULL;
    if (PQstatus(pg) == CONNECTION_OK)
        r = PQexec(pg, "LISTEN " HK_QUEUE_CHANNEL);
    if (r == NULL || PQresultStatus(r) != PGRES_COMMAND_OK) {
        PQclear(r);
        PQfinish(pg);
        l->backoff_ms = l->backoff_ms ? l->backoff_ms * 2 : 250;
        if (l->backoff_ms > 5000)
            l->backoff_ms = 5000;
        l->retry_at_mono = now + l->backoff_ms;
        hk_debug("queue: listen connection failed; retrying in %lld ms",
                 (long long)l->backoff_ms);
        return false;
    }
    PQclear(r);
    PQsetNoticeProcessor(pg, hk_db_notice_to_log, NULL);
    PQsetnonblocking(pg, 1);
    l->pg = pg;
    l->backoff_ms = 0;
    return true;
}

/* ---- dispatcher ---- */

struct dstate {
    struct listener *l;
    bool maybe_more;     /* a claim may find something now */
    int64_t next_poll;   /* wall ms of the next fallback claim */
    int64_t wake_at;     /* wall ms a delayed job becomes due, or max */
    int64_t next_hb;     /* mono ms */
    int64_t next_rescue; /* mono ms */
    int64_t last_hb_ok;  /* mono ms */
    int64_t db_retry_at; /* mono ms; DB backoff after an error */
    int64_t db_backoff;
};

static bool serves_queue(const struct hk_workers *w, const char *q)
{
    if (w->queues == NULL)
        return true;
    for (char **p = w->queues; *p != NULL; p++)
        if (strcmp(*p, q) == 0)
            return true;
    return false;
}

/* Stops job `id` wherever this pool holds it: a running handler gets its
 * cancel flag (or finds it set when it starts), a job still in the FIFO
 * is given back unstarted (cancelled on request; released when the job
 * is no longer ours, which the write then skips). */
static void set_cancel(struct hk_workers *w, int64_t id,
                       enum hk_cancel_reason why)
{
    pthread_mutex_lock(&w->mu);
    for (int i = 0; i < w->o.n; i++) {
        struct slot *s = &w->slots[i];
        if (s->job_id != id)
            continue;
        if (s->ctx == NULL)
            s->pending_cancel = (int)why;
        else if (!atomic_load(&s->ctx->cancel))
            hk_job_ctx_cancel(s->ctx, why);
    }
    for (size_t k = 0; k < w->fifo_len; k++) {
        size_t idx = (w->fifo_head + k) % w->fifo_cap;
        if (w->fifo[idx].id != id)
            continue;
        struct hk_claimed_job j = w->fifo[idx];
        for (size_t m = k; m + 1 < w->fifo_len; m++)
            w->fifo[(w->fifo_head + m) % w->fifo_cap] =
                w->fifo[(w->fifo_head + m + 1) % w->fifo_cap];
        w->fifo_len--;
        hk_workers_release_unstarted(
            w, &j,
            why == HK_CANCEL_USER ? HK_OUTCOME_CANCELLED : HK_OUTCOME_RELEASED);
        break;
    }
    pthread_mutex_unlock(&w->mu);
}

static void handle_notify(struct hk_workers *w, struct dstate *d,
                          const char *payload)
{
    int64_t v;
    hk_debug("queue: notification '%.80s'", payload);
    if (strncmp(payload, "cancel ", 7) == 0) {
        if (hk_parse_i64(payload + 7, 1, INT64_MAX, &v) == 0)
            set_cancel(w, v, HK_CANCEL_USER);
        return;
    }
    const char *sp = strchr(payload, ' ');
    if (sp == NULL || (size_t)(sp - payload) > HK_QUEUE_NAME_MAX)
        return;
    char q[HK_QUEUE_NAME_MAX + 1];
    memcpy(q, payload, (size_t)(sp - payload));
    q[sp - payload] = '\0';
    if (!serves_queue(w, q))
        return;
    if (hk_parse_i64(sp + 1, 0, INT64_MAX, &v) < 0 ||
        v <= hk_queue_now_ms() + 2) {
        d->maybe_more = true;
    } else if (v < d->wake_at) {
        d->wake_at = v;
    }
}

static void drain_listener(struct hk_workers *w, struct dstate *d)
{
    if (d->l->pg == NULL)
        return;
    if (!PQconsumeInput(d->l->pg)) {
        hk_warn("queue: notification connection lost: %s",
                PQerrorMessage(d->l->pg));
        hk_workers_unlisten(d->l);
        d->maybe_more = true;
        return;
    }
    PGnotify *n;
    while ((n = PQnotifies(d->l->pg)) != NULL) {
        handle_notify(w, d, n->extra);
        PQfreemem(n);
    }
}

static void db_failed(struct dstate *d, int rc, const char *what)
{
    d->db_backoff = d->db_backoff ? d->db_backoff * 2 : BACKOFF_MIN_MS;
    if (d->db_backoff > BACKOFF_MAX_MS)
        d->db_backoff = BACKOFF_MAX_MS;
    d->db_retry_at = hk_mono_ms() + d->db_backoff;
    hk_warn("queue: %s failed (%s); retrying in %lld ms", what,
            hawk_strerror(rc), (long long)d->db_backoff);
}

static int do_claim(struct hk_workers *w, struct dstate *d, struct hk_dbconn *c,
                    int want)
{
    struct hk_claim_opts co = {
        .worker = w->id,
        .queues = (const char *const *)w->queues,
        .max_jobs = want,
        .per_user_limit = w->o.per_user_limit,
        .limits = w->limits,
        .n_limits = w->o.n_limits,
    };
    struct hk_claimed_job *jobs = NULL;
    size_t n = 0;
    int rc = hk_queue_claim(c, &co, &jobs, &n);
    if (rc < 0) {
        db_failed(d, rc, "claiming jobs");
        return rc;
    }
    pthread_mutex_lock(&w->mu);
    for (size_t i = 0; i < n; i++) {
        if (w->stopping)
            hk_workers_release_unstarted(w, &jobs[i], HK_OUTCOME_RELEASED);
        else
            hk_workers_fifo_push(w, &jobs[i]);
    }
    if (n > 0)
        pthread_cond_broadcast(&w->work_cv);
    pthread_mutex_unlock(&w->mu);
    hk_free(jobs); /* payloads moved into the FIFO */
    hk_debug("queue: claimed %zu of %d", n, want);
    d->maybe_more = (int)n == want;
    d->next_poll = hk_queue_now_ms() + w->o.poll_interval_ms;
    return 0;
}

/* Ids of every job this pool holds.  Caller frees *ids. */
static size_t held_ids(struct hk_workers *w, int64_t **ids)
{
    pthread_mutex_lock(&w->mu);
    size_t cap = w->fifo_len + (size_t)w->o.n + w->n_out + w->n_inflight + 1;
    int64_t *v = hk_calloc(cap, sizeof(*v));
    size_t n = 0;
    for (size_t k = 0; k < w->fifo_len; k++)
        v[n++] = w->fifo[(w->fifo_head + k) % w->fifo_cap].id;
    for (int i = 0; i < w->o.n; i++)
        if (w->slots[i].job_id != 0)
            v[n++] = w->slots[i].job_id;
    for (size_t i = 0; i < w->n_out; i++)
        v[n++] = w->out[i].o.id;
    for (size_t i = 0; i < w->n_inflight; i++)
        v[n++] = w->inflight[i].o.id;
    pthread_mutex_unlock(&w->mu);
    *ids = v;
    return n;
}

static int do_heartbeat(struct hk_workers *w, struct dstate *d,
                        struct hk_dbconn *c)
{
    int64_t *ids = NULL;
    size_t n = held_ids(w, &ids);
    bool *alive = hk_calloc(n + 1, sizeof(bool));
    bool *cancel = hk_calloc(n + 1, sizeof(bool));
    int rc = hk_queue_heartbeat(c, w->id, ids, n, alive, cancel);
    if (rc == 0) {
        d->last_hb_ok = hk_mono_ms();
        for (size_t i = 0; i < n; i++) {
            if (!alive[i])
                set_cancel(w, ids[i], HK_CANCEL_LOST);
            else if (cancel[i])
                set_cancel(w, ids[i], HK_CANCEL_USER);
        }
    } else {
        db_failed(d, rc, "heartbeat");
    }
    hk_free(ids);
    hk_free(alive);
    hk_free(cancel);
    return rc;
}

/* Cancels running jobs past their deadline; returns the nearest future
 * deadline (mono ms) or INT64_MAX. */
static int64_t check_deadlines(struct hk_workers *w)
{
    int64_t now = hk_mono_ms(), next = INT64_MAX;
    pthread_mutex_lock(&w->mu);
    for (int i = 0; i < w->o.n; i++) {
        struct slot *s = &w->slots[i];
        if (s->ctx == NULL || s->deadline_mono == 0)
            continue;
        if (s->deadline_mono <= now) {
            if (!atomic_load(&s->ctx->cancel))
                hk_job_ctx_cancel(s->ctx, HK_CANCEL_TIMEOUT);
        } else if (s->deadline_mono < next) {
            next = s->deadline_mono;
        }
    }
    pthread_mutex_unlock(&w->mu);
    return next;
}

/* When heartbeats have failed for longer than rescue_after, another node
 * may already have taken our jobs: ask them to stop. */
static void check_heartbeat_lapse(struct hk_workers *w, struct dstate *d)
{
    if (hk_mono_ms() - d->last_hb_ok < w->o.rescue_after_ms)
        return;
    pthread_mutex_lock(&w->mu);
    for (int i = 0; i < w->o.n; i++) {
        struct slot *s = &w->slots[i];
        if (s->ctx != NULL && !atomic_load(&s->ctx->cancel)) {
            hk_warn("queue: no heartbeat stored for %lld ms; stopping job "
                    "%" PRId64,
                    (long long)w->o.rescue_after_ms, s->ctx->job_id);
            hk_job_ctx_cancel(s->ctx, HK_CANCEL_LOST);
        }
    }
    pthread_mutex_unlock(&w->mu);
}

/* What the dispatcher decides on, read under one lock. */
struct view {
    bool exiting;
    bool claim_hint; /* the completer wrote outcomes since last look */
    int capacity;    /* may claim this many */
    int idle;        /* workers with nothing to do */
    size_t fifo;
};

static void take_view(struct hk_workers *w, struct view *v)
{
    pthread_mutex_lock(&w->mu);
    v->exiting = w->exit_dispatch;
    v->claim_hint = w->claim_hint;
    w->claim_hint = false;
    v->capacity = hk_workers_capacity(w);
    v->idle = w->stopping ? 0 : w->o.n - w->busy - (int)w->fifo_len;
    v->fifo = w->fifo_len;
    pthread_mutex_unlock(&w->mu);
}

/* Claim when a worker is idle, or when the prefetched FIFO is down to
 * half a batch: claiming on every single completion would make rounds
 * of one job. */
static bool claim_ready(const struct hk_workers *w, const struct view *v)
{
    return v->capacity > 0 &&
           (v->idle > 0 || v->fifo <= (size_t)(w->o.batch_size / 2));
}

/* The dispatcher thread: loops until exit_dispatch is set.  arg is the
 * pool, borrowed for the thread's life. */
void *hk_workers_dispatcher_main(void *arg)
{
    struct hk_workers *w = arg;
    struct dstate d = {0};
    d.l = &w->l;
    int64_t now_mono = hk_mono_ms();
    d.maybe_more = true;
    d.wake_at = INT64_MAX;
    d.next_hb = now_mono + w->o.heartbeat_interval_ms;
    d.next_rescue = now_mono + (int64_t)(hk_mono_us() % 1000) *
                                   w->o.heartbeat_interval_ms / 1000;
    d.last_hb_ok = now_mono;
    hk_log_ctx_set("queue-dispatcher", 0);

    for (;;) {
        now_mono = hk_mono_ms();
        if (hk_workers_listen(w, d.l))
            d.maybe_more = true;
        drain_listener(w, &d);

        struct view v;
        take_view(w, &v);
        if (v.exiting)
            break;
        if (v.claim_hint)
            d.maybe_more = true;

        int64_t now = hk_queue_now_ms();
        if (d.wake_at <= now) {
            d.maybe_more = true;
            d.wake_at = INT64_MAX;
        }
        int want = v.capacity < w->o.batch_size ? v.capacity : w->o.batch_size;
        bool claim = claim_ready(w, &v) && (d.maybe_more || now >= d.next_poll);
        bool hb = now_mono >= d.next_hb;
        bool rescue = now_mono >= d.next_rescue;
        bool db_ok = now_mono >= d.db_retry_at;

        if (db_ok && (claim || hb || rescue)) {
            struct hk_dbconn *c = NULL;
            int rc = hk_db_acquire(w->app->db, &c);
            if (rc < 0) {
                db_failed(&d, rc, "connecting to the database");
            } else {
                if (claim)
                    rc = do_claim(w, &d, c, want);
                if (rc == 0 && hb) {
                    rc = do_heartbeat(w, &d, c);
                    d.next_hb = now_mono + w->o.heartbeat_interval_ms;
                }
                if (rc == 0 && rescue) {
                    rc = hk_queue_rescue(c, w->o.rescue_after_ms, NULL);
                    if (rc < 0)
                        db_failed(&d, rc, "rescuing jobs");
                    d.next_rescue = now_mono + w->o.heartbeat_interval_ms;
                }
                if (rc == 0)
                    d.db_backoff = 0;
                hk_db_release(w->app->db, c);
            }
        }
        check_heartbeat_lapse(w, &d);
        int64_t next_deadline = check_deadlines(w);

        /* Sleep until something can happen. */
        now_mono = hk_mono_ms();
        now = hk_queue_now_ms();
        take_view(w, &v);
        if (v.claim_hint)
            d.maybe_more = true;
        int64_t timeout = d.next_hb - now_mono;
        if (d.next_rescue - now_mono < timeout)
            timeout = d.next_rescue - now_mono;
        if (next_deadline != INT64_MAX && next_deadline - now_mono < timeout)
            timeout = next_deadline - now_mono;
        if (claim_ready(w, &v)) {
            int64_t t = d.maybe_more ? 0 : d.next_poll - now;
            if (d.wake_at != INT64_MAX && d.wake_at - now < t)
                t = d.wake_at - now;
            if (t < timeout)
                timeout = t;
        }
        if (d.l->pg == NULL && d.l->retry_at_mono - now_mono < timeout)
            timeout = d.l->retry_at_mono - now_mono;
        if (now_mono < d.db_retry_at && d.db_retry_at - now_mono > timeout)
            timeout = d.db_retry_at - now_mono;
        if (timeout < 0)
            timeout = 0;
        if (timeout == 0)
            continue;
        struct pollfd pfd[2] = {
            {.fd = w->efd, .events = POLLIN},
            {.fd = d.l->pg ? PQsocket(d.l->pg) : -1, .events = POLLIN}};
        int pr =
            poll(pfd, d.l->pg ? 2 : 1, timeout > 60000 ? 60000 : (int)timeout);
        if (pr > 0 && (pfd[0].revents & POLLIN)) {
            uint64_t cnt;
            ssize_t r = read(w->efd, &cnt, sizeof(cnt));
            (void)r;
        }
    }
    hk_workers_unlisten(d.l);
    hk_log_ctx_clear();
    return NULL;
}
