/*
 * sched/store.c - the schedules table: upsert, delete, sync of built-ins,
 * and the scheduling pass that fires due rows.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "db/db.h"
#include "log/log.h"
#include "plugin/metrics.h"
#include "queue/queue.h"
#include "sched/cron.h"
#include "sched/sched.h"
#include "sched/tz.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/str.h"

static void set_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    if (err == NULL || errlen == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

static int64_t col_i64(const PGresult *r, int row, int col)
{
    int64_t v = 0;
    if (!PQgetisnull(r, row, col))
        hk_parse_i64(PQgetvalue(r, row, col), INT64_MIN, INT64_MAX, &v);
    return v;
}

static bool payload_is_object(const char *s)
{
    json_tokener *tok = json_tokener_new();
    size_t len = strlen(s);
    json_object *o = json_tokener_parse_ex(tok, s, (int)len);
    bool ok = o != NULL && json_object_is_type(o, json_type_object) &&
              json_tokener_get_parse_end(tok) == len;
    json_object_put(o);
    json_tokener_free(tok);
    return ok;
}

/* Validates a spec; on success *next_s is its first due time after now. */
static int check_spec(const struct hk_sched_spec *s, int64_t *next_s, char *err,
                      size_t errlen)
{
    if (s->name == NULL || s->name[0] == '\0' ||
        strlen(s->name) > HK_SCHED_NAME_MAX ||
        !hk_utf8_valid(s->name, strlen(s->name))) {
        set_err(err, errlen, "name must be 1 to %d characters",
                HK_SCHED_NAME_MAX);
        return HAWK_EINVAL;
    }
    if (!hk_queue_kind_name_valid(s->kind)) {
        set_err(err, errlen,
                "kind must be 1 to 64 characters of a-z, 0-9, _ and .");
        return HAWK_EINVAL;
    }
    if (s->jitter_s < 0 || s->jitter_s > HK_SCHED_JITTER_MAX) {
        set_err(err, errlen, "jitter must be 0 to %d seconds",
                HK_SCHED_JITTER_MAX);
        return HAWK_EINVAL;
    }
    const char *payload = s->payload ? s->payload : "{}";
    if (strlen(payload) > HK_JOB_PAYLOAD_MAX || !payload_is_object(payload)) {
        set_err(err, errlen, "payload must be a JSON object");
        return HAWK_EINVAL;
    }
    struct hk_cron c;
    int rc = hk_cron_parse(s->cron, &c, err, errlen);
    if (rc < 0)
        return rc;
    const struct hk_tz *z;
    rc = hk_tz_get(s->tz && *s->tz ? s->tz : "UTC", &z, err, errlen);
    if (rc < 0)
        return rc;
    rc = hk_cron_next_tz(&c, z, hk_queue_now_ms() / 1000, next_s);
    if (rc == HAWK_ENOTFOUND) {
        set_err(err, errlen, "cron expression '%s' never fires", s->cron);
        return HAWK_EINVAL;
    }
    return rc;
}

#define UPSERT_SET                                                             \
    " DO UPDATE SET cron = EXCLUDED.cron, tz = EXCLUDED.tz,"                   \
    "  jitter_s = EXCLUDED.jitter_s, kind = EXCLUDED.kind,"                    \
    "  payload = EXCLUDED.payload, enabled = EXCLUDED.enabled,"                \
    "  next_run_at = CASE WHEN schedules.cron <> EXCLUDED.cron"                \
    "   OR schedules.tz <> EXCLUDED.tz OR NOT schedules.enabled"               \
    "   OR schedules.next_run_at IS NULL"                                      \
    "   THEN EXCLUDED.next_run_at ELSE schedules.next_run_at END,"             \
    "  updated_at = now()"                                                     \
    " RETURNING id"

static const char SQL_UPSERT_USER[] =
    "INSERT INTO schedules (user_id, name, cron, tz, jitter_s, kind,"
    " payload, enabled, next_run_at)"
    " VALUES ($1::bigint, $2, $3, $4, $5::int, $6, $7::jsonb, $8::boolean,"
    "  to_timestamp($9::bigint))"
    " ON CONFLICT (user_id, name) WHERE user_id IS NOT NULL" UPSERT_SET;

