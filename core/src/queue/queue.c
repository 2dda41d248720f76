/*
 * queue/queue.c - the queue's SQL: enqueue, claim, finish, heartbeat,
 * rescue, cancel, retry, delete, pause, prune.
 *
 * Every instant is passed in from hk_queue_now_ms() (epoch ms) so tests
 * can drive time; SQL converts with to_timestamp(ms / 1000.0).  Worker
 * notifications ride on one channel, HK_QUEUE_CHANNEL, with payloads
 * "<queue> <run_at ms>" (a job became runnable at that time) and
 * "cancel <id>" (a running job was asked to stop).
 */
#include "queue/queue.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/db.h"
#include "db/params.h"
#include "log/log.h"
#include "queue/queue_int.h"
#include "util/alloc.h"
#include "util/str.h"
#include "util/time.h"

/* ---- clock ---- */

typedef int64_t (*clock_fn)(void);
static _Atomic(clock_fn) queue_clock;

/* The queue clock in epoch ms (wall clock unless a test clock is set). */
int64_t hk_queue_now_ms(void)
{
    clock_fn f = atomic_load(&queue_clock);
    return f != NULL ? f() : hk_wall_ms();
}

/* Replaces the queue clock (tests); NULL restores the wall clock.
 * Thread-safe. */
void hk_queue_set_clock(int64_t (*now_ms)(void))
{
    atomic_store(&queue_clock, now_ms);
}

/* ---- names ---- */

static bool name_chars_ok(const char *s, size_t max, const char *extra)
{
    if (s == NULL)
        return false;
    size_t n = strlen(s);
    if (n == 0 || n > max)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              strchr(extra, c) != NULL))
            return false;
    }
    return true;
}

/* true for a queue name of 1-64 characters of a-z, 0-9, _ and -. */
bool hk_queue_name_valid(const char *s)
{
    return name_chars_ok(s, HK_QUEUE_NAME_MAX, "_-");
}

/* true for a kind name of 1-64 characters of a-z, 0-9, _ and .. */
bool hk_queue_kind_name_valid(const char *s)
{
    return name_chars_ok(s, HK_JOB_KIND_MAX, "_.");
}

/* ---- helpers ---- */

/* Appends one double-quoted array element. */
static void pg_quote_elem(struct hk_buf *b, const char *s)
{
    hk_buf_putc(b, '"');
    for (const char *p = s; *p != '\0'; p++) {
        if (*p == '"' || *p == '\\')
            hk_buf_putc(b, '\\');
        hk_buf_putc(b, *p);
    }
    hk_buf_putc(b, '"');
}

/* Appends a PostgreSQL array literal of quoted strings: {"a","b"}. */
void hk_queue_pg_text_array(struct hk_buf *b, const char *const *items,
                            size_t n)
{
    hk_buf_putc(b, '{');
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            hk_buf_putc(b, ',');
        pg_quote_elem(b, items[i]);
    }
    hk_buf_putc(b, '}');
}

static void pg_int_array(struct hk_buf *b, const int64_t *v, size_t n)
{
    hk_buf_putc(b, '{');
    for (size_t i = 0; i < n; i++)
        hk_buf_printf(b, i > 0 ? ",%" PRId64 : "%" PRId64, v[i]);
    hk_buf_putc(b, '}');
}

/* An int64 column of r (0 when NULL or not a number). */
int64_t hk_queue_col_i64(const PGresult *r, int row, int col)
{
    if (PQgetisnull(r, row, col))
        return 0;
    int64_t v = 0;
    if (hk_parse_i64(PQgetvalue(r, row, col), INT64_MIN, INT64_MAX, &v) < 0)
        return 0;
    return v;
}

static bool col_bool(const PGresult *r, int row, int col)
{
    return !PQgetisnull(r, row, col) && PQgetvalue(r, row, col)[0] == 't';
}

/* ---- enqueue ---- */

static const char SQL_ENQUEUE[] =
    "WITH ins AS ("
    " INSERT INTO queue_jobs (queue, kind, user_id, payload, priority,"
    "  max_attempts, timeout_ms, unique_key, run_at, created_at)"
    " VALUES ($1, $2, $3::bigint, $4::jsonb, $5::int, $6::int, $7::bigint,"
    "  $8, to_timestamp($9::bigint / 1000.0),"
    "  to_timestamp($10::bigint / 1000.0))"
    " ON CONFLICT (unique_key) WHERE unique_key IS NOT NULL"
    "  AND state IN ('queued', 'running') DO NOTHING"
    " RETURNING id, queue)"
    " SELECT id, pg_notify('" HK_QUEUE_CHANNEL "',"
    "  queue || ' ' || $9::bigint::text) IS NOT NULL FROM ins";

