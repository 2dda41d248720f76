/*
 * tests/db/test_apply.c - what a submission hands the job board plugin:
 * the answers (this application's first, then overrides, then the
 * cache; capped), the profile, the documents written to a private
 * directory (which resume wins, safe file names, modes, removal of
 * whatever is left there), against a real PostgreSQL in a database of
 * its own.  The queue job itself is exercised end to end by
 * tests/integration/test_apply_submit.py.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <fcntl.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "apply/apply_int.h"
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
static char tmp_root[256];

#include "dbtest.h"

/* Runs a statement built with printf-style arguments (test values only)
 * and returns the first column of the first row as an integer, or -1. */
static int64_t sqlf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int64_t sqlf(const char *fmt, ...)
{
    char sql[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(sql, sizeof(sql), fmt, ap);
    va_end(ap);
    struct hk_dbconn *c = conn();
    PGresult *r = NULL;
    if (hk_db_query(c, sql, 0, NULL, &r) != 0)
        fail_msg("%s: %s", sql, hk_db_errmsg(c));
    int64_t v = -1;
    if (PQntuples(r) > 0 && PQnfields(r) > 0 && !PQgetisnull(r, 0, 0))
        hk_parse_i64(PQgetvalue(r, 0, 0), INT64_MIN, INT64_MAX, &v);
    PQclear(r);
    done(c);
    return v;
}

static int64_t make_user(void)
{
    static int n;
    return sqlf("INSERT INTO users (email, password_hash) VALUES "
                "('a%d_%ld@example.test', 'x') RETURNING id",
                ++n, (long)getpid());
}

/* A job on a test board linked to the user, and the user's application
 * for it. */
static int64_t make_app(int64_t user)
{
    static int n;
    int64_t job = sqlf("INSERT INTO jobs (board, external_id, title) VALUES"
                       " ('testboard', 'ap-%d-%ld', 'Engineer') RETURNING id",
                       ++n, (long)getpid());
    sqlf("INSERT INTO user_jobs (user_id, job_id) VALUES (%" PRId64 ", %" PRId64
         ")",
         user, job);
    struct hk_dbconn *c = conn();
    int64_t app = 0;
    bool created = false;
    assert_int_equal(hk_applications_record(pf->applications, c, user, job,
                                            NULL, NULL, NULL, &app, &created,
                                            NULL, NULL),
                     0);
    assert_true(created);
    done(c);
    return app;
}

static void question(int64_t user, int64_t app, const char *q, const char *a)
{
    struct hk_dbconn *c = conn();
    assert_int_equal(hk_applications_add_question(pf->applications, c, user,
                                                  app, q, "text", a, "user",
                                                  NULL),
                     0);
    done(c);
}

static void cached(int64_t user, const char *key, const char *answer_json,
                   const char *source)
{
    sqlf("INSERT INTO llm_answers (user_id, question_key, question, answer,"
         " source) VALUES (%" PRId64 ", '%s', '%s', '%s'::jsonb, '%s')",
         user, key, key, answer_json, source);
}

static char *answers(int64_t user, int64_t app)
{
    struct hk_dbconn *c = conn();
    char *out = NULL;
    assert_int_equal(hk_apply_answers_json(c, user, app, &out), 0);
    done(c);
    assert_non_null(out);
    return out;
}

static char *read_file(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char *buf = hk_malloc(1 << 16);
    *n = fread(buf, 1, (1 << 16) - 1, f);
    buf[*n] = '\0';
    fclose(f);
    return buf;
}

static int mode_of(const char *path)
{
    struct stat st;
    assert_int_equal(lstat(path, &st), 0);
    return (int)(st.st_mode & 0777);
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
    snprintf(db_name, sizeof(db_name), "hk_test_apply_%ld", (long)getpid());
    char *sql = hk_asprintf("DROP DATABASE IF EXISTS %s", db_name);
    admin_exec(sql);
    hk_free(sql);
    sql = hk_asprintf("CREATE DATABASE %s", db_name);
    admin_exec(sql);
    hk_free(sql);
    db_url = hk_asprintf("%s dbname=%s", base_url, db_name);
    struct hk_db_opts o = {
        .url = db_url, .pool_size = 4, .acquire_timeout_ms = 5000};
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
    snprintf(tmp_root, sizeof(tmp_root), "/tmp/hk-test-apply-XXXXXX");
    if (mkdtemp(tmp_root) == NULL)
        return -1;
    setenv("TMPDIR", tmp_root, 1);
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
    rmdir(tmp_root);
    return 0;
}

/* ------------------------------------------------------------------ */

static void test_safe_name(void **state)
{
    (void)state;
    static const struct {
        const char *in, *ext, *want;
    } cases[] = {
        {"My CV (2025).pdf", ".pdf", "My_CV_2025.pdf"},
        {"../../etc/passwd", ".txt", "passwd.txt"},
        {"C:\\Users\\me\\cv.docx", ".docx", "cv.docx"},
        {".hidden.pdf", ".pdf", "hidden.pdf"},
        {"R\xc3\xa9sum\xc3\xa9.pdf", ".pdf", "R_sum.pdf"},
        {"", ".pdf", "resume.pdf"},
        {NULL, ".html", "resume.html"},
        {"...", ".pdf", "resume.pdf"},
        {"\xff\xfe", ".txt", "resume.txt"},
        {"a b\nc;rm -rf ~", ".pdf", "a_b_c_rm_-rf.pdf"},
    };
    char out[128];
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        hk_apply_safe_name(cases[i].in, cases[i].ext, out, sizeof(out));
        assert_string_equal(out, cases[i].want);
    }
    /* Long names are cut, keeping the extension. */
    char longname[400];
    memset(longname, 'x', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = '\0';
    hk_apply_safe_name(longname, ".pdf", out, sizeof(out));
    assert_int_equal(strlen(out), 80 + 4);
    assert_string_equal(out + 80, ".pdf");
}

static void test_answers_precedence_and_scope(void **state)
{
    (void)state;
    int64_t u = make_user(), other = make_user();
    int64_t app = make_app(u), other_app = make_app(other);
    char *a = answers(u, app);
    assert_string_equal(a, "{}");
    hk_free(a);
    cached(u, "notice period", "\"2 weeks\"", "user");
    cached(u, "salary", "100000", "llm");
    cached(u, "skills", "[\"C\", \"Go\"]", "profile");
    /* Answers on this application win over the override and the cache;
     * the newest of two for the same question wins. */
    question(u, app, "Notice period?", "3 weeks");
    question(u, app, "NOTICE  period", "4 weeks");
    question(u, app, "Salary?", "120k");
    question(u, app, "Unanswered?", NULL);
    /* Another user's data never shows. */
    question(other, other_app, "Secret question", "secret");
    cached(other, "secret", "\"secret\"", "user");
    a = answers(u, app);
    json_object *o = json_tokener_parse(a);
    assert_non_null(o);
    json_object *want =
        json_tokener_parse("{\"notice period\":\"4 weeks\",\"salary\":\"120k\","
                           "\"skills\":[\"C\",\"Go\"]}");
    assert_true(json_object_equal(o, want));
    json_object_put(o);
    json_object_put(want);
    hk_free(a);
    /* Asked with the other user's application: only u's own answers. */
    a = answers(u, other_app);
    assert_null(strstr(a, "secret"));
    assert_non_null(strstr(a, "\"notice period\":\"2 weeks\""));
    hk_free(a);
}

/* Company- and job-scoped answers go only to applications for that
 * company or that job: a "why us" for one company never reaches
 * another. */
static void test_answers_follow_their_scope(void **state)
{
    (void)state;
    int64_t u = make_user();
    int64_t app = make_app(u), other = make_app(u);
    sqlf("UPDATE jobs SET company = 'Globex' WHERE id = (SELECT job_id FROM"
         " applications WHERE id = %" PRId64 ")",
         app);
    sqlf("INSERT INTO llm_answers (user_id, question_key, question, answer,"
         " source, scope, scope_key) VALUES"
         " (%" PRId64 ", 'why us', 'Why us?', '\"for globex\"', 'llm',"
         " 'company', 'globex'),"
         " (%" PRId64 ", 'why initech', 'Why us?', '\"for initech\"', 'llm',"
         " 'company', 'initech'),"
         " (%" PRId64 ", 'travel', 'Travel?', '\"job one\"', 'llm', 'job',"
         " (SELECT job_id::text FROM applications WHERE id = %" PRId64 ")),"
         " (%" PRId64 ", 'email', 'Email', '\"a@example.test\"', 'profile',"
         " 'global', '')",
         u, u, u, app, u);
    char *a = answers(u, app);
    assert_non_null(strstr(a, "\"why us\":\"for globex\""));
    assert_non_null(strstr(a, "\"travel\":\"job one\""));
    assert_non_null(strstr(a, "\"email\":\"a@example.test\""));
    assert_null(strstr(a, "initech"));
    hk_free(a);
    a = answers(u, other);
    assert_null(strstr(a, "globex"));
    assert_null(strstr(a, "job one"));
    assert_non_null(strstr(a, "a@example.test"));
    hk_free(a);
}

static void test_answers_are_capped(void **state)
{
    (void)state;
    int64_t u = make_user();
    int64_t app = make_app(u);
    /* 200 cached answers of 8 KiB each: about 1.6 MiB in all. */
    sqlf("INSERT INTO llm_answers (user_id, question_key, question, answer,"
         " source, updated_at) SELECT %" PRId64 ", 'q' || g, 'q' || g,"
         " to_jsonb(repeat('x', 8192)), 'llm', now() - g * interval '1s'"
         " FROM generate_series(1, 200) g",
         u);
    cached(u, "override", "\"kept\"", "user");
    char *a = answers(u, app);
    assert_true(strlen(a) <= HK_APPLY_ANSWERS_MAX);
    json_object *o = json_tokener_parse(a);
    assert_non_null(o);
    json_object *v = NULL;
    /* The override comes first, then the newest cached answers. */
    assert_true(json_object_object_get_ex(o, "override", &v));
    assert_true(json_object_object_get_ex(o, "q1", &v));
    assert_false(json_object_object_get_ex(o, "q200", &v));
    assert_true(json_object_object_length(o) > 50);
    json_object_put(o);
    hk_free(a);
}

static void test_profile(void **state)
{
    (void)state;
    int64_t u = make_user();
    struct hk_dbconn *c = conn();
    char *p = NULL;
    assert_int_equal(hk_apply_profile_json(pf->resumes, c, u, &p), 0);
    assert_string_equal(p, "{}");
    hk_free(p);
    done(c);
    sqlf("INSERT INTO resumes (user_id, name, is_default, structured) VALUES"
         " (%" PRId64 ", 'main', true, '{\"personal_information\":"
         " {\"name\": \"Ada\", \"email\": \"ada@example.test\"},"
         " \"skills\": [\"C\"]}')",
         u);
    c = conn();
    assert_int_equal(hk_apply_profile_json(pf->resumes, c, u, &p), 0);
    assert_string_equal(p, "{\"name\":\"Ada\",\"email\":\"ada@example.test\"}");
    hk_free(p);
    done(c);
}

static int64_t file_resume(int64_t u, const char *name, const char *content,
                           bool is_default)
{
    return sqlf("INSERT INTO resumes (user_id, name, is_default, file,"
                " file_name, size) VALUES (%" PRId64 ", 'r', %s,"
                " convert_to('%s', 'UTF8'), '%s', %zu) RETURNING id",
                u, is_default ? "true" : "false", content, name,
                strlen(content));
}

static void prepare(int64_t u, int64_t app, int64_t resume_id,
                    struct hk_apply_docs *d)
{
    struct hawk_error err;
    memset(&err, 0, sizeof(err));
    struct hk_dbconn *c = conn();
    int rc = hk_apply_docs_prepare(pf->resumes, c, u, app, resume_id, d, &err);
    done(c);
    if (rc != 0)
        fail_msg("prepare: %s", err.msg);
}

static void test_documents(void **state)
{
    (void)state;
    int64_t u = make_user();
    int64_t app = make_app(u);
    struct hk_apply_docs d;
    /* Nothing to hand over: no files, but the strings are there. */
    prepare(u, app, 0, &d);
    assert_null(d.resume_path);
    assert_null(d.cover_letter_path);
    assert_null(d.cover_letter_text);
    assert_string_equal(d.answers_json, "{}");
    assert_string_equal(d.profile_json, "{}");
    char dir[PATH_MAX];
    hk_strlcpy(dir, d.dir, sizeof(dir));
    assert_int_equal(strncmp(dir, tmp_root, strlen(tmp_root)), 0);
    assert_int_equal(mode_of(dir), 0700);
    hk_apply_docs_release(&d);
    assert_int_equal(access(dir, F_OK), -1);

    /* The newest file resume when the default has no file; the stored
     * name is made safe. */
    file_resume(u, "old.txt", "old resume", false);
    file_resume(u, "../../etc/passwd", "newest resume", false);
    int64_t chosen = file_resume(u, "chosen.txt", "chosen resume", false);
    sqlf("UPDATE resumes SET created_at = now() - interval '1 day' WHERE id"
         " = %" PRId64,
         chosen);
    struct hk_dbconn *c = conn();
    assert_int_equal(hk_applications_add_document(
                         pf->applications, c, u, app, "cover_letter",
                         "first letter", "text", NULL, NULL),
                     0);
    assert_int_equal(hk_applications_add_document(pf->applications, c, u, app,
                                                  "cover_letter", "# Dear team",
                                                  "markdown", NULL, NULL),
                     0);
    done(c);
    prepare(u, app, 0, &d);
    size_t n;
    char *text = read_file(d.resume_path, &n);
    assert_string_equal(text, "newest resume");
    hk_free(text);
    assert_non_null(strstr(d.resume_path, "/passwd.txt"));
    assert_int_equal(strncmp(d.resume_path, d.dir, strlen(d.dir)), 0);
    assert_int_equal(mode_of(d.resume_path), 0600);
    assert_string_equal(d.cover_letter_text, "# Dear team");
    assert_non_null(strstr(d.cover_letter_path, "/cover_letter.md"));
    text = read_file(d.cover_letter_path, &n);
    assert_string_equal(text, "# Dear team");
    hk_free(text);
    assert_int_equal(mode_of(d.cover_letter_path), 0600);
    /* Whatever a plugin leaves behind goes too. */
    hk_strlcpy(dir, d.dir, sizeof(dir));
    char path[PATH_MAX + 32];
    snprintf(path, sizeof(path), "%s/sub", dir);
    assert_int_equal(mkdir(path, 0700), 0);
    snprintf(path, sizeof(path), "%s/sub/left.txt", dir);
    int fd = open(path, O_WRONLY | O_CREAT, 0600);
    assert_true(fd >= 0);
    close(fd);
    hk_apply_docs_release(&d);
    assert_int_equal(access(dir, F_OK), -1);

    /* The application's own resume wins over newer ones and the default. */
    file_resume(u, "default.pdf", "default resume", true);
    sqlf("UPDATE applications SET resume_id = %" PRId64 " WHERE id = %" PRId64,
         chosen, app);
    prepare(u, app, chosen, &d);
    text = read_file(d.resume_path, &n);
    assert_string_equal(text, "chosen resume");
    hk_free(text);
    char want[64];
    snprintf(want, sizeof(want), "resume:%" PRId64, chosen);
    assert_string_equal(d.resume_source, want);
    hk_apply_docs_release(&d);

    /* ... and a tailored resume generated for the application wins over
     * every file. */
    c = conn();
    assert_int_equal(hk_applications_add_document(
                         pf->applications, c, u, app, "tailored_resume",
                         "{\"a\":1}", "json", NULL, NULL),
                     0);
    assert_int_equal(hk_applications_add_document(
                         pf->applications, c, u, app, "tailored_resume",
                         "<html>tailored</html>", "html", NULL, NULL),
                     0);
    done(c);
    prepare(u, app, chosen, &d);
    text = read_file(d.resume_path, &n);
    assert_string_equal(text, "<html>tailored</html>");
    hk_free(text);
    assert_non_null(strstr(d.resume_path, "/resume.html"));
    assert_string_equal(d.resume_source, "tailored_resume");
    hk_apply_docs_release(&d);
    /* Release twice is harmless. */
    hk_apply_docs_release(&d);
}

static void test_documents_of_another_user_are_not_read(void **state)
{
    (void)state;
    int64_t u = make_user(), other = make_user();
    int64_t other_app = make_app(other);
    struct hk_dbconn *c = conn();
    assert_int_equal(hk_applications_add_document(
                         pf->applications, c, other, other_app, "cover_letter",
                         "other letter", "text", NULL, NULL),
                     0);
    done(c);
    int64_t other_resume = file_resume(other, "o.txt", "other resume", true);
    struct hk_apply_docs d;
    prepare(u, other_app, other_resume, &d);
    assert_null(d.resume_path);
    assert_null(d.cover_letter_path);
    assert_null(d.cover_letter_text);
    hk_apply_docs_release(&d);
}

static void test_no_private_directory(void **state)
{
    (void)state;
    int64_t u = make_user();
    int64_t app = make_app(u);
    setenv("TMPDIR", "/nonexistent-hawk-dir", 1);
    struct hk_apply_docs d;
    struct hawk_error err;
    memset(&err, 0, sizeof(err));
    struct hk_dbconn *c = conn();
    int rc = hk_apply_docs_prepare(pf->resumes, c, u, app, 0, &d, &err);
    done(c);
    setenv("TMPDIR", tmp_root, 1);
    assert_int_equal(rc, HAWK_EIO);
    assert_true(err.retryable);
    assert_string_equal(err.msg,
                        "cannot create a private directory under "
                        "/nonexistent-hawk-dir: No such file or directory");
    assert_string_equal(d.dir, "");
    assert_null(d.answers_json);
    hk_apply_docs_release(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_safe_name),
        cmocka_unit_test(test_answers_precedence_and_scope),
        cmocka_unit_test(test_answers_follow_their_scope),
        cmocka_unit_test(test_answers_are_capped),
        cmocka_unit_test(test_profile),
        cmocka_unit_test(test_documents),
        cmocka_unit_test(test_documents_of_another_user_are_not_read),
        cmocka_unit_test(test_no_private_directory),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
