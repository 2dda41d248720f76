/*
 * tests/db/test_platform.c - the platform functions other modules call
 * (jobs upsert and linking, recording applications, status changes,
 * documents and questions, plan checks and usage, default resume and
 * active configuration), against a real PostgreSQL in a database of its
 * own.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/app.h"
#include "db/db.h"
#include "hawk/plugin.h"
#include "log/log.h"
#include "platform/platform.h"
#include "util/alloc.h"
#include "util/err.h"
#include "util/str.h"

static char *db_url;
static char db_name[64];
static const char *base_url;
static struct hk_db *pool;
static struct hk_platform *pf; /* the platform's modules on pool */

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

static void exec_sql(const char *sql)
{
    struct hk_dbconn *c = conn();
    if (hk_db_query(c, sql, 0, NULL, NULL) != 0)
        fail_msg("%s: %s", sql, hk_db_errmsg(c));
    done(c);
}

static int64_t make_user(void)
{
    static int n;
    char sql[200];
    snprintf(sql, sizeof(sql),
             "INSERT INTO users (email, password_hash) VALUES "
             "('p%d_%ld@example.test', 'x') RETURNING id",
             ++n, (long)getpid());
    return q_i64(sql);
}

static int64_t make_job(int64_t user, const char *ext, const char *company)
{
    struct hawk_job j;
    memset(&j, 0, sizeof(j));
    j.struct_size = sizeof(j);
    j.board = "testboard";
    j.external_id = ext;
    j.title = "Engineer";
    j.company = company;
    j.applicants = -1;
    int64_t id = 0;
    struct hk_dbconn *c = conn();
    assert_int_equal(hk_jobs_upsert(pf->jobs, c, &j, &id, NULL), 0);
    if (user > 0)
        assert_int_equal(hk_jobs_link(pf->jobs, c, user, id, "c dev", NULL), 0);
    done(c);
    return id;
}

static int group_setup(void **state)
{
    (void)state;
    base_url = getenv("HAWK_TEST_DATABASE_URL");
    if (base_url == NULL || *base_url == '\0') {
        fprintf(stderr, "HAWK_TEST_DATABASE_URL is not set\n");
        return -1;
    }
    hk_log_set_level(HAWK_LOG_ERROR);
    snprintf(db_name, sizeof(db_name), "hk_test_platform_%ld", (long)getpid());
    char *sql = hk_asprintf("DROP DATABASE IF EXISTS %s", db_name);
    admin_exec(sql);
    hk_free(sql);
    sql = hk_asprintf("CREATE DATABASE %s", db_name);
    admin_exec(sql);
    hk_free(sql);
    db_url = hk_asprintf("%s dbname=%s", base_url, db_name);
    struct hk_db_opts o = {
        .url = db_url, .pool_size = 16, .acquire_timeout_ms = 5000};
    if (hk_db_open(&o, &pool) != 0)
        return -1;
    if (hk_migrate_run(pool, NULL) != 0) {
        fprintf(stderr, "migrations failed\n");
        return -1;
    }
    struct hk_platform_cfg pc;
    struct hk_err err = HK_ERR_INIT;
    hk_platform_cfg_defaults(&pc);
    if (hk_platform_new(&pc, pool, &pf, &err) != 0) {
        fprintf(stderr, "platform: %s\n", err.msg);
        return -1;
    }
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    hk_platform_free(pf);
    hk_db_close(pool);
    char *sql = hk_asprintf("DROP DATABASE IF EXISTS %s WITH (FORCE)", db_name);
    admin_exec(sql);
    hk_free(sql);
    hk_free(db_url);
    return 0;
}

/* ------------------------------------------------------------------ */

