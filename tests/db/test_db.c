/*
 * tests/db/test_db.c - the pool, queries and migrations against a real
 * PostgreSQL ($HAWK_TEST_DATABASE_URL).  Every run works in databases of
 * its own (created here, dropped at the end) so parallel tests sharing
 * the server never see each other's tables.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db/db.h"
#include "db/db_int.h"
#include "db/migrations.h"
#include "db/params.h"
#include "hawk/plugin.h"
#include "log/log.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/time.h"

static const char *base_url;
static char made_dbs[8][64];
static int n_made;

/* ---- helpers ---- */

static void quiet(void *arg, const char *msg)
{
    (void)arg;
    (void)msg;
}

static PGconn *admin_conn(void)
{
    PGconn *c = PQconnectdb(base_url);
    if (PQstatus(c) != CONNECTION_OK)
        fail_msg("cannot connect to %s: %s", base_url, PQerrorMessage(c));
    PQsetNoticeProcessor(c, quiet, NULL);
    return c;
}

static void admin_exec(const char *sql)
{
    PGconn *c = admin_conn();
    PGresult *r = PQexec(c, sql);
    if (PQresultStatus(r) != PGRES_COMMAND_OK &&
        PQresultStatus(r) != PGRES_TUPLES_OK)
        fail_msg("%s: %s", sql, PQerrorMessage(c));
    PQclear(r);
    PQfinish(c);
}

/* Creates a private database; returns its conninfo (caller frees). */
static char *make_db(const char *suffix)
{
    assert_true(n_made < 8);
    char *name = made_dbs[n_made++];
    snprintf(name, 64, "hk_test_db_%ld_%s", (long)getpid(), suffix);
    char *sql = hk_asprintf("DROP DATABASE IF EXISTS %s", name);
    admin_exec(sql);
    hk_free(sql);
    sql = hk_asprintf("CREATE DATABASE %s", name);
    admin_exec(sql);
    hk_free(sql);
    return hk_asprintf("%s dbname=%s", base_url, name);
}

static struct hk_db *open_pool(const char *url, int size, int64_t acq_ms)
{
    struct hk_db_opts o = {
        .url = url, .pool_size = size, .acquire_timeout_ms = acq_ms};
    struct hk_db *db = NULL;
    assert_int_equal(hk_db_open(&o, &db), 0);
    assert_non_null(db);
    return db;
}

/* First column of the first row of a parameterless query. */
static char *scalar(struct hk_dbconn *c, const char *sql)
{
    PGresult *r = NULL;
    int rc = hk_db_query(c, sql, 0, NULL, &r);
    if (rc != 0)
        fail_msg("%s: %d %s", sql, rc, hk_db_errmsg(c));
    assert_int_equal(PQntuples(r), 1);
    char *v = hk_strdup(PQgetvalue(r, 0, 0));
    PQclear(r);
    return v;
}

static long scalar_long(struct hk_dbconn *c, const char *sql)
{
    char *v = scalar(c, sql);
    long x = strtol(v, NULL, 10);
    hk_free(v);
    return x;
}

/* Log capture, to check what error lines contain. */
static struct hk_buf logbuf;

static void sink(void *opaque, const char *line, size_t len)
{
    (void)opaque;
    hk_buf_append(&logbuf, line, len);
}

static int group_setup(void **state)
{
    (void)state;
    base_url = getenv("HAWK_TEST_DATABASE_URL");
    if (base_url == NULL || base_url[0] == '\0') {
        fprintf(stderr, "HAWK_TEST_DATABASE_URL is not set\n");
        return -1;
    }
    hk_buf_init(&logbuf, 1 << 20);
    hk_log_set_sink(sink, NULL);
    hk_log_set_level(HAWK_LOG_DEBUG);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    for (int i = 0; i < n_made; i++) {
        char *sql =
            hk_asprintf("DROP DATABASE IF EXISTS %s WITH (FORCE)", made_dbs[i]);
        admin_exec(sql);
        hk_free(sql);
    }
    hk_log_set_sink(NULL, NULL);
    hk_buf_release(&logbuf);
    return 0;
}

static char *main_url;

static struct hk_db *main_pool(int size, int64_t acq_ms)
{
    if (main_url == NULL)
        main_url = make_db("main");
    return open_pool(main_url, size, acq_ms);
}

/* ---- pool ---- */

static void test_open_rejects_bad_options(void **state)
{
    (void)state;
    struct hk_db *db = (struct hk_db *)1;
    struct hk_db_opts o = {.url = NULL};
    assert_int_equal(hk_db_open(&o, &db), HAWK_EINVAL);
    assert_null(db);
    o.url = "";
    assert_int_equal(hk_db_open(&o, &db), HAWK_EINVAL);
    o.url = base_url;
    o.pool_size = -1;
    assert_int_equal(hk_db_open(&o, &db), HAWK_EINVAL);
    o.pool_size = 2;
    o.acquire_timeout_ms = -5;
    assert_int_equal(hk_db_open(&o, &db), HAWK_EINVAL);
    assert_int_equal(hk_db_open(NULL, &db), HAWK_EINVAL);
    assert_int_equal(hk_db_open(&o, NULL), HAWK_EINVAL);
}

