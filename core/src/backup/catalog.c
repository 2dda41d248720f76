/*
 * backup/catalog.c - the backup_runs table and the facts a manifest
 * records about the database.
 *
 * The catalogue is best effort: a backup of a database that cannot take
 * the row (read-only replica, schema not migrated yet) still runs; the
 * failure is logged.
 */
#include <stdio.h>
#include <string.h>

#include "backup/backup_int.h"
#include "db/db.h"
#include "log/log.h"
#include "util/str.h"

static const char SQL_START[] =
    "INSERT INTO backup_runs (name, started_at)"
    " VALUES ($1, to_timestamp($2::bigint / 1000.0)) RETURNING id";

int bk_catalog_start(struct hk_backup *b, const char *name, int64_t started_ms,
                     int64_t *run_id)
{
    struct hk_dbconn *c = NULL;
    PGresult *res = NULL;
    char ms[24];
    *run_id = 0;
    if (b->db == NULL || hk_db_acquire(b->db, &c) < 0)
        return HAWK_EUNAVAIL;
    snprintf(ms, sizeof(ms), "%lld", (long long)started_ms);
    const char *p[2] = {name, ms};
    int rc = hk_db_query(c, SQL_START, 2, p, &res);
    if (rc == 0 && PQntuples(res) == 1) {
        int64_t id = 0;
        if (hk_parse_i64(PQgetvalue(res, 0, 0), 1, INT64_MAX, &id) == 0)
            *run_id = id;
    } else {
        hk_log(HAWK_LOG_WARN, "backup %s: cannot record the run: %s", name,
               hk_db_errmsg(c));
    }
    PQclear(res);
    hk_db_release(b->db, c);
    return rc;
}

static const char SQL_FINISH[] =
    "UPDATE backup_runs SET status = $2, finished_at = now(),"
    " stored_bytes = $3::bigint, dump_bytes = $4::bigint, sha256 = $5,"
    " location = $6, error = $7 WHERE id = $1::bigint";

void bk_catalog_finish(struct hk_backup *b, int64_t run_id,
                       const struct hk_backup_info *info, const char *error)
{
    struct hk_dbconn *c = NULL;
    char id[24], st[24], dp[24];
    if (run_id <= 0 || b->db == NULL || hk_db_acquire(b->db, &c) < 0)
        return;
    snprintf(id, sizeof(id), "%lld", (long long)run_id);
    snprintf(st, sizeof(st), "%lld", (long long)info->stored_bytes);
    snprintf(dp, sizeof(dp), "%lld", (long long)info->dump_bytes);
    const char *loc = info->local && info->remote ? "local,remote"
                      : info->remote              ? "remote"
                                                  : "local";
    const char *p[7] = {id,
                        error == NULL ? "ok" : "failed",
                        error == NULL ? st : NULL,
                        error == NULL ? dp : NULL,
                        error == NULL ? info->sha256 : NULL,
                        error == NULL ? loc : NULL,
                        error};
    if (hk_db_query(c, SQL_FINISH, 7, p, NULL) < 0)
        hk_log(HAWK_LOG_WARN, "backup %s: cannot record the outcome: %s",
               info->name, hk_db_errmsg(c));
    hk_db_release(b->db, c);
}

/* Two statements: the second names schema_migrations, which must exist
 * before it can even be planned. */
static const char SQL_FACTS[] =
    "SELECT pg_database_size(current_database()),"
    " CASE WHEN to_regclass('schema_migrations') IS NULL THEN -1 ELSE 0 END";
static const char SQL_LEVEL[] =
    "SELECT coalesce(max(version), 0) FROM schema_migrations";

int bk_db_facts(struct hk_backup *b, int *schema_version, int64_t *db_bytes,
                struct hk_err *err)
{
    struct hk_dbconn *c = NULL;
    PGresult *res = NULL;
    *schema_version = -1;
    *db_bytes = -1;
    if (b->db == NULL)
        return hk_err_set(err, HAWK_EUNAVAIL, NULL, NULL, "no database");
    int rc = hk_db_acquire(b->db, &c);
    if (rc < 0)
        return hk_err_set(err, rc, NULL, NULL,
                          "cannot reach the database: check that PostgreSQL "
                          "is running and database.url is right");
    rc = hk_db_query(c, SQL_FACTS, 0, NULL, &res);
    if (rc == 0 && PQntuples(res) == 1) {
        int64_t v = 0;
        if (hk_parse_i64(PQgetvalue(res, 0, 0), 0, INT64_MAX, &v) == 0)
            *db_bytes = v;
        if (hk_parse_i64(PQgetvalue(res, 0, 1), -1, INT32_MAX, &v) == 0)
            *schema_version = (int)v;
        if (*schema_version == 0) {
            PQclear(res);
            res = NULL;
            rc = hk_db_query(c, SQL_LEVEL, 0, NULL, &res);
            if (rc == 0 && PQntuples(res) == 1 &&
                hk_parse_i64(PQgetvalue(res, 0, 0), 0, INT32_MAX, &v) == 0)
                *schema_version = (int)v;
        }
    }
    if (rc < 0 || res == NULL) {
        rc = hk_err_set(err, rc < 0 ? rc : HAWK_EIO, NULL, NULL,
                        "cannot read the database size: %s", hk_db_errmsg(c));
    }
    PQclear(res);
    hk_db_release(b->db, c);
    return rc;
}