static const char SQL_UPSERT_BUILTIN[] =
    "INSERT INTO schedules (user_id, name, cron, tz, jitter_s, kind,"
    " payload, enabled, next_run_at)"
    " VALUES ($1::bigint, $2, $3, $4, $5::int, $6, $7::jsonb, $8::boolean,"
    "  to_timestamp($9::bigint))"
    " ON CONFLICT (name) WHERE user_id IS NULL" UPSERT_SET;

/* Creates or updates a schedule, keeping its due time unless cron, tz
 * or enabled changed.  0, HAWK_EINVAL with err, or a database error. */
int hk_sched_upsert(struct hk_dbconn *c, const struct hk_sched_spec *s,
                    int64_t *id, char *err, size_t errlen)
{
    if (id != NULL)
        *id = 0;
    if (c == NULL || s == NULL || s->user_id < 0)
        return HAWK_EINVAL;
    int64_t next = 0;
    int rc = check_spec(s, &next, err, errlen);
    if (rc < 0)
        return rc;
    char uid[24], jit[16], nx[24];
    snprintf(uid, sizeof(uid), "%" PRId64, s->user_id);
    snprintf(jit, sizeof(jit), "%d", s->jitter_s);
    snprintf(nx, sizeof(nx), "%" PRId64, next);
    const char *params[9] = {s->user_id > 0 ? uid : NULL,
                             s->name,
                             s->cron,
                             s->tz && *s->tz ? s->tz : "UTC",
                             jit,
                             s->kind,
                             s->payload ? s->payload : "{}",
                             s->enabled ? "true" : "false",
                             nx};
    PGresult *r = NULL;
    rc = hk_db_query(c, s->user_id > 0 ? SQL_UPSERT_USER : SQL_UPSERT_BUILTIN,
                     9, params, &r);
    if (rc < 0) {
        set_err(err, errlen, "could not store the schedule");
        return rc;
    }
    if (id != NULL && PQntuples(r) == 1)
        *id = col_i64(r, 0, 0);
    PQclear(r);
    return 0;
}

static const char SQL_DELETE[] =
    "DELETE FROM schedules WHERE name = $2"
    " AND (($1::bigint IS NULL AND user_id IS NULL) OR user_id = $1::bigint)"
    " RETURNING id";

/* Deletes a schedule by owner and name: 0 or HAWK_ENOTFOUND. */
int hk_sched_delete(struct hk_dbconn *c, int64_t user_id, const char *name)
{
    if (name == NULL)
        return HAWK_EINVAL;
    char uid[24];
    snprintf(uid, sizeof(uid), "%" PRId64, user_id);
    const char *params[2] = {user_id > 0 ? uid : NULL, name};
    PGresult *r = NULL;
    int rc = hk_db_query(c, SQL_DELETE, 2, params, &r);
    if (rc < 0)
        return rc;
    rc = PQntuples(r) > 0 ? 0 : HAWK_ENOTFOUND;
    PQclear(r);
    return rc;
}

static const char SQL_DELETE_OTHER_BUILTINS[] =
    "DELETE FROM schedules WHERE user_id IS NULL"
    " AND NOT (name = ANY ($1::text[])) RETURNING name";

/* Upserts the built-in schedules and removes the ones no longer
 * configured.  0, HAWK_EINVAL with err, or a database error. */
