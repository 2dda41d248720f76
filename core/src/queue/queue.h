/*
 * queue/queue.h - the durable job queue in PostgreSQL.
 *
 * A job is a row in queue_jobs.  Producers enqueue inside their own
 * transaction (so a job exists exactly when the row that caused it does);
 * workers claim jobs with FOR UPDATE SKIP LOCKED in batches, run the
 * registered handler for the job's kind, and record the outcome.  Idle
 * workers wake on LISTEN/NOTIFY (channel "hawk_queue") with a slow poll as
 * a fallback.
 *
 * Guarantees:
 *  - order: highest priority first, then earliest run_at, then oldest;
 *  - a job runs on one worker at a time: every outcome is written only if
 *    the row is still running, owned by the same worker, at the same
 *    attempt;
 *  - a job whose worker died is retried after its heartbeat lapses
 *    (queue.rescue_after), counted as an attempt;
 *  - per-queue and per-user limits on running jobs hold across all
 *    processes: claims serialize on a transaction-level advisory lock, so
 *    the counts they read are exact;
 *  - unique keys: an enqueue whose key is queued or running returns that
 *    job instead of adding one.
 *
 * Clock: every instant the queue writes or compares (run_at, heartbeats,
 * rescue, pruning) comes from hk_queue_now_ms(), which tests can replace
 * with hk_queue_set_clock().  Nodes are expected to keep their clocks in
 * sync (NTP), as any scheduler must.
 */
#ifndef HK_QUEUE_H
#define HK_QUEUE_H

#include <json-c/json.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hawk/plugin.h"
#include "util/buf.h"

struct hk_app;
struct hk_dbconn;
struct hk_resp;
struct hk_router;

#define HK_QUEUE_CHANNEL "hawk_queue"
#define HK_QUEUE_NAME_MAX 64
#define HK_JOB_KIND_MAX 64
#define HK_JOB_PAYLOAD_MAX (1024 * 1024)
#define HK_JOB_RESULT_MAX (1024 * 1024)
#define HK_JOB_UNIQUE_KEY_MAX 256
#define HK_QUEUE_DEFAULT "default"

/* ---- enqueue ---- */

struct hk_job_spec {
    const char *kind;       /* required: [a-z0-9_.]{1,64} */
    const char *queue;      /* NULL: the kind's default queue, else "default" */
    const char *payload;    /* JSON object text; NULL: "{}" */
    int64_t user_id;        /* 0: a system job */
    int priority;           /* higher runs first; default 0 */
    int64_t run_at_ms;      /* epoch ms; 0: now */
    int max_attempts;       /* 0: the kind's default, else 5 */
    int64_t timeout_ms;     /* per attempt; 0: the kind's default */
    const char *unique_key; /* NULL: none */
};

/* Adds a job inside the caller's transaction on c (or autocommits when c
 * is not in one).  A NOTIFY is sent in the same transaction, so workers
 * hear of the job only when it is committed.  With a unique_key that is
 * already queued or running, no job is added: *job_id is that job and
 * *existed is true.  job_id and existed may be NULL.  Returns 0,
 * HAWK_EINVAL (bad kind, queue name, payload not a JSON object, key too
 * long), HAWK_ETOOBIG (payload over HK_JOB_PAYLOAD_MAX), or a database
 * error (HAWK_EUNAVAIL...).  Kinds need not be registered in this process
 * (their defaults apply when they are).  Thread-safe. */
int hk_queue_enqueue(struct hk_dbconn *c, const struct hk_job_spec *spec,
                     int64_t *job_id, bool *existed);

/* ---- job kinds ---- */

/* Handed to a running handler; valid until the handler returns. */
struct hk_job_ctx {
    int64_t job_id;
    int64_t user_id; /* 0 for system jobs */
    int attempt;     /* 1 on the first run */
    int max_attempts;
    const char *kind;  /* borrowed */
    const char *queue; /* borrowed */
    struct hk_app *app;
    /* Set when the job is cancelled, times out, loses its claim, or the
     * worker is shutting down: a long handler polls it (or passes it to
     * hk_call_init) and returns HAWK_ECANCELED soon after. */
    atomic_bool cancel;
    void *impl_;    /* private to queue/ */
    void *kind_ctx; /* the kind's ctx (hk_job_kind.ctx), borrowed */
};

