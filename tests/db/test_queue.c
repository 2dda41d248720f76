/*
 * tests/db/test_queue.c - the job queue and the schedules against a real
 * PostgreSQL ($HAWK_TEST_DATABASE_URL), in a database of its own.
 *
 * Time is driven by a test clock (hk_queue_set_clock) wherever a test
 * checks timing, so retries and rescues are exact and fast.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/app.h"
#include "config/config.h"
#include "db/db.h"
#include "hawk/plugin.h"
#include "log/log.h"
#include "queue/queue.h"
#include "sched/cron.h"
#include "sched/sched.h"
#include "sched/tz.h"
#include "util/alloc.h"
#include "util/str.h"
#include "util/time.h"

static char *db_url;
static char db_name[64];
static const char *base_url;
static struct hk_db *pool;
static struct hk_app app;
static int64_t user1, user2;

/* ---- test clock ---- */

static _Atomic int64_t fake_now;

static int64_t fake_clock(void)
{
    return atomic_load(&fake_now);
}

static void use_fake_clock(int64_t t)
{
    atomic_store(&fake_now, t);
    hk_queue_set_clock(fake_clock);
}

/* 2030-01-01T00:00:00Z */
#define T0 1893456000000LL

/* ---- helpers ---- */

#include "dbtest.h"

/* Runs a query and returns the first column of the first row as int64
 * (-1 when no row or NULL). */
static int64_t q_i64(const char *sql, const char *arg)
{
    struct hk_dbconn *c = conn();
    PGresult *r = NULL;
    const char *params[1] = {arg};
    int rc = hk_db_query(c, sql, arg ? 1 : 0, params, &r);
    if (rc != 0)
        fail_msg("%s: %s", sql, hk_db_errmsg(c));
    int64_t v = -1;
    if (PQntuples(r) > 0 && !PQgetisnull(r, 0, 0))
        hk_parse_i64(PQgetvalue(r, 0, 0), INT64_MIN, INT64_MAX, &v);
    PQclear(r);
    done(c);
    return v;
}

/* First column of the first row as a new string (caller hk_free). */
static char *q_str(const char *sql, const char *arg)
{
    struct hk_dbconn *c = conn();
    PGresult *r = NULL;
    const char *params[1] = {arg};
    int rc = hk_db_query(c, sql, arg ? 1 : 0, params, &r);
    if (rc != 0)
        fail_msg("%s: %s", sql, hk_db_errmsg(c));
    char *s = PQntuples(r) > 0 && !PQgetisnull(r, 0, 0)
                  ? hk_strdup(PQgetvalue(r, 0, 0))
                  : NULL;
    PQclear(r);
    done(c);
    return s;
}

static char idbuf[24];
static const char *ids(int64_t id)
{
    snprintf(idbuf, sizeof(idbuf), "%" PRId64, id);
    return idbuf;
}

static char *job_state(int64_t id)
{
    return q_str("SELECT state FROM queue_jobs WHERE id = $1::bigint", ids(id));
}

static void assert_state(int64_t id, const char *want)
{
    char *s = job_state(id);
    if (s == NULL || strcmp(s, want) != 0)
        fail_msg("job %" PRId64 ": state %s, want %s", id, s ? s : "(none)",
                 want);
    hk_free(s);
}

static int64_t job_count(void)
{
    return q_i64("SELECT count(*) FROM queue_jobs", NULL);
}

static int64_t enqueue(const char *kind, const char *queue, int64_t user,
                       int prio, int64_t run_at)
{
    struct hk_dbconn *c = conn();
    struct hk_job_spec s = {.kind = kind,
                            .queue = queue,
                            .user_id = user,
                            .priority = prio,
                            .run_at_ms = run_at};
    int64_t id = 0;
    assert_int_equal(hk_queue_enqueue(c, &s, &id, NULL), 0);
    done(c);
    assert_true(id > 0);
    return id;
}

static size_t claim(const char *worker, int max, int per_user,
                    const struct hk_queue_limit *lim, size_t nlim,
                    struct hk_claimed_job **jobs)
{
    struct hk_dbconn *c = conn();
    struct hk_claim_opts o = {.worker = worker,
                              .max_jobs = max,
                              .per_user_limit = per_user,
                              .limits = lim,
                              .n_limits = nlim};
    size_t n = 0;
    assert_int_equal(hk_queue_claim(c, &o, jobs, &n), 0);
    done(c);
    return n;
}

static size_t finish(const char *worker, const struct hk_job_outcome *o,
                     size_t n)
{
    struct hk_dbconn *c = conn();
    size_t applied = 0;
    assert_int_equal(hk_queue_finish(c, worker, o, n, &applied), 0);
    done(c);
    return applied;
}

static void finish_done(const char *worker, const struct hk_claimed_job *j)
{
    struct hk_job_outcome o = {.id = j->id,
                               .attempt = j->attempt,
                               .kind = HK_OUTCOME_DONE,
                               .progress = -1};
    assert_int_equal(finish(worker, &o, 1), 1);
}

static int64_t make_user(const char *email)
{
    char *sql = hk_asprintf("INSERT INTO users (email, password_hash) "
                            "VALUES ('%s', 'x') RETURNING id",
                            email);
    int64_t id = q_i64(sql, NULL);
    hk_free(sql);
    return id;
}

/* Waits up to ms for `sql` (one row, one column) to equal want. */
static bool wait_for(const char *sql, const char *arg, int64_t want, int64_t ms)
{
    int64_t end = hk_mono_ms() + ms;
    while (hk_mono_ms() < end) {
        if (q_i64(sql, arg) == want)
            return true;
        hk_sleep_ms(10);
    }
    return q_i64(sql, arg) == want;
}

/* ---- fixtures ---- */

/* The running pool, stopped by teardown if a test failed midway. */
static struct hk_workers *cur_pool;

static void stop_pool(int64_t grace_ms)
{
    hk_workers_stop(cur_pool, grace_ms);
    cur_pool = NULL;
}

static int group_setup(void **state)
{
    (void)state;
    base_url = getenv("HAWK_TEST_DATABASE_URL");
    if (base_url == NULL || *base_url == '\0') {
        fprintf(stderr, "HAWK_TEST_DATABASE_URL is not set\n");
        return -1;
    }
    const char *lv = getenv("HAWK_TEST_LOG_LEVEL");
    hk_log_set_level(lv ? hk_log_level_parse(lv) : HAWK_LOG_ERROR);
    snprintf(db_name, sizeof(db_name), "hk_test_queue_%ld", (long)getpid());
    char *sql = hk_asprintf("DROP DATABASE IF EXISTS %s", db_name);
    admin_exec(sql);
    hk_free(sql);
    sql = hk_asprintf("CREATE DATABASE %s", db_name);
    admin_exec(sql);
    hk_free(sql);
    db_url = hk_asprintf("%s dbname=%s", base_url, db_name);
    struct hk_db_opts o = {
        .url = db_url, .pool_size = 24, .acquire_timeout_ms = 5000};
    if (hk_db_open(&o, &pool) != 0)
        return -1;
    int applied = 0;
    if (hk_migrate_run(pool, &applied) != 0) {
        fprintf(stderr, "migrations failed\n");
        return -1;
    }
    app.db = pool;
    app.db_url = db_url;
    user1 = make_user("u1@example.com");
    user2 = make_user("u2@example.com");
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    hk_queue_set_clock(NULL);
    hk_db_close(pool);
    char *sql = hk_asprintf("DROP DATABASE IF EXISTS %s WITH (FORCE)", db_name);
    admin_exec(sql);
    hk_free(sql);
    hk_free(db_url);
    hk_tz_cache_clear();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    if (cur_pool != NULL)
        stop_pool(0);
    return 0;
}

static int setup(void **state)
{
    (void)state;
    hk_queue_set_clock(NULL);
    struct hk_dbconn *c = conn();
    assert_int_equal(hk_db_exec(c, "TRUNCATE queue_jobs, queue_paused, "
                                   "schedules RESTART IDENTITY"),
                     0);
    done(c);
    return 0;
}

/* ---- enqueue ---- */

