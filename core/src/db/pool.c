/*
 * db/pool.c - the connection pool.
 *
 * Connections are made on demand up to pool_size.  A borrower waits on a
 * condition variable (monotonic clock) for at most acquire_timeout.  A
 * pooled connection is checked before it is handed out: libpq reports
 * CONNECTION_OK for a socket whose server has gone until it tries to use
 * it, so the check also polls the socket and reads whatever the server
 * sent while the connection sat idle (a FATAL from a shutdown, or EOF).
 * That makes the first use after a server restart reconnect instead of
 * failing.
 */
#include <errno.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "db/db_int.h"
#include "hawk/plugin.h"
#include "log/log.h"
#include "util/alloc.h"
#include "util/str.h"
#include "util/time.h"

#define DEFAULT_POOL_SIZE 8
#define MAX_POOL_SIZE 1000
#define DEFAULT_ACQUIRE_MS 5000
#define DEFAULT_CONNECT_MS 3000
/* Connection failures are logged at most this often per pool, so an
 * outage under load does not flood the log. */
#define CONNECT_WARN_EVERY_MS 5000

static _Atomic int64_t last_connect_warn_ms;

/* ---- connection helpers ---- */

/* See db.h.  libpq's default processor writes these to stderr, outside
 * the JSON log.  A FATAL (the server shutting down or restarting under
 * an idle connection) is worth an info record; notices stay debug. */
void hk_db_notice_to_log(void *arg, const char *message)
{
    (void)arg;
    char line[512];
    hk_strlcpy(line, message, sizeof(line));
    size_t n = strlen(line);
    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
        line[--n] = '\0';
    if (strncmp(line, "FATAL:", 6) == 0 || strncmp(line, "PANIC:", 6) == 0)
        hk_info("postgres: %s", line);
    else
        hk_debug("postgres notice: %s", line);
}

/* Copies a libpq message as one line: its line breaks and the tabs that
 * indent its hints become single spaces. */
static void copy_msg(char *dst, size_t n, const char *msg)
{
    size_t j = 0;
    bool space = false;
    for (const char *p = msg != NULL ? msg : ""; *p != '\0' && j + 1 < n; p++) {
        if (*p == '\n' || *p == '\r' || *p == '\t' || *p == ' ') {
            space = j > 0;
            continue;
        }
        if (space && j + 2 < n)
            dst[j++] = ' ';
        space = false;
        dst[j++] = *p;
    }
    dst[j] = '\0';
}

/* Records the error text and SQLSTATE of the last failure on c. */
void hk_db_conn_set_error(struct hk_dbconn *c, const char *sqlstate,
                          const char *msg)
{
    hk_strlcpy(c->sqlstate, sqlstate != NULL ? sqlstate : "",
               sizeof(c->sqlstate));
    copy_msg(c->errmsg, sizeof(c->errmsg), msg);
}

/* Flags c so that release closes it instead of pooling it. */
void hk_db_conn_mark_broken(struct hk_dbconn *c)
{
    c->broken = true;
}

static void conn_close_pg(struct hk_dbconn *c)
{
    if (c->pg != NULL)
        PQfinish(c->pg);
    c->pg = NULL;
    c->broken = false;
    c->listening = false;
    hk_stmt_cache_clear(&c->stmts);
}

static void conn_free(struct hk_dbconn *c)
{
    conn_close_pg(c);
    hk_free(c);
}

static void drain_notifies(PGconn *pg)
{
    PGnotify *n = PQnotifies(pg);
    while (n != NULL) {
        PQfreemem(n);
        n = PQnotifies(pg);
    }
}

/* Opens c->pg.  connect_timeout and application_name come before the
 * expanded dbname so a URL that sets them explicitly wins. */
static int conn_open(struct hk_db *db, struct hk_dbconn *c)
{
    char timeout[24];
    int64_t secs = (db->connect_timeout_ms + 999) / 1000;
    if (secs < 2)
        secs = 2; /* libpq's minimum; 1 would silently become 2 */
    snprintf(timeout, sizeof(timeout), "%lld", (long long)secs);
    const char *keys[] = {"application_name", "connect_timeout", "dbname",
                          NULL};
    const char *vals[] = {"hawk", timeout, db->url, NULL};

    PGconn *pg = PQconnectdbParams(keys, vals, 1);
    if (pg == NULL || PQstatus(pg) != CONNECTION_OK) {
        hk_db_conn_set_error(c, "08006",
                             pg != NULL ? PQerrorMessage(pg) : "out of memory");
        pthread_mutex_lock(&db->mu);
        hk_strlcpy(db->last_error, c->errmsg, sizeof(db->last_error));
        pthread_mutex_unlock(&db->mu);
        int64_t now = hk_mono_ms();
        int64_t last = atomic_load(&last_connect_warn_ms);
        if (last == 0 || now - last >= CONNECT_WARN_EVERY_MS) {
            atomic_store(&last_connect_warn_ms, now);
            hk_warn("cannot connect to the database: %s", c->errmsg);
        }
        if (pg != NULL)
            PQfinish(pg);
        return HAWK_EUNAVAIL;
    }
    PQsetNoticeProcessor(pg, hk_db_notice_to_log, NULL);
    pthread_mutex_lock(&db->mu);
    db->last_error[0] = '\0';
    pthread_mutex_unlock(&db->mu);
    hk_stmt_cache_clear(&c->stmts);
    c->pg = pg;
    c->broken = false;
    c->listening = false;
    hk_db_conn_set_error(c, "", "");
    return 0;
}