struct hk_job_kind {
    const char *name; /* [a-z0-9_.]{1,64}; copied */
    /* Runs one attempt.  payload is the job's JSON object text.  On
     * success return 0 and optionally append a JSON value to result_json
     * (kept in the job row; at most HK_JOB_RESULT_MAX bytes).  On failure
     * return a negative HAWK_E* and fill err: err->msg is stored as the
     * job's error; err->retryable false means a permanent error (invalid
     * API key, bad input) and the job goes dead at once, true means retry
     * with backoff until max_attempts. */
    int (*run)(struct hk_job_ctx *ctx, const char *payload,
               struct hk_buf *result_json, struct hawk_error *err);
    /* Checks a payload given to the task API; on failure fills resp with
     * a 400 naming the field (hk_json_check or hk_resp_error) and
     * returns HAWK_EINVAL.  NULL: any object is accepted. */
    int (*validate)(json_object *payload, struct hk_resp *resp);
    const char *queue;       /* default queue; NULL: "default"; copied */
    int64_t timeout_ms;      /* default per-attempt timeout; 0: none */
    int max_attempts;        /* default; 0: 5 */
    int64_t backoff_base_ms; /* first retry delay; 0: 1000 */
    int64_t backoff_cap_ms;  /* longest retry delay; 0: one hour */
    int priority;            /* default priority */
    bool user_startable;     /* may be started through POST /api/v1/tasks */
    void *ctx; /* handed to run() as ctx->kind_ctx: the module object that
                  registered the kind (must outlive the workers) */
};

/* Registers (or replaces) a kind.  Returns 0 or HAWK_EINVAL for a bad
 * name or a NULL run.  Thread-safe; normally called at start-up.  The
 * built-in kinds noop, sleep and queue_prune are always registered. */
int hk_queue_register_kind(const struct hk_job_kind *k);

/* Copies the kind named `name` into *out (strings borrowed for the life
 * of the process): 0 or HAWK_ENOTFOUND. */
int hk_queue_find_kind(const char *name, struct hk_job_kind *out);

/* Reports progress (0-100) and an optional short message, stored on the
 * job row at most every 250 ms (the last call is always flushed when the
 * job ends).  Safe to call from the handler's thread only. */
void hk_job_progress(struct hk_job_ctx *ctx, int pct, const char *msg);

/* Sleeps up to ms, returning early with HAWK_ECANCELED when the job's
 * cancel flag is set; 0 when the full time elapsed. */
int hk_job_sleep(struct hk_job_ctx *ctx, int64_t ms);

/* Retry delay for a failed attempt (1-based) under a kind's policy:
 * min(cap, base * 2^(attempt-1)), with "equal jitter" (a random point in
 * the upper half) so retries of many jobs spread out. */
int64_t hk_queue_backoff_ms(const struct hk_job_kind *k, int attempt);

/* ---- claiming and finishing (used by the worker pool; exposed for
 * tests and tools) ---- */

struct hk_queue_limit {
    const char *queue;
    int max_running;
};

struct hk_claim_opts {
    const char *worker;                  /* owner id written on claimed rows */
    const char *const *queues;           /* NULL-terminated; NULL: all queues */
    int max_jobs;                        /* claim at most this many */
    int per_user_limit;                  /* 0: none */
    const struct hk_queue_limit *limits; /* per-queue limits, may be NULL */
    size_t n_limits;
};

struct hk_claimed_job {
    int64_t id;
    char kind[HK_JOB_KIND_MAX + 1];
    char queue[HK_QUEUE_NAME_MAX + 1];
    int64_t user_id;
    char *payload; /* owned; free with hk_claimed_jobs_free */
    int attempt;
    int max_attempts;
    int64_t timeout_ms;
    int priority;
    int64_t run_at_ms;
};