static void test_jobs_upsert(void **state)
{
    (void)state;
    struct hawk_job j;
    memset(&j, 0, sizeof(j));
    j.struct_size = sizeof(j);
    j.board = "testboard";
    j.external_id = "up-1";
    j.title = "First";
    j.description = "kept";
    j.applicants = 40;
    j.workplace = HAWK_WORKPLACE_REMOTE;
    int64_t id1 = 0, id2 = 0;
    struct hk_dbconn *c = conn();
    assert_int_equal(hk_jobs_upsert(pf->jobs, c, &j, &id1, NULL), 0);
    /* A refresh without description or applicants keeps the old ones. */
    j.title = "Renamed";
    j.description = NULL;
    j.applicants = -1;
    assert_int_equal(hk_jobs_upsert(pf->jobs, c, &j, &id2, NULL), 0);
    assert_int_equal(id1, id2);
    done(c);
    char sql[200];
    snprintf(sql, sizeof(sql),
             "SELECT count(*) FROM jobs WHERE id = %" PRId64
             " AND title = 'Renamed' AND description = 'kept' AND "
             "applicants = 40 AND workplace = 'remote'",
             id1);
    assert_int_equal(q_i64(sql), 1);
    /* Invalid jobs are refused before any SQL. */
    c = conn();
    j.title = NULL;
    assert_int_equal(hk_jobs_upsert(pf->jobs, c, &j, &id2, NULL), HAWK_EINVAL);
    j.title = "x";
    j.external_id = "";
    assert_int_equal(hk_jobs_upsert(pf->jobs, c, &j, &id2, NULL), HAWK_EINVAL);
    j.external_id = "bad-utf8";
    j.company = "\xff\xfe";
    assert_int_equal(hk_jobs_upsert(pf->jobs, c, &j, &id2, NULL), HAWK_EINVAL);
    /* Linking twice is fine. */
    int64_t u = make_user();
    assert_int_equal(hk_jobs_link(pf->jobs, c, u, id1, NULL, NULL), 0);
    assert_int_equal(hk_jobs_link(pf->jobs, c, u, id1, "again", NULL), 0);
    assert_int_equal(
        hk_jobs_score_set(pf->jobs, c, u, id1, 101, NULL, NULL, NULL),
        HAWK_EINVAL);
    assert_int_equal(
        hk_jobs_score_set(pf->jobs, c, u, id1, 50, "{}", NULL, NULL),
        HAWK_EINVAL);
    assert_int_equal(
        hk_jobs_score_set(pf->jobs, c, u, id1, 77.5, "[\"C\"]", NULL, NULL), 0);
    assert_int_equal(
        hk_jobs_score_set(pf->jobs, c, u, id1, 80, NULL, "[\"Go\"]", NULL), 0);
    done(c);
    snprintf(sql, sizeof(sql),
             "SELECT count(*) FROM job_scores WHERE user_id = %" PRId64
             " AND score = 80 AND missing_skills = '[\"Go\"]'",
             u);
    assert_int_equal(q_i64(sql), 1);
}

static void test_app_record(void **state)
{
    (void)state;
    int64_t u = make_user(), other = make_user();
    int64_t job = make_job(u, "rec-1", "Acme");
    int64_t unlinked = make_job(0, "rec-2", "Acme");
    int64_t id = 0, id2 = 0;
    bool created = false;
    struct hk_dbconn *c = conn();
    assert_int_equal(hk_applications_record(pf->applications, c, u, unlinked,
                                            NULL, NULL, NULL, &id, &created,
                                            NULL, NULL),
                     HAWK_ENOTFOUND);
    assert_int_equal(hk_applications_record(pf->applications, c, other, job,
                                            NULL, NULL, NULL, &id, &created,
                                            NULL, NULL),
                     HAWK_ENOTFOUND);
    assert_int_equal(hk_applications_record(pf->applications, c, u, job,
                                            "applied", "term", NULL, &id,
                                            &created, NULL, NULL),
                     0);
    assert_true(created);
    assert_int_equal(hk_applications_record(pf->applications, c, u, job,
                                            "queued", NULL, NULL, &id2,
                                            &created, NULL, NULL),
                     0);
    assert_false(created);
    assert_int_equal(id, id2);
    /* Inside the caller's transaction: rolled back with it. */
    int64_t job2 = make_job(u, "rec-3", "Beta");
    assert_int_equal(hk_db_begin(c), 0);
    assert_int_equal(hk_applications_record(pf->applications, c, u, job2, NULL,
                                            NULL, NULL, &id2, &created, NULL,
                                            NULL),
                     0);
    assert_true(created);
    assert_int_equal(hk_db_rollback(c), 0);
    done(c);
    char sql[200];
    snprintf(sql, sizeof(sql),
             "SELECT count(*) FROM applications WHERE user_id = %" PRId64, u);
    assert_int_equal(q_i64(sql), 1);
    snprintf(sql, sizeof(sql),
             "SELECT count(*) FROM applications WHERE id = %" PRId64
             " AND status = 'applied' AND applied_at IS NOT NULL AND "
             "company = 'Acme' AND board = 'testboard'",
             id);
    assert_int_equal(q_i64(sql), 1);
}

struct race {
    int64_t user, job, id;
    bool created;
    int rc;
};

static void *race_one(void *arg)
{
    struct race *r = arg;
    struct hk_dbconn *c = NULL;
    r->rc = hk_db_acquire(pool, &c);
    if (r->rc == 0) {
        r->rc =
            hk_applications_record(pf->applications, c, r->user, r->job, NULL,
                                   NULL, NULL, &r->id, &r->created, NULL, NULL);
        hk_db_release(pool, c);
    }
    return NULL;
}

