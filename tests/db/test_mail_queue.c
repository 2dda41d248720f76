/*
 * test_mail_queue.c - mails leave through the queue: a mail.send job
 * exists exactly when the producer's transaction commits, a worker
 * renders and delivers it (here into the spool folder), an unreachable
 * server makes it wait and retry with back-off, and a mail that can never
 * go (unknown template) goes dead at once instead of retrying.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/app.h"
#include "db/db.h"
#include "log/log.h"
#include "mail/mail.h"
#include "queue/queue.h"
#include "util/alloc.h"
#include "util/str.h"
#include "util/time.h"

static char *db_url;
static char db_name[64];
static const char *base_url;
static struct hk_db *pool;
static struct hk_app app;
static char spool[256];

#include "dbtest.h"

static int64_t q_i64(const char *sql)
{
    struct hk_dbconn *c = conn();
    PGresult *r = NULL;
    if (hk_db_query(c, sql, 0, NULL, &r) != 0)
        fail_msg("%s: %s", sql, hk_db_errmsg(c));
    int64_t v = -1;
    if (PQntuples(r) > 0 && !PQgetisnull(r, 0, 0))
        hk_parse_i64(PQgetvalue(r, 0, 0), INT64_MIN, INT64_MAX, &v);
    PQclear(r);
    done(c);
    return v;
}

static bool wait_for(const char *sql, int64_t want, int64_t ms)
{
    int64_t end = hk_mono_ms() + ms;
    while (hk_mono_ms() < end) {
        if (q_i64(sql) == want)
            return true;
        hk_sleep_ms(20);
    }
    return q_i64(sql) == want;
}

static int spool_files(void)
{
    DIR *d = opendir(spool);
    int n = 0;
    struct dirent *e;
    if (d == NULL)
        return 0;
    while ((e = readdir(d)) != NULL)
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

static struct hk_mail *mail_with(const char *smtp_url)
{
    struct hk_mail_cfg c = {
        .smtp_url = smtp_url,
        .tls = HK_MAIL_TLS_OFF,
        .from_address = "noreply@hawk.test",
        .from_name = "hawk",
        .timeout_ms = 2000,
        .templates_dir = HAWK_SOURCE_DIR "/etc/templates/mail",
        .spool_dir = spool,
        .max_attempts = 5,
    };
    struct hk_mail *m = NULL;
    struct hk_err err = HK_ERR_INIT;
    if (hk_mail_new(&c, &m, &err) != 0)
        fail_msg("mail: %s", err.msg);
    assert_int_equal(hk_mail_register_kinds(m), 0);
    return m;
}

static struct hk_workers *start_pool(void)
{
    struct hk_workers_opts o = {.n = 2,
                                .batch_size = 8,
                                .poll_interval_ms = 200,
                                .heartbeat_interval_ms = 500,
                                .rescue_after_ms = 5000};
    struct hk_workers *w = NULL;
    assert_int_equal(hk_workers_start_opts(&app, &o, &w), 0);
    return w;
}

static json_object *welcome_vars(void)
{
    json_object *v = json_object_new_object();
    json_object_object_add(v, "name", json_object_new_string("Ann"));
    json_object_object_add(v, "verify_url",
                           json_object_new_string("http://hawk.test/v?t=1"));
    json_object_object_add(v, "expires_hours", json_object_new_int(48));
    json_object_object_add(v, "app_url",
                           json_object_new_string("http://hawk.test/"));
    return v;
}

static void test_enqueue_follows_the_transaction(void **state)
{
    (void)state;
    struct hk_mail *m = mail_with(NULL);
    struct hk_err err = HK_ERR_INIT;
    json_object *v = welcome_vars();
    struct hk_dbconn *c = conn();
    assert_int_equal(hk_db_begin(c), 0);
    assert_int_equal(
        hk_mail_enqueue(c, "ann@example.test", "welcome", v, 0, &err), 0);
    assert_int_equal(hk_db_rollback(c), 0);
    assert_int_equal(hk_db_begin(c), 0);
    assert_int_equal(
        hk_mail_enqueue(c, "ann@example.test", "welcome", v, 0, &err), 0);
    assert_int_equal(hk_mail_enqueue(c, "bad address", "welcome", v, 0, &err),
                     HAWK_EINVAL);
    assert_int_equal(hk_db_commit(c), 0);
    done(c);
    json_object_put(v);
    assert_int_equal(q_i64("SELECT count(*) FROM queue_jobs WHERE kind = "
                           "'mail.send' AND queue = 'mail'"),
                     1);
    struct hk_workers *w = start_pool();
    assert_true(wait_for("SELECT count(*) FROM queue_jobs WHERE kind = "
                         "'mail.send' AND state = 'done' AND result->>"
                         "'delivered' = 'spool'",
                         1, 10000));
    hk_workers_stop(w, 1000);
    assert_int_equal(spool_files(), 1);
    hk_mail_free(m);
}

static void test_unreachable_server_retries_later(void **state)
{
    (void)state;
    /* Port 1 on loopback: nothing listens, the connection is refused. */
    struct hk_mail *m = mail_with("smtp://127.0.0.1:1");
    struct hk_err err = HK_ERR_INIT;
    json_object *v = welcome_vars();
    struct hk_dbconn *c = conn();
    assert_int_equal(
        hk_mail_enqueue(c, "bo@example.test", "welcome", v, 0, &err), 0);
    done(c);
    json_object_put(v);
    struct hk_workers *w = start_pool();
    assert_true(wait_for("SELECT count(*) FROM queue_jobs WHERE kind = "
                         "'mail.send' AND state = 'queued' AND attempts = 1"
                         " AND run_at > now() + interval '10 seconds'"
                         " AND last_error LIKE '%unreachable%'",
                         1, 10000));
    hk_workers_stop(w, 1000);
    hk_mail_free(m);
}

