/*
 * db/migrate.c - applies the SQL migrations compiled into the binary.
 *
 * A session advisory lock serializes concurrent callers (several `hawk
 * serve` processes starting at once against one database): the second
 * waits, then finds everything applied.  Each migration runs in its own
 * transaction together with the insert of its schema_migrations row, so
 * a migration is either fully applied and recorded or not at all.
 *
 * Migration files may hold several statements; they run through the
 * simple query protocol (PQexec), the one place SQL is not parameterized:
 * the text is compiled in, never from input.  They must not contain
 * transaction control or statements that refuse to run in a transaction
 * (CREATE INDEX CONCURRENTLY).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/db_int.h"
#include "db/migrations.h"
#include "hawk/plugin.h"
#include "log/log.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/str.h"
#include "util/time.h"

/* "hawkmigr" as a big-endian bigint: the advisory lock key. */
#define LOCK_SQL "SELECT pg_advisory_lock(7526466795787446642)"
#define UNLOCK_SQL "SELECT pg_advisory_unlock(7526466795787446642)"

static const char CREATE_SQL[] =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version integer PRIMARY KEY,"
    " name text NOT NULL,"
    " applied_at timestamptz NOT NULL DEFAULT now())";

static int check_list(const struct hk_migration *list, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (list[i].version <= 0 || list[i].sql == NULL ||
            list[i].name == NULL) {
            hk_error("migration #%zu is malformed: its file name must start "
                     "with a positive number",
                     i);
            return HAWK_EINTERNAL;
        }
        if (i > 0 && list[i].version <= list[i - 1].version) {
            hk_error("migrations '%s' and '%s' are out of order or share "
                     "version %d: renumber one of them",
                     list[i - 1].name, list[i].name, list[i].version);
            return HAWK_EINTERNAL;
        }
    }
    return 0;
}

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

/* Reads the applied versions, sorted.  *out is NULL when the table does
 * not exist yet (*n = 0); caller frees with hk_free. */
static int applied_versions(struct hk_dbconn *c, int **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    PGresult *res = NULL;
    int rc =
        hk_db_query(c, "SELECT to_regclass('schema_migrations') IS NOT NULL", 0,
                    NULL, &res);
    if (rc < 0)
        return rc;
    bool exists = PQntuples(res) == 1 && PQgetvalue(res, 0, 0)[0] == 't';
    PQclear(res);
    if (!exists)
        return 0;

    rc = hk_db_query(c,
                     "SELECT version FROM schema_migrations"
                     " ORDER BY version",
                     0, NULL, &res);
    if (rc < 0)
        return rc;
    int rows = PQntuples(res);
    int *v = hk_calloc((size_t)rows + 1, sizeof(*v));
    for (int i = 0; i < rows; i++) {
        int64_t x = 0;
        if (hk_parse_i64(PQgetvalue(res, i, 0), 1, INT32_MAX, &x) < 0) {
            PQclear(res);
            hk_free(v);
            return HAWK_EPROTO;
        }
        v[i] = (int)x;
    }
    PQclear(res);
    qsort(v, (size_t)rows, sizeof(*v), cmp_int);
    *out = v;
    *n = (size_t)rows;
    return 0;
}

static bool is_applied(const int *v, size_t n, int version)
{
    return v != NULL && bsearch(&version, v, n, sizeof(*v), cmp_int) != NULL;
}

static bool is_known(const struct hk_migration *list, size_t n, int version)
{
    for (size_t i = 0; i < n; i++) {
        if (list[i].version == version)
            return true;
    }
    return false;
}