static void test_acquire_release_reuses(void **state)
{
    (void)state;
    struct hk_db *db = main_pool(2, 1000);
    int total = -1, idle = -1;
    hk_db_stats(db, &total, &idle);
    assert_int_equal(total, 0);
    assert_int_equal(idle, 0);

    struct hk_dbconn *c = NULL;
    assert_int_equal(hk_db_acquire(db, &c), 0);
    assert_non_null(hk_db_pg(c));
    long pid1 = scalar_long(c, "SELECT pg_backend_pid()");
    char *app = scalar(c, "SELECT current_setting('application_name')");
    assert_string_equal(app, "hawk");
    hk_free(app);
    hk_db_stats(db, &total, &idle);
    assert_int_equal(total, 1);
    assert_int_equal(idle, 0);
    hk_db_release(db, c);
    hk_db_stats(db, &total, &idle);
    assert_int_equal(total, 1);
    assert_int_equal(idle, 1);

    assert_int_equal(hk_db_acquire(db, &c), 0);
    assert_int_equal(scalar_long(c, "SELECT pg_backend_pid()"), pid1);
    struct hk_dbconn *c2 = NULL;
    assert_int_equal(hk_db_acquire(db, &c2), 0);
    assert_ptr_not_equal(c, c2);
    assert_int_not_equal(scalar_long(c2, "SELECT pg_backend_pid()"), pid1);
    hk_db_stats(db, &total, &idle);
    assert_int_equal(total, 2);
    assert_int_equal(idle, 0);
    hk_db_release(db, c);
    hk_db_release(db, c2);
    hk_db_release(db, NULL); /* accepted */
    hk_db_close(db);
}

static void test_acquire_timeout(void **state)
{
    (void)state;
    struct hk_db *db = main_pool(1, 200);
    struct hk_dbconn *c = NULL, *c2 = (struct hk_dbconn *)1;
    assert_int_equal(hk_db_acquire(db, &c), 0);
    int64_t t0 = hk_mono_ms();
    assert_int_equal(hk_db_acquire(db, &c2), HAWK_ETIMEDOUT);
    int64_t took = hk_mono_ms() - t0;
    assert_null(c2);
    assert_true(took >= 190);
    assert_true(took < 2000);
    hk_db_release(db, c);
    assert_int_equal(hk_db_acquire(db, &c2), 0);
    assert_ptr_equal(c, c2);
    hk_db_release(db, c2);
    hk_db_close(db);
}

struct holder {
    struct hk_db *db;
    struct hk_dbconn *c;
    int64_t hold_ms;
};

static void *hold_then_release(void *arg)
{
    struct holder *h = arg;
    hk_sleep_ms(h->hold_ms);
    hk_db_release(h->db, h->c);
    return NULL;
}

static void test_waiter_gets_released_connection(void **state)
{
    (void)state;
    struct hk_db *db = main_pool(1, 5000);
    struct holder h = {.db = db, .hold_ms = 150};
    assert_int_equal(hk_db_acquire(db, &h.c), 0);
    pthread_t t;
    pthread_create(&t, NULL, hold_then_release, &h);
    int64_t t0 = hk_mono_ms();
    struct hk_dbconn *c = NULL;
    assert_int_equal(hk_db_acquire(db, &c), 0);
    int64_t took = hk_mono_ms() - t0;
    assert_true(took >= 100);
    assert_true(took < 3000);
    pthread_join(t, NULL);
    hk_db_release(db, c);
    hk_db_close(db);
}

#define N_THREADS 8
#define N_ITERS 40
#define POOL 3

struct worker {
    struct hk_db *db;
    atomic_int *in_use;
    atomic_int *max_in_use;
    int failures;
};

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    for (int i = 0; i < N_ITERS; i++) {
        struct hk_dbconn *c = NULL;
        if (hk_db_acquire(w->db, &c) != 0) {
            w->failures++;
            continue;
        }
        int now = atomic_fetch_add(w->in_use, 1) + 1;
        int prev = atomic_load(w->max_in_use);
        while (now > prev &&
               !atomic_compare_exchange_weak(w->max_in_use, &prev, now))
            ;
        char v[16];
        snprintf(v, sizeof(v), "%d", i);
        const char *p[] = {v};
        if (hk_db_begin(c) != 0 ||
            hk_db_query(c, "INSERT INTO t_conc (v) VALUES ($1)", 1, p, NULL) !=
                0 ||
            hk_db_commit(c) != 0)
            w->failures++;
        atomic_fetch_sub(w->in_use, 1);
        hk_db_release(w->db, c);
    }
    return NULL;
}