static const char SQL_FIND_UNIQUE[] =
    "SELECT id FROM queue_jobs WHERE unique_key = $1"
    " AND state IN ('queued', 'running')";

/* Adds a job inside the caller's transaction, or returns the pending job
 * with the same unique key.  See queue.h for codes. */
int hk_queue_enqueue(struct hk_dbconn *c, const struct hk_job_spec *spec,
                     int64_t *job_id, bool *existed)
{
    if (job_id != NULL)
        *job_id = 0;
    if (existed != NULL)
        *existed = false;
    if (c == NULL || spec == NULL || !hk_queue_kind_name_valid(spec->kind))
        return HAWK_EINVAL;
    struct hk_job_kind k;
    bool known = hk_queue_find_kind(spec->kind, &k) == 0;
    const char *queue = spec->queue;
    if (queue == NULL)
        queue = known && k.queue != NULL ? k.queue : HK_QUEUE_DEFAULT;
    if (!hk_queue_name_valid(queue))
        return HAWK_EINVAL;
    const char *payload = spec->payload != NULL ? spec->payload : "{}";
    if (strlen(payload) > HK_JOB_PAYLOAD_MAX)
        return HAWK_ETOOBIG;
    if (spec->unique_key != NULL &&
        (spec->unique_key[0] == '\0' ||
         strlen(spec->unique_key) > HK_JOB_UNIQUE_KEY_MAX))
        return HAWK_EINVAL;
    int max_attempts = spec->max_attempts;
    if (max_attempts <= 0)
        max_attempts = known && k.max_attempts > 0 ? k.max_attempts : 5;
    if (max_attempts > 1000 || spec->user_id < 0 || spec->timeout_ms < 0)
        return HAWK_EINVAL;
    int64_t timeout = spec->timeout_ms;
    if (timeout == 0 && known)
        timeout = k.timeout_ms;
    int priority = spec->priority;
    if (priority == 0 && known)
        priority = k.priority;
    int64_t now = hk_queue_now_ms();
    int64_t run_at = spec->run_at_ms > 0 ? spec->run_at_ms : now;

    struct hk_db_params p;
    hk_db_params_init(&p);
    hk_db_param_text(&p, queue);
    hk_db_param_text(&p, spec->kind);
    if (spec->user_id > 0)
        hk_db_param_i64(&p, spec->user_id);
    else
        hk_db_param_null(&p);
    hk_db_param_text(&p, payload);
    hk_db_param_i64(&p, priority);
    hk_db_param_i64(&p, max_attempts);
    hk_db_param_i64(&p, timeout);
    hk_db_param_text(&p, spec->unique_key);
    hk_db_param_i64(&p, run_at);
    hk_db_param_i64(&p, now);
    /* A conflicting key can finish between our insert and our lookup;
     * then the insert wins on the next round. */
    for (int round = 0; round < 5; round++) {
        PGresult *r = NULL;
        int rc = hk_db_params_run(c, SQL_ENQUEUE, &p, &r);
        if (rc < 0)
            return rc;
        if (PQntuples(r) == 1) {
            if (job_id != NULL)
                *job_id = hk_queue_col_i64(r, 0, 0);
            PQclear(r);
            return 0;
        }
        PQclear(r);
        if (spec->unique_key == NULL)
            return HAWK_EINTERNAL;
        rc = hk_db_query(c, SQL_FIND_UNIQUE, 1, &spec->unique_key, &r);
        if (rc < 0)
            return rc;
        if (PQntuples(r) == 1) {
            if (job_id != NULL)
                *job_id = hk_queue_col_i64(r, 0, 0);
            if (existed != NULL)
                *existed = true;
            PQclear(r);
            return 0;
        }
        PQclear(r);
    }
    return HAWK_ECONFLICT;
}

/* ---- claim ---- */

/* The claim runs server-side (migration 0021_queue_claim): lock, paused
 * queues, limits and the claim itself in one round trip. */
