/*
 * queue/manage.c - operations on single jobs and queues: cancel, retry,
 * delete, pause/resume, and pruning of finished jobs.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "db/db.h"
#include "hawk/plugin.h"
#include "queue/queue.h"
#include "queue/queue_int.h"
#include "util/str.h"

#define PRUNE_CHUNK_N 5000
#define PRUNE_CHUNK HAWK_STR(PRUNE_CHUNK_N)

static void fmt_i64(char *buf, size_t n, int64_t v)
{
    snprintf(buf, n, "%" PRId64, v);
}

static const char SQL_CANCEL[] =
    "WITH c AS ("
    " UPDATE queue_jobs SET cancel_requested = true,"
    "  state = CASE WHEN state = 'queued' THEN 'cancelled' ELSE state END,"
    "  finished_at = CASE WHEN state = 'queued'"
    "   THEN to_timestamp($3::bigint / 1000.0) ELSE finished_at END"
    " WHERE id = $1::bigint AND ($2::bigint = 0 OR user_id = $2::bigint)"
    "  AND state IN ('queued', 'running')"
    " RETURNING id, state"
    ")"
    " SELECT state, CASE WHEN state = 'running' THEN"
    "  pg_notify('" HK_QUEUE_CHANNEL "', 'cancel ' || id) IS NOT NULL END"
    " FROM c";

static const char SQL_EXISTS[] =
    "SELECT state FROM queue_jobs"
    " WHERE id = $1::bigint AND ($2::bigint = 0 OR user_id = $2::bigint)";

/* Cancels a queued job or asks a running one to stop: 0 with *res,
 * HAWK_ENOTFOUND, HAWK_ECONFLICT (finished).  See queue.h. */
int hk_queue_cancel(struct hk_dbconn *c, int64_t job_id, int64_t user_id,
                    enum hk_cancel_result *res)
{
    char id[24], uid[24], now[24];
    fmt_i64(id, sizeof(id), job_id);
    fmt_i64(uid, sizeof(uid), user_id > 0 ? user_id : 0);
    fmt_i64(now, sizeof(now), hk_queue_now_ms());
    const char *params[3] = {id, uid, now};
    PGresult *r = NULL;
    int rc = hk_db_query(c, SQL_CANCEL, 3, params, &r);
    if (rc < 0)
        return rc;
    if (PQntuples(r) == 1) {
        bool running = strcmp(PQgetvalue(r, 0, 0), "running") == 0;
        if (res != NULL)
            *res = running ? HK_CANCEL_REQUESTED : HK_CANCEL_DONE;
        PQclear(r);
        return 0;
    }
    PQclear(r);
    rc = hk_db_query(c, SQL_EXISTS, 2, params, &r);
    if (rc < 0)
        return rc;
    rc = PQntuples(r) == 1 ? HAWK_ECONFLICT : HAWK_ENOTFOUND;
    PQclear(r);
    return rc;
}

static const char SQL_RETRY[] =
    "WITH r AS ("
    " UPDATE queue_jobs SET state = 'queued', attempts = 0,"
    "  run_at = to_timestamp($2::bigint / 1000.0), finished_at = NULL,"
    "  started_at = NULL, cancel_requested = false, progress = 0,"
    "  progress_message = NULL"
    " WHERE id = $1::bigint AND state IN ('dead', 'cancelled')"
    " RETURNING queue"
    ")"
    " SELECT pg_notify('" HK_QUEUE_CHANNEL "', queue || ' ' || $2::text)"
    "  IS NOT NULL FROM r";

/* Requeues a dead or cancelled job with fresh attempts: 0,
 * HAWK_ENOTFOUND or HAWK_ECONFLICT. */
int hk_queue_retry(struct hk_dbconn *c, int64_t job_id)
{
    char id[24], now[24];
    fmt_i64(id, sizeof(id), job_id);
    fmt_i64(now, sizeof(now), hk_queue_now_ms());
    const char *params[2] = {id, now};
    PGresult *r = NULL;
    int rc = hk_db_query(c, SQL_RETRY, 2, params, &r);
    if (rc < 0)
        return rc;
    int rows = PQntuples(r);
    PQclear(r);
    if (rows == 1)
        return 0;
    const char *p2[2] = {id, "0"};
    rc = hk_db_query(c, SQL_EXISTS, 2, p2, &r);
    if (rc < 0)
        return rc;
    rc = PQntuples(r) == 1 ? HAWK_ECONFLICT : HAWK_ENOTFOUND;
    PQclear(r);
    return rc;
}

