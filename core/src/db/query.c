/*
 * db/query.c - running statements on a borrowed connection: prepared once
 * per connection and cached by SQL text, errors mapped to HAWK_E* codes
 * and logged without parameter values.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "db/db_int.h"
#include "hawk/plugin.h"
#include "log/log.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/time.h"

/* How much of a statement's text goes into an error log line. */
#define LOG_SQL_MAX 200

/* ---- error mapping ---- */

/* SQLSTATE -> HAWK_E* (see db_int.h).  08P01 (protocol violation) is what
 * the server answers to a wrong parameter count: a caller bug on a
 * healthy connection, not an outage. */
int hk_db_map_error(const char *sqlstate, ConnStatusType st, bool *conn_lost)
{
    *conn_lost = false;
    if (st != CONNECTION_OK) {
        *conn_lost = true;
        return HAWK_EUNAVAIL;
    }
    if (sqlstate == NULL || sqlstate[0] == '\0')
        return HAWK_EINVAL;
    if (strcmp(sqlstate, "23505") == 0)
        return HAWK_ECONFLICT;
    if (strcmp(sqlstate, "08P01") == 0)
        return HAWK_EINVAL;
    if (strncmp(sqlstate, "08", 2) == 0 || strcmp(sqlstate, "57P01") == 0 ||
        strcmp(sqlstate, "57P02") == 0 || strcmp(sqlstate, "57P03") == 0) {
        *conn_lost = true;
        return HAWK_EUNAVAIL;
    }
    if (strcmp(sqlstate, "57014") == 0)
        return HAWK_ETIMEDOUT; /* statement_timeout or cancel */
    if (strncmp(sqlstate, "53", 2) == 0)
        return HAWK_EUNAVAIL; /* server out of disk, memory, connections */
    return HAWK_EINVAL;
}

/* Data exceptions quote the offending input ("invalid input syntax for
 * type integer: \"...\""), and RAISE messages can say anything. */
bool hk_db_msg_may_hold_values(const char *sqlstate)
{
    if (sqlstate == NULL)
        return false;
    return strncmp(sqlstate, "22", 2) == 0 || strncmp(sqlstate, "P0", 2) == 0;
}

static void field_str(struct hk_buf *b, const char *key, const char *val)
{
    if (val == NULL || val[0] == '\0')
        return;
    if (b->len > 1)
        hk_buf_putc(b, ',');
    hk_buf_json_str(b, key, strlen(key));
    hk_buf_putc(b, ':');
    hk_buf_json_str(b, val, strlen(val));
}

/* Logs a failed statement: SQLSTATE, the (constant) SQL text, object
 * names, and the server's message unless it may quote input values. */
static void log_failure(struct hk_dbconn *c, const PGresult *res,
                        const char *sql, int rc)
{
    struct hk_buf b;
    hk_buf_init(&b, 4096);
    hk_buf_putc(&b, '{');
    field_str(&b, "sqlstate", c->sqlstate);
    if (!hk_db_msg_may_hold_values(c->sqlstate))
        field_str(&b, "error", c->errmsg);
    if (res != NULL) {
        field_str(&b, "table", PQresultErrorField(res, PG_DIAG_TABLE_NAME));
        field_str(&b, "column", PQresultErrorField(res, PG_DIAG_COLUMN_NAME));
        field_str(&b, "constraint",
                  PQresultErrorField(res, PG_DIAG_CONSTRAINT_NAME));
        field_str(&b, "datatype",
                  PQresultErrorField(res, PG_DIAG_DATATYPE_NAME));
    }
    char stmt[LOG_SQL_MAX + 4];
    size_t n = strlen(sql);
    if (n > LOG_SQL_MAX) {
        memcpy(stmt, sql, LOG_SQL_MAX);
        memcpy(stmt + LOG_SQL_MAX, "...", 4);
    } else {
        memcpy(stmt, sql, n + 1);
    }
    field_str(&b, "statement", stmt);
    hk_buf_putc(&b, '}');
    /* A unique violation is an expected answer the caller turns into a
     * 409; it is not worth a warning. */
    int level = rc == HAWK_ECONFLICT ? HAWK_LOG_DEBUG : HAWK_LOG_WARN;
    hk_log_fields(level, "sql statement failed", hk_buf_str(&b));
    hk_buf_release(&b);
}

/* Turns a failed (or NULL) result into a code, recording the message and
 * SQLSTATE on c.  Takes ownership of res. */