static const char SQL_CLAIM[] =
    "SELECT * FROM queue_claim($1, $2::bigint, $3::text[], $4::int,"
    " $5::int, $6::int, $7::text[], $8::int[])";

static int claimed_cmp(const void *a, const void *b)
{
    const struct hk_claimed_job *x = a, *y = b;
    if (x->priority != y->priority)
        return x->priority > y->priority ? -1 : 1;
    if (x->run_at_ms != y->run_at_ms)
        return x->run_at_ms < y->run_at_ms ? -1 : 1;
    return x->id < y->id ? -1 : (x->id > y->id);
}

/* Claims runnable jobs for o->worker; *jobs is freed by the caller with
 * hk_claimed_jobs_free().  See queue.h. */
/* The first append failure of three buffers built together, or 0. */
static int first_buf_error(const struct hk_buf *a, const struct hk_buf *b,
                           const struct hk_buf *c)
{
    if (hk_buf_error(a) < 0)
        return hk_buf_error(a);
    if (hk_buf_error(b) < 0)
        return hk_buf_error(b);
    return hk_buf_error(c);
}

int hk_queue_claim(struct hk_dbconn *c, const struct hk_claim_opts *o,
                   struct hk_claimed_job **jobs, size_t *n)
{
    *jobs = NULL;
    *n = 0;
    if (o == NULL || o->worker == NULL || o->max_jobs <= 0)
        return HAWK_EINVAL;
    struct hk_buf qarr, lnames, lvals;
    hk_buf_init(&qarr, 0);
    hk_buf_init(&lnames, 0);
    hk_buf_init(&lvals, 0);
    if (o->queues != NULL) {
        size_t nq = 0;
        while (o->queues[nq] != NULL)
            nq++;
        hk_queue_pg_text_array(&qarr, o->queues, nq);
    }
    hk_buf_putc(&lnames, '{');
    hk_buf_putc(&lvals, '{');
    for (size_t i = 0; i < o->n_limits; i++) {
        if (i > 0) {
            hk_buf_putc(&lnames, ',');
            hk_buf_putc(&lvals, ',');
        }
        pg_quote_elem(&lnames, o->limits[i].queue);
        hk_buf_printf(&lvals, "%d", o->limits[i].max_running);
    }
    hk_buf_putc(&lnames, '}');
    hk_buf_putc(&lvals, '}');
    int rc = first_buf_error(&qarr, &lnames, &lvals);
    if (rc < 0) {
        /* A half-built array must not reach the server. */
        hk_buf_release(&qarr);
        hk_buf_release(&lnames);
        hk_buf_release(&lvals);
        return rc;
    }

    /* Every scanned row is locked, which is most of a claim's cost: look
     * past jobs the limits may skip only when limits apply. */
    int scan_n = o->max_jobs;
    if (o->per_user_limit > 0 || o->n_limits > 0)
        scan_n += o->max_jobs / 2 + 4;
    struct hk_db_params p;
    hk_db_params_init(&p);
    hk_db_param_text(&p, o->worker);
    hk_db_param_i64(&p, hk_queue_now_ms());
    hk_db_param_text(&p, o->queues != NULL ? hk_buf_str(&qarr) : NULL);
    hk_db_param_i64(&p, o->max_jobs);
    hk_db_param_i64(&p, scan_n);
    hk_db_param_i64(&p, o->per_user_limit);
    hk_db_param_text(&p, hk_buf_str(&lnames));
    hk_db_param_text(&p, hk_buf_str(&lvals));
    PGresult *r = NULL;
    rc = hk_db_params_run(c, SQL_CLAIM, &p, &r);
    hk_buf_release(&qarr);
    hk_buf_release(&lnames);
    hk_buf_release(&lvals);
    if (rc < 0) {
        PQclear(r);
        return rc;
    }
    int rows = PQntuples(r);
    struct hk_claimed_job *out =
        hk_calloc((size_t)(rows > 0 ? rows : 1), sizeof(*out));
    for (int i = 0; i < rows; i++) {
        struct hk_claimed_job *j = &out[i];
        j->id = hk_queue_col_i64(r, i, 0);
        hk_strlcpy(j->kind, PQgetvalue(r, i, 1), sizeof(j->kind));
        hk_strlcpy(j->queue, PQgetvalue(r, i, 2), sizeof(j->queue));
        j->user_id = hk_queue_col_i64(r, i, 3);
        j->payload = hk_strdup(PQgetvalue(r, i, 4));
        j->attempt = (int)hk_queue_col_i64(r, i, 5);
        j->max_attempts = (int)hk_queue_col_i64(r, i, 6);
        j->timeout_ms = hk_queue_col_i64(r, i, 7);
        j->priority = (int)hk_queue_col_i64(r, i, 8);
        j->run_at_ms = hk_queue_col_i64(r, i, 9);
    }
    PQclear(r);
    qsort(out, (size_t)rows, sizeof(*out), claimed_cmp);
    *jobs = out;
    *n = (size_t)rows;
    return 0;
}