static void test_app_record_concurrent(void **state)
{
    (void)state;
    int64_t u = make_user();
    int64_t job = make_job(u, "race-1", "Race");
    pthread_t th[8];
    struct race rs[8];
    for (int i = 0; i < 8; i++) {
        rs[i] = (struct race){.user = u, .job = job};
        assert_int_equal(pthread_create(&th[i], NULL, race_one, &rs[i]), 0);
    }
    int n_created = 0;
    for (int i = 0; i < 8; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(rs[i].rc, 0);
        assert_int_equal(rs[i].id, rs[0].id);
        n_created += rs[i].created;
    }
    assert_int_equal(n_created, 1);
}

static void test_daily_quota(void **state)
{
    (void)state;
    int64_t u = make_user();
    struct hk_dbconn *c = conn();
    struct hk_plans_limit lim;
    int64_t id;
    bool created;
    for (int i = 0; i < 6; i++) {
        char ext[32];
        snprintf(ext, sizeof(ext), "quota-%" PRId64 "-%d", u, i);
        int64_t job = make_job(u, ext, "Q");
        int rc =
            hk_applications_record(pf->applications, c, u, job, NULL, NULL,
                                   "workflow:1", &id, &created, &lim, NULL);
        if (i < 5) {
            assert_int_equal(rc, 0);
        } else {
            assert_int_equal(rc, HAWK_EQUOTA);
            assert_string_equal(lim.name, "applications_per_day");
            assert_string_equal(lim.plan, "Free Trial");
            assert_true(lim.value == 5 && lim.used == 5);
        }
    }
    done(c);
}

static void test_set_status_documents_questions(void **state)
{
    (void)state;
    int64_t u = make_user(), other = make_user();
    int64_t job = make_job(u, "st-1", "S");
    int64_t id = 0, doc = 0;
    bool created;
    struct hk_dbconn *c = conn();
    assert_int_equal(hk_applications_record(pf->applications, c, u, job, NULL,
                                            NULL, NULL, &id, &created, NULL,
                                            NULL),
                     0);
    assert_int_equal(hk_applications_set_status(pf->applications, c, u, id,
                                                "awaiting_review", NULL,
                                                "workflow:9", NULL),
                     0);
    assert_int_equal(hk_applications_set_status(pf->applications, c, u, id,
                                                "approved", "ok", "user:1",
                                                NULL),
                     0);
    assert_int_equal(hk_applications_set_status(pf->applications, c, u, id,
                                                "approved", NULL, "x", NULL),
                     0);
    assert_int_equal(hk_applications_set_status(pf->applications, c, u, id,
                                                "bogus", NULL, "x", NULL),
                     HAWK_EINVAL);
    assert_int_equal(hk_applications_set_status(pf->applications, c, other, id,
                                                "applied", NULL, "x", NULL),
                     HAWK_ENOTFOUND);
    assert_int_equal(hk_applications_add_document(pf->applications, c, u, id,
                                                  "cover_letter", "Dear",
                                                  "markdown", &doc, NULL),
                     0);
    assert_true(doc > 0);
    assert_int_equal(hk_applications_add_document(pf->applications, c, other,
                                                  id, "cover_letter", "x", NULL,
                                                  NULL, NULL),
                     HAWK_ENOTFOUND);
    assert_int_equal(hk_applications_add_document(pf->applications, c, u, id,
                                                  "poem", "x", NULL, NULL,
                                                  NULL),
                     HAWK_EINVAL);
    assert_int_equal(hk_applications_add_question(pf->applications, c, u, id,
                                                  "Years of C?", "number", "10",
                                                  "llm", NULL),
                     0);
    assert_int_equal(hk_applications_add_question(pf->applications, c, other,
                                                  id, "q", NULL, NULL, NULL,
                                                  NULL),
                     HAWK_ENOTFOUND);
    done(c);
    char sql[200];
    snprintf(sql, sizeof(sql),
             "SELECT count(*) FROM application_status_history WHERE "
             "application_id = %" PRId64,
             id);
    assert_int_equal(q_i64(sql), 3); /* created, awaiting_review, approved */
}