static void test_concurrent_threads_share_small_pool(void **state)
{
    (void)state;
    struct hk_db *db = main_pool(POOL, 20000);
    struct hk_dbconn *c = NULL;
    assert_int_equal(hk_db_acquire(db, &c), 0);
    assert_int_equal(hk_db_exec(c, "CREATE TABLE t_conc (v int)"), 0);
    hk_db_release(db, c);

    atomic_int in_use = 0, max_in_use = 0;
    struct worker w[N_THREADS];
    pthread_t t[N_THREADS];
    for (int i = 0; i < N_THREADS; i++) {
        w[i] = (struct worker){
            .db = db, .in_use = &in_use, .max_in_use = &max_in_use};
        pthread_create(&t[i], NULL, worker_main, &w[i]);
    }
    for (int i = 0; i < N_THREADS; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(w[i].failures, 0);
    }
    assert_true(atomic_load(&max_in_use) <= POOL);
    int total = 0, idle = 0;
    hk_db_stats(db, &total, &idle);
    assert_true(total <= POOL);
    char why[64] = "x";
    hk_db_last_error(db, why, sizeof(why));
    assert_string_equal(why, "");
    assert_int_equal(total, idle);
    assert_int_equal(hk_db_acquire(db, &c), 0);
    assert_int_equal(scalar_long(c, "SELECT count(*) FROM t_conc"),
                     N_THREADS * N_ITERS);
    hk_db_release(db, c);
    hk_db_close(db);
}

static void test_server_unreachable_fails_fast(void **state)
{
    (void)state;
    struct hk_db *db = open_pool("host=/nonexistent-hawk-dir port=5432 "
                                 "dbname=x user=x",
                                 2, 5000);
    int64_t t0 = hk_mono_ms();
    struct hk_dbconn *c = NULL;
    assert_int_equal(hk_db_acquire(db, &c), HAWK_EUNAVAIL);
    assert_null(c);
    assert_true(hk_mono_ms() - t0 < 1000);
    double rtt = -1;
    assert_int_equal(hk_db_ping(db, &rtt), HAWK_EUNAVAIL);
    /* the reason is kept for health output and CLI errors, on one line */
    char why[512];
    hk_db_last_error(db, why, sizeof(why));
    assert_non_null(strstr(why, "/nonexistent-hawk-dir"));
    assert_non_null(strstr(why, "No such file or directory"));
    assert_null(strchr(why, '\n'));
    assert_null(strchr(why, '\t'));
    int total = -1, idle = -1;
    hk_db_stats(db, &total, &idle);
    assert_int_equal(total, 0); /* failed attempts give their slot back */
    assert_int_equal(idle, 0);
    hk_db_close(db);
}

static void test_ping(void **state)
{
    (void)state;
    struct hk_db *db = main_pool(1, 1000);
    double rtt = -1;
    assert_int_equal(hk_db_ping(db, &rtt), 0);
    assert_true(rtt >= 0.0);
    assert_true(rtt < 5000.0);
    hk_db_close(db);
}

/* ---- queries ---- */

static void test_prepared_statement_cache(void **state)
{
    (void)state;
    struct hk_db *db = main_pool(1, 1000);
    struct hk_dbconn *c = NULL;
    assert_int_equal(hk_db_acquire(db, &c), 0);
    const char *sql = "SELECT $1::int + 1";
    for (int i = 0; i < 3; i++) {
        char v[8];
        snprintf(v, sizeof(v), "%d", i * 10);
        const char *p[] = {v};
        PGresult *r = NULL;
        assert_int_equal(hk_db_query(c, sql, 1, p, &r), 0);
        assert_int_equal(strtoll(PQgetvalue(r, 0, 0), NULL, 10), i * 10 + 1);
        PQclear(r);
    }
    /* prepared once on the server, found once in the cache */
    const char *p[] = {sql};
    PGresult *r = NULL;
    assert_int_equal(hk_db_query(c,
                                 "SELECT count(*) FROM "
                                 "pg_prepared_statements WHERE statement"
                                 " = $1",
                                 1, p, &r),
                     0);
    assert_string_equal(PQgetvalue(r, 0, 0), "1");
    PQclear(r);
    const struct hk_stmt *st = hk_stmt_cache_find(&c->stmts, sql);
    assert_non_null(st);
    assert_int_equal(st->name[0], 's');
    size_t before = c->stmts.count;
    hk_db_release(db, c);

    /* the cache lives with the pooled connection */
    assert_int_equal(hk_db_acquire(db, &c), 0);
    assert_non_null(hk_stmt_cache_find(&c->stmts, sql));
    const char *p2[] = {"5"};
    assert_int_equal(hk_db_query(c, sql, 1, p2, NULL), 0);
    assert_int_equal(c->stmts.count, before);
    hk_db_release(db, c);
    hk_db_close(db);
}