static void test_enqueue_defaults(void **state)
{
    (void)state;
    int64_t id = enqueue("noop", NULL, user1, 0, 0);
    assert_state(id, "queued");
    char *q = q_str("SELECT queue || ',' || max_attempts || ',' || user_id "
                    "|| ',' || payload::text FROM queue_jobs "
                    "WHERE id = $1::bigint",
                    ids(id));
    assert_string_equal(q, "default,3,"
                           "1,{}");
    hk_free(q);

    /* a kind nobody registered still enqueues, with generic defaults */
    struct hk_dbconn *c = conn();
    struct hk_job_spec s = {.kind = "future.kind", .payload = "{\"a\":1}"};
    int64_t id2 = 0;
    assert_int_equal(hk_queue_enqueue(c, &s, &id2, NULL), 0);
    done(c);
    assert_int_equal(q_i64("SELECT max_attempts FROM queue_jobs WHERE id = "
                           "$1::bigint",
                           ids(id2)),
                     5);
}

static void test_enqueue_rejects_bad_input(void **state)
{
    (void)state;
    struct hk_dbconn *c = conn();
    int64_t id = 0;
    struct hk_job_spec s = {.kind = "Bad Kind"};
    assert_int_equal(hk_queue_enqueue(c, &s, &id, NULL), HAWK_EINVAL);
    s = (struct hk_job_spec){.kind = "noop", .queue = "UPPER"};
    assert_int_equal(hk_queue_enqueue(c, &s, &id, NULL), HAWK_EINVAL);
    s = (struct hk_job_spec){.kind = "noop", .payload = "[1,2]"};
    assert_int_equal(hk_queue_enqueue(c, &s, &id, NULL), HAWK_EINVAL);
    s = (struct hk_job_spec){.kind = "noop", .payload = "{not json"};
    assert_int_equal(hk_queue_enqueue(c, &s, &id, NULL), HAWK_EINVAL);
    s = (struct hk_job_spec){.kind = "noop", .unique_key = ""};
    assert_int_equal(hk_queue_enqueue(c, &s, &id, NULL), HAWK_EINVAL);
    char *big = hk_malloc(HK_JOB_PAYLOAD_MAX + 16);
    memset(big, ' ', HK_JOB_PAYLOAD_MAX + 15);
    big[0] = '{';
    big[HK_JOB_PAYLOAD_MAX + 14] = '}';
    big[HK_JOB_PAYLOAD_MAX + 15] = '\0';
    s = (struct hk_job_spec){.kind = "noop", .payload = big};
    assert_int_equal(hk_queue_enqueue(c, &s, &id, NULL), HAWK_ETOOBIG);
    hk_free(big);
    s = (struct hk_job_spec){.kind = "noop", .max_attempts = 5000};
    assert_int_equal(hk_queue_enqueue(c, &s, &id, NULL), HAWK_EINVAL);
    done(c);
    assert_int_equal(job_count(), 0);
}

static void test_enqueue_in_caller_transaction(void **state)
{
    (void)state;
    struct hk_dbconn *c = conn();
    assert_int_equal(hk_db_begin(c), 0);
    struct hk_job_spec s = {.kind = "noop"};
    int64_t id = 0;
    assert_int_equal(hk_queue_enqueue(c, &s, &id, NULL), 0);
    assert_int_equal(hk_db_rollback(c), 0);
    done(c);
    /* rolled back with the caller's transaction: no orphan job */
    assert_int_equal(job_count(), 0);
}

/* ---- ordering ---- */

static void test_claim_order(void **state)
{
    (void)state;
    use_fake_clock(T0);
    int64_t a = enqueue("noop", NULL, 0, 0, T0 - 10);
    int64_t b = enqueue("noop", NULL, 0, 5, T0 - 1);
    int64_t c = enqueue("noop", NULL, 0, 0, T0 - 30);
    int64_t d = enqueue("noop", NULL, 0, 0, T0 - 20);
    int64_t e = enqueue("noop", NULL, 0, 9, T0 + 60000); /* not yet due */
    int64_t f = enqueue("noop", NULL, 0, -3, T0 - 100);
    struct hk_claimed_job *jobs = NULL;
    size_t n = claim("w1", 10, 0, NULL, 0, &jobs);
    assert_int_equal(n, 5);
    int64_t want[] = {b, c, d, a, f};
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(jobs[i].id, want[i]);
        assert_int_equal(jobs[i].attempt, 1);
        assert_string_equal(jobs[i].kind, "noop");
    }
    hk_claimed_jobs_free(jobs, n);
    assert_state(e, "queued");
    atomic_store(&fake_now, T0 + 59999);
    assert_int_equal(claim("w1", 10, 0, NULL, 0, &jobs), 0);
    hk_claimed_jobs_free(jobs, 0);
    atomic_store(&fake_now, T0 + 60000);
    assert_int_equal(claim("w1", 10, 0, NULL, 0, &jobs), 1);
    assert_int_equal(jobs[0].id, e);
    hk_claimed_jobs_free(jobs, 1);
}

static void test_claim_batch_limit_and_queues(void **state)
{
    (void)state;
    for (int i = 0; i < 7; i++)
        enqueue("noop", NULL, 0, 0, 0);
    int64_t other = enqueue("noop", "other", 0, 100, 0);
    struct hk_claimed_job *jobs = NULL;
    struct hk_dbconn *c = conn();
    const char *qs[] = {"default", NULL};
    struct hk_claim_opts o = {.worker = "w", .queues = qs, .max_jobs = 4};
    size_t n = 0;
    assert_int_equal(hk_queue_claim(c, &o, &jobs, &n), 0);
    assert_int_equal(n, 4);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(jobs[i].queue, "default");
    hk_claimed_jobs_free(jobs, n);
    done(c);
    assert_state(other, "queued");
}

/* Each fallible allocation of a claim fails in turn (util/alloc.h
 * injection): the claim answers an error and leaves every job queued, or
 * claims them all; it never sends a half-built array to the server. */
static void test_claim_allocation_failures(void **state)
{
    (void)state;
    for (int i = 0; i < 3; i++)
        enqueue("noop", "torture", 0, 0, 0);
    const char *qs[] = {"torture", "default", NULL};
    const struct hk_queue_limit lim[] = {{"torture", 10}, {"default", 5}};
    struct hk_claim_opts o = {.worker = "w",
                              .queues = qs,
                              .max_jobs = 10,
                              .limits = lim,
                              .n_limits = 2};
    long n;
    size_t got = 0;
    for (n = 1; n < 200; n++) {
        struct hk_claimed_job *jobs = NULL;
        struct hk_dbconn *c = conn();
        hk_alloc_fail_nth(n);
        int rc = hk_queue_claim(c, &o, &jobs, &got);
        long made = hk_alloc_fallible_count();
        hk_alloc_fail_nth(0);
        done(c);
        if (made < n) {
            assert_int_equal(rc, 0);
            hk_claimed_jobs_free(jobs, got);
            break;
        }
        if (rc == 0) {
            hk_claimed_jobs_free(jobs, got);
            break;
        }
        assert_int_equal(rc, HAWK_ENOMEM);
        assert_null(jobs);
        assert_int_equal(got, 0);
        assert_int_equal(q_i64("SELECT count(*) FROM queue_jobs WHERE queue = "
                               "'torture' AND state = 'queued'",
                               NULL),
                         3);
    }
    assert_true(n > 1); /* the injection reached the claim */
    assert_int_equal(got, 3);
}

/* ---- unique keys ---- */

struct uniq_arg {
    int64_t id;
    bool existed;
    int rc;
};

static void *uniq_thread(void *p)
{
    struct uniq_arg *a = p;
    struct hk_dbconn *c = NULL;
    a->rc = hk_db_acquire(pool, &c);
    if (a->rc != 0)
        return NULL;
    a->rc = hk_db_begin(c);
    struct hk_job_spec s = {.kind = "noop", .unique_key = "apply:job:42"};
    if (a->rc == 0)
        a->rc = hk_queue_enqueue(c, &s, &a->id, &a->existed);
    hk_sleep_ms(20); /* hold the transaction open: others must wait */
    if (a->rc == 0)
        a->rc = hk_db_commit(c);
    hk_db_release(pool, c);
    return NULL;
}