/* Frees jobs from hk_queue_claim(); accepts NULL. */
void hk_claimed_jobs_free(struct hk_claimed_job *jobs, size_t n)
{
    if (jobs == NULL)
        return;
    for (size_t i = 0; i < n; i++)
        hk_free(jobs[i].payload);
    hk_free(jobs);
}

/* ---- finish ---- */

int64_t hk_queue_backoff_ms(const struct hk_job_kind *k, int attempt)
{
    int64_t base =
        k != NULL && k->backoff_base_ms > 0 ? k->backoff_base_ms : 1000;
    int64_t cap =
        k != NULL && k->backoff_cap_ms > 0 ? k->backoff_cap_ms : 3600 * 1000;
    int64_t d = base;
    for (int i = 1; i < attempt && d < cap; i++)
        d *= 2;
    if (d > cap)
        d = cap;
    uint64_t rnd = 0;
    if (hk_random_bytes(&rnd, sizeof(rnd)) < 0)
        rnd = (uint64_t)hk_mono_us();
    int64_t half = d / 2;
    return d - half + (half > 0 ? (int64_t)(rnd % (uint64_t)(half + 1)) : 0);
}

/* Fills *out for a failed attempt (RETRY with backoff, or DEAD); error
 * is borrowed into out. */
void hk_queue_fail_outcome(const struct hk_job_kind *k, int64_t id, int attempt,
                           int max_attempts, bool retryable, const char *error,
                           struct hk_job_outcome *out)
{
    memset(out, 0, sizeof(*out));
    out->id = id;
    out->attempt = attempt;
    out->error = error;
    out->progress = -1;
    if (!retryable || attempt >= max_attempts) {
        out->kind = HK_OUTCOME_DEAD;
        return;
    }
    out->kind = HK_OUTCOME_RETRY;
    out->retry_at_ms = hk_queue_now_ms() + hk_queue_backoff_ms(k, attempt);
}

/* $1 worker, $2 outcomes as a JSON array, $3 now ms.  A job cancelled
 * while running is not retried; a released job gets its attempt back. */
static const char SQL_FINISH[] =
    "WITH v AS ("
    " SELECT * FROM jsonb_to_recordset($2::jsonb) AS v(id bigint,"
    "  attempt int, state text, retry_at bigint, result jsonb, error text,"
    "  release boolean, progress int, pmsg text)"
    "), upd AS ("
    " UPDATE queue_jobs j SET"
    "  state = CASE WHEN j.cancel_requested AND v.state = 'queued'"
    "   THEN 'cancelled' ELSE v.state END,"
    "  attempts = CASE WHEN v.release AND NOT j.cancel_requested"
    "   THEN greatest(j.attempts - 1, 0) ELSE j.attempts END,"
    "  run_at = CASE WHEN v.state = 'queued'"
    "   THEN to_timestamp(coalesce(v.retry_at, $3::bigint) / 1000.0)"
    "   ELSE j.run_at END,"
    "  finished_at = CASE WHEN v.state <> 'queued' OR j.cancel_requested"
    "   THEN to_timestamp($3::bigint / 1000.0) END,"
    "  result = CASE WHEN v.state = 'done' THEN v.result ELSE j.result END,"
    "  last_error = CASE WHEN v.state = 'done' THEN j.last_error"
    "   ELSE coalesce(v.error, j.last_error) END,"
    "  progress = CASE WHEN v.state = 'done' THEN 100"
    "   WHEN v.progress >= 0 THEN v.progress ELSE j.progress END,"
    "  progress_message = coalesce(v.pmsg, j.progress_message),"
    "  started_at = CASE WHEN v.release THEN NULL ELSE j.started_at END,"
    "  worker = NULL, heartbeat_at = NULL"
    " FROM v"
    " WHERE j.id = v.id AND j.state = 'running' AND j.worker = $1"
    "  AND j.attempts = v.attempt"
    " RETURNING j.id, j.state, j.queue, j.run_at"
    ")"
    " SELECT u.id, CASE WHEN u.state = 'queued' THEN"
    "  pg_notify('" HK_QUEUE_CHANNEL "', u.queue || ' ' ||"
    "   ((extract(epoch FROM u.run_at) * 1000)::bigint)::text) IS NOT NULL"
    "  END FROM upd u";