static void test_statement_survives_schema_change(void **state)
{
    (void)state;
    struct hk_db *db = main_pool(1, 1000);
    struct hk_dbconn *c = NULL;
    assert_int_equal(hk_db_acquire(db, &c), 0);
    assert_int_equal(hk_db_exec(c, "CREATE TABLE t_alter (a int);"
                                   "INSERT INTO t_alter VALUES (1)"),
                     0);
    PGresult *r = NULL;
    assert_int_equal(hk_db_query(c, "SELECT * FROM t_alter", 0, NULL, &r), 0);
    assert_int_equal(PQnfields(r), 1);
    PQclear(r);
    assert_int_equal(hk_db_exec(c, "ALTER TABLE t_alter ADD COLUMN b int"), 0);
    /* the cached plan's result type changed: re-prepared transparently */
    assert_int_equal(hk_db_query(c, "SELECT * FROM t_alter", 0, NULL, &r), 0);
    assert_int_equal(PQnfields(r), 2);
    PQclear(r);
    /* a statement dropped behind the cache's back is re-prepared too */
    assert_int_equal(hk_db_exec(c, "DEALLOCATE ALL"), 0);
    assert_int_equal(hk_db_query(c, "SELECT * FROM t_alter", 0, NULL, &r), 0);
    assert_int_equal(PQntuples(r), 1);
    PQclear(r);
    hk_db_release(db, c);
    hk_db_close(db);
}

static void test_unique_violation_is_conflict(void **state)
{
    (void)state;
    struct hk_db *db = main_pool(1, 1000);
    struct hk_dbconn *c = NULL;
    assert_int_equal(hk_db_acquire(db, &c), 0);
    assert_int_equal(hk_db_exec(c, "CREATE TABLE t_uniq (k text "
                                   "CONSTRAINT t_uniq_k UNIQUE)"),
                     0);
    const char *p[] = {"alpha"};
    const char *ins = "INSERT INTO t_uniq (k) VALUES ($1)";
    assert_int_equal(hk_db_query(c, ins, 1, p, NULL), 0);
    assert_string_equal(hk_db_sqlstate(c), "");
    assert_int_equal(hk_db_query(c, ins, 1, p, NULL), HAWK_ECONFLICT);
    assert_string_equal(hk_db_sqlstate(c), "23505");
    assert_non_null(strstr(hk_db_errmsg(c), "t_uniq_k"));
    assert_int_equal(scalar_long(c, "SELECT count(*) FROM t_uniq"), 1);
    /* the error is cleared by the next success */
    assert_string_equal(hk_db_sqlstate(c), "");
    assert_string_equal(hk_db_errmsg(c), "");
    hk_db_release(db, c);
    hk_db_close(db);
}

static void test_error_mapping(void **state)
{
    (void)state;
    struct hk_db *db = main_pool(1, 1000);
    struct hk_dbconn *c = NULL;
    assert_int_equal(hk_db_acquire(db, &c), 0);

    assert_int_equal(hk_db_exec(c, "SELEC 1"), HAWK_EINVAL);
    assert_string_equal(hk_db_sqlstate(c), "42601");
    assert_non_null(strstr(hk_db_errmsg(c), "syntax error"));

    assert_int_equal(
        hk_db_query(c, "SELECT * FROM no_such_table", 0, NULL, NULL),
        HAWK_EINVAL);
    assert_string_equal(hk_db_sqlstate(c), "42P01");

    /* wrong parameter count: a caller bug, the connection stays usable */
    const char *one[] = {"1"};
    assert_int_equal(hk_db_query(c, "SELECT $1::int + $2::int", 1, one, NULL),
                     HAWK_EINVAL);
    assert_false(c->broken);
    assert_int_equal(scalar_long(c, "SELECT 41 + 1"), 42);

    /* bad arguments */
    assert_int_equal(hk_db_query(c, NULL, 0, NULL, NULL), HAWK_EINVAL);
    assert_int_equal(hk_db_query(c, "SELECT 1", 1, NULL, NULL), HAWK_EINVAL);
    assert_int_equal(hk_db_query(NULL, "SELECT 1", 0, NULL, NULL), HAWK_EINVAL);
    assert_int_equal(hk_db_run(c, "SELECT 1", 0, NULL, NULL, NULL, 2, NULL),
                     HAWK_EINVAL);

    /* statement_timeout -> ETIMEDOUT */
    assert_int_equal(hk_db_exec(c, "SET statement_timeout = 50"), 0);
    assert_int_equal(hk_db_exec(c, "SELECT pg_sleep(2)"), HAWK_ETIMEDOUT);
    assert_string_equal(hk_db_sqlstate(c), "57014");
    assert_int_equal(hk_db_exec(c, "RESET statement_timeout"), 0);

    /* the table of codes itself */
    bool lost = false;
    assert_int_equal(hk_db_map_error("23505", CONNECTION_OK, &lost),
                     HAWK_ECONFLICT);
    assert_false(lost);
    assert_int_equal(hk_db_map_error("08006", CONNECTION_OK, &lost),
                     HAWK_EUNAVAIL);
    assert_true(lost);
    assert_int_equal(hk_db_map_error("57P01", CONNECTION_OK, &lost),
                     HAWK_EUNAVAIL);
    assert_true(lost);
    assert_int_equal(hk_db_map_error("42601", CONNECTION_BAD, &lost),
                     HAWK_EUNAVAIL);
    assert_true(lost);
    assert_int_equal(hk_db_map_error("22P02", CONNECTION_OK, &lost),
                     HAWK_EINVAL);
    assert_false(lost);
    assert_int_equal(hk_db_map_error(NULL, CONNECTION_OK, &lost), HAWK_EINVAL);
    assert_int_equal(hk_db_map_error("53300", CONNECTION_OK, &lost),
                     HAWK_EUNAVAIL);
    assert_false(lost);
    hk_db_release(db, c);
    hk_db_close(db);
}

