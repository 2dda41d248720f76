/*
 * tests/db/dbtest.h - helpers shared by the C tests that need PostgreSQL.
 *
 * Include after defining, in the test file:
 *   static const char *base_url;   conninfo of the fixture server
 *   static struct hk_db *pool;     the pool under test
 */
#ifndef HAWK_TESTS_DBTEST_H
#define HAWK_TESTS_DBTEST_H

#include <libpq-fe.h>

#include "db/db.h"

/* Swallows NOTICE messages (e.g. "database does not exist, skipping"). */
static void quiet(void *arg, const char *msg)
{
    (void)arg;
    (void)msg;
}

/* Runs one administrative statement on its own connection; fails the
 * test when it does not succeed. */
static void admin_exec(const char *sql)
{
    PGconn *c = PQconnectdb(base_url);
    if (PQstatus(c) != CONNECTION_OK)
        fail_msg("cannot connect: %s", PQerrorMessage(c));
    PQsetNoticeProcessor(c, quiet, NULL);
    PGresult *r = PQexec(c, sql);
    if (PQresultStatus(r) != PGRES_COMMAND_OK)
        fail_msg("%s: %s", sql, PQerrorMessage(c));
    PQclear(r);
    PQfinish(c);
}

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

#endif