static void test_unique_key_concurrent(void **state)
{
    (void)state;
    enum { N = 8 };
    pthread_t t[N];
    struct uniq_arg a[N];
    memset(a, 0, sizeof(a));
    for (int i = 0; i < N; i++)
        pthread_create(&t[i], NULL, uniq_thread, &a[i]);
    for (int i = 0; i < N; i++)
        pthread_join(t[i], NULL);
    int created = 0;
    for (int i = 0; i < N; i++) {
        assert_int_equal(a[i].rc, 0);
        assert_int_equal(a[i].id, a[0].id);
        created += !a[i].existed;
    }
    assert_int_equal(created, 1);
    assert_int_equal(job_count(), 1);

    /* Once that job has finished, the key is free again. */
    struct hk_claimed_job *jobs = NULL;
    assert_int_equal(claim("w", 1, 0, NULL, 0, &jobs), 1);
    finish_done("w", &jobs[0]);
    hk_claimed_jobs_free(jobs, 1);
    struct uniq_arg again = {0};
    uniq_thread(&again);
    assert_int_equal(again.rc, 0);
    assert_false(again.existed);
    assert_true(again.id != a[0].id);
    assert_int_equal(job_count(), 2);
}

/* ---- retries ---- */

static int fail_run(struct hk_job_ctx *ctx, const char *payload,
                    struct hk_buf *result, struct hawk_error *err)
{
    (void)ctx;
    (void)payload;
    (void)result;
    err->retryable = true;
    hk_strlcpy(err->msg, "upstream said no", sizeof(err->msg));
    return HAWK_EUNAVAIL;
}

static const struct hk_job_kind flaky_kind = {
    .name = "t_flaky",
    .run = fail_run,
    .max_attempts = 4,
    .backoff_base_ms = 1000,
    .backoff_cap_ms = 3000,
};

static int64_t col_run_at(int64_t id)
{
    return q_i64("SELECT (extract(epoch FROM run_at) * 1000)::bigint "
                 "FROM queue_jobs WHERE id = $1::bigint",
                 ids(id));
}

static void test_retry_backoff_with_clock(void **state)
{
    (void)state;
    assert_int_equal(hk_queue_register_kind(&flaky_kind), 0);
    use_fake_clock(T0);
    int64_t id = enqueue("t_flaky", NULL, 0, 0, 0);
    struct hk_job_kind k;
    assert_int_equal(hk_queue_find_kind("t_flaky", &k), 0);
    /* expected delay bounds per failed attempt: base*2^(n-1) capped,
     * jittered into its upper half */
    int64_t lo[] = {500, 1000, 1500}, hi[] = {1000, 2000, 3000};
    int64_t now = T0;
    for (int attempt = 1; attempt <= 4; attempt++) {
        struct hk_claimed_job *jobs = NULL;
        assert_int_equal(claim("w", 1, 0, NULL, 0, &jobs), 1);
        assert_int_equal(jobs[0].id, id);
        assert_int_equal(jobs[0].attempt, attempt);
        struct hk_job_outcome o;
        hk_queue_fail_outcome(&k, id, attempt, jobs[0].max_attempts, true,
                              "upstream said no", &o);
        hk_claimed_jobs_free(jobs, 1);
        assert_int_equal(finish("w", &o, 1), 1);
        if (attempt == 4) {
            assert_int_equal(o.kind, HK_OUTCOME_DEAD);
            break;
        }
        assert_int_equal(o.kind, HK_OUTCOME_RETRY);
        assert_state(id, "queued");
        int64_t run_at = col_run_at(id);
        int64_t delay = run_at - now;
        if (delay < lo[attempt - 1] || delay > hi[attempt - 1])
            fail_msg("attempt %d: delay %" PRId64 " not in [%" PRId64
                     ", %" PRId64 "]",
                     attempt, delay, lo[attempt - 1], hi[attempt - 1]);
        /* not a millisecond early */
        atomic_store(&fake_now, run_at - 1);
        assert_int_equal(claim("w", 1, 0, NULL, 0, &jobs), 0);
        hk_claimed_jobs_free(jobs, 0);
        now = run_at;
        atomic_store(&fake_now, now);
    }
    assert_state(id, "dead");
    char *err = q_str("SELECT last_error || ' ' || attempts FROM queue_jobs "
                      "WHERE id = $1::bigint AND finished_at IS NOT NULL",
                      ids(id));
    assert_string_equal(err, "upstream said no 4");
    hk_free(err);
    /* dead jobs stay claimable by nobody */
    atomic_store(&fake_now, T0 + 86400000);
    struct hk_claimed_job *jobs = NULL;
    assert_int_equal(claim("w", 1, 0, NULL, 0, &jobs), 0);
    hk_claimed_jobs_free(jobs, 0);
}

static void test_permanent_error_not_retried(void **state)
{
    (void)state;
    int64_t id = enqueue("t_flaky", NULL, 0, 0, 0);
    struct hk_claimed_job *jobs = NULL;
    assert_int_equal(claim("w", 1, 0, NULL, 0, &jobs), 1);
    struct hk_job_outcome o;
    hk_queue_fail_outcome(&flaky_kind, id, 1, jobs[0].max_attempts, false,
                          "invalid api key", &o);
    hk_claimed_jobs_free(jobs, 1);
    assert_int_equal(o.kind, HK_OUTCOME_DEAD);
    assert_int_equal(finish("w", &o, 1), 1);
    assert_state(id, "dead");
    assert_int_equal(q_i64("SELECT attempts FROM queue_jobs WHERE id = "
                           "$1::bigint",
                           ids(id)),
                     1);
}

static void test_backoff_bounds(void **state)
{
    (void)state;
    struct hk_job_kind k = {.backoff_base_ms = 100, .backoff_cap_ms = 1000};
    for (int i = 0; i < 200; i++) {
        int64_t d1 = hk_queue_backoff_ms(&k, 1);
        int64_t d5 = hk_queue_backoff_ms(&k, 5);
        int64_t d40 = hk_queue_backoff_ms(&k, 40);
        assert_true(d1 >= 50 && d1 <= 100);
        assert_true(d5 >= 500 && d5 <= 1000); /* 1600 capped to 1000 */
        assert_true(d40 >= 500 && d40 <= 1000);
    }
    /* defaults: 1 s base */
    int64_t d = hk_queue_backoff_ms(NULL, 1);
    assert_true(d >= 500 && d <= 1000);
}

/* ---- cancel, pause, per-user and per-queue limits ---- */

static void test_cancel(void **state)
{
    (void)state;
    int64_t q = enqueue("noop", NULL, user1, 0, 0);
    enum hk_cancel_result res;
    struct hk_dbconn *c = conn();
    /* another user's job is not found, and stays queued */
    assert_int_equal(hk_queue_cancel(c, q, user2, &res), HAWK_ENOTFOUND);
    assert_int_equal(hk_queue_cancel(c, 999999, user1, &res), HAWK_ENOTFOUND);
    done(c);
    assert_state(q, "queued");
    c = conn();
    assert_int_equal(hk_queue_cancel(c, q, user1, &res), 0);
    assert_int_equal(res, HK_CANCEL_DONE);
    assert_int_equal(hk_queue_cancel(c, q, user1, &res), HAWK_ECONFLICT);
    done(c);
    assert_state(q, "cancelled");

    /* running: the request is recorded; a later failure is not retried */
    int64_t r = enqueue("noop", NULL, user1, 0, 0);
    struct hk_claimed_job *jobs = NULL;
    assert_int_equal(claim("w", 1, 0, NULL, 0, &jobs), 1);
    c = conn();
    assert_int_equal(hk_queue_cancel(c, r, 0, &res), 0);
    done(c);
    assert_int_equal(res, HK_CANCEL_REQUESTED);
    assert_state(r, "running");
    struct hk_job_outcome o;
    hk_queue_fail_outcome(NULL, r, 1, 3, true, "interrupted", &o);
    assert_int_equal(o.kind, HK_OUTCOME_RETRY);
    assert_int_equal(finish("w", &o, 1), 1);
    hk_claimed_jobs_free(jobs, 1);
    assert_state(r, "cancelled");
}

