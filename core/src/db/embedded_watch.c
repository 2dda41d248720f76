/*
 * db/embedded_watch.c - `hawk serve` supervises its embedded cluster.
 *
 * The postmaster is not hawk's child (pg_ctl daemonizes it), so a thread
 * looks at it twice a second: the pid in postmaster.pid must be a live
 * process.  When it is gone (killed, out of memory, crashed) and no other
 * live hawk owns the cluster, the thread starts it again with the same
 * retries as the first start, takes the cluster over and tells the
 * caller (the restart metric).  Meanwhile the pool's connections fail, so
 * requests answer 503 with Retry-After and the queue workers back off;
 * both reconnect by themselves once the server is back.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <time.h>
#include <unistd.h>

#include "db/db.h"
#include "db/embedded_int.h"
#include "hawk/plugin.h"
#include "log/log.h"
#include "util/alloc.h"
#include "util/time.h"

#define WATCH_EVERY_MS 500
#define RETRY_MIN_MS 1000
#define RETRY_MAX_MS 10000

struct hk_pg_watch {
    struct hk_pg_embedded *pg; /* borrowed: outlives the watch */
    void (*on_restart)(void *);
    void *ctx;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stop; /* under mu */
};

/* Sleeps up to ms; true when asked to stop. */
static bool wait_stop(struct hk_pg_watch *w, int64_t ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_sec += ms / 1000;
    ts.tv_nsec += (ms % 1000) * 1000000;
    if (ts.tv_nsec >= 1000000000) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000;
    }
    pthread_mutex_lock(&w->mu);
    while (!w->stop) {
        int e = pthread_cond_timedwait(&w->cv, &w->mu, &ts);
        if (e == ETIMEDOUT)
            break;
    }
    bool stop = w->stop;
    pthread_mutex_unlock(&w->mu);
    return stop;
}

static void *watch_main(void *arg)
{
    struct hk_pg_watch *w = arg;
    struct hk_pg_embedded *pg = w->pg;
    int64_t down_since = 0;
    int64_t retry_at = 0;
    int64_t backoff = RETRY_MIN_MS;
    while (!wait_stop(w, WATCH_EVERY_MS)) {
        if (hk_pgemb_postmaster(pg) > 0) {
            down_since = 0;
            retry_at = 0;
            backoff = RETRY_MIN_MS;
            continue;
        }
        int64_t now = hk_mono_ms();
        if (down_since == 0) {
            down_since = now;
            hk_log(HAWK_LOG_ERROR,
                   "the embedded PostgreSQL in %s has stopped (its "
                   "postmaster exited): starting it again",
                   pg->datadir);
        }
        if (now < retry_at)
            continue;
        /* A live owner restarts it itself, or is stopping it on purpose;
         * once that process has exited, this one takes over. */
        pid_t holder = hk_pgowner_get(pg->ownerfile);
        if (holder > 0 && holder != getpid())
            continue;
        bool ours = false;
        char err[1024];
        int rc = hk_pgemb_restart(pg, &ours, err, sizeof(err));
        if (rc < 0) {
            hk_log(HAWK_LOG_ERROR,
                   "the embedded PostgreSQL did not start again: %s; "
                   "retrying in %lld ms",
                   err, (long long)backoff);
            retry_at = hk_mono_ms() + backoff;
            backoff = backoff * 2 > RETRY_MAX_MS ? RETRY_MAX_MS : backoff * 2;
            continue;
        }
        int64_t took = hk_mono_ms() - down_since;
        down_since = 0;
        if (!ours) {
            hk_info("the embedded PostgreSQL was started again by another "
                    "hawk process");
            continue;
        }
        pg->owner = true;
        (void)hk_pgowner_claim(pg->ownerfile);
        hk_log(HAWK_LOG_WARN,
               "embedded PostgreSQL restarted (postmaster pid %ld), %lld ms "
               "after it stopped",
               (long)hk_pgemb_postmaster(pg), (long long)took);
        if (w->on_restart != NULL)
            w->on_restart(w->ctx);
    }
    return NULL;
}

/* See db.h. */
int hk_pg_embedded_watch(struct hk_pg_embedded *pg, void (*on_restart)(void *),
                         void *ctx)
{
    if (pg == NULL || pg->watch != NULL)
        return HAWK_EINVAL;
    struct hk_pg_watch *w = hk_calloc(1, sizeof(*w));
    w->pg = pg;
    w->on_restart = on_restart;
    w->ctx = ctx;
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&w->cv, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_init(&w->mu, NULL);
    if (pthread_create(&w->thread, NULL, watch_main, w) != 0) {
        hk_log(HAWK_LOG_ERROR, "cannot start the embedded PostgreSQL "
                               "supervisor thread");
        pthread_cond_destroy(&w->cv);
        pthread_mutex_destroy(&w->mu);
        hk_free(w);
        return HAWK_EIO;
    }
    pg->watch = w;
    return 0;
}

/* See embedded_int.h. */
void hk_pgwatch_stop(struct hk_pg_watch *w)
{
    if (w == NULL)
        return;
    pthread_mutex_lock(&w->mu);
    w->stop = true;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->thread, NULL);
    pthread_cond_destroy(&w->cv);
    pthread_mutex_destroy(&w->mu);
    hk_free(w);
}
