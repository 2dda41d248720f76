/*
 * backup/restore.c - `hawk backup restore NAME`.
 *
 * Order, so that a failure at any step leaves the database as it was:
 *  1. the backup is copied locally (when only remote) and its checksum
 *     checked; a backup from a newer schema than this hawk knows is
 *     refused;
 *  2. every queue is paused and restore waits for running jobs to end
 *     (workers of a running `hawk serve` stop taking jobs);
 *  3. other sessions on the database are ended, then psql replays
 *     pg_restore's script in ONE transaction that first drops every
 *     non-system schema: either the whole backup is in place, or nothing
 *     changed;
 *  4. newer migrations are applied, and sessions are ended again so
 *     running servers reconnect to the new tables.
 * The pause rows live in the replaced database, so the restored queues
 * come back in the state the backup recorded.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "backup/backup_int.h"
#include "db/db.h"
#include "db/migrations.h"
#include "log/log.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/str.h"
#include "util/time.h"

/* Drops every schema but the system ones, then gives back `public`. */
/* Replays rolled back by a lock conflict with a reconnecting server. */
#define BK_REPLAY_TRIES 3

static const char BK_PREAMBLE[] =
    "SET lock_timeout = '60s';\n"
    "DO $hawk$ DECLARE s text; BEGIN\n"
    "  FOR s IN SELECT nspname FROM pg_namespace\n"
    "    WHERE nspname NOT IN ('pg_catalog', 'information_schema', "
    "'pg_toast')\n"
    "      AND nspname NOT LIKE 'pg\\_temp\\_%'\n"
    "      AND nspname NOT LIKE 'pg\\_toast\\_temp\\_%'\n"
    "  LOOP EXECUTE format('DROP SCHEMA %I CASCADE', s); END LOOP;\n"
    "END $hawk$;\n"
    "CREATE SCHEMA IF NOT EXISTS public;\n";

static const char SQL_TERMINATE[] =
    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
    "   AND backend_type = 'client backend'";

static const char SQL_PAUSE_ALL[] =
    "INSERT INTO queue_paused (queue)"
    " SELECT q FROM (SELECT DISTINCT queue AS q FROM queue_jobs"
    "                UNION SELECT 'default') qs"
    " ON CONFLICT DO NOTHING RETURNING queue";

static const char SQL_RUNNING[] =
    "SELECT count(*) FROM queue_jobs WHERE state = 'running'";

static int bk_query_int(struct hk_dbconn *c, const char *sql, int64_t *v)
{
    PGresult *res = NULL;
    int rc = hk_db_query(c, sql, 0, NULL, &res);
    if (rc == 0 && PQntuples(res) >= 1)
        rc = hk_parse_i64(PQgetvalue(res, 0, 0), INT64_MIN, INT64_MAX, v);
    PQclear(res);
    return rc;
}

/* Pauses every queue and waits for running jobs (when hawk's queue
 * tables exist).  paused receives the queues this call paused, one per
 * line, so a failed restore can resume them. */
static int bk_stop_workers(struct hk_backup *b, struct hk_buf *paused,
                           struct hk_err *err)
{
    struct hk_dbconn *c = NULL;
    PGresult *res = NULL;
    int rc = hk_db_acquire(b->db, &c);
    if (rc < 0)
        return hk_err_set(err, rc, NULL, NULL, "cannot reach the database");
    int64_t have = 0;
    rc = bk_query_int(
        c, "SELECT (to_regclass('queue_paused') IS NOT NULL)::int", &have);
    if (rc < 0 || have == 0) {
        hk_db_release(b->db, c);
        return 0;
    }
    rc = hk_db_query(c, SQL_PAUSE_ALL, 0, NULL, &res);
    for (int i = 0; rc == 0 && i < PQntuples(res); i++)
        hk_buf_printf(paused, "%s\n", PQgetvalue(res, i, 0));
    PQclear(res);
    int64_t until = hk_mono_ms() + b->cfg.restore_wait_ms;
    int64_t running = 0;
    while (rc == 0) {
        rc = bk_query_int(c, SQL_RUNNING, &running);
        if (rc < 0 || running == 0)
            break;
        if (hk_mono_ms() > until) {
            rc = hk_err_set(err, HAWK_EUNAVAIL, NULL, NULL,
                            "%lld queue jobs are still running after %lld s: "
                            "stop hawk serve/worker, or wait and retry",
                            (long long)running,
                            (long long)(b->cfg.restore_wait_ms / 1000));
            break;
        }
        hk_sleep_ms(250);
    }
    if (rc < 0 && err->code == 0)
        hk_err_set(err, rc, NULL, NULL, "cannot pause the queues: %s",
                   hk_db_errmsg(c));
    hk_db_release(b->db, c);
    return rc;
}