static void test_pause_resume(void **state)
{
    (void)state;
    int64_t a = enqueue("noop", "mail", 0, 0, 0);
    int64_t b = enqueue("noop", "default", 0, 0, 0);
    struct hk_dbconn *c = conn();
    assert_int_equal(hk_queue_pause(c, "mail", user1), 0);
    assert_int_equal(hk_queue_pause(c, "mail", user1), 0); /* idempotent */
    assert_int_equal(hk_queue_pause(c, "Bad Name", 0), HAWK_EINVAL);
    done(c);
    struct hk_claimed_job *jobs = NULL;
    assert_int_equal(claim("w", 10, 0, NULL, 0, &jobs), 1);
    assert_int_equal(jobs[0].id, b);
    hk_claimed_jobs_free(jobs, 1);
    assert_state(a, "queued");
    c = conn();
    assert_int_equal(hk_queue_resume(c, "mail"), 0);
    done(c);
    assert_int_equal(claim("w", 10, 0, NULL, 0, &jobs), 1);
    assert_int_equal(jobs[0].id, a);
    hk_claimed_jobs_free(jobs, 1);
}

static int64_t running_of(int64_t user)
{
    return q_i64("SELECT count(*) FROM queue_jobs WHERE state = 'running' "
                 "AND user_id = $1::bigint",
                 ids(user));
}

static void test_per_user_limit(void **state)
{
    (void)state;
    use_fake_clock(T0);
    for (int i = 0; i < 6; i++)
        enqueue("noop", NULL, user1, 0, T0 - 100 + i);
    int64_t u2 = enqueue("noop", NULL, user2, 0, T0 - 10);
    int64_t sys = enqueue("noop", NULL, 0, 0, T0 - 5);
    struct hk_claimed_job *jobs = NULL;
    size_t n = claim("w1", 10, 2, NULL, 0, &jobs);
    assert_int_equal(n, 4); /* 2 of user1, user2's, the system job */
    assert_int_equal(running_of(user1), 2);
    assert_state(u2, "running");
    assert_state(sys, "running");
    /* another worker cannot exceed the limit either */
    struct hk_claimed_job *more = NULL;
    assert_int_equal(claim("w2", 10, 2, NULL, 0, &more), 0);
    hk_claimed_jobs_free(more, 0);
    /* one of user1's finishes: exactly one more may start */
    for (size_t i = 0; i < n; i++) {
        if (jobs[i].user_id == user1) {
            finish_done("w1", &jobs[i]);
            break;
        }
    }
    hk_claimed_jobs_free(jobs, n);
    assert_int_equal(claim("w2", 10, 2, NULL, 0, &more), 1);
    assert_int_equal(more[0].user_id, user1);
    hk_claimed_jobs_free(more, 1);
    assert_int_equal(running_of(user1), 2);
}

struct claim_arg {
    char worker[16];
    size_t n;
};

static void *claim_thread(void *p)
{
    struct claim_arg *a = p;
    struct hk_dbconn *c = NULL;
    if (hk_db_acquire(pool, &c) != 0)
        return NULL;
    struct hk_claim_opts o = {
        .worker = a->worker, .max_jobs = 10, .per_user_limit = 3};
    struct hk_claimed_job *jobs = NULL;
    if (hk_queue_claim(c, &o, &jobs, &a->n) == 0)
        hk_claimed_jobs_free(jobs, a->n);
    hk_db_release(pool, c);
    return NULL;
}

static void test_per_user_limit_concurrent_claims(void **state)
{
    (void)state;
    for (int i = 0; i < 40; i++)
        enqueue("noop", NULL, user1, 0, 0);
    enum { N = 6 };
    pthread_t t[N];
    struct claim_arg a[N];
    memset(a, 0, sizeof(a));
    for (int i = 0; i < N; i++) {
        snprintf(a[i].worker, sizeof(a[i].worker), "node%d", i);
        pthread_create(&t[i], NULL, claim_thread, &a[i]);
    }
    size_t total = 0;
    for (int i = 0; i < N; i++) {
        pthread_join(t[i], NULL);
        total += a[i].n;
    }
    assert_int_equal(total, 3);
    assert_int_equal(running_of(user1), 3);
}

static void test_queue_concurrency_limit(void **state)
{
    (void)state;
    for (int i = 0; i < 5; i++)
        enqueue("noop", "slow", 0, 0, 0);
    for (int i = 0; i < 3; i++)
        enqueue("noop", "fast", 0, 0, 0);
    struct hk_queue_limit lim[] = {{"slow", 2}};
    struct hk_claimed_job *jobs = NULL;
    size_t n = claim("w", 10, 0, lim, 1, &jobs);
    assert_int_equal(n, 5);
    int slow = 0;
    for (size_t i = 0; i < n; i++)
        slow += strcmp(jobs[i].queue, "slow") == 0;
    assert_int_equal(slow, 2);
    hk_claimed_jobs_free(jobs, n);
    assert_int_equal(claim("w", 10, 0, lim, 1, &jobs), 0);
    hk_claimed_jobs_free(jobs, 0);
}

/* ---- heartbeats, rescue, stale outcomes ---- */

static void test_heartbeat_and_orphans(void **state)
{
    (void)state;
    use_fake_clock(T0);
    int64_t a = enqueue("noop", NULL, 0, 1, 0);
    int64_t b = enqueue("noop", NULL, 0, 0, 0);
    struct hk_claimed_job *jobs = NULL;
    assert_int_equal(claim("w", 2, 0, NULL, 0, &jobs), 2);
    hk_claimed_jobs_free(jobs, 2);
    atomic_store(&fake_now, T0 + 5000);
    /* the pool knows only `a`: `b` is a claim whose commit reply was lost */
    int64_t held[] = {a, 777777};
    bool alive[2], cancel[2];
    struct hk_dbconn *c = conn();
    assert_int_equal(hk_queue_heartbeat(c, "w", held, 2, alive, cancel), 0);
    done(c);
    assert_true(alive[0]);
    assert_false(alive[1]);
    assert_false(cancel[0]);
    assert_int_equal(q_i64("SELECT (extract(epoch FROM heartbeat_at) * "
                           "1000)::bigint FROM queue_jobs WHERE id = "
                           "$1::bigint",
                           ids(a)),
                     T0 + 5000);
    assert_state(b, "queued");
    assert_int_equal(q_i64("SELECT attempts FROM queue_jobs WHERE id = "
                           "$1::bigint",
                           ids(b)),
                     0);
}

static void test_rescue_counts_attempt_and_blocks_stale_outcome(void **state)
{
    (void)state;
    use_fake_clock(T0);
    int64_t id = enqueue("noop", NULL, 0, 0, 0);
    struct hk_claimed_job *jobs = NULL;
    assert_int_equal(claim("dead-worker", 1, 0, NULL, 0, &jobs), 1);
    hk_claimed_jobs_free(jobs, 1);

    struct hk_dbconn *c = conn();
    int64_t rescued = 0;
    atomic_store(&fake_now, T0 + 29999);
    assert_int_equal(hk_queue_rescue(c, 30000, &rescued), 0);
    assert_int_equal(rescued, 0);
    atomic_store(&fake_now, T0 + 30001);
    assert_int_equal(hk_queue_rescue(c, 30000, &rescued), 0);
    assert_int_equal(rescued, 1);
    done(c);
    assert_state(id, "queued");
    char *err = q_str("SELECT last_error FROM queue_jobs WHERE id = "
                      "$1::bigint",
                      ids(id));
    assert_non_null(strstr(err, "stopped sending heartbeats"));
    hk_free(err);

    /* the next run is attempt 2: the lost one counted */
    assert_int_equal(claim("w2", 1, 0, NULL, 0, &jobs), 1);
    assert_int_equal(jobs[0].attempt, 2);
    /* the old worker comes back and reports: ignored */
    struct hk_job_outcome stale = {
        .id = id, .attempt = 1, .kind = HK_OUTCOME_DONE, .progress = -1};
    assert_int_equal(finish("dead-worker", &stale, 1), 0);
    assert_state(id, "running");
    finish_done("w2", &jobs[0]);
    hk_claimed_jobs_free(jobs, 1);
    assert_state(id, "done");

    /* out of attempts when rescued: dead */
    struct hk_dbconn *c2 = conn();
    struct hk_job_spec s = {.kind = "noop", .max_attempts = 1};
    int64_t id2 = 0;
    assert_int_equal(hk_queue_enqueue(c2, &s, &id2, NULL), 0);
    done(c2);
    assert_int_equal(claim("gone", 1, 0, NULL, 0, &jobs), 1);
    hk_claimed_jobs_free(jobs, 1);
    atomic_store(&fake_now, T0 + 90000);
    c2 = conn();
    assert_int_equal(hk_queue_rescue(c2, 30000, &rescued), 0);
    done(c2);
    assert_state(id2, "dead");
}