static int fail(struct hk_dbconn *c, PGresult *res, const char *sql)
{
    const char *state = NULL;
    const char *msg = NULL;
    if (res != NULL) {
        state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
        msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
    }
    if (msg == NULL)
        msg = PQerrorMessage(c->pg);
    bool lost = false;
    int rc = hk_db_map_error(state, PQstatus(c->pg), &lost);
    if (lost) {
        hk_db_conn_mark_broken(c);
        if (state == NULL || state[0] == '\0')
            state = "08006"; /* connection_failure: libpq saw it first */
    }
    hk_db_conn_set_error(c, state, msg);
    log_failure(c, res, sql, rc);
    PQclear(res);
    return rc;
}

static bool result_ok(const PGresult *res)
{
    if (res == NULL)
        return false;
    switch (PQresultStatus(res)) {
    case PGRES_COMMAND_OK:
    case PGRES_TUPLES_OK:
    case PGRES_EMPTY_QUERY:
    case PGRES_COPY_IN: /* the caller drives COPY through hk_db_pg() */
    case PGRES_COPY_OUT:
        return true;
    default:
        return false;
    }
}

static int done(struct hk_dbconn *c, PGresult *res, PGresult **out)
{
    hk_db_conn_set_error(c, "", "");
    if (out != NULL)
        *out = res;
    else
        PQclear(res);
    return 0;
}

static int usable(struct hk_dbconn *c)
{
    if (c == NULL)
        return HAWK_EINVAL;
    if (c->broken || c->pg == NULL || PQstatus(c->pg) != CONNECTION_OK) {
        c->broken = true;
        hk_db_conn_set_error(c, "08003", "database connection lost");
        return HAWK_EUNAVAIL;
    }
    return 0;
}

/* A cached statement the server no longer accepts: its result type
 * changed under it (a migration altered the table) or it was dropped
 * (DEALLOCATE / DISCARD ALL by a caller). */
static bool stale_statement(const PGresult *res)
{
    const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
    if (state == NULL)
        return false;
    return strcmp(state, "0A000") == 0 || strcmp(state, "26000") == 0;
}

/* Drops a stale statement from the cache and, outside a transaction,
 * from the server (inside a failed transaction the server refuses
 * DEALLOCATE; the orphan goes away with the connection). */
static void forget_statement(struct hk_dbconn *c, const char *sql,
                             const char *name, bool on_server)
{
    if (on_server && PQtransactionStatus(c->pg) == PQTRANS_IDLE) {
        char cmd[64];
        snprintf(cmd, sizeof(cmd), "DEALLOCATE %s", name);
        PQclear(PQexec(c->pg, cmd));
    }
    hk_stmt_cache_remove(&c->stmts, sql);
}

/* See db_int.h. */
int hk_db_run(struct hk_dbconn *c, const char *sql, int nparams,
              const char *const *params, const int *lengths, const int *formats,
              int result_format, PGresult **out)
{
    if (out != NULL)
        *out = NULL;
    if (sql == NULL || nparams < 0 || nparams > 65535 ||
        (nparams > 0 && params == NULL) ||
        (result_format != 0 && result_format != 1))
        return HAWK_EINVAL;
    int rc = usable(c);
    if (rc < 0)
        return rc;

    for (int attempt = 0; attempt < 2; attempt++) {
        const struct hk_stmt *st = hk_stmt_cache_find(&c->stmts, sql);
        if (st == NULL) {
            st = hk_stmt_cache_add(&c->stmts, sql);
            if (st == NULL) {
                /* cache full: run unprepared */
                PGresult *res = PQexecParams(c->pg, sql, nparams, NULL, params,
                                             lengths, formats, result_format);
                if (!result_ok(res))
                    return fail(c, res, sql);
                return done(c, res, out);
            }
            char name[sizeof(st->name)];
            memcpy(name, st->name, sizeof(name));
            PGresult *pres = PQprepare(c->pg, name, sql, nparams, NULL);
            if (!result_ok(pres)) {
                hk_stmt_cache_remove(&c->stmts, sql);
                return fail(c, pres, sql);
            }
            PQclear(pres);
            st = hk_stmt_cache_find(&c->stmts, sql);
        }
        char name[sizeof(st->name)];
        memcpy(name, st->name, sizeof(name));
        PGresult *res = PQexecPrepared(c->pg, name, nparams, params, lengths,
                                       formats, result_format);
        if (result_ok(res))
            return done(c, res, out);
        if (res != NULL && attempt == 0 && stale_statement(res)) {
            bool idle = PQtransactionStatus(c->pg) == PQTRANS_IDLE;
            const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
            forget_statement(c, sql, name, strcmp(state, "0A000") == 0);
            if (idle) {
                PQclear(res);
                continue; /* nothing ran: prepare afresh and retry */
            }
        }
        return fail(c, res, sql);
    }
    return HAWK_EINTERNAL; /* not reached */
}