static void test_errors_logged_without_values(void **state)
{
    (void)state;
    struct hk_db *db = main_pool(1, 1000);
    struct hk_dbconn *c = NULL;
    assert_int_equal(hk_db_acquire(db, &c), 0);
    hk_buf_reset(&logbuf);
    const char *p[] = {"s3cr3t-value-not-a-number"};
    assert_int_equal(hk_db_query(c, "SELECT $1::int", 1, p, NULL), HAWK_EINVAL);
    assert_string_equal(hk_db_sqlstate(c), "22P02");
    /* the caller sees the full message ... */
    assert_non_null(strstr(hk_db_errmsg(c), "s3cr3t"));
    /* ... the log gets the SQLSTATE and statement at warn, not the value */
    const char *log = hk_buf_str(&logbuf);
    assert_non_null(strstr(log, "\"level\":\"warn\""));
    assert_non_null(strstr(log, "22P02"));
    assert_non_null(strstr(log, "SELECT $1::int"));
    assert_null(strstr(log, "s3cr3t"));

    /* other errors keep the server's message in the log */
    hk_buf_reset(&logbuf);
    assert_int_equal(hk_db_exec(c, "SELECT * FROM no_such_table_x"),
                     HAWK_EINVAL);
    assert_non_null(strstr(hk_buf_str(&logbuf), "does not exist"));
    hk_db_release(db, c);
    hk_db_close(db);
}

static void test_binary_params_and_results(void **state)
{
    (void)state;
    struct hk_db *db = main_pool(1, 1000);
    struct hk_dbconn *c = NULL;
    assert_int_equal(hk_db_acquire(db, &c), 0);
    assert_int_equal(hk_db_exec(c, "CREATE TABLE t_bin (id int, b bytea)"), 0);
    const char bytes[] = {'a', '\0', '\xff', '\x01', '\0', 'z'};
    struct hk_db_params p;
    hk_db_params_init(&p);
    hk_db_param_i64(&p, 7);
    hk_db_param_bytes(&p, bytes, sizeof(bytes));
    assert_int_equal(
        hk_db_params_run(c, "INSERT INTO t_bin VALUES ($1, $2)", &p, NULL), 0);
    assert_int_equal(scalar_long(c, "SELECT length(b) FROM t_bin"),
                     (long)sizeof(bytes));
    PGresult *r = NULL;
    hk_db_params_init(&p);
    hk_db_param_text(&p, "7");
    p.result_format = 1;
    assert_int_equal(
        hk_db_params_run(c, "SELECT b FROM t_bin WHERE id = $1", &p, &r), 0);
    assert_int_equal(PQgetlength(r, 0, 0), (int)sizeof(bytes));
    assert_memory_equal(PQgetvalue(r, 0, 0), bytes, sizeof(bytes));
    PQclear(r);
    /* NULL parameter is SQL NULL */
    const char *np[] = {NULL};
    assert_int_equal(hk_db_query(c, "SELECT $1::text IS NULL", 1, np, &r), 0);
    assert_string_equal(PQgetvalue(r, 0, 0), "t");
    PQclear(r);
    hk_db_release(db, c);
    hk_db_close(db);
}

/* ---- transactions ---- */