static const char *outcome_state(enum hk_job_outcome_kind k)
{
    switch (k) {
    case HK_OUTCOME_DONE:
        return "done";
    case HK_OUTCOME_DEAD:
        return "dead";
    case HK_OUTCOME_CANCELLED:
        return "cancelled";
    case HK_OUTCOME_RETRY:
    case HK_OUTCOME_RELEASED:
    default:
        return "queued";
    }
}

static bool json_text_valid(const char *s)
{
    if (s == NULL)
        return false;
    json_tokener *tok = json_tokener_new();
    size_t len = strlen(s);
    json_object *o = json_tokener_parse_ex(tok, s, (int)len);
    bool ok = o != NULL &&
              json_tokener_get_error(tok) == json_tokener_success &&
              json_tokener_get_parse_end(tok) == len;
    json_object_put(o);
    json_tokener_free(tok);
    return ok;
}

/* Writes outcomes of jobs this worker holds in one statement; *applied
 * counts those still held.  0 or a database error. */
int hk_queue_finish(struct hk_dbconn *c, const char *worker,
                    const struct hk_job_outcome *o, size_t n, size_t *applied)
{
    if (applied != NULL)
        *applied = 0;
    if (n == 0)
        return 0;
    if (c == NULL || worker == NULL || o == NULL)
        return HAWK_EINVAL;
    struct hk_buf b;
    hk_buf_init(&b, 0);
    hk_buf_putc(&b, '[');
    for (size_t i = 0; i < n; i++) {
        const struct hk_job_outcome *x = &o[i];
        hk_buf_printf(
            &b,
            "%s{\"id\":%" PRId64 ",\"attempt\":%d,\"state\":\"%s\","
            "\"release\":%s,\"progress\":%d",
            i > 0 ? "," : "", x->id, x->attempt, outcome_state(x->kind),
            x->kind == HK_OUTCOME_RELEASED ? "true" : "false", x->progress);
        if (x->kind == HK_OUTCOME_RETRY)
            hk_buf_printf(&b, ",\"retry_at\":%" PRId64, x->retry_at_ms);
        if (x->kind == HK_OUTCOME_DONE && x->result != NULL &&
            x->result[0] != '\0') {
            hk_buf_puts(&b, ",\"result\":");
            hk_buf_puts(&b, json_text_valid(x->result) ? x->result : "null");
        }
        if (x->error != NULL) {
            hk_buf_puts(&b, ",\"error\":");
            hk_buf_json_str(&b, x->error, strnlen(x->error, 2000));
        }
        if (x->progress_message != NULL) {
            hk_buf_puts(&b, ",\"pmsg\":");
            hk_buf_json_str(&b, x->progress_message,
                            strnlen(x->progress_message, 500));
        }
        hk_buf_putc(&b, '}');
    }
    hk_buf_putc(&b, ']');
    struct hk_db_params p;
    hk_db_params_init(&p);
    hk_db_param_text(&p, worker);
    hk_db_param_text(&p, hk_buf_str(&b));
    hk_db_param_i64(&p, hk_queue_now_ms());
    PGresult *r = NULL;
    int rc = hk_db_params_run(c, SQL_FINISH, &p, &r);
    hk_buf_release(&b);
    if (rc < 0)
        return rc;
    if (applied != NULL)
        *applied = (size_t)PQntuples(r);
    PQclear(r);
    return 0;
}

/* ---- heartbeat and rescue ---- */

