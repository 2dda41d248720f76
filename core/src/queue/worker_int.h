/*
 * queue/worker_int.h - the worker pool's state, shared by worker.c (the
 * threads, start/stop), dispatch.c (the dispatcher), complete.c (the
 * completer) and workers_cfg.c.
 */
#ifndef HK_QUEUE_WORKER_INT_H
#define HK_QUEUE_WORKER_INT_H

#include <libpq-fe.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "queue/queue.h"

struct slot {
    pthread_t tid;
    bool started;
    struct hk_workers *w;
    /* The job this thread took from the FIFO (0: none).  Set in the same
     * critical section as the pop, so a job is always in the FIFO, in a
     * slot, or in the outcome list: never invisible to heartbeats. */
    int64_t job_id;
    /* A cancel that arrived before ctx was installed (0: none). */
    int pending_cancel;
    struct hk_job_ctx *ctx; /* running job, or NULL; under w->mu */
    int64_t deadline_mono;  /* 0: none */
    int64_t timeout_ms;
};

struct outcome_rec {
    struct hk_job_outcome o;
    char *result;
    char *error;
    char *pmsg;
};

struct listener {
    PGconn *pg;
    int64_t retry_at_mono;
    int64_t backoff_ms;
};

struct hk_workers {
    struct hk_app *app;
    struct listener l; /* the dispatcher's, once it runs */
    struct hk_workers_opts o;
    char **queues;                 /* owned, NULL-terminated, or NULL */
    struct hk_queue_limit *limits; /* owned names */
    char id[128];

    pthread_mutex_t mu;
    pthread_cond_t work_cv; /* a job was queued locally, or exit */
    pthread_cond_t idle_cv; /* a worker went idle */
    struct hk_claimed_job *fifo;
    size_t fifo_head, fifo_len, fifo_cap;
    pthread_cond_t out_cv;   /* an outcome was queued, or exit */
    struct outcome_rec *out; /* waiting to be written */
    size_t n_out, cap_out;
    struct outcome_rec *inflight; /* being written by the completer */
    size_t n_inflight;
    bool claim_hint; /* outcomes were written: limits may allow more */
    int busy;
    /* Moving average of handler run time (ms); prefetching beyond idle
     * workers is allowed only while jobs are short. */
    double avg_run_ms;
    bool stopping;       /* claim nothing more */
    bool exit_workers;   /* workers leave once the FIFO is empty */
    bool exit_dispatch;  /* dispatcher leaves */
    bool exit_completer; /* completer writes what is left and leaves */
    struct slot *slots;

    int efd;
    pthread_t dispatcher;
    bool dispatcher_started;
    pthread_t completer;
    bool completer_started;
};

/* Jobs the dispatcher may claim now: idle workers, plus up to one batch
 * ahead while jobs are short.  Caller holds w->mu. */
int hk_workers_capacity(const struct hk_workers *w);

/* Wakes the dispatcher (eventfd). */
void hk_workers_wake(struct hk_workers *w);
/* FIFO of claimed, unstarted jobs; callers hold w->mu. */
void hk_workers_fifo_push(struct hk_workers *w, struct hk_claimed_job *j);
struct hk_claimed_job hk_workers_fifo_pop(struct hk_workers *w);
/* Queues an outcome for writing (strings copied); caller holds w->mu. */
void hk_workers_push_outcome(struct hk_workers *w,
                             const struct hk_job_outcome *o);
void hk_workers_free_outcomes(struct outcome_rec *r, size_t n);
/* Gives an unstarted job back (frees its payload); caller holds w->mu. */
void hk_workers_release_unstarted(struct hk_workers *w,
                                  struct hk_claimed_job *j,
                                  enum hk_job_outcome_kind kind);
void hk_workers_opts_defaults(struct hk_workers_opts *o);

/* The LISTEN connection (dispatch.c): connects and LISTENs unless
 * connected or backing off; true when a new connection came up. */
bool hk_workers_listen(struct hk_workers *w, struct listener *l);
void hk_workers_unlisten(struct listener *l);
/* The dispatcher thread's body; arg is the pool. */
void *hk_workers_dispatcher_main(void *arg);
/* The completer thread's body (complete.c); arg is the pool. */
void *hk_workers_completer_main(void *arg);

#endif
