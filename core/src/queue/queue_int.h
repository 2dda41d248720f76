/*
 * queue/queue_int.h - declarations shared by the files of queue/ only.
 */
#ifndef HK_QUEUE_INT_H
#define HK_QUEUE_INT_H

#include <libpq-fe.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "queue/queue.h"
#include "util/buf.h"

/* Appends a PostgreSQL array literal of quoted strings ({"a","b"}). */
void hk_queue_pg_text_array(struct hk_buf *b, const char *const *items,
                            size_t n);

/* Reads an int64 column (0 when NULL or malformed). */
int64_t hk_queue_col_i64(const PGresult *r, int row, int col);

/* Private per-job state behind hk_job_ctx.impl_ (queue/jobctx.c). */
struct hk_job_impl {
    pthread_mutex_t mu;
    pthread_cond_t cv; /* signalled when cancel is set */
    int progress;      /* -1: never reported */
    char progress_msg[201];
    bool progress_dirty; /* not yet written to the row */
    int64_t progress_flushed_mono_ms;
    const char *worker; /* borrowed: the pool's id */
    /* why cancel was set (first reason wins) */
    bool by_user, timed_out, shutdown, lost;
};

enum hk_cancel_reason {
    HK_CANCEL_USER = 1,
    HK_CANCEL_TIMEOUT,
    HK_CANCEL_SHUTDOWN,
    HK_CANCEL_LOST
};

/* Prepares ctx (and impl) for one job; hk_job_ctx_destroy() releases. */
void hk_job_ctx_init(struct hk_job_ctx *ctx, struct hk_job_impl *impl);
void hk_job_ctx_destroy(struct hk_job_ctx *ctx);
/* Sets the cancel flag with a reason and wakes hk_job_sleep(). */
void hk_job_ctx_cancel(struct hk_job_ctx *ctx, enum hk_cancel_reason why);

/* Registers noop, sleep and queue_prune once (kinds.c). */
void hk_queue_kinds_init(void);

#endif
