/*
 * db/db_int.h - internals shared by the files of the db module (pool.c,
 * query.c, stmt_cache.c, migrate.c).  Nothing outside core/src/db includes
 * this except the db tests.
 */
#ifndef HK_DB_INT_H
#define HK_DB_INT_H

#include <libpq-fe.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db/db.h"

/* ---- the one statement runner (query.c) ---- */

/* Runs sql with parameters: the engine under hk_db_query() (text
 * parameters, text results) and hk_db_params_run() (typed parameters,
 * lengths, formats).  lengths/formats may be NULL (all text);
 * result_format 0 text, 1 binary (every column).  Errors as for
 * hk_db_query(); HAWK_EINVAL for bad arguments.  On success *out (if out
 * is non-NULL) gets the result, which the caller PQclear()s. */
int hk_db_run(struct hk_dbconn *c, const char *sql, int nparams,
              const char *const *params, const int *lengths, const int *formats,
              int result_format, PGresult **out);

/* ---- prepared-statement cache (stmt_cache.c) ---- */

/* One prepared statement: the SQL text it was prepared from and the
 * server-side name ("s<N>"). */
struct hk_stmt {
    char *sql; /* owned */
    uint64_t hash;
    char name[24];
};

/* Open-addressing hash table keyed by SQL text.  Owned by one connection
 * and touched only by the thread holding that connection. */
struct hk_stmt_cache {
    struct hk_stmt *slots; /* cap entries; sql == NULL means empty */
    size_t cap;            /* power of two, 0 before the first insert */
    size_t count;
    uint64_t next_id; /* for the next name; restarts at 1 on clear */
};

/* Past this many statements new SQL is run unprepared (PQexecParams), so
 * a caller that generates unbounded distinct SQL cannot grow the server's
 * memory without limit. */
#define HK_STMT_CACHE_MAX 1024

void hk_stmt_cache_init(struct hk_stmt_cache *sc);
/* Forgets every statement (the server side is gone with the old
 * connection, or is dropped by the caller). */
void hk_stmt_cache_clear(struct hk_stmt_cache *sc);
/* The statement prepared from sql, or NULL.  Borrowed until the next
 * insert, remove or clear. */
const struct hk_stmt *hk_stmt_cache_find(const struct hk_stmt_cache *sc,
                                         const char *sql);
/* Adds sql with a fresh name and returns the entry (borrowed as above), or
 * NULL when the cache is full (HK_STMT_CACHE_MAX). */
const struct hk_stmt *hk_stmt_cache_add(struct hk_stmt_cache *sc,
                                        const char *sql);
/* Removes sql if present. */
void hk_stmt_cache_remove(struct hk_stmt_cache *sc, const char *sql);

/* ---- connections and the pool (pool.c) ---- */

struct hk_dbconn {
    PGconn *pg;     /* NULL when not connected */
    bool broken;    /* drop and reconnect at the next acquire */
    bool listening; /* ran LISTEN: UNLISTEN * on release */
    struct hk_stmt_cache stmts;
    char sqlstate[6];
    char errmsg[512];
    struct hk_dbconn *next; /* idle list link */
};

struct hk_db {
    char *url; /* owned; may hold a password, never logged */
    int pool_size;
    int64_t acquire_timeout_ms;
    int64_t connect_timeout_ms;
    pthread_mutex_t mu;
    pthread_cond_t cv;      /* signalled when a slot or conn frees up */
    struct hk_dbconn *idle; /* guarded by mu */
    int total;              /* connections existing or being made */
    int n_idle;
    char last_error[512]; /* last failed connection attempt; mu */
};

/* Marks c broken so hk_db_release() closes it and the next acquire makes
 * a new connection. */
void hk_db_conn_mark_broken(struct hk_dbconn *c);
/* Records an error on c (message copied, truncated). */
void hk_db_conn_set_error(struct hk_dbconn *c, const char *sqlstate,
                          const char *msg);

/* ---- error mapping (query.c) ---- */

/* The HAWK_E* code for a failed statement with this SQLSTATE (NULL or ""
 * when libpq produced the error itself) on a connection whose PQstatus
 * is `st`.  *conn_lost is set when the connection must be dropped. */
int hk_db_map_error(const char *sqlstate, ConnStatusType st, bool *conn_lost);

/* True when messages of this SQLSTATE may echo input values (data
 * exceptions, user-raised errors) and so must not be logged. */
bool hk_db_msg_may_hold_values(const char *sqlstate);

#endif