/* Claims up to o->max_jobs runnable jobs in one statement (its own
 * transaction unless c is in one; then the claim lock is held until the
 * caller commits), marking them running and counting an attempt.
 * Returns them in claim order (priority, run_at, id) in *jobs (caller
 * frees with hk_claimed_jobs_free) and their number in *n. */
int hk_queue_claim(struct hk_dbconn *c, const struct hk_claim_opts *o,
                   struct hk_claimed_job **jobs, size_t *n);
void hk_claimed_jobs_free(struct hk_claimed_job *jobs, size_t n);

enum hk_job_outcome_kind {
    HK_OUTCOME_DONE = 1,  /* success, with an optional result */
    HK_OUTCOME_RETRY,     /* failed; queued again at retry_at_ms */
    HK_OUTCOME_DEAD,      /* failed for good */
    HK_OUTCOME_CANCELLED, /* stopped on request */
    HK_OUTCOME_RELEASED   /* not finished (shutdown); attempt not counted */
};

struct hk_job_outcome {
    int64_t id;
    int attempt; /* the attempt this outcome belongs to */
    enum hk_job_outcome_kind kind;
    const char *result;  /* DONE: JSON text or NULL; borrowed */
    const char *error;   /* RETRY/DEAD: message; borrowed */
    int64_t retry_at_ms; /* RETRY: epoch ms */
    int progress;        /* last reported progress, -1: unchanged */
    const char *progress_message;
};

/* Decides the outcome of a failed attempt: RETRY with a backoff delay, or
 * DEAD when the error is permanent or attempts are used up. */
void hk_queue_fail_outcome(const struct hk_job_kind *k, int64_t id, int attempt,
                           int max_attempts, bool retryable, const char *error,
                           struct hk_job_outcome *out);

/* Writes outcomes for jobs claimed by `worker` in one statement, inside
 * the caller's transaction if c is in one.  An outcome for a job that is
 * no longer running under this worker and attempt (rescued, deleted) is
 * skipped; *applied (may be NULL) counts those written.  A job whose
 * cancellation was requested goes to cancelled instead of being retried.
 * Sends a NOTIFY for jobs queued again.  0 or a database error. */
int hk_queue_finish(struct hk_dbconn *c, const char *worker,
                    const struct hk_job_outcome *o, size_t n, size_t *applied);

/* Marks the given running jobs of `worker` alive.  Jobs of this worker not
 * in ids (claims whose commit reply was lost) are put back in the queue
 * without counting the attempt.  For each id, alive[i] says whether the
 * job is still this worker's and cancel[i] whether cancellation was
 * requested (both may be NULL). */
int hk_queue_heartbeat(struct hk_dbconn *c, const char *worker,
                       const int64_t *ids, size_t n, bool *alive, bool *cancel);

/* Retries (or, out of attempts, kills) running jobs whose heartbeat is
 * older than rescue_after_ms: their worker is gone.  *rescued may be NULL. */
int hk_queue_rescue(struct hk_dbconn *c, int64_t rescue_after_ms,
                    int64_t *rescued);

/* ---- management ---- */

enum hk_cancel_result {
    HK_CANCEL_DONE = 1, /* was queued: now cancelled */
    HK_CANCEL_REQUESTED /* is running: its handler is asked to stop */
};

/* Cancels job_id.  user_id > 0 scopes it to that user's jobs (another
 * user's job is HAWK_ENOTFOUND); 0 is an admin action.  Returns 0 with
 * *res, HAWK_ENOTFOUND, or HAWK_ECONFLICT when the job already finished. */
int hk_queue_cancel(struct hk_dbconn *c, int64_t job_id, int64_t user_id,
                    enum hk_cancel_result *res);

/* Puts a dead (or cancelled) job back in the queue with fresh attempts:
 * 0, HAWK_ENOTFOUND, or HAWK_ECONFLICT when it is not dead/cancelled. */
int hk_queue_retry(struct hk_dbconn *c, int64_t job_id);

/* Deletes a dead (or cancelled) job: 0, HAWK_ENOTFOUND, HAWK_ECONFLICT. */
int hk_queue_delete(struct hk_dbconn *c, int64_t job_id);

