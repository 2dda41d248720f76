/*
 * queue/manage.c - operations on single jobs and queues: cancel, retry,
 * delete, pause/resume, and pruning of finished jobs.
 */
#include <stdio.h>
#include <string.h>

#include "db/db.h"
#include "db/params.h"
#include "hawk/plugin.h"
#include "queue/queue.h"
#include "queue/queue_int.h"
#include "util/str.h"

#define PRUNE_CHUNK_N 5000
#define PRUNE_CHUNK HAWK_STR(PRUNE_CHUNK_N)

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
    struct hk_db_params p;
    hk_db_params_init(&p);
    hk_db_param_i64(&p, job_id);
    hk_db_param_i64(&p, user_id > 0 ? user_id : 0);
    hk_db_param_i64(&p, hk_queue_now_ms());
    PGresult *r = NULL;
    int rc = hk_db_params_run(c, SQL_CANCEL, &p, &r);
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
    hk_db_params_init(&p);
    hk_db_param_i64(&p, job_id);
    hk_db_param_i64(&p, user_id > 0 ? user_id : 0);
    rc = hk_db_params_run(c, SQL_EXISTS, &p, &r);
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
    struct hk_db_params p;
    hk_db_params_init(&p);
    hk_db_param_i64(&p, job_id);
    hk_db_param_i64(&p, hk_queue_now_ms());
    PGresult *r = NULL;
    int rc = hk_db_params_run(c, SQL_RETRY, &p, &r);
    if (rc < 0)
        return rc;
    int rows = PQntuples(r);
    PQclear(r);
    if (rows == 1)
        return 0;
    hk_db_params_init(&p);
    hk_db_param_i64(&p, job_id);
    hk_db_param_i64(&p, 0);
    rc = hk_db_params_run(c, SQL_EXISTS, &p, &r);
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
    struct hk_db_params p;
    hk_db_params_init(&p);
    hk_db_param_i64(&p, job_id);
    PGresult *r = NULL;
    int rc = hk_db_params_run(c, SQL_DELETE, &p, &r);
    if (rc < 0)
        return rc;
    int rows = PQntuples(r);
    PQclear(r);
    if (rows == 1)
        return 0;
    hk_db_param_i64(&p, 0); /* $2: any user */
    rc = hk_db_params_run(c, SQL_EXISTS, &p, &r);
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
    struct hk_db_params p;
    hk_db_params_init(&p);
    hk_db_param_text(&p, queue);
    if (user_id > 0)
        hk_db_param_i64(&p, user_id);
    else
        hk_db_param_null(&p);
    return hk_db_params_run(c, SQL_PAUSE, &p, NULL);
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
    struct hk_db_params p;
    hk_db_params_init(&p);
    hk_db_param_text(&p, queue);
    hk_db_param_i64(&p, hk_queue_now_ms());
    return hk_db_params_run(c, SQL_RESUME, &p, NULL);
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
    struct hk_db_params p;
    hk_db_params_init(&p);
    hk_db_param_i64(&p, hk_queue_now_ms() - older_than_ms);
    int64_t total = 0;
    /* Small chunks keep each statement's locks and WAL burst short. */
    for (;;) {
        PGresult *r = NULL;
        int rc = hk_db_params_run(c, SQL_PRUNE, &p, &r);
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