static const char SQL_HEARTBEAT[] =
    "WITH hb AS ("
    " UPDATE queue_jobs SET heartbeat_at = to_timestamp($2::bigint / 1000.0)"
    " WHERE state = 'running' AND worker = $1 AND id = ANY ($3::bigint[])"
    " RETURNING id, cancel_requested"
    "), orphan AS ("
    " UPDATE queue_jobs SET state = 'queued',"
    "  attempts = greatest(attempts - 1, 0), worker = NULL,"
    "  heartbeat_at = NULL, started_at = NULL"
    " WHERE state = 'running' AND worker = $1 AND id <> ALL ($3::bigint[])"
    " RETURNING id, queue"
    ")"
    " SELECT id, cancel_requested, false FROM hb"
    " UNION ALL"
    " SELECT id, false, pg_notify('" HK_QUEUE_CHANNEL "',"
    "  queue || ' ' || $2::bigint::text) IS NOT NULL FROM orphan";

/* Marks the worker's held jobs alive and releases its unknown claims;
 * alive/cancel (may be NULL) get one flag per id.  0 or a database error. */
int hk_queue_heartbeat(struct hk_dbconn *c, const char *worker,
                       const int64_t *ids, size_t n, bool *alive, bool *cancel)
{
    for (size_t i = 0; i < n; i++) {
        if (alive != NULL)
            alive[i] = false;
        if (cancel != NULL)
            cancel[i] = false;
    }
    struct hk_buf arr;
    hk_buf_init(&arr, 0);
    pg_int_array(&arr, ids, n);
    struct hk_db_params p;
    hk_db_params_init(&p);
    hk_db_param_text(&p, worker);
    hk_db_param_i64(&p, hk_queue_now_ms());
    hk_db_param_text(&p, hk_buf_str(&arr));
    PGresult *r = NULL;
    int rc = hk_db_params_run(c, SQL_HEARTBEAT, &p, &r);
    hk_buf_release(&arr);
    if (rc < 0)
        return rc;
    int rows = PQntuples(r);
    int orphans = 0;
    for (int k = 0; k < rows; k++) {
        int64_t id = hk_queue_col_i64(r, k, 0);
        if (col_bool(r, k, 2)) {
            orphans++;
            continue;
        }
        for (size_t i = 0; i < n; i++) {
            if (ids[i] == id) {
                if (alive != NULL)
                    alive[i] = true;
                if (cancel != NULL)
                    cancel[i] = col_bool(r, k, 1);
            }
        }
    }
    PQclear(r);
    if (orphans > 0)
        hk_warn("queue: put %d job(s) back that this worker had claimed "
                "without hearing the commit",
                orphans);
    return 0;
}

static const char SQL_RESCUE[] =
    "WITH r AS ("
    " UPDATE queue_jobs SET"
    "  state = CASE WHEN cancel_requested THEN 'cancelled'"
    "   WHEN attempts >= max_attempts THEN 'dead' ELSE 'queued' END,"
    "  finished_at = CASE WHEN cancel_requested OR attempts >= max_attempts"
    "   THEN to_timestamp($1::bigint / 1000.0) END,"
    "  run_at = to_timestamp($1::bigint / 1000.0),"
    "  last_error = 'worker ' || worker || ' stopped sending heartbeats"
    " (attempt ' || attempts || ')',"
    "  worker = NULL, heartbeat_at = NULL"
    " WHERE state = 'running'"
    "  AND heartbeat_at < to_timestamp(($1::bigint - $2::bigint) / 1000.0)"
    " RETURNING id, state, queue"
    ")"
    " SELECT id, CASE WHEN state = 'queued' THEN"
    "  pg_notify('" HK_QUEUE_CHANNEL "', queue || ' ' || $1::bigint::text)"
    "  IS NOT NULL END FROM r";

/* Requeues (or kills) running jobs whose heartbeat lapsed; *rescued may
 * be NULL.  0 or a database error. */
int hk_queue_rescue(struct hk_dbconn *c, int64_t rescue_after_ms,
                    int64_t *rescued)
{
    if (rescued != NULL)
        *rescued = 0;
    struct hk_db_params p;
    hk_db_params_init(&p);
    hk_db_param_i64(&p, hk_queue_now_ms());
    hk_db_param_i64(&p, rescue_after_ms);
    PGresult *r = NULL;
    int rc = hk_db_params_run(c, SQL_RESCUE, &p, &r);
    if (rc < 0)
        return rc;
    int rows = PQntuples(r);
    for (int i = 0; i < rows; i++)
        hk_warn("queue: job %s lost its worker (no heartbeat for %lld ms); "
                "retrying it",
                PQgetvalue(r, i, 0), (long long)rescue_after_ms);
    if (rescued != NULL)
        *rescued = rows;
    PQclear(r);
    return 0;
}