static void test_unknown_template_dead_at_once(void **state)
{
    (void)state;
    struct hk_mail *m = mail_with(NULL);
    struct hk_err err = HK_ERR_INIT;
    struct hk_dbconn *c = conn();
    assert_int_equal(
        hk_mail_enqueue(c, "cy@example.test", "no_such_mail", NULL, 0, &err),
        0);
    done(c);
    struct hk_workers *w = start_pool();
    assert_true(wait_for("SELECT count(*) FROM queue_jobs WHERE kind = "
                         "'mail.send' AND state = 'dead' AND attempts = 1"
                         " AND last_error LIKE '%no mail template%'",
                         1, 10000));
    hk_workers_stop(w, 1000);
    assert_int_equal(spool_files(), 0);
    hk_mail_free(m);
}

static int setup(void **state)
{
    (void)state;
    struct hk_dbconn *c = conn();
    assert_int_equal(hk_db_exec(c, "TRUNCATE queue_jobs RESTART IDENTITY"), 0);
    done(c);
    snprintf(spool, sizeof(spool), "/tmp/hawk-mailq-%ld-%d", (long)getpid(),
             rand());
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    DIR *d = opendir(spool);
    struct dirent *e;
    while (d != NULL && (e = readdir(d)) != NULL) {
        char p[600];
        if (e->d_name[0] == '.')
            continue;
        snprintf(p, sizeof(p), "%s/%s", spool, e->d_name);
        unlink(p);
    }
    if (d != NULL)
        closedir(d);
    rmdir(spool);
    return 0;
}

static int group_setup(void **state)
{
    (void)state;
    base_url = getenv("HAWK_TEST_DATABASE_URL");
    if (base_url == NULL || *base_url == '\0')
        return -1;
    hk_log_set_level(HAWK_LOG_ERROR);
    snprintf(db_name, sizeof(db_name), "hk_test_mailq_%ld", (long)getpid());
    char *sql = hk_asprintf("DROP DATABASE IF EXISTS %s", db_name);
    admin_exec(sql);
    hk_free(sql);
    sql = hk_asprintf("CREATE DATABASE %s", db_name);
    admin_exec(sql);
    hk_free(sql);
    db_url = hk_asprintf("%s dbname=%s", base_url, db_name);
    struct hk_db_opts o = {.url = db_url, .pool_size = 8};
    if (hk_db_open(&o, &pool) != 0 || hk_migrate_run(pool, NULL) != 0)
        return -1;
    app.db = pool;
    app.db_url = db_url;
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    hk_db_close(pool);
    char *sql = hk_asprintf("DROP DATABASE IF EXISTS %s", db_name);
    admin_exec(sql);
    hk_free(sql);
    hk_free(db_url);
    return 0;
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_enqueue_follows_the_transaction),
        T(test_unreachable_server_retries_later),
        T(test_unknown_template_dead_at_once),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