static void test_release_rolls_back_open_transaction(void **state)
{
    (void)state;
    struct hk_db *db = main_pool(1, 1000);
    struct hk_dbconn *c = NULL;
    assert_int_equal(hk_db_acquire(db, &c), 0);
    assert_int_equal(hk_db_exec(c, "CREATE TABLE t_tx (v int)"), 0);
    long pid = scalar_long(c, "SELECT pg_backend_pid()");
    assert_int_equal(hk_db_begin(c), 0);
    assert_int_equal(hk_db_exec(c, "INSERT INTO t_tx VALUES (1)"), 0);
    hk_db_release(db, c); /* no commit */

    assert_int_equal(hk_db_acquire(db, &c), 0);
    assert_int_equal(scalar_long(c, "SELECT pg_backend_pid()"), pid);
    assert_int_equal(PQtransactionStatus(hk_db_pg(c)), PQTRANS_IDLE);
    assert_int_equal(scalar_long(c, "SELECT count(*) FROM t_tx"), 0);

    /* a failed transaction is rolled back too */
    assert_int_equal(hk_db_begin(c), 0);
    assert_int_equal(hk_db_exec(c, "INSERT INTO t_tx VALUES (2)"), 0);
    assert_int_equal(hk_db_exec(c, "SELECT 1/0"), HAWK_EINVAL);
    hk_db_release(db, c);
    assert_int_equal(hk_db_acquire(db, &c), 0);
    assert_int_equal(scalar_long(c, "SELECT pg_backend_pid()"), pid);
    assert_int_equal(scalar_long(c, "SELECT count(*) FROM t_tx"), 0);

    /* a committed one stays */
    assert_int_equal(hk_db_begin(c), 0);
    assert_int_equal(hk_db_exec(c, "INSERT INTO t_tx VALUES (3)"), 0);
    assert_int_equal(hk_db_commit(c), 0);
    assert_int_equal(hk_db_begin(c), 0);
    assert_int_equal(hk_db_exec(c, "INSERT INTO t_tx VALUES (4)"), 0);
    assert_int_equal(hk_db_rollback(c), 0);
    assert_int_equal(scalar_long(c, "SELECT count(*) FROM t_tx"), 1);
    hk_db_release(db, c);
    hk_db_close(db);
}

static void test_commit_of_failed_transaction_reports_error(void **state)
{
    (void)state;
    struct hk_db *db = main_pool(1, 1000);
    struct hk_dbconn *c = NULL;
    assert_int_equal(hk_db_acquire(db, &c), 0);
    assert_int_equal(hk_db_exec(c, "CREATE TABLE t_fail (v int)"), 0);
    assert_int_equal(hk_db_begin(c), 0);
    assert_int_equal(hk_db_exec(c, "INSERT INTO t_fail VALUES (1)"), 0);
    assert_int_equal(hk_db_exec(c, "SELECT no_such_column FROM t_fail"),
                     HAWK_EINVAL);
    assert_int_equal(hk_db_commit(c), HAWK_EINVAL);
    assert_string_equal(hk_db_sqlstate(c), "25P02");
    assert_int_equal(PQtransactionStatus(hk_db_pg(c)), PQTRANS_IDLE);
    assert_int_equal(scalar_long(c, "SELECT count(*) FROM t_fail"), 0);
    hk_db_release(db, c);
    hk_db_close(db);
}

static void test_listen_dropped_on_release(void **state)
{
    (void)state;
    struct hk_db *db = main_pool(1, 1000);
    struct hk_dbconn *c = NULL;
    assert_int_equal(hk_db_acquire(db, &c), 0);
    assert_int_equal(hk_db_exec(c, "LISTEN hk_test_chan"), 0);
    assert_int_equal(scalar_long(c, "SELECT count(*) FROM "
                                    "pg_listening_channels()"),
                     1);
    hk_db_release(db, c);
    assert_int_equal(hk_db_acquire(db, &c), 0);
    assert_int_equal(scalar_long(c, "SELECT count(*) FROM "
                                    "pg_listening_channels()"),
                     0);
    hk_db_release(db, c);
    hk_db_close(db);
}

/* ---- dropped connections ---- */

static void terminate(long pid)
{
    char *sql = hk_asprintf("SELECT pg_terminate_backend(%ld, 5000)", pid);
    admin_exec(sql);
    hk_free(sql);
}

