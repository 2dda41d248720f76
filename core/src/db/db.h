/*
 * db/db.h - PostgreSQL access: a thread-safe connection pool over libpq
 * that reconnects after the server restarts, parameterized queries with a
 * per-connection prepared-statement cache, the embedded cluster, and
 * migrations.
 *
 * Every statement is parameterized: SQL text is a compile-time constant,
 * values go through `params`.  Never build SQL from input.
 */
#ifndef HK_DB_H
#define HK_DB_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hk_db;     /* the pool */
struct hk_dbconn; /* one pooled connection */

struct hk_db_opts {
    const char *url;            /* libpq conninfo or URI */
    int pool_size;              /* max connections (default 8) */
    int64_t acquire_timeout_ms; /* wait for a free connection (5000) */
    int64_t connect_timeout_ms; /* per connection attempt (3000) */
};

/* Creates the pool; does not require the server to be up (connections
 * are made on demand).  Caller frees with hk_db_close(). */
int hk_db_open(const struct hk_db_opts *o, struct hk_db **out);
void hk_db_close(struct hk_db *db);

/* Borrows a connection, connecting (or reconnecting a broken one) as
 * needed.  Returns 0, HAWK_EUNAVAIL (server unreachable) or
 * HAWK_ETIMEDOUT (pool exhausted).  Give it back with hk_db_release(). */
int hk_db_acquire(struct hk_db *db, struct hk_dbconn **out);
/* Returns the connection; one left inside a transaction is rolled back,
 * a broken one is closed. */
void hk_db_release(struct hk_db *db, struct hk_dbconn *c);

/* The raw libpq handle, borrowed while the connection is acquired. */
PGconn *hk_db_pg(struct hk_dbconn *c);

/* Runs a parameterized statement (prepared once per connection and
 * cached by text).  params[i] NULL means SQL NULL.  On success returns 0
 * and *out (caller PQclear()s it; may pass out=NULL to discard).  Errors:
 * HAWK_EUNAVAIL (connection lost, SQLSTATE class 08 or 57P01-03; the
 * connection is then dropped at release; also class 53, server out of
 * resources), HAWK_ECONFLICT (unique violation, SQLSTATE 23505),
 * HAWK_ETIMEDOUT (57014, statement_timeout), HAWK_EINVAL (other SQL error;
 * SQLSTATE and message logged, parameter values never, and kept in
 * hk_db_errmsg()/hk_db_sqlstate()). */
int hk_db_query(struct hk_dbconn *c, const char *sql, int nparams,
                const char *const *params, PGresult **out);
/* Binary parameters (bytea) and binary results go through the typed
 * builder instead (db/params.h: hk_db_param_bytes, result_format). */
/* Plain statement without parameters (BEGIN, COMMIT, LISTEN x...). */
int hk_db_exec(struct hk_dbconn *c, const char *sql);
int hk_db_begin(struct hk_dbconn *c);
int hk_db_commit(struct hk_dbconn *c);
int hk_db_rollback(struct hk_dbconn *c);
/* Last error text / SQLSTATE on this connection ("" when none). */
const char *hk_db_errmsg(struct hk_dbconn *c);
const char *hk_db_sqlstate(struct hk_dbconn *c);

/* Round trip "SELECT 1": 0 with rtt in ms, or HAWK_EUNAVAIL. */
int hk_db_ping(struct hk_db *db, double *rtt_ms);

/* Pool figures for health output: open connections and idle ones. */
void hk_db_stats(struct hk_db *db, int *total, int *idle);
/* Why the last connection attempt failed (libpq's message, one line;
 * "" after a success), copied into buf.  For health output and CLI
 * errors; holds no password. */
void hk_db_last_error(struct hk_db *db, char *buf, size_t n);

/* ---- migrations (db/migrate.c; SQL files in db/migrations/) ---- */

/* Applies pending migrations in order, each in its own transaction,
 * recorded in schema_migrations; concurrent callers serialize on an
 * advisory lock.  *applied (may be NULL) gets the count applied. */
int hk_migrate_run(struct hk_db *db, int *applied);
/* Number of migrations compiled in but not applied. */
int hk_migrate_pending(struct hk_db *db, int *pending);

struct hk_migration;
/* The same for an explicit list (sorted by version, versions unique),
 * e.g. a test's own migrations.  The list is borrowed. */
int hk_migrate_run_list(struct hk_db *db, const struct hk_migration *list,
                        size_t n, int *applied);
int hk_migrate_pending_list(struct hk_db *db, const struct hk_migration *list,
                            size_t n, int *pending);

/* ---- embedded cluster (db/embedded.c) ---- */
struct hk_pg_embedded;

struct hk_pg_embedded_opts {
    const char *data_dir; /* hawk's data dir; the cluster lives in <dir>/pg */
    const char *run_as;   /* user to run as when root (default "hawk") */
    const char *bindir;   /* PostgreSQL bin dir; NULL: auto-detect */
    bool adopt; /* take over a running cluster whose owner has exited */
};

/* initdb on first use, then pg_ctl start on a private Unix socket (no TCP).
 * Handles a stale postmaster.pid after a crash.  A cluster that is
 * already running is used as it is; this process then stops it only when
 * it has taken it over (o->adopt and its owner has exited).  On success
 * *out is freed by hk_pg_embedded_stop() and *url_out is the conninfo
 * to use (caller frees with hk_free).  Errors name the step and the
 * fix. */
int hk_pg_embedded_start(const struct hk_pg_embedded_opts *o,
                         struct hk_pg_embedded **out, char **url_out, char *err,
                         size_t errlen);
/* Supervises the postmaster from a thread of its own: when it dies and
 * no other live hawk owns the cluster, starts it again (taking it over),
 * logs it and calls on_restart(ctx) from that thread.  Stopped by
 * hk_pg_embedded_stop().  0 or HAWK_EIO (no thread). */
int hk_pg_embedded_watch(struct hk_pg_embedded *pg, void (*on_restart)(void *),
                         void *ctx);

/* Stops the supervisor, then pg_ctl stop -m fast when this process owns
 * the cluster (else it keeps running for its owner); frees.  Accepts
 * NULL. */
void hk_pg_embedded_stop(struct hk_pg_embedded *pg);

/* Logs a server notice or message libpq received outside a query (a
 * FATAL on shutdown, "relation already exists, skipping") as one JSON
 * log record instead of a raw line on stderr: a libpq notice processor
 * (PQsetNoticeProcessor(conn, hk_db_notice_to_log, NULL)). */
void hk_db_notice_to_log(void *arg, const char *message);

#endif