static void test_plan_checks(void **state)
{
    (void)state;
    int64_t u = make_user();
    struct hk_dbconn *c = conn();
    struct hk_plans_limit lim;
    assert_int_equal(
        hk_plans_check(pf->plans, c, u, "no_such_limit", 1, &lim, NULL),
        HAWK_EINVAL);
    assert_int_equal(hk_plans_check(pf->plans, c, 999999999, HK_PLANS_RESUMES,
                                    1, &lim, NULL),
                     HAWK_ENOTFOUND);
    assert_int_equal(
        hk_plans_check(pf->plans, c, u, HK_PLANS_CUSTOM_RESUME, 1, &lim, NULL),
        HAWK_EQUOTA);
    assert_true(lim.is_bool);
    assert_int_equal(hk_plans_check(pf->plans, c, u,
                                    HK_PLANS_MIN_SCHEDULE_INTERVAL, 30, &lim,
                                    NULL),
                     HAWK_EQUOTA);
    assert_true(lim.value == 1440 && lim.used == 30);
    assert_int_equal(hk_plans_check(pf->plans, c, u,
                                    HK_PLANS_MIN_SCHEDULE_INTERVAL, 1440, &lim,
                                    NULL),
                     0);
    assert_int_equal(hk_plans_check_used(pf->plans, c, u, HK_PLANS_WORKFLOWS, 1,
                                         1, &lim, NULL),
                     HAWK_EQUOTA);
    assert_int_equal(hk_plans_check_used(pf->plans, c, u, HK_PLANS_WORKFLOWS, 0,
                                         1, &lim, NULL),
                     0);
    /* Metered LLM budget: $1 on the trial. */
    assert_int_equal(hk_plans_usage_add(pf->plans, c, u, "llm_usd", 0.6, NULL),
                     0);
    assert_int_equal(
        hk_plans_check(pf->plans, c, u, HK_PLANS_LLM_BUDGET, 0.3, &lim, NULL),
        0);
    assert_int_equal(hk_plans_usage_add(pf->plans, c, u, "llm_usd", 0.6, NULL),
                     0);
    assert_int_equal(
        hk_plans_check(pf->plans, c, u, HK_PLANS_LLM_BUDGET, 0, &lim, NULL),
        HAWK_EQUOTA);
    assert_true(lim.used > 1.19 && lim.used < 1.21);
    /* On Job Seeker custom resumes are included. */
    char sql[300];
    snprintf(
        sql, sizeof(sql),
        "INSERT INTO subscriptions (user_id, plan_id, status) SELECT %" PRId64
        ", id, 'active' FROM plans WHERE name = 'Job Seeker'",
        u);
    done(c);
    exec_sql(sql);
    c = conn();
    assert_int_equal(
        hk_plans_check(pf->plans, c, u, HK_PLANS_CUSTOM_RESUME, 1, &lim, NULL),
        0);
    assert_string_equal(lim.plan, "Job Seeker");
    /* A subscription past its trial end falls back to an expired trial. */
    snprintf(sql, sizeof(sql),
             "UPDATE subscriptions SET status = 'trialing', trial_ends_at ="
             " now() - interval '1 day' WHERE user_id = %" PRId64,
             u);
    done(c);
    exec_sql(sql);
    c = conn();
    assert_int_equal(
        hk_plans_check(pf->plans, c, u, HK_PLANS_CUSTOM_RESUME, 1, &lim, NULL),
        HAWK_EQUOTA);
    assert_true(lim.trial_expired);
    done(c);
}

static void test_default_resume_and_active_config(void **state)
{
    (void)state;
    int64_t u = make_user();
    char *json = NULL;
    struct hk_dbconn *c = conn();
    assert_int_equal(
        hk_resumes_default_structured(pf->resumes, c, u, &json, NULL),
        HAWK_ENOTFOUND);
    assert_null(json);
    assert_int_equal(hk_jobconfigs_active(pf->jobconfigs, c, u, &json, NULL),
                     HAWK_ENOTFOUND);
    done(c);
    char sql[400];
    snprintf(sql, sizeof(sql),
             "INSERT INTO resumes (user_id, name, is_default, structured) "
             "VALUES (%" PRId64 ", 'r', true, '{\"skills\":[\"C\"]}')",
             u);
    exec_sql(sql);
    snprintf(sql, sizeof(sql),
             "INSERT INTO job_configs (user_id, name, is_active, is_default,"
             " settings) VALUES (%" PRId64
             ", 'off', false, true, '{}'), (%" PRId64
             ", 'on', true, false, '{\"remote\":false}')",
             u, u);
    exec_sql(sql);
    c = conn();
    assert_int_equal(
        hk_resumes_default_structured(pf->resumes, c, u, &json, NULL), 0);
    assert_string_equal(json, "{\"skills\": [\"C\"]}");
    hk_free(json);
    assert_int_equal(hk_jobconfigs_active(pf->jobconfigs, c, u, &json, NULL),
                     0);
    assert_non_null(strstr(json, "\"name\":\"on\""));
    assert_non_null(strstr(json, "\"remote\":false"));
    hk_free(json);
    done(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_jobs_upsert),
        cmocka_unit_test(test_app_record),
        cmocka_unit_test(test_app_record_concurrent),
        cmocka_unit_test(test_daily_quota),
        cmocka_unit_test(test_set_status_documents_questions),
        cmocka_unit_test(test_plan_checks),
        cmocka_unit_test(test_default_resume_and_active_config),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