static const char SQL_DELETE[] =
    "DELETE FROM queue_jobs WHERE id = $1::bigint"
    " AND state IN ('done', 'dead', 'cancelled') RETURNING id";

/* Deletes a finished job: 0, HAWK_ENOTFOUND or HAWK_ECONFLICT. */
int hk_queue_delete(struct hk_dbconn *c, int64_t job_id)
{
    char id[24];
    fmt_i64(id, sizeof(id), job_id);
    const char *params[2] = {id, "0"};
    PGresult *r = NULL;
    int rc = hk_db_query(c, SQL_DELETE, 1, params, &r);
    if (rc < 0)
        return rc;
    int rows = PQntuples(r);
    PQclear(r);
    if (rows == 1)
        return 0;
    rc = hk_db_query(c, SQL_EXISTS, 2, params, &r);
    if (rc < 0)
        return rc;
    rc = PQntuples(r) == 1 ? HAWK_ECONFLICT : HAWK_ENOTFOUND;
    PQclear(r);
    return rc;
}

static const char SQL_PAUSE[] =
    "INSERT INTO queue_paused (queue, paused_by) VALUES ($1, $2::bigint)"
    " ON CONFLICT (queue) DO NOTHING";

/* Pauses a queue (idempotent): 0, HAWK_EINVAL for a bad name, or a
 * database error. */
int hk_queue_pause(struct hk_dbconn *c, const char *queue, int64_t user_id)
{
    if (!hk_queue_name_valid(queue))
        return HAWK_EINVAL;
    char uid[24];
    fmt_i64(uid, sizeof(uid), user_id);
    const char *params[2] = {queue, user_id > 0 ? uid : NULL};
    return hk_db_query(c, SQL_PAUSE, 2, params, NULL);
}

static const char SQL_RESUME[] =
    "WITH d AS (DELETE FROM queue_paused WHERE queue = $1 RETURNING queue)"
    " SELECT pg_notify('" HK_QUEUE_CHANNEL "', $1 || ' ' || $2::text)"
    "  IS NOT NULL";

/* Resumes a queue and wakes the workers: 0, HAWK_EINVAL or a database
 * error. */
int hk_queue_resume(struct hk_dbconn *c, const char *queue)
{
    if (!hk_queue_name_valid(queue))
        return HAWK_EINVAL;
    char now[24];
    fmt_i64(now, sizeof(now), hk_queue_now_ms());
    const char *params[2] = {queue, now};
    return hk_db_query(c, SQL_RESUME, 2, params, NULL);
}

static const char SQL_PRUNE[] =
    "WITH d AS ("
    " SELECT id FROM queue_jobs"
    " WHERE state IN ('done', 'dead', 'cancelled')"
    "  AND finished_at < to_timestamp($1::bigint / 1000.0)"
    " ORDER BY finished_at LIMIT " PRUNE_CHUNK " FOR UPDATE SKIP LOCKED"
    ")"
    " DELETE FROM queue_jobs j USING d WHERE j.id = d.id";

/* Deletes finished jobs older than older_than_ms in chunks; *deleted
 * may be NULL.  0 or a database error. */
int hk_queue_prune(struct hk_dbconn *c, int64_t older_than_ms, int64_t *deleted)
{
    if (deleted != NULL)
        *deleted = 0;
    char cutoff[24];
    fmt_i64(cutoff, sizeof(cutoff), hk_queue_now_ms() - older_than_ms);
    const char *params[1] = {cutoff};
    int64_t total = 0;
    /* Small chunks keep each statement's locks and WAL burst short. */
    for (;;) {
        PGresult *r = NULL;
        int rc = hk_db_query(c, SQL_PRUNE, 1, params, &r);
        if (rc < 0)
            return rc;
        int64_t n = 0;
        hk_parse_i64(PQcmdTuples(r), 0, INT64_MAX, &n);
        PQclear(r);
        total += n;
        if (n < PRUNE_CHUNK_N)
            break;
    }
    if (deleted != NULL)
        *deleted = total;
    return 0;
}