/* True when a pooled connection can be handed out as is.  Reads anything
 * the server sent while idle: a shutdown FATAL arrives as a message
 * followed by EOF, so loop until the socket is quiet or the connection
 * is known dead. */
static bool conn_healthy(struct hk_dbconn *c)
{
    if (c->broken || c->pg == NULL || PQstatus(c->pg) != CONNECTION_OK)
        return false;
    for (int i = 0; i < 8; i++) {
        struct pollfd p = {.fd = PQsocket(c->pg), .events = POLLIN};
        if (p.fd < 0)
            return false;
        int r = poll(&p, 1, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return false;
        if (r == 0)
            break;
        if (p.revents & (POLLERR | POLLNVAL))
            return false;
        if (!PQconsumeInput(c->pg) || PQstatus(c->pg) != CONNECTION_OK)
            return false;
        if (p.revents & POLLHUP)
            return false;
    }
    drain_notifies(c->pg);
    return PQtransactionStatus(c->pg) == PQTRANS_IDLE;
}

/* ---- the pool ---- */

/* Creates the pool from o (url copied).  Caller frees with hk_db_close().
 * HAWK_EINVAL for a missing url or out-of-range sizes. */
int hk_db_open(const struct hk_db_opts *o, struct hk_db **out)
{
    if (out == NULL)
        return HAWK_EINVAL;
    *out = NULL;
    if (o == NULL || o->url == NULL || o->url[0] == '\0')
        return HAWK_EINVAL;
    if (o->pool_size < 0 || o->pool_size > MAX_POOL_SIZE ||
        o->acquire_timeout_ms < 0 || o->connect_timeout_ms < 0)
        return HAWK_EINVAL;

    struct hk_db *db = hk_calloc(1, sizeof(*db));
    db->url = hk_strdup(o->url);
    db->pool_size = o->pool_size > 0 ? o->pool_size : DEFAULT_POOL_SIZE;
    db->acquire_timeout_ms =
        o->acquire_timeout_ms > 0 ? o->acquire_timeout_ms : DEFAULT_ACQUIRE_MS;
    db->connect_timeout_ms =
        o->connect_timeout_ms > 0 ? o->connect_timeout_ms : DEFAULT_CONNECT_MS;

    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&db->cv, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_init(&db->mu, NULL);
    *out = db;
    return 0;
}

/* Closes every idle connection and frees the pool.  All borrowed
 * connections must have been released first (a leftover one is logged
 * and leaked rather than closed under its borrower).  Accepts NULL. */
void hk_db_close(struct hk_db *db)
{
    if (db == NULL)
        return;
    pthread_mutex_lock(&db->mu);
    struct hk_dbconn *c = db->idle;
    db->idle = NULL;
    int borrowed = db->total - db->n_idle;
    pthread_mutex_unlock(&db->mu);
    while (c != NULL) {
        struct hk_dbconn *next = c->next;
        conn_free(c);
        c = next;
    }
    if (borrowed > 0)
        hk_warn("database pool closed with %d connection(s) still borrowed",
                borrowed);
    pthread_cond_destroy(&db->cv);
    pthread_mutex_destroy(&db->mu);
    hk_free_secret(db->url);
    hk_free(db);
}

static struct timespec deadline_after(int64_t ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_sec += (time_t)(ms / 1000);
    ts.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    return ts;
}

/* Gives back a slot whose connection could not be made. */
static void slot_lost(struct hk_db *db)
{
    pthread_mutex_lock(&db->mu);
    db->total--;
    pthread_cond_signal(&db->cv);
    pthread_mutex_unlock(&db->mu);
}

/* Borrows a connection (see db.h).  Thread-safe.  *out is set to NULL on
 * failure. */
int hk_db_acquire(struct hk_db *db, struct hk_dbconn **out)
{
    if (out == NULL)
        return HAWK_EINVAL;
    *out = NULL;
    if (db == NULL)
        return HAWK_EINVAL;

    struct timespec deadline = deadline_after(db->acquire_timeout_ms);
    struct hk_dbconn *c = NULL;
    bool fresh = false;

    pthread_mutex_lock(&db->mu);
    for (;;) {
        if (db->idle != NULL) {
            c = db->idle;
            db->idle = c->next;
            c->next = NULL;
            db->n_idle--;
            break;
        }
        if (db->total < db->pool_size) {
            db->total++;
            fresh = true;
            break;
        }
        int rc = pthread_cond_timedwait(&db->cv, &db->mu, &deadline);
        if (rc == ETIMEDOUT && db->idle == NULL && db->total >= db->pool_size) {
            pthread_mutex_unlock(&db->mu);
            hk_warn("no database connection free after %lld ms "
                    "(pool_size %d): raise database.pool_size or find "
                    "the code holding connections",
                    (long long)db->acquire_timeout_ms, db->pool_size);
            return HAWK_ETIMEDOUT;
        }
    }
    pthread_mutex_unlock(&db->mu);

    if (fresh) {
        c = hk_calloc(1, sizeof(*c));
        hk_stmt_cache_init(&c->stmts);
    } else if (conn_healthy(c)) {
        hk_db_conn_set_error(c, "", "");
        *out = c;
        return 0;
    } else {
        hk_debug("pooled database connection is dead, reconnecting");
        conn_close_pg(c);
    }

    int rc = conn_open(db, c);
    if (rc < 0) {
        conn_free(c);
        slot_lost(db);
        return rc;
    }
    *out = c;
    return 0;
}

/* Returns c to the pool, first ending whatever the borrower left behind:
 * an open transaction is rolled back, LISTENs are dropped, queued
 * notifications discarded.  A connection in an unknown state is closed.
 * Accepts NULL. */
void hk_db_release(struct hk_db *db, struct hk_dbconn *c)
{
    if (c == NULL)
        return;
    if (!c->broken && c->pg != NULL && PQstatus(c->pg) == CONNECTION_OK) {
        PGTransactionStatusType ts = PQtransactionStatus(c->pg);
        if (ts == PQTRANS_INTRANS || ts == PQTRANS_INERROR) {
            PGresult *r = PQexec(c->pg, "ROLLBACK");
            if (PQresultStatus(r) != PGRES_COMMAND_OK)
                c->broken = true;
            PQclear(r);
            hk_debug("rolled back a transaction left open on release");
        } else if (ts != PQTRANS_IDLE) {
            c->broken = true; /* a query still running, or unknown */
        }
        if (!c->broken && c->listening) {
            PGresult *r = PQexec(c->pg, "UNLISTEN *");
            if (PQresultStatus(r) != PGRES_COMMAND_OK)
                c->broken = true;
            PQclear(r);
            c->listening = false;
        }
        if (!c->broken)
            drain_notifies(c->pg);
    } else {
        c->broken = true;
    }
    hk_db_conn_set_error(c, "", "");

    if (c->broken) {
        conn_free(c);
        slot_lost(db);
        return;
    }
    pthread_mutex_lock(&db->mu);
    c->next = db->idle;
    db->idle = c;
    db->n_idle++;
    pthread_cond_signal(&db->cv);
    pthread_mutex_unlock(&db->mu);
}

/* The libpq handle of a borrowed connection (borrowed, valid until
 * release).  Callers that use it directly must leave it idle. */
PGconn *hk_db_pg(struct hk_dbconn *c)
{
    return c != NULL ? c->pg : NULL;
}

/* Connections open or being opened, and how many of them are idle.
 * Either out pointer may be NULL.  Thread-safe. */
void hk_db_stats(struct hk_db *db, int *total, int *idle)
{
    int t = 0, i = 0;
    if (db != NULL) {
        pthread_mutex_lock(&db->mu);
        t = db->total;
        i = db->n_idle;
        pthread_mutex_unlock(&db->mu);
    }
    if (total != NULL)
        *total = t;
    if (idle != NULL)
        *idle = i;
}

/* Copies the message of the last failed connection attempt ("" when the
 * last attempt worked) into buf.  Thread-safe. */
void hk_db_last_error(struct hk_db *db, char *buf, size_t n)
{
    if (n == 0)
        return;
    buf[0] = '\0';
    if (db == NULL)
        return;
    pthread_mutex_lock(&db->mu);
    hk_strlcpy(buf, db->last_error, n);
    pthread_mutex_unlock(&db->mu);
}