/* ---- management ---- */

static void test_retry_delete_prune(void **state)
{
    (void)state;
    use_fake_clock(T0);
    struct hk_dbconn *c = conn();
    struct hk_job_spec s = {.kind = "noop", .max_attempts = 1};
    int64_t id = 0;
    assert_int_equal(hk_queue_enqueue(c, &s, &id, NULL), 0);
    done(c);
    c = conn();
    assert_int_equal(hk_queue_retry(c, id), HAWK_ECONFLICT);
    assert_int_equal(hk_queue_delete(c, id), HAWK_ECONFLICT);
    assert_int_equal(hk_queue_retry(c, 424242), HAWK_ENOTFOUND);
    done(c);
    assert_state(id, "queued");
    struct hk_claimed_job *jobs = NULL;
    assert_int_equal(claim("w", 1, 0, NULL, 0, &jobs), 1);
    struct hk_job_outcome o;
    hk_queue_fail_outcome(NULL, id, 1, 1, true, "boom", &o);
    assert_int_equal(finish("w", &o, 1), 1);
    hk_claimed_jobs_free(jobs, 1);
    assert_state(id, "dead");
    c = conn();
    assert_int_equal(hk_queue_retry(c, id), 0);
    done(c);
    assert_state(id, "queued");
    assert_int_equal(q_i64("SELECT attempts FROM queue_jobs WHERE id = "
                           "$1::bigint",
                           ids(id)),
                     0);
    assert_int_equal(claim("w", 1, 0, NULL, 0, &jobs), 1);
    hk_queue_fail_outcome(NULL, id, 1, 1, true, "boom again", &o);
    assert_int_equal(finish("w", &o, 1), 1);
    hk_claimed_jobs_free(jobs, 1);
    c = conn();
    assert_int_equal(hk_queue_delete(c, id), 0);
    assert_int_equal(hk_queue_delete(c, id), HAWK_ENOTFOUND);
    done(c);
    assert_int_equal(job_count(), 0);

    /* prune: finished 8 days ago goes, 1 day ago stays, queued stays */
    int64_t old = enqueue("noop", NULL, 0, 0, 0);
    int64_t recent = enqueue("noop", NULL, 0, 0, 0);
    int64_t waiting = enqueue("noop", NULL, 0, 0, 0);
    char *sql =
        hk_asprintf("UPDATE queue_jobs SET state = 'done', finished_at = "
                    "to_timestamp(%lld / 1000.0) - (CASE WHEN id = %" PRId64
                    " THEN interval '8 days' ELSE interval '1 day' END) "
                    "WHERE id IN (%" PRId64 ", %" PRId64 ")",
                    (long long)T0, old, old, recent);
    c = conn();
    assert_int_equal(hk_db_exec(c, sql), 0);
    hk_free(sql);
    int64_t deleted = 0;
    assert_int_equal(hk_queue_prune(c, 7LL * 86400 * 1000, &deleted), 0);
    done(c);
    assert_int_equal(deleted, 1);
    assert_null(job_state(old));
    assert_state(recent, "done");
    assert_state(waiting, "queued");
}

/* ---- the worker pool ---- */

static _Atomic int64_t probe_started_us;

static int probe_run(struct hk_job_ctx *ctx, const char *payload,
                     struct hk_buf *result, struct hawk_error *err)
{
    (void)ctx;
    (void)payload;
    (void)err;
    atomic_store(&probe_started_us, hk_mono_us());
    hk_buf_puts(result, "{\"ok\":true}");
    return 0;
}

static const struct hk_job_kind probe_kind = {.name = "t_probe",
                                              .run = probe_run};

static struct hk_workers *start_pool(int n, int64_t poll_ms)
{
    struct hk_workers_opts o = {.n = n,
                                .batch_size = 8,
                                .per_user_limit = 0,
                                .poll_interval_ms = poll_ms,
                                .heartbeat_interval_ms = 500,
                                .rescue_after_ms = 5000};
    struct hk_workers *w = NULL;
    assert_int_equal(hk_workers_start_opts(&app, &o, &w), 0);
    cur_pool = w;
    return w;
}

static void test_pool_runs_jobs(void **state)
{
    (void)state;
    assert_int_equal(hk_queue_register_kind(&probe_kind), 0);
    start_pool(3, 5000);
    for (int i = 0; i < 60; i++)
        enqueue("noop", NULL, i % 2 ? user1 : 0, 0, 0);
    assert_true(wait_for("SELECT count(*) FROM queue_jobs WHERE state = "
                         "'done'",
                         NULL, 60, 10000));
    /* idle now; the fallback poll is 5 s, so a start within 500 ms proves
     * the notification woke the pool */
    hk_sleep_ms(100);
    atomic_store(&probe_started_us, 0);
    int64_t t = hk_mono_us();
    int64_t id = enqueue("t_probe", NULL, 0, 0, 0);
    assert_true(wait_for("SELECT count(*) FROM queue_jobs WHERE id = "
                         "$1::bigint AND state = 'done'",
                         ids(id), 1, 2000));
    int64_t lat = atomic_load(&probe_started_us) - t;
    assert_true(lat > 0 && lat < 500000);
    char *res = q_str("SELECT result::text FROM queue_jobs WHERE id = "
                      "$1::bigint",
                      ids(id));
    assert_string_equal(res, "{\"ok\": true}");
    hk_free(res);
    stop_pool(1000);
}

static void test_pool_handler_error_and_delayed_job(void **state)
{
    (void)state;
    start_pool(2, 5000);
    struct hk_dbconn *c = conn();
    int64_t bad = 0, later = 0;
    struct hk_job_spec s = {.kind = "noop",
                            .payload = "{\"fail\":\"card declined\","
                                       "\"permanent\":true}"};
    assert_int_equal(hk_queue_enqueue(c, &s, &bad, NULL), 0);
    /* a delayed job wakes the pool at its time, not at the next poll */
    s = (struct hk_job_spec){.kind = "noop", .run_at_ms = hk_wall_ms() + 700};
    assert_int_equal(hk_queue_enqueue(c, &s, &later, NULL), 0);
    done(c);
    assert_true(wait_for("SELECT count(*) FROM queue_jobs WHERE id = "
                         "$1::bigint AND state = 'dead'",
                         ids(bad), 1, 3000));
    char *e = q_str("SELECT last_error FROM queue_jobs WHERE id = $1::bigint",
                    ids(bad));
    assert_string_equal(e, "card declined");
    hk_free(e);
    int64_t t = hk_mono_ms();
    assert_true(wait_for("SELECT count(*) FROM queue_jobs WHERE id = "
                         "$1::bigint AND state = 'done'",
                         ids(later), 1, 3000));
    assert_true(hk_mono_ms() - t < 2500); /* not the 5 s poll */
    stop_pool(1000);
}

static void test_pool_cancel_running(void **state)
{
    (void)state;
    start_pool(1, 5000);
    struct hk_dbconn *c = conn();
    int64_t id = 0;
    struct hk_job_spec s = {
        .kind = "sleep", .payload = "{\"ms\":20000}", .user_id = user1};
    assert_int_equal(hk_queue_enqueue(c, &s, &id, NULL), 0);
    done(c);
    assert_true(wait_for("SELECT count(*) FROM queue_jobs WHERE id = "
                         "$1::bigint AND state = 'running'",
                         ids(id), 1, 3000));
    int64_t t = hk_mono_ms();
    enum hk_cancel_result res;
    c = conn();
    assert_int_equal(hk_queue_cancel(c, id, user1, &res), 0);
    done(c);
    assert_int_equal(res, HK_CANCEL_REQUESTED);
    assert_true(wait_for("SELECT count(*) FROM queue_jobs WHERE id = "
                         "$1::bigint AND state = 'cancelled'",
                         ids(id), 1, 3000));
    assert_true(hk_mono_ms() - t < 2000);
    stop_pool(1000);
}