static void test_dropped_connection(void **state)
{
    (void)state;
    struct hk_db *db = main_pool(2, 1000);
    struct hk_dbconn *c = NULL;

    /* a borrowed connection whose server process dies: EUNAVAIL, then the
     * next acquire reconnects */
    assert_int_equal(hk_db_acquire(db, &c), 0);
    long pid = scalar_long(c, "SELECT pg_backend_pid()");
    terminate(pid);
    assert_int_equal(hk_db_query(c, "SELECT 1", 0, NULL, NULL), HAWK_EUNAVAIL);
    assert_true(c->broken);
    /* and stays so without touching the socket again */
    assert_int_equal(hk_db_exec(c, "SELECT 1"), HAWK_EUNAVAIL);
    hk_db_release(db, c);
    int total = -1, idle = -1;
    hk_db_stats(db, &total, &idle);
    assert_int_equal(total, 0);

    assert_int_equal(hk_db_acquire(db, &c), 0);
    long pid2 = scalar_long(c, "SELECT pg_backend_pid()");
    assert_int_not_equal(pid2, pid);
    hk_db_release(db, c);

    /* a pooled idle connection that died (server restart, idle timeout):
     * the first use after it reconnects transparently */
    terminate(pid2);
    hk_sleep_ms(100);
    assert_int_equal(hk_db_acquire(db, &c), 0);
    long pid3 = scalar_long(c, "SELECT pg_backend_pid()");
    assert_int_not_equal(pid3, pid2);
    hk_db_release(db, c);
    hk_db_stats(db, &total, &idle);
    assert_int_equal(total, 1);
    assert_int_equal(idle, 1);
    hk_db_close(db);
}

/* ---- migrations ---- */

static const struct hk_migration good[] = {
    {1, "0001_first",
     "CREATE TABLE m_a (id int);\n"
     "INSERT INTO m_a VALUES (1);\n"
     "INSERT INTO m_a VALUES (2);\n"},
    {2, "0002_second", "CREATE TABLE m_b (id int PRIMARY KEY);"},
};

static const struct hk_migration with_bad[] = {
    {1, "0001_first",
     "CREATE TABLE m_a (id int);\n"
     "INSERT INTO m_a VALUES (1);\n"
     "INSERT INTO m_a VALUES (2);\n"},
    {2, "0002_second", "CREATE TABLE m_b (id int PRIMARY KEY);"},
    {3, "0003_bad",
     "CREATE TABLE m_c (id int);\n"
     "INSERT INTO m_a VALUES (3);\n"
     "SELECT no_such_function();"},
    {4, "0004_after", "CREATE TABLE m_d (id int);"},
};

static const struct hk_migration unordered[] = {
    {2, "0002_x", "CREATE TABLE m_x (id int);"},
    {2, "0002_y", "CREATE TABLE m_y (id int);"},
};

static long count_rows(struct hk_db *db, const char *sql)
{
    struct hk_dbconn *c = NULL;
    assert_int_equal(hk_db_acquire(db, &c), 0);
    long n = scalar_long(c, sql);
    hk_db_release(db, c);
    return n;
}

static void test_migrations_apply_once_and_record(void **state)
{
    (void)state;
    char *url = make_db("mig");
    struct hk_db *db = open_pool(url, 2, 2000);
    int pending = -1, applied = -1;
    assert_int_equal(hk_migrate_pending_list(db, good, 2, &pending), 0);
    assert_int_equal(pending, 2);

    hk_buf_reset(&logbuf);
    assert_int_equal(hk_migrate_run_list(db, good, 2, &applied), 0);
    assert_int_equal(applied, 2);
    assert_non_null(strstr(hk_buf_str(&logbuf), "migration applied"));
    assert_non_null(strstr(hk_buf_str(&logbuf), "0002_second"));
    assert_int_equal(hk_migrate_pending_list(db, good, 2, &pending), 0);
    assert_int_equal(pending, 0);
    assert_int_equal(count_rows(db, "SELECT count(*) FROM m_a"), 2);
    assert_int_equal(count_rows(db, "SELECT count(*) FROM schema_migrations"
                                    " WHERE (version = 1 AND name = "
                                    "'0001_first') OR (version = 2 AND "
                                    "name = '0002_second')"),
                     2);
    assert_int_equal(count_rows(db, "SELECT count(*) FROM schema_migrations"
                                    " WHERE applied_at IS NULL"),
                     0);

    /* idempotent */
    assert_int_equal(hk_migrate_run_list(db, good, 2, &applied), 0);
    assert_int_equal(applied, 0);
    assert_int_equal(count_rows(db, "SELECT count(*) FROM m_a"), 2);

    /* a failing migration changes nothing and is not recorded; the ones
     * after it wait */
    assert_int_equal(hk_migrate_pending_list(db, with_bad, 4, &pending), 0);
    assert_int_equal(pending, 2);
    assert_int_equal(hk_migrate_run_list(db, with_bad, 4, &applied),
                     HAWK_EINVAL);
    assert_int_equal(applied, 0);
    assert_int_equal(count_rows(db, "SELECT count(*) FROM m_a"), 2);
    assert_int_equal(count_rows(db, "SELECT count(*) FROM pg_tables WHERE "
                                    "tablename IN ('m_c', 'm_d')"),
                     0);
    assert_int_equal(count_rows(db, "SELECT count(*) FROM "
                                    "schema_migrations"),
                     2);
    assert_int_equal(hk_migrate_pending_list(db, with_bad, 4, &pending), 0);
    assert_int_equal(pending, 2);

    /* a malformed list is refused before touching the database */
    assert_int_equal(hk_migrate_run_list(db, unordered, 2, &applied),
                     HAWK_EINTERNAL);
    assert_int_equal(count_rows(db, "SELECT count(*) FROM pg_tables WHERE "
                                    "tablename IN ('m_x', 'm_y')"),
                     0);

    /* the lock is released: another session can take it */
    assert_int_equal(count_rows(db, "SELECT count(*) FROM pg_locks l JOIN "
                                    "pg_database d ON d.oid = l.database "
                                    "WHERE l.locktype = 'advisory' AND "
                                    "d.datname = current_database()"),
                     0);
    int total = 0, idle = 0;
    hk_db_stats(db, &total, &idle);
    assert_int_equal(total, idle);
    hk_db_close(db);
    hk_free(url);
}