/* One migration and its record in one transaction. */
static int apply_one(struct hk_dbconn *c, const struct hk_migration *m)
{
    int64_t t0 = hk_mono_ms();
    int rc = hk_db_begin(c);
    if (rc < 0)
        return rc;
    rc = hk_db_exec(c, m->sql);
    if (rc == 0) {
        char ver[16];
        snprintf(ver, sizeof(ver), "%d", m->version);
        const char *params[] = {ver, m->name};
        rc = hk_db_query(c,
                         "INSERT INTO schema_migrations (version, name)"
                         " VALUES ($1, $2)",
                         2, params, NULL);
    }
    if (rc == 0)
        rc = hk_db_commit(c);
    if (rc < 0) {
        hk_error("migration %s failed (SQLSTATE %s): %s", m->name,
                 hk_db_sqlstate(c), hk_db_errmsg(c));
        if (PQtransactionStatus(hk_db_pg(c)) != PQTRANS_IDLE)
            hk_db_rollback(c);
        return rc;
    }
    struct hk_buf b;
    hk_buf_init(&b, 1024);
    hk_buf_printf(&b, "{\"version\":%d,\"name\":", m->version);
    hk_buf_json_str(&b, m->name, strlen(m->name));
    hk_buf_printf(&b, ",\"ms\":%lld}", (long long)(hk_mono_ms() - t0));
    hk_log_fields(HAWK_LOG_INFO, "migration applied", hk_buf_str(&b));
    hk_buf_release(&b);
    return 0;
}

static int run_locked(struct hk_dbconn *c, const struct hk_migration *list,
                      size_t n, int *applied)
{
    int rc = hk_db_exec(c, CREATE_SQL);
    if (rc < 0)
        return rc;
    int *done = NULL;
    size_t ndone = 0;
    rc = applied_versions(c, &done, &ndone);
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < ndone; i++) {
        if (!is_known(list, n, done[i]))
            hk_warn("the database has migration %d, which this hawk does not "
                    "know: a newer hawk has migrated it; upgrade this one",
                    done[i]);
    }
    for (size_t i = 0; i < n && rc == 0; i++) {
        if (is_applied(done, ndone, list[i].version))
            continue;
        rc = apply_one(c, &list[i]);
        if (rc == 0)
            (*applied)++;
    }
    hk_free(done);
    return rc;
}

/* Applies the pending migrations of `list` (see db.h).  Returns 0, the
 * code of the failing statement (HAWK_EINVAL for bad SQL, HAWK_EUNAVAIL
 * when the server went away), or HAWK_EINTERNAL for a malformed list.
 * Migrations applied before a failure stay applied. */
int hk_migrate_run_list(struct hk_db *db, const struct hk_migration *list,
                        size_t n, int *applied)
{
    int count = 0;
    if (applied != NULL)
        *applied = 0;
    int rc = check_list(list, n);
    if (rc < 0)
        return rc;
    struct hk_dbconn *c = NULL;
    rc = hk_db_acquire(db, &c);
    if (rc < 0)
        return rc;
    rc = hk_db_exec(c, LOCK_SQL);
    if (rc == 0) {
        rc = run_locked(c, list, n, &count);
        /* Dropping the connection also drops a lock the unlock could not
         * release. */
        if (hk_db_exec(c, UNLOCK_SQL) < 0)
            hk_db_conn_mark_broken(c);
    }
    hk_db_release(db, c);
    if (applied != NULL)
        *applied = count;
    if (rc == 0 && count > 0)
        hk_info("database schema up to date (%d migration(s) applied)", count);
    return rc;
}

/* Applies the migrations compiled into the binary (see db.h). */
int hk_migrate_run(struct hk_db *db, int *applied)
{
    return hk_migrate_run_list(db, hk_migrations, hk_migrations_count, applied);
}

/* Counts the entries of `list` not recorded in schema_migrations (all of
 * them when the table does not exist).  0 or the query's error code. */
int hk_migrate_pending_list(struct hk_db *db, const struct hk_migration *list,
                            size_t n, int *pending)
{
    if (pending == NULL)
        return HAWK_EINVAL;
    *pending = 0;
    struct hk_dbconn *c = NULL;
    int rc = hk_db_acquire(db, &c);
    if (rc < 0)
        return rc;
    int *done = NULL;
    size_t ndone = 0;
    rc = applied_versions(c, &done, &ndone);
    hk_db_release(db, c);
    if (rc < 0)
        return rc;
    int count = 0;
    for (size_t i = 0; i < n; i++) {
        if (!is_applied(done, ndone, list[i].version))
            count++;
    }
    hk_free(done);
    *pending = count;
    return 0;
}

/* Pending count for the compiled-in migrations (see db.h). */
int hk_migrate_pending(struct hk_db *db, int *pending)
{
    return hk_migrate_pending_list(db, hk_migrations, hk_migrations_count,
                                   pending);
}