static int slow_run(struct hk_job_ctx *ctx, const char *payload,
                    struct hk_buf *result, struct hawk_error *err)
{
    (void)payload;
    (void)result;
    int rc = hk_job_sleep(ctx, 10000);
    if (rc < 0) {
        hk_strlcpy(err->msg, "interrupted", sizeof(err->msg));
        err->retryable = true;
    }
    return rc;
}

static void test_pool_timeout(void **state)
{
    (void)state;
    struct hk_job_kind k = {.name = "t_slow",
                            .run = slow_run,
                            .timeout_ms = 200,
                            .max_attempts = 1};
    assert_int_equal(hk_queue_register_kind(&k), 0);
    start_pool(1, 5000);
    int64_t id = enqueue("t_slow", NULL, 0, 0, 0);
    assert_true(wait_for("SELECT count(*) FROM queue_jobs WHERE id = "
                         "$1::bigint AND state = 'dead'",
                         ids(id), 1, 3000));
    char *e = q_str("SELECT last_error FROM queue_jobs WHERE id = $1::bigint",
                    ids(id));
    assert_string_equal(e, "timed out after 200 ms");
    hk_free(e);
    stop_pool(1000);
}

static void test_pool_shutdown_releases(void **state)
{
    (void)state;
    start_pool(1, 5000);
    struct hk_dbconn *c = conn();
    int64_t id = 0, waiting = 0;
    struct hk_job_spec s = {.kind = "sleep", .payload = "{\"ms\":30000}"};
    assert_int_equal(hk_queue_enqueue(c, &s, &id, NULL), 0);
    done(c);
    assert_true(wait_for("SELECT count(*) FROM queue_jobs WHERE id = "
                         "$1::bigint AND state = 'running'",
                         ids(id), 1, 3000));
    waiting = enqueue("noop", NULL, 0, -1, 0);
    hk_sleep_ms(100);
    int64_t t = hk_mono_ms();
    stop_pool(200);
    assert_true(hk_mono_ms() - t < 3000);
    /* back in the queue, the interrupted attempt not counted */
    assert_state(id, "queued");
    assert_int_equal(q_i64("SELECT attempts FROM queue_jobs WHERE id = "
                           "$1::bigint",
                           ids(id)),
                     0);
    char *st = job_state(waiting);
    assert_true(strcmp(st, "queued") == 0 || strcmp(st, "done") == 0);
    hk_free(st);
}

/* A job that says when its handler has started: the queue marks a job
 * 'running' when it claims it, before a worker thread enters run(), so the
 * row's state cannot tell a test that the handler is under way. */
static _Atomic int hold_started;

static int hold_run(struct hk_job_ctx *ctx, const char *payload,
                    struct hk_buf *result, struct hawk_error *err)
{
    (void)payload;
    (void)result;
    (void)err;
    atomic_store(&hold_started, 1);
    return hk_job_sleep(ctx, 300);
}

static void test_pool_graceful_finish(void **state)
{
    (void)state;
    static const struct hk_job_kind k = {.name = "t_hold", .run = hold_run};
    assert_int_equal(hk_queue_register_kind(&k), 0);
    atomic_store(&hold_started, 0);
    start_pool(1, 5000);
    int64_t id = enqueue("t_hold", NULL, 0, 0, 0);
    int64_t until = hk_mono_ms() + 10000;
    while (!atomic_load(&hold_started) && hk_mono_ms() < until)
        hk_sleep_ms(5);
    assert_true(atomic_load(&hold_started));
    /* a grace far beyond the job's 300 ms: it finishes, however slow the
     * machine, and is not released back to the queue */
    stop_pool(60000);
    assert_state(id, "done");
}

/* ---- schedules ---- */

static void test_sched_upsert_validation(void **state)
{
    (void)state;
    use_fake_clock(T0 + 10 * 1000); /* 2030-01-01 00:00:10Z */
    struct hk_dbconn *c = conn();
    char err[256];
    struct hk_sched_spec s = {.user_id = user1,
                              .name = "nightly",
                              .cron = "61 * * * *",
                              .tz = "UTC",
                              .kind = "noop",
                              .enabled = true};
    assert_int_equal(hk_sched_upsert(c, &s, NULL, err, sizeof(err)),
                     HAWK_EINVAL);
    assert_string_equal(err, "minute field '61' out of range 0-59");
    s.cron = "* * * *";
    assert_int_equal(hk_sched_upsert(c, &s, NULL, err, sizeof(err)),
                     HAWK_EINVAL);
    assert_string_equal(err, "expected 5 fields, got 4");
    s.cron = "30 2 * * *";
    s.tz = "Moon/Crater";
    assert_int_equal(hk_sched_upsert(c, &s, NULL, err, sizeof(err)),
                     HAWK_EINVAL);
    assert_string_equal(err, "unknown time zone 'Moon/Crater'");
    s.tz = "Europe/Berlin";
    s.payload = "[1]";
    assert_int_equal(hk_sched_upsert(c, &s, NULL, err, sizeof(err)),
                     HAWK_EINVAL);
    assert_string_equal(err, "payload must be a JSON object");
    s.payload = NULL;
    s.cron = "0 0 30 2 *";
    assert_int_equal(hk_sched_upsert(c, &s, NULL, err, sizeof(err)),
                     HAWK_EINVAL);
    assert_string_equal(err, "cron expression '0 0 30 2 *' never fires");
    s.cron = "30 2 * * *";
    s.jitter_s = -1;
    assert_int_equal(hk_sched_upsert(c, &s, NULL, err, sizeof(err)),
                     HAWK_EINVAL);
    s.jitter_s = 0;
    done(c);
    assert_int_equal(q_i64("SELECT count(*) FROM schedules", NULL), 0);

    c = conn();
    int64_t id = 0;
    assert_int_equal(hk_sched_upsert(c, &s, &id, err, sizeof(err)), 0);
    done(c);
    /* 02:30 Berlin (CET, +1) on 2030-01-01 = 01:30Z */
    int64_t want = T0 / 1000 + 5400;
    const char *sql = "SELECT extract(epoch FROM next_run_at)::bigint FROM "
                      "schedules WHERE id = $1::bigint";
    assert_int_equal(q_i64(sql, ids(id)), want);
    /* an unchanged re-upsert keeps next_run_at even later in time */
    use_fake_clock(T0 + 2 * 3600 * 1000);
    c = conn();
    int64_t id2 = 0;
    assert_int_equal(hk_sched_upsert(c, &s, &id2, err, sizeof(err)), 0);
    assert_int_equal(id2, id);
    assert_int_equal(q_i64(sql, ids(id)), want);
    /* a changed cron recomputes it */
    s.cron = "0 12 * * *";
    assert_int_equal(hk_sched_upsert(c, &s, &id2, err, sizeof(err)), 0);
    done(c);
    assert_int_equal(q_i64(sql, ids(id)), T0 / 1000 + 11 * 3600);
    /* delete */
    c = conn();
    assert_int_equal(hk_sched_delete(c, user2, "nightly"), HAWK_ENOTFOUND);
    assert_int_equal(hk_sched_delete(c, user1, "nightly"), 0);
    assert_int_equal(hk_sched_delete(c, user1, "nightly"), HAWK_ENOTFOUND);
    done(c);
}

static void seed_due_schedules(int n, int64_t due_s)
{
    struct hk_dbconn *c = conn();
    char err[128];
    for (int i = 0; i < n; i++) {
        char name[32];
        snprintf(name, sizeof(name), "s%d", i);
        struct hk_sched_spec s = {.user_id = i % 2 ? user1 : user2,
                                  .name = name,
                                  .cron = "* * * * *",
                                  .kind = "noop",
                                  .enabled = true};
        assert_int_equal(hk_sched_upsert(c, &s, NULL, err, sizeof(err)), 0);
    }
    char *sql = hk_asprintf("UPDATE schedules SET next_run_at = "
                            "to_timestamp(%lld)",
                            (long long)due_s);
    assert_int_equal(hk_db_exec(c, sql), 0);
    hk_free(sql);
    done(c);
}