int hk_sched_sync_builtins(struct hk_dbconn *c,
                           const struct hk_sched_spec *specs, size_t n,
                           char *err, size_t errlen)
{
    for (size_t i = 0; i < n; i++) {
        struct hk_sched_spec s = specs[i];
        s.user_id = 0;
        int rc = hk_sched_upsert(c, &s, NULL, err, errlen);
        if (rc < 0)
            return rc;
    }
    const char **names = hk_calloc(n + 1, sizeof(char *));
    for (size_t i = 0; i < n; i++)
        names[i] = specs[i].name;
    struct hk_buf arr;
    hk_buf_init(&arr, 0);
    hk_buf_putc(&arr, '{');
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            hk_buf_putc(&arr, ',');
        hk_buf_putc(&arr, '"');
        for (const char *p = names[i]; *p; p++) {
            if (*p == '"' || *p == '\\')
                hk_buf_putc(&arr, '\\');
            hk_buf_putc(&arr, *p);
        }
        hk_buf_putc(&arr, '"');
    }
    hk_buf_putc(&arr, '}');
    hk_free(names);
    const char *params[1] = {hk_buf_str(&arr)};
    PGresult *r = NULL;
    int rc = hk_db_query(c, SQL_DELETE_OTHER_BUILTINS, 1, params, &r);
    hk_buf_release(&arr);
    if (rc < 0)
        return rc;
    for (int i = 0; i < PQntuples(r); i++)
        hk_info("scheduler: removed built-in schedule '%s' (no longer in "
                "the config)",
                PQgetvalue(r, i, 0));
    PQclear(r);
    return 0;
}

/* ---- the scheduling pass ---- */

static const char SQL_DUE[] =
    "SELECT id, user_id, name, cron, tz, jitter_s, kind, payload::text,"
    " (extract(epoch FROM next_run_at) * 1000000)::bigint"
    " FROM schedules"
    " WHERE enabled AND next_run_at <= to_timestamp($1::bigint / 1000.0)"
    " ORDER BY next_run_at LIMIT $2::int";

/* Compare-and-set of the due time: the one transaction that moves it
 * forward is the one that fires.  The due time travels as exact
 * microseconds, compared through the same expression that read it, so a
 * next_run_at with a fractional second (written by SQL, not by us) still
 * matches. */
#define DUE_US "(extract(epoch FROM next_run_at) * 1000000)::bigint"

static const char SQL_ADVANCE[] =
    "UPDATE schedules SET next_run_at = to_timestamp($3::bigint),"
    " last_run_at = CASE WHEN $4::boolean"
    "  THEN to_timestamp($2::bigint / 1000000.0) ELSE last_run_at END"
    " WHERE id = $1::bigint AND " DUE_US " = $2::bigint";

static const char SQL_NEVER[] =
    "UPDATE schedules SET next_run_at = NULL"
    " WHERE id = $1::bigint AND " DUE_US " = $2::bigint";

static const char SQL_LAST_JOB[] =
    "UPDATE schedules SET last_job_id = $2::bigint WHERE id = $1::bigint";

/* Moves one schedule past its due time (due_us, exact as stored; due in
 * whole seconds), enqueuing its job when fire is true.  *did is true when
 * this call won the compare-and-set. */
static int advance(struct hk_dbconn *c, const PGresult *r, int row,
                   int64_t due_us, int64_t due, int64_t next, bool fire,
                   bool *did)
{
    *did = false;
    char ids[24], dues[24], nexts[24];
    hk_strlcpy(ids, PQgetvalue(r, row, 0), sizeof(ids));
    snprintf(dues, sizeof(dues), "%" PRId64, due_us);
    snprintf(nexts, sizeof(nexts), "%" PRId64, next);
    const char *params[4] = {ids, dues, nexts, fire ? "true" : "false"};
    bool own_tx = PQtransactionStatus(hk_db_pg(c)) == PQTRANS_IDLE;
    int rc = own_tx ? hk_db_begin(c) : 0;
    PGresult *u = NULL;
    if (rc == 0)
        rc = hk_db_query(c, SQL_ADVANCE, 4, params, &u);
    bool won = rc == 0 && strcmp(PQcmdTuples(u), "1") == 0;
    PQclear(u);
    if (rc == 0 && won && fire) {
        int64_t jitter_s = col_i64(r, row, 5);
        uint32_t rnd = 0;
        hk_random_bytes(&rnd, sizeof(rnd));
        int64_t jitter_ms = 0;
        if (jitter_s > 0)
            jitter_ms = (int64_t)(rnd % (uint32_t)(jitter_s * 1000 + 1));
        char key[80];
        snprintf(key, sizeof(key), "sched:%s:%" PRId64, ids, due);
        struct hk_job_spec spec = {
            .kind = PQgetvalue(r, row, 6),
            .payload = PQgetvalue(r, row, 7),
            .user_id = col_i64(r, row, 1),
            .run_at_ms = due_us / 1000 + jitter_ms,
            .unique_key = key,
        };
        int64_t job = 0;
        rc = hk_queue_enqueue(c, &spec, &job, NULL);
        if (rc == 0) {
            char jobs[24];
            snprintf(jobs, sizeof(jobs), "%" PRId64, job);
            const char *p2[2] = {ids, jobs};
            rc = hk_db_query(c, SQL_LAST_JOB, 2, p2, NULL);
        }
    }
    if (own_tx) {
        if (rc == 0)
            rc = hk_db_commit(c);
        else
            hk_db_rollback(c);
    }
    if (rc == 0)
        *did = won;
    return rc;
}