static void bk_resume_queues(struct hk_backup *b, const char *paused)
{
    struct hk_dbconn *c = NULL;
    if (paused[0] == '\0' || hk_db_acquire(b->db, &c) < 0)
        return;
    char *copy = hk_strdup(paused);
    char *save = NULL;
    for (char *q = strtok_r(copy, "\n", &save); q != NULL;
         q = strtok_r(NULL, "\n", &save)) {
        const char *p[1] = {q};
        (void)hk_db_query(c, "DELETE FROM queue_paused WHERE queue = $1", 1, p,
                          NULL);
    }
    hk_free(copy);
    hk_db_release(b->db, c);
}

static void bk_end_sessions(struct hk_backup *b)
{
    struct hk_dbconn *c = NULL;
    int64_t n = 0;
    if (hk_db_acquire(b->db, &c) < 0)
        return;
    if (bk_query_int(c, SQL_TERMINATE, &n) == 0 && n > 0)
        hk_log(HAWK_LOG_INFO, "restore: ended %lld other database sessions",
               (long long)n);
    hk_db_release(b->db, c);
}

/* Feeds the decompressed dump to pg_restore, whose SQL goes to psql. */
struct bk_feed {
    int fd;
    struct bk_zd *zd;
    struct bk_dec *dec;
    struct bk_prog prog;
    int64_t bytes;
};