struct pass_arg {
    int fired;
    int rc;
};

static void *pass_thread(void *p)
{
    struct pass_arg *a = p;
    struct hk_dbconn *c = NULL;
    a->rc = hk_db_acquire(pool, &c);
    if (a->rc == 0)
        a->rc =
            hk_sched_run_due(c, hk_queue_now_ms(), 3600000, 1000, &a->fired);
    hk_db_release(pool, c);
    return NULL;
}

static void test_sched_fires_once_across_nodes(void **state)
{
    (void)state;
    /* now = 00:00:30, every schedule due at 00:00:00 */
    use_fake_clock(T0 + 30000);
    seed_due_schedules(60, T0 / 1000);
    enum { N = 5 };
    pthread_t t[N];
    struct pass_arg a[N];
    memset(a, 0, sizeof(a));
    for (int i = 0; i < N; i++)
        pthread_create(&t[i], NULL, pass_thread, &a[i]);
    int fired = 0;
    for (int i = 0; i < N; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(a[i].rc, 0);
        fired += a[i].fired;
    }
    assert_int_equal(fired, 60);
    assert_int_equal(job_count(), 60);
    assert_int_equal(q_i64("SELECT count(DISTINCT unique_key) FROM "
                           "queue_jobs WHERE unique_key LIKE 'sched:%'",
                           NULL),
                     60);
    /* each moved to its next minute, and jobs belong to their users */
    assert_int_equal(q_i64("SELECT count(*) FROM schedules WHERE "
                           "extract(epoch FROM next_run_at) = $1::bigint",
                           ids(T0 / 1000 + 60)),
                     60);
    assert_int_equal(q_i64("SELECT count(*) FROM queue_jobs j JOIN "
                           "schedules s ON s.last_job_id = j.id AND "
                           "s.user_id = j.user_id",
                           NULL),
                     60);
    /* a second pass at the same time fires nothing */
    struct pass_arg again = {0};
    pass_thread(&again);
    assert_int_equal(again.fired, 0);
    assert_int_equal(job_count(), 60);
}

static void test_sched_catch_up_window(void **state)
{
    (void)state;
    /* down for two hours; catch-up one hour; now = 02:00:30 */
    int64_t now = T0 + 2 * 3600 * 1000 + 30000;
    use_fake_clock(now);
    seed_due_schedules(1, T0 / 1000);
    int total = 0;
    for (int pass = 0; pass < 100; pass++) {
        struct hk_dbconn *c = conn();
        int fired = 0;
        assert_int_equal(hk_sched_run_due(c, now, 3600000, 10, &fired), 0);
        done(c);
        total += fired;
    }
    /* due minutes within [now - 1h, now]: 01:01 .. 02:00 */
    assert_int_equal(total, 60);
    assert_int_equal(q_i64("SELECT min(extract(epoch FROM run_at))::bigint "
                           "FROM queue_jobs",
                           NULL),
                     T0 / 1000 + 3660);
    assert_int_equal(q_i64("SELECT extract(epoch FROM next_run_at)::bigint "
                           "FROM schedules",
                           NULL),
                     T0 / 1000 + 2 * 3600 + 60);
}

static void test_sched_jitter_and_disabled(void **state)
{
    (void)state;
    use_fake_clock(T0 + 1000);
    struct hk_dbconn *c = conn();
    char err[128];
    struct hk_sched_spec s = {.user_id = user1,
                              .name = "j",
                              .cron = "@hourly",
                              .kind = "noop",
                              .jitter_s = 30,
                              .enabled = true};
    assert_int_equal(hk_sched_upsert(c, &s, NULL, err, sizeof(err)), 0);
    struct hk_sched_spec off = {.user_id = user1,
                                .name = "off",
                                .cron = "@hourly",
                                .kind = "noop",
                                .enabled = false};
    assert_int_equal(hk_sched_upsert(c, &off, NULL, err, sizeof(err)), 0);
    int fired = 0;
    int64_t due = T0 + 3600 * 1000;
    assert_int_equal(hk_sched_run_due(c, due + 5, 3600000, 10, &fired), 0);
    done(c);
    assert_int_equal(fired, 1);
    int64_t run_at = q_i64("SELECT (extract(epoch FROM run_at) * "
                           "1000)::bigint FROM queue_jobs",
                           NULL);
    assert_true(run_at >= due && run_at <= due + 30000);
}

static void test_sched_builtins_sync(void **state)
{
    (void)state;
    struct hk_sched_spec specs[] = {
        {.name = "prune-jobs",
         .cron = "0 3 * * *",
         .kind = "queue_prune",
         .enabled = true},
        {.name = "other", .cron = "@daily", .kind = "noop", .enabled = true},
    };
    char err[128];
    struct hk_dbconn *c = conn();
    assert_int_equal(hk_sched_sync_builtins(c, specs, 2, err, sizeof(err)), 0);
    done(c);
    assert_int_equal(q_i64("SELECT count(*) FROM schedules WHERE user_id IS "
                           "NULL",
                           NULL),
                     2);
    c = conn();
    assert_int_equal(hk_sched_sync_builtins(c, specs, 1, err, sizeof(err)), 0);
    done(c);
    char *n = q_str("SELECT string_agg(name, ',') FROM schedules", NULL);
    assert_string_equal(n, "prune-jobs");
    hk_free(n);
}

static void test_leader_election(void **state)
{
    (void)state;
    struct hk_leader *a = hk_leader_new(db_url, 4242);
    struct hk_leader *b = hk_leader_new(db_url, 4242);
    assert_true(hk_leader_tick(a));
    assert_false(hk_leader_tick(b));
    assert_true(hk_leader_tick(a)); /* still leading */
    assert_false(hk_leader_tick(b));
    hk_leader_free(a); /* the node goes away */
    assert_true(hk_leader_tick(b));
    hk_leader_free(b);
}

static void test_scheduler_thread_fires(void **state)
{
    (void)state;
    hk_queue_set_clock(NULL);
    int64_t now_s = hk_wall_ms() / 1000;
    seed_due_schedules(3, (now_s / 60) * 60);
    struct hk_sched_spec builtin = {.name = "prune-jobs",
                                    .cron = "0 3 * * *",
                                    .kind = "queue_prune",
                                    .enabled = true};
    struct hk_sched_opts o = {.lock_id = 99123,
                              .catch_up_ms = 3600000,
                              .tick_ms = 100,
                              .builtins = &builtin,
                              .n_builtins = 1};
    struct hk_sched *s1 = NULL, *s2 = NULL;
    assert_int_equal(hk_sched_start(app.db, app.db_url, &o, &s1), 0);
    assert_int_equal(hk_sched_start(app.db, app.db_url, &o, &s2), 0);
    assert_true(wait_for("SELECT count(*) FROM queue_jobs", NULL, 3, 3000));
    hk_sleep_ms(300);
    assert_int_equal(job_count(), 3);
    assert_true(hk_sched_is_leader(s1) != hk_sched_is_leader(s2));
    assert_int_equal(q_i64("SELECT count(*) FROM schedules WHERE user_id IS "
                           "NULL AND name = 'prune-jobs'",
                           NULL),
                     1);
    /* the leader stops: the other takes over and keeps firing */
    struct hk_sched *leader = hk_sched_is_leader(s1) ? s1 : s2;
    struct hk_sched *other = leader == s1 ? s2 : s1;
    hk_sched_stop(leader);
    struct hk_dbconn *c = conn();
    assert_int_equal(hk_db_exec(c, "UPDATE schedules SET next_run_at = "
                                   "date_trunc('minute', now()) - "
                                   "interval '1 minute' WHERE "
                                   "user_id IS NOT NULL"),
                     0);
    done(c);
    assert_true(wait_for("SELECT count(*) FROM queue_jobs", NULL, 6, 5000));
    assert_true(hk_sched_is_leader(other));
    hk_sched_stop(other);
}

