/*
 * tests/db/test_db_params.c - the typed statement parameters (db/params.h)
 * against a real PostgreSQL: every type reaches the server as the value it
 * was (int64 limits, NULL, booleans, doubles to the last bit, bytes with
 * NUL in them), a builder that overflowed is refused without a round trip,
 * and statements assembled from fragments number their parameters right.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/db.h"
#include "db/params.h"
#include "hawk/plugin.h"
#include "log/log.h"
#include "util/str.h"

static const char *base_url;
static struct hk_db *pool;

/* Borrows a pooled connection (the test fails if none). */
static struct hk_dbconn *conn(void)
{
    struct hk_dbconn *c = NULL;
    assert_int_equal(hk_db_acquire(pool, &c), 0);
    return c;
}

static void done(struct hk_dbconn *c)
{
    hk_db_release(pool, c);
}

static int group_setup(void **state)
{
    (void)state;
    base_url = getenv("HAWK_TEST_DATABASE_URL");
    if (base_url == NULL || *base_url == '\0') {
        fprintf(stderr, "HAWK_TEST_DATABASE_URL is not set\n");
        return -1;
    }
    hk_log_set_level(HAWK_LOG_CRIT);
    struct hk_db_opts o = {
        .url = base_url, .pool_size = 2, .acquire_timeout_ms = 5000};
    return hk_db_open(&o, &pool) == 0 ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    hk_db_close(pool);
    return 0;
}

/* Runs sql with p and returns row 0, column 0 as a new string ("NULL" for
 * SQL NULL); the test fails when the statement does. */
static char *one(const char *sql, const struct hk_db_params *p)
{
    struct hk_dbconn *c = conn();
    PGresult *r = NULL;
    int rc = hk_db_params_run(c, sql, p, &r);
    if (rc != 0)
        fail_msg("%s: rc %d %s", sql, rc, hk_db_errmsg(c));
    char *v = strdup(PQgetisnull(r, 0, 0) ? "NULL" : PQgetvalue(r, 0, 0));
    PQclear(r);
    done(c);
    return v;
}

static void expect(const char *sql, const struct hk_db_params *p,
                   const char *want)
{
    char *got = one(sql, p);
    if (strcmp(got, want) != 0)
        fail_msg("%s: got '%s', want '%s'", sql, got, want);
    free(got);
}

static void test_numbers_and_text(void **state)
{
    (void)state;
    struct hk_db_params p;
    hk_db_params_init(&p);
    assert_int_equal(hk_db_param_i64(&p, INT64_MIN), 1);
    assert_int_equal(hk_db_param_i64(&p, INT64_MAX), 2);
    assert_int_equal(hk_db_param_i64(&p, 0), 3);
    assert_int_equal(hk_db_param_text(&p, "it's \"quoted\"; DROP"), 4);
    assert_int_equal(hk_db_param_text(&p, NULL), 5);
    assert_int_equal(hk_db_param_null(&p), 6);
    assert_int_equal(hk_db_param_bool(&p, true), 7);
    assert_int_equal(hk_db_param_bool(&p, false), 8);
    expect("SELECT concat_ws('|', $1::bigint = -9223372036854775808,"
           " $2::bigint = 9223372036854775807, $3::bigint, $4::text,"
           " $5::text IS NULL, $6::int IS NULL, $7::boolean, $8::boolean)",
           &p, "t|t|0|it's \"quoted\"; DROP|t|t|t|f");
}

static void test_doubles_round_trip(void **state)
{
    (void)state;
    static const double values[] = {0.1,       -2.5e-308,     1e300,
                                    1.0 / 3.0, DBL_MAX,       DBL_MIN,
                                    -0.0,      123456789.125, DBL_EPSILON};
    for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
        struct hk_db_params p;
        hk_db_params_init(&p);
        hk_db_param_double(&p, values[i]);
        /* PostgreSQL prints the shortest text that reads back exactly. */
        char *got = one("SELECT $1::float8::text", &p);
        double back = strtod(got, NULL);
        if (memcmp(&back, &values[i], sizeof(back)) != 0 &&
            !(back == 0 && values[i] == 0))
            fail_msg("%.17g came back as %s", values[i], got);
        free(got);
    }
    /* and numeric columns see the same digits */
    struct hk_db_params p;
    hk_db_params_init(&p);
    hk_db_param_double(&p, 12.345678);
    expect("SELECT round($1::numeric, 6)::text", &p, "12.345678");
}

static void test_bytes_keep_nul(void **state)
{
    (void)state;
    static const unsigned char data[] = {'a', 0, 'b', 0xff, 0, '\\', 'x'};
    struct hk_db_params p;
    hk_db_params_init(&p);
    hk_db_param_bytes(&p, data, sizeof(data));
    hk_db_param_i64(&p, 7);
    expect("SELECT concat_ws('|', length($1::bytea), encode($1::bytea,"
           " 'hex'), $2::int)",
           &p, "7|610062ff005c78|7");
}

static void test_overflow_is_refused(void **state)
{
    (void)state;
    struct hk_db_params p;
    hk_db_params_init(&p);
    for (int i = 0; i < HK_DB_MAX_PARAMS; i++)
        assert_int_equal(hk_db_param_i64(&p, i), i + 1);
    assert_false(p.overflow);
    assert_int_equal(hk_db_param_text(&p, "one too many"), 0);
    assert_int_equal(hk_db_param_i64(&p, 1), 0);
    assert_true(p.overflow);
    assert_int_equal(p.n, HK_DB_MAX_PARAMS);
    struct hk_dbconn *c = conn();
    PGresult *r = (PGresult *)&p; /* must be reset to NULL */
    assert_int_equal(hk_db_params_run(c, "SELECT 1", &p, &r), HAWK_EINTERNAL);
    assert_null(r);
    /* the connection is still good */
    assert_int_equal(hk_db_params_run(c, "SELECT 1", NULL, NULL), 0);
    done(c);
}

static void test_assembled_statement(void **state)
{
    (void)state;
    struct hk_db_sql q;
    hk_db_sql_init(&q);
    hk_db_sql_add(&q, "SELECT count(*) FROM generate_series(1, 100) g"
                      " WHERE true");
    int lo = hk_db_sql_i64(&q, " AND g >= ?::int", 10);
    assert_int_equal(lo, 1);
    assert_int_equal(hk_db_sql_text(&q, " AND g::text LIKE ?", "%5"), 2);
    /* a reference reuses a parameter already added */
    hk_db_sql_ref(&q, " AND g <> ?::int", lo);
    assert_string_equal(hk_buf_str(&q.sql),
                        "SELECT count(*) FROM generate_series(1, 100) g"
                        " WHERE true AND g >= $1::int AND g::text LIKE $2"
                        " AND g <> $1::int");
    struct hk_dbconn *c = conn();
    PGresult *r = NULL;
    assert_int_equal(hk_db_sql_run(c, &q, &r), 0);
    /* 15, 25, ..., 95 */
    assert_string_equal(PQgetvalue(r, 0, 0), "9");
    PQclear(r);
    done(c);
    hk_db_sql_release(&q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_numbers_and_text),
        cmocka_unit_test(test_doubles_round_trip),
        cmocka_unit_test(test_bytes_keep_nul),
        cmocka_unit_test(test_overflow_is_refused),
        cmocka_unit_test(test_assembled_statement),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