struct mig_thread {
    const char *url;
    int applied;
    int rc;
};

static const struct hk_migration slow[] = {
    {1, "0001_slow", "CREATE TABLE s_a (id int); SELECT pg_sleep(0.3);"},
    {2, "0002_slow", "CREATE TABLE s_b (id int); SELECT pg_sleep(0.1);"},
    {3, "0003_slow", "CREATE TABLE s_c (id int);"},
};

static void *migrate_thread(void *arg)
{
    struct mig_thread *m = arg;
    struct hk_db_opts o = {.url = m->url, .pool_size = 1};
    struct hk_db *db = NULL;
    m->rc = hk_db_open(&o, &db);
    if (m->rc == 0)
        m->rc = hk_migrate_run_list(db, slow, 3, &m->applied);
    hk_db_close(db);
    return NULL;
}

static void test_concurrent_migrations_serialize(void **state)
{
    (void)state;
    char *url = make_db("migc");
    struct mig_thread m[3];
    pthread_t t[3];
    for (int i = 0; i < 3; i++) {
        m[i] = (struct mig_thread){.url = url, .applied = -1, .rc = -100};
        pthread_create(&t[i], NULL, migrate_thread, &m[i]);
    }
    int sum = 0;
    for (int i = 0; i < 3; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(m[i].rc, 0);
        sum += m[i].applied;
    }
    assert_int_equal(sum, 3);
    struct hk_db *db = open_pool(url, 1, 1000);
    assert_int_equal(count_rows(db, "SELECT count(*) FROM "
                                    "schema_migrations"),
                     3);
    hk_db_close(db);
    hk_free(url);
}

static void test_compiled_in_migrations(void **state)
{
    (void)state;
    char *url = make_db("real");
    struct hk_db *db = open_pool(url, 2, 2000);
    int pending = -1, applied = -1;
    assert_int_equal(hk_migrate_pending(db, &pending), 0);
    assert_int_equal(pending, (int)hk_migrations_count);
    assert_int_equal(hk_migrate_run(db, &applied), 0);
    assert_int_equal(applied, (int)hk_migrations_count);
    assert_int_equal(hk_migrate_pending(db, &pending), 0);
    assert_int_equal(pending, 0);
    assert_int_equal(hk_migrate_run(db, &applied), 0);
    assert_int_equal(applied, 0);
    assert_int_equal(count_rows(db, "SELECT count(*) FROM "
                                    "schema_migrations"),
                     (long)hk_migrations_count);
    hk_db_close(db);
    hk_free(url);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_open_rejects_bad_options),
        cmocka_unit_test(test_acquire_release_reuses),
        cmocka_unit_test(test_acquire_timeout),
        cmocka_unit_test(test_waiter_gets_released_connection),
        cmocka_unit_test(test_concurrent_threads_share_small_pool),
        cmocka_unit_test(test_server_unreachable_fails_fast),
        cmocka_unit_test(test_ping),
        cmocka_unit_test(test_prepared_statement_cache),
        cmocka_unit_test(test_statement_survives_schema_change),
        cmocka_unit_test(test_unique_violation_is_conflict),
        cmocka_unit_test(test_error_mapping),
        cmocka_unit_test(test_errors_logged_without_values),
        cmocka_unit_test(test_binary_params_and_results),
        cmocka_unit_test(test_release_rolls_back_open_transaction),
        cmocka_unit_test(test_commit_of_failed_transaction_reports_error),
        cmocka_unit_test(test_listen_dropped_on_release),
        cmocka_unit_test(test_dropped_connection),
        cmocka_unit_test(test_migrations_apply_once_and_record),
        cmocka_unit_test(test_concurrent_migrations_serialize),
        cmocka_unit_test(test_compiled_in_migrations),
    };
    int rc = cmocka_run_group_tests(tests, group_setup, group_teardown);
    hk_free(main_url);
    return rc;
}