/* ---- options from the config ---- */

static int load_cfg(const char *text, struct hk_config *cfg, char *err,
                    size_t errlen)
{
    char path[] = "/tmp/hk-queue-cfg-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs(text, f);
    fclose(f);
    int rc = hk_config_load(path, cfg, err, errlen);
    unlink(path);
    return rc;
}

static void test_options_from_config(void **state)
{
    (void)state;
    struct hk_config cfg;
    char err[512] = "";
    assert_int_equal(load_cfg("queue = { workers = 5; queues = [\"a\", \"b\"];"
                              " concurrency = [\"slow=2\", \"fast=10\"];"
                              " batch_size = 32; heartbeat_interval = \"1s\";"
                              " rescue_after = \"3s\"; };\n",
                              &cfg, err, sizeof(err)),
                     0);
    struct hk_app a = {.cfg = &cfg};
    struct hk_workers_opts o;
    assert_int_equal(hk_workers_opts_from_config(&a, &o, err, sizeof(err)), 0);
    assert_int_equal(o.n, 5);
    assert_int_equal(o.batch_size, 32);
    assert_int_equal(o.per_user_limit, 2);
    assert_int_equal(o.heartbeat_interval_ms, 1000);
    assert_int_equal(o.rescue_after_ms, 3000);
    assert_string_equal(o.queues[0], "a");
    assert_string_equal(o.queues[1], "b");
    assert_null(o.queues[2]);
    assert_int_equal(o.n_limits, 2);
    assert_string_equal(o.limits[0].queue, "slow");
    assert_int_equal(o.limits[0].max_running, 2);
    assert_int_equal(o.limits[1].max_running, 10);
    hk_workers_opts_release(&o);
    hk_config_release(&cfg);

    static const struct {
        const char *text, *want;
    } bad[] = {
        {"queue = { concurrency = [\"slow=2\", \"slow\"]; };\n",
         "queue.concurrency: 'slow' must look like \"name=N\" with N from 1 "
         "to 100000"},
        {"queue = { concurrency = [\"Slow=2\"]; };\n",
         "queue.concurrency: 'Slow=2' must look like \"name=N\" with N from "
         "1 to 100000"},
        {"queue = { concurrency = [\"slow=0\"]; };\n",
         "queue.concurrency: 'slow=0' must look like \"name=N\" with N from "
         "1 to 100000"},
        {"queue = { queues = [\"ok\", \"Not OK\"]; };\n",
         "queue.queues: 'Not OK' is not a queue name (use a-z, 0-9, _ and -, "
         "at most 64)"},
        {"queue = { heartbeat_interval = \"5s\"; rescue_after = \"6s\"; };\n",
         "queue.rescue_after (6000 ms) must be at least twice "
         "queue.heartbeat_interval (5000 ms)"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(load_cfg(bad[i].text, &cfg, err, sizeof(err)), 0);
        a.cfg = &cfg;
        err[0] = '\0';
        assert_int_equal(hk_workers_opts_from_config(&a, &o, err, sizeof(err)),
                         HAWK_ECONFIG);
        assert_string_equal(err, bad[i].want);
        hk_config_release(&cfg);
    }
}

static void test_sched_idle_schedules_cost_nothing(void **state)
{
    (void)state;
    use_fake_clock(T0);
    struct hk_dbconn *c = conn();
    char *sql = hk_asprintf(
        "INSERT INTO schedules (user_id, name, cron, kind, next_run_at) "
        "SELECT %" PRId64 ", 's' || i, '0 3 * * *', 'noop', "
        "to_timestamp(%lld / 1000.0) + (i %% 1000) * interval '1 minute' "
        "+ interval '1 minute' FROM generate_series(1, 100000) i",
        user1, (long long)T0);
    assert_int_equal(hk_db_exec(c, sql), 0);
    hk_free(sql);
    assert_int_equal(hk_db_exec(c, "ANALYZE schedules"), 0);
    /* the due query reads the partial index, not the table */
    char now[24];
    snprintf(now, sizeof(now), "%lld", (long long)T0);
    const char *params[1] = {now};
    PGresult *r = NULL;
    assert_int_equal(
        hk_db_query(c,
                    "EXPLAIN SELECT id FROM schedules WHERE enabled AND "
                    "next_run_at <= to_timestamp($1::bigint / 1000.0) "
                    "ORDER BY next_run_at LIMIT 200",
                    1, params, &r),
        0);
    bool index = false;
    for (int i = 0; i < PQntuples(r); i++)
        index = index || strstr(PQgetvalue(r, i, 0), "schedules_due_idx");
    PQclear(r);
    assert_true(index);
    int64_t t = hk_mono_us();
    int fired = -1;
    for (int i = 0; i < 10; i++)
        assert_int_equal(hk_sched_run_due(c, T0, 3600000, 200, &fired), 0);
    int64_t per_pass_us = (hk_mono_us() - t) / 10;
    done(c);
    assert_int_equal(fired, 0);
    if (per_pass_us > 20000)
        fail_msg("an idle pass over 100000 schedules took %lld us",
                 (long long)per_pass_us);
    /* a minute later only the 100 due ones fire */
    c = conn();
    assert_int_equal(hk_sched_run_due(c, T0 + 60000, 3600000, 1000, &fired), 0);
    done(c);
    assert_int_equal(fired, 100);
}

static void test_sched_fractional_due_time(void **state)
{
    (void)state;
    /* next_run_at written by SQL with a fractional second still fires */
    use_fake_clock(T0 + 5000);
    seed_due_schedules(1, T0 / 1000);
    struct hk_dbconn *c = conn();
    char *sql = hk_asprintf("UPDATE schedules SET next_run_at = "
                            "to_timestamp(%lld) + interval '0.123456 s'",
                            (long long)(T0 / 1000));
    assert_int_equal(hk_db_exec(c, sql), 0);
    hk_free(sql);
    int fired = 0;
    assert_int_equal(hk_sched_run_due(c, T0 + 5000, 3600000, 10, &fired), 0);
    done(c);
    assert_int_equal(fired, 1);
    assert_int_equal(q_i64("SELECT count(*) FROM queue_jobs WHERE "
                           "unique_key = 'sched:' || (SELECT id FROM "
                           "schedules) || ':' || $1::text",
                           ids(T0 / 1000)),
                     1);
    assert_int_equal(q_i64("SELECT extract(epoch FROM next_run_at)::bigint "
                           "FROM schedules",
                           NULL),
                     T0 / 1000 + 60);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_enqueue_defaults),
        T(test_enqueue_rejects_bad_input),
        T(test_enqueue_in_caller_transaction),
        T(test_claim_order),
        T(test_claim_batch_limit_and_queues),
        T(test_claim_allocation_failures),
        T(test_unique_key_concurrent),
        T(test_retry_backoff_with_clock),
        T(test_permanent_error_not_retried),
        T(test_backoff_bounds),
        T(test_cancel),
        T(test_pause_resume),
        T(test_per_user_limit),
        T(test_per_user_limit_concurrent_claims),
        T(test_queue_concurrency_limit),
        T(test_heartbeat_and_orphans),
        T(test_rescue_counts_attempt_and_blocks_stale_outcome),
        T(test_retry_delete_prune),
        T(test_pool_runs_jobs),
        T(test_pool_handler_error_and_delayed_job),
        T(test_pool_cancel_running),
        T(test_pool_timeout),
        T(test_pool_shutdown_releases),
        T(test_pool_graceful_finish),
        T(test_sched_upsert_validation),
        T(test_sched_fires_once_across_nodes),
        T(test_sched_catch_up_window),
        T(test_sched_jitter_and_disabled),
        T(test_sched_builtins_sync),
        T(test_leader_election),
        T(test_scheduler_thread_fires),
        T(test_options_from_config),
        T(test_sched_idle_schedules_cost_nothing),
        T(test_sched_fractional_due_time),
    };
#undef T
    if (getenv("HAWK_TEST_FILTER") != NULL)
        cmocka_set_test_filter(getenv("HAWK_TEST_FILTER"));
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