static int bk_feed_pipe(void *opaque, const void *data, size_t n)
{
    struct bk_feed *f = opaque;
    const char *p = data;
    while (n > 0) {
        ssize_t w = write(f->fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return HAWK_EIO;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static int bk_feed_zd(void *opaque, const void *data, size_t n)
{
    struct bk_feed *f = opaque;
    return bk_zd_write(f->zd, data, n);
}

static int bk_feed_file(struct bk_feed *f, const char *path, struct hk_err *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return hk_err_set(err, HAWK_EIO, NULL, NULL, "cannot read %s: %s", path,
                          strerror(errno));
    char *buf = hk_malloc(BK_CHUNK);
    int rc = 0;
    for (;;) {
        ssize_t n = read(fd, buf, BK_CHUNK);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (n < 0)
                rc = HAWK_EIO;
            break;
        }
        f->bytes += n;
        rc = f->dec != NULL ? bk_dec_write(f->dec, buf, (size_t)n)
                            : bk_zd_write(f->zd, buf, (size_t)n);
        if (rc < 0)
            break;
        bk_prog_tick(&f->prog, f->bytes, false);
    }
    hk_free(buf);
    close(fd);
    if (rc == 0 && f->dec != NULL)
        rc = bk_dec_finish(f->dec);
    if (rc == 0)
        rc = bk_zd_finish(f->zd);
    if (rc == 0)
        bk_prog_tick(&f->prog, f->bytes, true);
    return rc;
}

static int bk_replay(struct hk_backup *b, const struct hk_backup_info *info,
                     const struct hk_backup_progress *pr, struct hk_err *err)
{
    char pg_restore[4200], psql[4200], path[4400], line[512];
    char *conninfo = NULL, *pw = NULL;
    struct bk_proc rs, sq;
    int rc = bk_pg_program(&b->cfg, "pg_restore", pg_restore,
                           sizeof(pg_restore), err);
    if (rc == 0)
        rc = bk_pg_program(&b->cfg, "psql", psql, sizeof(psql), err);
    if (rc == 0)
        rc = bk_pg_conn(b->db_url, &conninfo, &pw, err);
    if (rc < 0)
        return rc;
    int link[2];
    if (pipe2(link, O_CLOEXEC) < 0) {
        hk_free(conninfo);
        hk_free_secret(pw);
        return hk_err_set(err, HAWK_EIO, NULL, NULL, "cannot create a pipe");
    }
    char *dbarg = hk_asprintf("--dbname=%s", conninfo);
    char *rs_argv[] = {pg_restore, "--no-owner", "--no-acl", "--file=-", NULL};
    char *sq_argv[] = {psql,
                       "-X",
                       "-q",
                       "-v",
                       "ON_ERROR_STOP=1",
                       "--single-transaction",
                       "-c",
                       (char *)BK_PREAMBLE,
                       "-f",
                       "-",
                       dbarg,
                       NULL};
    const char *env[] = {pw, NULL};
    rc = bk_proc_start(&sq, sq_argv, pw != NULL ? env : NULL, link[0], -2, err);
    close(link[0]);
    if (rc == 0) {
        rc = bk_proc_start(&rs, rs_argv, NULL, -1, link[1], err);
        if (rc < 0)
            bk_proc_wait(&sq, true);
    }
    close(link[1]);
    hk_free(dbarg);
    hk_free(conninfo);
    hk_free_secret(pw);
    if (rc < 0)
        return rc;

    struct bk_feed f;
    memset(&f, 0, sizeof(f));
    f.fd = rs.in_fd;
    f.prog = (struct bk_prog){pr, "restore", info->stored_bytes, 0};
    f.zd = bk_zd_new((struct bk_out){bk_feed_pipe, &f});
    if (strcmp(info->encryption, "none") != 0)
        f.dec = bk_dec_new(b->key, (struct bk_out){bk_feed_zd, &f});
    bk_local_path(b, info->file, path, sizeof(path));
    struct hk_err ferr = HK_ERR_INIT;
    int frc = bk_feed_file(&f, path, &ferr);
    bk_zd_free(f.zd);
    bk_dec_free(f.dec);
    /* Closing pg_restore's input on failure makes it stop; psql then sees
     * an incomplete script and an error, and rolls back. */
    int rs_st = bk_proc_wait(&rs, frc < 0);
    int sq_st = bk_proc_wait(&sq, frc < 0 || rs_st != 0);
    if (frc < 0)
        return hk_err_set(err, frc, "backup_corrupt", NULL,
                          "reading backup %s failed (%s): nothing was "
                          "changed",
                          info->name,
                          ferr.msg[0] ? ferr.msg : hawk_strerror(frc));
    /* pg_restore killed by a signal while psql failed is pg_restore
     * writing into a psql that had already stopped (SIGPIPE): psql's
     * error is the cause. */
    if (rs_st != 0 && !(rs_st < 0 && sq_st != 0))
        return hk_err_set(err, HAWK_EIO, NULL, NULL,
                          "pg_restore failed (exit %d): %s; nothing was "
                          "changed",
                          rs_st, bk_proc_err_line(&rs, line, sizeof(line)));
    if (sq_st != 0) {
        bk_proc_err_line(&sq, line, sizeof(line));
        /* A session of a running server that reconnected after ours were
         * ended can hold a lock the replay needs: a deadlock or a lock
         * timeout rolls the replay back, and it may be tried again. */
        bool again = strstr(line, "deadlock detected") != NULL ||
                     strstr(line, "lock timeout") != NULL;
        return hk_err_set(err, again ? HAWK_ECONFLICT : HAWK_EIO, NULL, NULL,
                          "psql failed (exit %d): %s; the transaction was "
                          "rolled back, nothing was changed",
                          sq_st, line);
    }
    return 0;
}

int hk_backup_restore(struct hk_backup *b, const char *name,
                      const struct hk_backup_progress *pr, struct hk_err *err)
{
    struct hk_backup_info info;
    struct hk_buf paused;
    int latest = hk_migrations_count > 0
                     ? hk_migrations[hk_migrations_count - 1].version
                     : 0;
    if (b->db == NULL)
        return hk_err_set(err, HAWK_EUNAVAIL, NULL, NULL, "no database");
    int rc = bk_prepare_local(b, name, &info, pr, err);
    if (rc < 0)
        return rc;
    if (strcmp(info.encryption, "none") != 0 && !b->have_key)
        return hk_err_set(err, HAWK_ECONFIG, NULL, "backup.encryption_key_env",
                          "backup %s is encrypted: set "
                          "backup.encryption_key_env and export the key",
                          name);
    if (info.schema_version > latest)
        return hk_err_set(err, HAWK_ECONFLICT, "schema_newer", NULL,
                          "backup %s has schema migration %d but this hawk "
                          "knows only up to %d: restore it with hawk %s or "
                          "newer",
                          name, info.schema_version, latest, info.hawk_version);
    hk_buf_init(&paused, 1 << 20);
    rc = bk_stop_workers(b, &paused, err);
    for (int attempt = 1; rc == 0 && attempt <= BK_REPLAY_TRIES; attempt++) {
        bk_end_sessions(b);
        hk_log(HAWK_LOG_WARN, "restore: replacing the database with %s", name);
        rc = bk_replay(b, &info, pr, err);
        if (rc != HAWK_ECONFLICT || attempt == BK_REPLAY_TRIES)
            break;
        hk_log(HAWK_LOG_WARN, "restore: %s; trying again (%d of %d)",
               err != NULL ? err->msg : "lock conflict", attempt + 1,
               BK_REPLAY_TRIES);
        hk_err_clear(err);
        rc = 0;
    }
    if (rc < 0) {
        bk_resume_queues(b, hk_buf_str(&paused));
        hk_buf_release(&paused);
        return rc;
    }
    hk_buf_release(&paused);
    int applied = 0;
    rc = hk_migrate_run(b->db, &applied);
    if (rc < 0)
        return hk_err_set(err, rc, NULL, NULL,
                          "backup %s is restored, but applying newer "
                          "migrations failed: run hawk migrate",
                          name);
    bk_end_sessions(b);
    hk_log(HAWK_LOG_INFO,
           "restore: %s restored (schema %d, %d newer migrations applied)",
           name, info.schema_version, applied);
    return 0;
}

int hk_backup_target(struct hk_backup *b, struct hk_backup_target *t,
                     struct hk_err *err)
{
    struct hk_dbconn *c = NULL;
    PGresult *res = NULL;
    memset(t, 0, sizeof(*t));
    t->schema_version = -1;
    int rc = bk_db_facts(b, &t->schema_version, &t->bytes, err);
    if (rc < 0)
        return rc;
    if (hk_db_acquire(b->db, &c) < 0)
        return hk_err_set(err, HAWK_EUNAVAIL, NULL, NULL,
                          "cannot reach the database");
    rc = hk_db_query(
        c,
        "SELECT current_database(), coalesce(inet_server_addr()::text,"
        " current_setting('unix_socket_directories')),"
        " (SELECT count(*) FROM pg_tables WHERE schemaname NOT IN"
        "  ('pg_catalog', 'information_schema'))",
        0, NULL, &res);
    if (rc == 0 && PQntuples(res) == 1) {
        int64_t n = 0;
        hk_strlcpy(t->database, PQgetvalue(res, 0, 0), sizeof(t->database));
        hk_strlcpy(t->where, PQgetvalue(res, 0, 1), sizeof(t->where));
        if (hk_parse_i64(PQgetvalue(res, 0, 2), 0, INT32_MAX, &n) == 0)
            t->tables = (int)n;
    } else if (rc == 0) {
        rc = HAWK_EIO;
    }
    if (rc < 0)
        hk_err_set(err, rc, NULL, NULL, "cannot describe the database: %s",
                   hk_db_errmsg(c));
    PQclear(res);
    hk_db_release(b->db, c);
    return rc;
}