/* Pauses/resumes a queue by name (need not have jobs yet).  user_id: the
 * admin, recorded (0: none).  0 or HAWK_EINVAL for a bad name. */
int hk_queue_pause(struct hk_dbconn *c, const char *queue, int64_t user_id);
int hk_queue_resume(struct hk_dbconn *c, const char *queue);

/* Deletes finished jobs (done, dead, cancelled) that finished more than
 * older_than_ms ago, in chunks.  *deleted may be NULL. */
int hk_queue_prune(struct hk_dbconn *c, int64_t older_than_ms,
                   int64_t *deleted);

/* true when s is a valid queue name ([a-z0-9_-]{1,64}) / kind name. */
bool hk_queue_name_valid(const char *s);
bool hk_queue_kind_name_valid(const char *s);

/* ---- clock ---- */

/* The queue's notion of now (epoch ms): the wall clock, or the test clock
 * set with hk_queue_set_clock(NULL restores the wall clock). */
int64_t hk_queue_now_ms(void);
void hk_queue_set_clock(int64_t (*now_ms)(void));

/* ---- worker pool (queue/worker.c) ---- */

struct hk_workers;

struct hk_workers_opts {
    int n;                     /* worker threads (>= 1) */
    const char *const *queues; /* NULL-terminated; NULL: all */
    int batch_size;            /* claims per round (default 50) */
    int per_user_limit;        /* 0: none */
    const struct hk_queue_limit *limits;
    size_t n_limits;
    int64_t poll_interval_ms;      /* fallback poll (default 1000) */
    int64_t heartbeat_interval_ms; /* default 5000 */
    int64_t rescue_after_ms;       /* default 30000 */
};

/* Starts n worker threads plus one dispatcher thread (claims, completes,
 * heartbeats, rescues) and a LISTEN connection opened from app->db_url.
 * app->db must be open.  Other options come from app->cfg (queue.*);
 * n <= 0 takes queue.workers and queues NULL takes queue.queues.  With
 * no workers configured returns 0 and *out NULL.  Caller stops with
 * hk_workers_stop().  0, HAWK_ECONFIG (message logged) or
 * HAWK_EINTERNAL. */
int hk_workers_start(struct hk_app *app, int n, const char *const *queues,
                     struct hk_workers **out);
/* Same with explicit options (tests, benchmarks); options are copied. */
int hk_workers_start_opts(struct hk_app *app, const struct hk_workers_opts *o,
                          struct hk_workers **out);

/* Graceful stop: takes no new jobs, puts claimed-but-unstarted jobs back,
 * lets running handlers finish for up to grace_ms, then sets their cancel
 * flags and releases the unfinished ones back to the queue (the attempt
 * is not counted: the job was interrupted, it did not fail).  Frees w.
 * Accepts NULL. */
void hk_workers_stop(struct hk_workers *w, int64_t grace_ms);

/* This pool's worker id ("host:pid:hex"); borrowed until stop. */
const char *hk_workers_id(const struct hk_workers *w);

/* Fills opts from app->cfg (queue.*; defaults when app->cfg is NULL).
 * Allocates o->queues (items borrowed from the config) and o->limits;
 * release with hk_workers_opts_release().  0 or HAWK_ECONFIG with err
 * ("queue.concurrency: 'x' must look like "name=N" ..."). */
int hk_workers_opts_from_config(const struct hk_app *app,
                                struct hk_workers_opts *o, char *err,
                                size_t errlen);
void hk_workers_opts_release(struct hk_workers_opts *o);

/* ---- task API (queue/routes.c) ---- */

/* Registers /api/v1/tasks... and /api/v1/admin/queue... */
void hk_queue_routes(struct hk_router *r);

/* ---- CLI (queue/cli.c) ---- */

/* `hawk worker [--workers N] [--queues a,b]`: runs a worker pool only
 * until SIGTERM/SIGINT, then stops gracefully (queue.shutdown_grace).
 * app->cfg, app->db and app->db_url must be set and migrated.  Returns a
 * process exit code. */
int hk_queue_cli_worker(struct hk_app *app, int argc, char **argv);

#endif