/* Text parameters and results (see db.h). */
int hk_db_query(struct hk_dbconn *c, const char *sql, int nparams,
                const char *const *params, PGresult **out)
{
    return hk_db_run(c, sql, nparams, params, NULL, NULL, 0, out);
}

static bool starts_with_word(const char *s, const char *word)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(word);
    return strncasecmp(s, word, n) == 0 && !isalnum((unsigned char)s[n]) &&
           s[n] != '_';
}

/* Simple-protocol statement; on success hands the result to *out when
 * out is non-NULL. */
static int exec_simple(struct hk_dbconn *c, const char *sql, PGresult **out)
{
    if (out != NULL)
        *out = NULL;
    if (sql == NULL)
        return HAWK_EINVAL;
    int rc = usable(c);
    if (rc < 0)
        return rc;
    PGresult *res = PQexec(c->pg, sql);
    if (!result_ok(res))
        return fail(c, res, sql);
    if (starts_with_word(sql, "LISTEN"))
        c->listening = true;
    return done(c, res, out);
}

/* Runs a constant statement without parameters.  0 or a code as for
 * hk_db_query(). */
int hk_db_exec(struct hk_dbconn *c, const char *sql)
{
    return exec_simple(c, sql, NULL);
}

/* BEGIN: 0 or a code as for hk_db_query(). */
int hk_db_begin(struct hk_dbconn *c)
{
    return exec_simple(c, "BEGIN", NULL);
}

/* COMMIT.  A transaction that already failed answers COMMIT with
 * "ROLLBACK" and no error; report that as HAWK_EINVAL so a caller cannot
 * mistake a rolled-back transaction for a committed one. */
int hk_db_commit(struct hk_dbconn *c)
{
    PGresult *res = NULL;
    int rc = exec_simple(c, "COMMIT", &res);
    if (rc < 0)
        return rc;
    bool rolled_back = strcmp(PQcmdStatus(res), "ROLLBACK") == 0;
    PQclear(res);
    if (rolled_back) {
        hk_db_conn_set_error(c, "25P02",
                             "transaction rolled back: an earlier statement "
                             "in it failed");
        hk_warn("commit turned into rollback: an earlier statement in the "
                "transaction failed");
        return HAWK_EINVAL;
    }
    return 0;
}

/* ROLLBACK: 0 or a code as for hk_db_query(). */
int hk_db_rollback(struct hk_dbconn *c)
{
    return exec_simple(c, "ROLLBACK", NULL);
}

/* Borrowed until the next statement on c; "" when the last one
 * succeeded. */
const char *hk_db_errmsg(struct hk_dbconn *c)
{
    return c != NULL ? c->errmsg : "";
}

/* Borrowed like hk_db_errmsg(). */
const char *hk_db_sqlstate(struct hk_dbconn *c)
{
    return c != NULL ? c->sqlstate : "";
}

/* One "SELECT 1" round trip on a pooled connection.  A connection that
 * turns out dead is dropped and the ping retried once on a fresh one, so
 * a server restart shows as a slow ping, not a failed one. */
int hk_db_ping(struct hk_db *db, double *rtt_ms)
{
    int rc = HAWK_EUNAVAIL;
    for (int attempt = 0; attempt < 2; attempt++) {
        struct hk_dbconn *c = NULL;
        rc = hk_db_acquire(db, &c);
        if (rc < 0)
            return rc;
        int64_t t0 = hk_mono_us();
        rc = exec_simple(c, "SELECT 1", NULL);
        int64_t t1 = hk_mono_us();
        hk_db_release(db, c);
        if (rc == 0) {
            if (rtt_ms != NULL)
                *rtt_ms = (double)(t1 - t0) / 1000.0;
            return 0;
        }
        if (rc != HAWK_EUNAVAIL)
            return rc;
    }
    return rc;
}