/* One scheduling pass (see sched.h): fires each due time once;
 * *fired may be NULL.  0 or a database error. */
int hk_sched_run_due(struct hk_dbconn *c, int64_t now_ms, int64_t catch_up_ms,
                     int max, int *fired)
{
    if (fired != NULL)
        *fired = 0;
    char nows[24], maxs[16];
    snprintf(nows, sizeof(nows), "%" PRId64, now_ms);
    snprintf(maxs, sizeof(maxs), "%d", max > 0 ? max : 100);
    const char *params[2] = {nows, maxs};
    PGresult *r = NULL;
    int rc = hk_db_query(c, SQL_DUE, 2, params, &r);
    if (rc < 0)
        return rc;
    int n = 0;
    for (int i = 0; i < PQntuples(r) && rc == 0; i++) {
        const char *name = PQgetvalue(r, i, 2);
        int64_t due_us = col_i64(r, i, 8);
        int64_t due =
            due_us >= 0 ? due_us / 1000000 : -((-due_us + 999999) / 1000000);
        struct hk_cron cron;
        const struct hk_tz *z = NULL;
        char err[160] = "";
        int64_t next = 0;
        int prc = hk_cron_parse(PQgetvalue(r, i, 3), &cron, err, sizeof(err));
        if (prc == 0)
            prc = hk_tz_get(PQgetvalue(r, i, 4), &z, err, sizeof(err));
        bool late = due_us / 1000 < now_ms - catch_up_ms;
        if (prc == 0) {
            /* a late due time is skipped to the first one inside the
             * catch-up window (which the next pass fires) */
            int64_t after = late ? (now_ms - catch_up_ms) / 1000 - 1 : due;
            if (after < due)
                after = due;
            prc = hk_cron_next_tz(&cron, z, after, &next);
            if (prc < 0)
                hk_strlcpy(err, "the expression never fires again",
                           sizeof(err));
        }
        bool did = false;
        if (prc < 0) {
            hk_error("scheduler: schedule %s ('%s') stopped: %s",
                     PQgetvalue(r, i, 0), name, err);
            char ids[24], dues[24];
            hk_strlcpy(ids, PQgetvalue(r, i, 0), sizeof(ids));
            snprintf(dues, sizeof(dues), "%" PRId64, due_us);
            const char *p[2] = {ids, dues};
            rc = hk_db_query(c, SQL_NEVER, 2, p, NULL);
            continue;
        }
        rc = advance(c, r, i, due_us, due, next, !late, &did);
        if (rc == 0 && did && late)
            hk_warn("scheduler: schedule %s ('%s') missed its run at %" PRId64
                    " by more than the catch-up window; skipped",
                    PQgetvalue(r, i, 0), name, due);
        if (rc == 0 && did && !late) {
            n++;
            /* how late the firing came after its due time */
            double lag = (double)(now_ms - due_us / 1000) / 1000.0;
            (void)hk_metrics_set("hawk_scheduler_lag_seconds", NULL,
                                 lag > 0 ? lag : 0);
        }
    }
    PQclear(r);
    if (fired != NULL)
        *fired = n;
    return rc;
}
