/*
 * Unit tests of the llm features' pure parts: question keys and answer
 * shapes, deterministic profile answers, the tailored-resume invention
 * check, the resume template renderer, prompt template checks, and the
 * shipped templates themselves.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "llm/llm.h"
#include "llm/llm_int.h"
#include "llm/qrules.h"
#include "util/alloc.h"
#include "util/buf.h"

static int64_t day_s(int y, int m, int d)
{
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    tm.tm_year = y - 1900;
    tm.tm_mon = m - 1;
    tm.tm_mday = d;
    return (int64_t)timegm(&tm);
}

static const char resume_text[] =
    "{\"personal_information\":{\"name\":\"Ada\",\"surname\":\"Lovelace\","
    "\"email\":\"ada@example.test\",\"phone_prefix\":\"+44\","
    "\"phone\":\"7700900123\",\"city\":\"London\",\"country\":\"UK\","
    "\"linkedin\":\"https://linkedin.example/ada\"},"
    "\"experience_details\":["
    "{\"position\":\"Backend Engineer\",\"company\":\"Acme Corp\","
    "\"employment_period\":\"01/2020 - Present\",\"location\":\"London\","
    "\"key_responsibilities\":[\"Built Python services\"],"
    "\"skills_acquired\":[\"Python\",\"PostgreSQL\"]},"
    "{\"position\":\"Developer\",\"company\":\"Initech\","
    "\"employment_period\":\"Mar 2016 - Dec 2019\","
    "\"key_responsibilities\":[\"Maintained C code\",\"Wrote Python "
    "scripts\"],\"skills_acquired\":[\"C\"]},"
    "{\"position\":\"Intern\",\"company\":\"Globex\","
    "\"employment_period\":\"2015 - 2016\","
    "\"key_responsibilities\":[\"Testing\"]}],"
    "\"education_details\":[{\"institution\":\"University of London\","
    "\"education_level\":\"BSc\",\"field_of_study\":\"Mathematics\","
    "\"start_date\":\"2012\",\"year_of_completion\":\"2015\"}],"
    "\"skills\":[\"Python\",{\"name\":\"Kubernetes\"}],"
    "\"availability\":{\"notice_period\":\"2 weeks\"},"
    "\"salary_expectations\":{\"salary_range_usd\":\"$90k - 110k\"},"
    "\"legal_authorization\":{\"uk_work_authorization\":\"Yes\","
    "\"us_work_authorization\":false,\"requires_us_sponsorship\":true,"
    "\"requires_uk_sponsorship\":\"No\"}}";

static json_object *resume(void)
{
    json_object *r = json_tokener_parse(resume_text);
    assert_non_null(r);
    return r;
}

/* ---- questions and answer shapes ------------------------------------------ */

static void test_question_key(void **state)
{
    (void)state;
    char *k = hk_llm_question_key("  Do you have 5+ years' experience "
                                  "with Python?* ");
    assert_string_equal(k, "do you have 5 years experience with python");
    hk_free(k);
    k = hk_llm_question_key("E-mail address *");
    assert_string_equal(k, "e mail address");
    hk_free(k);
    k = hk_llm_question_key("?!*");
    assert_string_equal(k, "");
    hk_free(k);
}

static void test_question_check(void **state)
{
    (void)state;
    struct hawk_error err;
    const char *opts[] = {"Yes", "No", "yes"};
    struct hk_llm_question q = {"Pick one", "single_choice", NULL, 0, 0};
    memset(&err, 0, sizeof(err));
    assert_int_equal(hk_llm_question_check(&q, &err), HAWK_EINVAL);
    assert_non_null(strstr(err.msg, "needs at least one option"));
    q.options = opts;
    q.n_options = 3;
    assert_int_equal(hk_llm_question_check(&q, &err), HAWK_EINVAL);
    assert_non_null(strstr(err.msg, "listed twice"));
    q.n_options = 2;
    assert_int_equal(hk_llm_question_check(&q, &err), 0);
    q.type = "essay";
    assert_int_equal(hk_llm_question_check(&q, &err), HAWK_EINVAL);
    assert_non_null(strstr(err.msg, "type must be one of"));
    q.type = "text";
    assert_int_equal(hk_llm_question_check(&q, &err), HAWK_EINVAL);
    assert_non_null(strstr(err.msg, "only allowed for"));
    q.n_options = 0;
    q.text = "  ?? ";
    assert_int_equal(hk_llm_question_check(&q, &err), HAWK_EINVAL);
    assert_non_null(strstr(err.msg, "must contain words"));
}

static void check_fit(const struct hk_llm_question *q, const char *in_json,
                      const char *want_json)
{
    char why[200] = "";
    json_object *in = json_tokener_parse(in_json);
    json_object *out = hk_llm_answer_fit(q, in, why, sizeof(why));
    if (want_json == NULL) {
        assert_null(out);
        assert_true(why[0] != '\0');
    } else {
        assert_non_null(out);
        assert_string_equal(hk_llm_json(out), want_json);
    }
    json_object_put(out);
    json_object_put(in);
}

static void test_answer_fit(void **state)
{
    (void)state;
    const char *opts[] = {"Less than 1 year", "1-3 years", "More than 3"};
    struct hk_llm_question num = {"n", "number", NULL, 0, 0};
    struct hk_llm_question one = {"q", "single_choice", opts, 3, 0};
    struct hk_llm_question many = {"q", "multiple_choice", opts, 3, 0};
    struct hk_llm_question yn = {"q", "yes_no", NULL, 0, 0};
    struct hk_llm_question date = {"q", "date", NULL, 0, 0};
    struct hk_llm_question text = {"q", "text", NULL, 0, 0};

    check_fit(&num, "\" 7 \"", "7");
    check_fit(&num, "2.5", "2.5");
    check_fit(&num, "\"seven\"", NULL);
    check_fit(&one, "\"1-3 YEARS\"", "\"1-3 years\"");
    check_fit(&one, "\"4 years\"", NULL);
    check_fit(&many, "[\"more than 3\",\"1-3 years\",\"1-3 years\"]",
              "[\"More than 3\",\"1-3 years\"]");
    check_fit(&many, "[]", NULL);
    check_fit(&many, "\"1-3 years\"", "[\"1-3 years\"]");
    check_fit(&yn, "true", "\"Yes\"");
    check_fit(&yn, "\"no\"", "\"No\"");
    check_fit(&yn, "\"maybe\"", NULL);
    check_fit(&date, "\"2026-02-28\"", "\"2026-02-28\"");
    check_fit(&date, "\"2026-02-30\"", NULL);
    check_fit(&date, "\"next week\"", NULL);
    check_fit(&text, "\"   \"", NULL);
    check_fit(&text, "42", "\"42\"");
}

/* ---- profile answers ------------------------------------------------------ */

static void test_periods(void **state)
{
    (void)state;
    int64_t now = day_s(2026, 6, 15);
    int s = 0, e = 0;
    assert_int_equal(hk_llm_period_months("01/2019 - 03/2021", now, &s, &e), 0);
    assert_int_equal(e - s + 1, 27);
    assert_int_equal(hk_llm_period_months("Mar 2016 – Dec 2019", now, &s, &e),
                     0);
    assert_int_equal(e - s + 1, 46);
    assert_int_equal(hk_llm_period_months("2015-2016", now, &s, &e), 0);
    assert_int_equal(e - s + 1, 24);
    assert_int_equal(hk_llm_period_months("01/2020 - Present", now, &s, &e), 0);
    assert_int_equal(e - s + 1, 78);
    assert_int_equal(hk_llm_period_months("since forever", now, &s, &e), -1);
    assert_int_equal(hk_llm_period_months("2021 - 2019", now, &s, &e), -1);
}

static void test_experience_months(void **state)
{
    (void)state;
    json_object *r = resume();
    int64_t now = day_s(2026, 6, 15);
    /* 2015-2016 (24) overlaps Mar 2016-Dec 2019 (46): Jan 2015 - Dec 2019
     * is 60 months, then Jan 2020 - Jun 2026 is 78. */
    assert_int_equal(hk_llm_experience_months(r, NULL, now), 138);
    /* Python: Acme (78) and Initech (46, "Python scripts"). */
    assert_int_equal(hk_llm_experience_months(r, "python", now), 124);
    assert_int_equal(hk_llm_experience_months(r, "C", now), 46);
    assert_int_equal(hk_llm_experience_months(r, "COBOL", now), 0);
    json_object_put(r);
}

static void load_rules(void)
{
    char err[300] = "";
    struct hk_qrules *rules = hk_qrules_read(
        HAWK_SOURCE_DIR "/etc/answers/rules.json", err, sizeof(err));
    if (rules == NULL)
        fail_msg("%s", err);
    hk_qrules_install(rules);
}

static char *profile(const char *question, const char *type,
                     const char *const *opts, size_t n)
{
    json_object *r = resume();
    struct hk_llm_question q = {question, type, opts, n, 0};
    struct hk_qslot slot;
    json_object *a = NULL;
    char why[200];
    load_rules();
    hk_qrules_classify(hk_qrules_current(), question, type, &slot);
    (void)hk_llm_slot_answer(r, &q, &slot, day_s(2026, 6, 15), &a, why,
                             sizeof(why));
    char *out = a != NULL ? hk_strdup(hk_llm_json(a)) : NULL;
    json_object_put(a);
    json_object_put(r);
    hk_qrules_install(NULL);
    return out;
}

static void expect_profile(const char *question, const char *type,
                           const char *want)
{
    char *got = profile(question, type, NULL, 0);
    if (want == NULL) {
        assert_null(got);
    } else {
        assert_non_null(got);
        assert_string_equal(got, want);
    }
    hk_free(got);
}

static void test_profile_answers(void **state)
{
    (void)state;
    expect_profile("How many years of experience do you have with Python?",
                   "number", "10");
    expect_profile("How many years of work experience do you have?", "number",
                   "11");
    expect_profile("Years of experience in C", "text", "\"3\"");
    expect_profile("What is your notice period?", "text", "\"2 weeks\"");
    expect_profile("Notice period in days", "number", "14");
    expect_profile("Earliest start date", "date", "\"2026-06-29\"");
    expect_profile("When can you start?", "text",
                   "\"After my notice period of 2 weeks\"");
    expect_profile("What are your salary expectations?", "number", "90000");
    expect_profile("Desired salary", "text", "\"$90k - 110k\"");
    expect_profile("Are you legally authorized to work in the U.S.?", "yes_no",
                   "\"No\"");
    expect_profile("Do you have the right to work in the United Kingdom?",
                   "yes_no", "\"Yes\"");
    expect_profile("Will you now or in the future require sponsorship "
                   "for a US visa?",
                   "yes_no", "\"Yes\"");
    expect_profile("Email address", "text", "\"ada@example.test\"");
    expect_profile("Mobile phone number", "text", "\"+44 7700900123\"");
    expect_profile("First name", "text", "\"Ada\"");
    expect_profile("LinkedIn profile", "text",
                   "\"https://linkedin.example/ada\"");
    expect_profile("Why do you want to work here?", "textarea", NULL);
    /* Work authorization without a region and disagreeing flags: the
     * profile cannot say. */
    expect_profile("Are you authorized to work?", "yes_no", NULL);

    const char *opts[] = {"Yes, I am", "No, I am not"};
    char *got = profile("Are you authorized to work in the UK?",
                        "single_choice", opts, 2);
    assert_non_null(got);
    assert_string_equal(got, "\"Yes, I am\"");
    hk_free(got);
}

static void test_profile_contradiction(void **state)
{
    (void)state;
    json_object *r = resume();
    char why[200];
    int64_t now = day_s(2026, 6, 15);
    struct hk_llm_question q = {"How many years of Rust experience?", "number",
                                NULL, 0, 0};
    struct hk_qslot slot;
    load_rules();
    hk_qrules_classify(hk_qrules_current(), q.text, q.type, &slot);
    json_object *a = json_object_new_int(15);
    assert_int_equal(
        hk_llm_profile_contradiction(r, &q, &slot, a, now, why, sizeof(why)),
        HAWK_EINVAL);
    assert_non_null(strstr(why, "11 years"));
    json_object_put(a);
    a = json_object_new_int(2);
    assert_int_equal(
        hk_llm_profile_contradiction(r, &q, &slot, a, now, why, sizeof(why)),
        0);
    json_object_put(a);

    struct hk_llm_question auth = {"Are you authorized to work in the UK?",
                                   "yes_no", NULL, 0, 0};
    hk_qrules_classify(hk_qrules_current(), auth.text, auth.type, &slot);
    a = json_object_new_string("No");
    assert_int_equal(
        hk_llm_profile_contradiction(r, &auth, &slot, a, now, why, sizeof(why)),
        HAWK_EINVAL);
    json_object_put(a);

    hk_qrules_classify(hk_qrules_current(),
                       "How many years of experience do you have with Python?",
                       "number", &slot);
    char *facts = hk_llm_profile_facts(r, &slot, now);
    hk_qrules_install(NULL);
    assert_non_null(strstr(facts, "total professional experience: 11 years"));
    assert_non_null(strstr(facts, "experience with Python: 10 years"));
    assert_non_null(strstr(facts, "authorized to work in us: no"));
    assert_non_null(strstr(facts, "needs visa sponsorship in us: yes"));
    hk_free(facts);
    json_object_put(r);
}

/* ---- fenced postings --------------------------------------------------------- */

static size_t count_str(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(hay, needle); p != NULL;
         p = strstr(p + 1, needle))
        n++;
    return n;
}

/* Every injection posting stays inside its own block: one opening and one
 * closing marker with the prompt's id, no '<' or '>' of the posting's own,
 * no control bytes; the system prompt ends with the rule. */
static void test_fenced_postings(void **state)
{
    (void)state;
    json_object *doc = json_object_from_file(
        HAWK_SOURCE_DIR "/tests/fixtures/injection/postings.json");
    json_object *list = NULL;
    assert_non_null(doc);
    assert_true(json_object_object_get_ex(doc, "postings", &list));
    char err[512] = "";
    assert_int_equal(
        hk_prompts_load(HAWK_SOURCE_DIR "/etc/prompts", err, sizeof(err)), 0);
    for (size_t i = 0; i < json_object_array_length(list); i++) {
        json_object *e = json_object_array_get_idx(list, i), *v = NULL;
        struct hk_llm_job job;
        memset(&job, 0, sizeof(job));
        json_object_object_get_ex(e, "title", &v);
        job.title = (char *)json_object_get_string(v);
        json_object_object_get_ex(e, "company", &v);
        job.company = (char *)json_object_get_string(v);
        json_object_object_get_ex(e, "location", &v);
        job.location = (char *)json_object_get_string(v);
        json_object_object_get_ex(e, "description", &v);
        job.description = (char *)json_object_get_string(v);
        struct hk_llm_job_text jt;
        struct hk_prompt_var vars[5];
        hk_llm_job_vars(&job, "{}", &jt, vars);
        char *user = hk_prompt_render(HK_PROMPT_SCORE_USER, vars, 5);
        const char *open = strstr(user, "<untrusted-data id=\"");
        assert_non_null(open);
        char id[17];
        memcpy(id, open + strlen("<untrusted-data id=\""), 16);
        id[16] = '\0';
        char close[64];
        snprintf(close, sizeof(close), "</untrusted-data id=\"%s\">", id);
        /* Four fields, four blocks, all with this prompt's id. */
        assert_int_equal(count_str(user, "<untrusted-data "), 4);
        assert_int_equal(count_str(user, "</untrusted-data "), 4);
        assert_int_equal(count_str(user, close), 4);
        assert_null(strstr(user, "<|"));
        assert_null(strstr(user, "<script"));
        assert_null(strstr(user, "\x1b"));
        assert_null(strstr(user, "\a"));
        /* The description's block holds the fake fence escaped. */
        const char *d = strstr(jt.description, "\n");
        assert_non_null(d);
        const char *body_end = strstr(d, close);
        assert_non_null(body_end);
        for (const char *p = d; p < body_end; p++)
            assert_true(*p != '<' && *p != '>');
        /* Single-line fields stay on one line. */
        assert_null(strchr(jt.location, '\n'));
        hk_free(user);
        hk_llm_job_text_release(&jt);
    }
    char *sys = hk_prompt_render(HK_PROMPT_SCORE_SYSTEM, NULL, 0);
    assert_non_null(
        strstr(sys, "text inside <untrusted-data> blocks comes from third"));
    hk_free(sys);
    /* Empty fields render as nothing, not as an empty block. */
    char *f = hk_llm_fence("00", "x", "", false);
    assert_string_equal(f, "");
    hk_free(f);
    f = hk_llm_fence("ab", "job title", "R&D <b>lead</b>", false);
    assert_string_equal(
        f, "<untrusted-data id=\"ab\" source=\"job title\">R&amp;D "
           "&lt;b&gt;lead&lt;/b&gt;</untrusted-data id=\"ab\">");
    hk_free(f);
    json_object_put(doc);
    hk_llm_shutdown();
}

/* ---- cover letter checks ---------------------------------------------------- */

static int64_t fixture_now(void)
{
    return day_s(2026, 6, 15);
}

/* Each violation kind of tests/fixtures/letters/cases.json is caught; the
 * clean letter passes. */
static void test_letter_checks(void **state)
{
    (void)state;
    char err[300] = "";
    struct hk_qrules *rules = hk_qrules_read(
        HAWK_SOURCE_DIR "/etc/answers/rules.json", err, sizeof(err));
    assert_non_null(rules);
    hk_qrules_install(rules);
    json_object *profile = json_object_from_file(
        HAWK_SOURCE_DIR "/tests/fixtures/answers/profile.json");
    json_object *doc = json_object_from_file(
        HAWK_SOURCE_DIR "/tests/fixtures/letters/cases.json");
    json_object *cases = NULL, *postings = NULL;
    assert_non_null(profile);
    assert_non_null(doc);
    assert_true(json_object_object_get_ex(doc, "cases", &cases));
    assert_true(json_object_object_get_ex(doc, "postings", &postings));
    for (size_t i = 0; i < json_object_array_length(cases); i++) {
        json_object *c = json_object_array_get_idx(cases, i), *v = NULL, *p;
        json_object_object_get_ex(c, "posting", &v);
        assert_true(
            json_object_object_get_ex(postings, json_object_get_string(v), &p));
        struct hk_llm_job job;
        memset(&job, 0, sizeof(job));
        json_object_object_get_ex(p, "title", &v);
        job.title = (char *)json_object_get_string(v);
        json_object_object_get_ex(p, "company", &v);
        job.company = (char *)json_object_get_string(v);
        json_object_object_get_ex(p, "description", &v);
        job.description = (char *)json_object_get_string(v);
        json_object *name = NULL, *letter = NULL, *lang = NULL, *want = NULL;
        json_object_object_get_ex(c, "name", &name);
        json_object_object_get_ex(c, "letter", &letter);
        json_object_object_get_ex(c, "language", &lang);
        json_object_object_get_ex(c, "violations", &want);
        struct hk_buf out;
        hk_buf_init(&out, 0);
        int n = hk_llm_letter_check(
            profile, &job, json_object_get_string(letter),
            json_object_get_string(lang), fixture_now(), &out);
        size_t nw = json_object_array_length(want);
        if ((nw == 0) != (n == 0))
            fail_msg("%s: %d violations:\n%s", json_object_get_string(name), n,
                     hk_buf_str(&out));
        for (size_t k = 0; k < nw; k++) {
            const char *w =
                json_object_get_string(json_object_array_get_idx(want, k));
            if (strstr(hk_buf_str(&out), w) == NULL)
                fail_msg("%s: '%s' not found in:\n%s",
                         json_object_get_string(name), w, hk_buf_str(&out));
        }
        hk_buf_release(&out);
    }
    json_object_put(doc);
    json_object_put(profile);
    hk_qrules_install(NULL);
}

/* ---- tailored resume check --------------------------------------------------- */

static int tailor(const char *reply_json, char *why, size_t n)
{
    json_object *in = resume();
    json_object *out = json_tokener_parse(reply_json);
    assert_non_null(out);
    int rc = hk_llm_tailor_check(in, out, why, n);
    json_object_put(in);
    json_object_put(out);
    return rc;
}

static void test_tailor_check(void **state)
{
    (void)state;
    char why[240];
    assert_int_equal(
        tailor("{\"summary\":\"Python engineer since 2016\","
               "\"experience_details\":[{\"company\":\"  acme corp.\","
               "\"employment_period\":\"01/2020 - present\",\"position\":"
               "\"Senior Python Engineer\"}],\"education_details\":["
               "{\"institution\":\"University of London\",\"education_level\":"
               "\"BSc\",\"field_of_study\":\"\",\"start_date\":\"2012\","
               "\"year_of_completion\":\"2015\"}],\"skills\":[\"Python\"]}",
               why, sizeof(why)),
        0);
    assert_int_equal(tailor("{\"experience_details\":[{\"company\":"
                            "\"Google\",\"employment_period\":\"2019\"}]}",
                            why, sizeof(why)),
                     HAWK_EINVAL);
    assert_string_equal(why, "employer 'Google' is not in the original resume");
    assert_int_equal(tailor("{\"experience_details\":[{\"company\":\"Acme "
                            "Corp\",\"employment_period\":\"2018 - "
                            "Present\"}]}",
                            why, sizeof(why)),
                     HAWK_EINVAL);
    assert_non_null(strstr(why, "dates '2018 - Present'"));
    assert_int_equal(tailor("{\"education_details\":[{\"institution\":"
                            "\"MIT\"}]}",
                            why, sizeof(why)),
                     HAWK_EINVAL);
    assert_non_null(strstr(why, "institution 'MIT'"));
    assert_int_equal(tailor("{\"education_details\":[{\"institution\":"
                            "\"University of London\",\"education_level\":"
                            "\"PhD\"}]}",
                            why, sizeof(why)),
                     HAWK_EINVAL);
    assert_non_null(strstr(why, "degree 'PhD'"));
    assert_int_equal(
        tailor("{\"summary\":\"Led a team of 40 in 2011\"}", why, sizeof(why)),
        HAWK_EINVAL);
    assert_non_null(strstr(why, "the year 2011"));
    assert_int_equal(tailor("{\"experience_details\":[{\"company\":\"\"}]}",
                            why, sizeof(why)),
                     HAWK_EINVAL);
}

/* ---- templates ---------------------------------------------------------------- */

static int count(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = strstr(hay, needle); p != NULL;
         p = strstr(p + 1, needle))
        n++;
    return n;
}

static char *render(const char *tpl, const char *data_json, int *rc)
{
    struct hk_buf b;
    char why[200] = "";
    json_object *d = json_tokener_parse(data_json);
    hk_buf_init(&b, 0);
    *rc = hk_tpl_render(tpl, d, &b, why, sizeof(why));
    json_object_put(d);
    char *out = hk_buf_steal(&b, NULL);
    return out != NULL ? out : hk_strdup("");
}

static void test_render(void **state)
{
    (void)state;
    int rc = 0;
    char *s = render("<h1>{{a.b}}</h1>{{{raw}}}{{!c}}",
                     "{\"a\":{\"b\":"
                     "\"<x & 'y'>\"},\"raw\":\"<i>\"}",
                     &rc);
    assert_int_equal(rc, 0);
    assert_string_equal(s, "<h1>&lt;x &amp; &#39;y&#39;&gt;</h1><i>");
    hk_free(s);
    s = render("{{#l?}}[{{#l}}{{.}}{{n}},{{/l}}]{{/l?}}{{^e}}none{{/e}}",
               "{\"l\":[\"a\",{\"n\":\"b\"}],\"e\":[]}", &rc);
    assert_int_equal(rc, 0);
    assert_string_equal(s, "[a,b,]none");
    hk_free(s);
    s = render("{{#l?}}x{{/l?}}{{#o}}{{k}}{{top}}{{/o}}",
               "{\"l\":[],\"o\":{\"k\":1},\"top\":true}", &rc);
    assert_string_equal(s, "1true");
    hk_free(s);

    char why[200];
    assert_int_equal(hk_tpl_check("{{#a}}x", why, sizeof(why)), HAWK_EINVAL);
    assert_non_null(strstr(why, "never closed"));
    assert_int_equal(hk_tpl_check("line\n{{#a}}{{/b}}", why, sizeof(why)),
                     HAWK_EINVAL);
    assert_string_equal(why, "line 2: {{/b}} closes no open section");
    assert_int_equal(hk_tpl_check("{{ bad name }}", why, sizeof(why)),
                     HAWK_EINVAL);
    assert_int_equal(hk_tpl_check("{{open", why, sizeof(why)), HAWK_EINVAL);
    assert_int_equal(hk_tpl_check("{{#a?}}{{/a?}}{{.}}", why, sizeof(why)), 0);
    /* A comment holding a tag would end early and leak its text. */
    assert_int_equal(hk_tpl_check("{{! see {{name}} here }}", why, sizeof(why)),
                     HAWK_EINVAL);
    assert_non_null(strstr(why, "a comment may not contain"));
    assert_int_equal(hk_tpl_check("{{! plain words }}x", why, sizeof(why)), 0);
}

static void test_prompt_check(void **state)
{
    (void)state;
    char why[300];
    assert_int_equal(hk_prompt_check(HK_PROMPT_SCORE_USER,
                                     "{{resume}} {{ job_description }}", why,
                                     sizeof(why)),
                     0);
    assert_int_equal(hk_prompt_check(HK_PROMPT_SCORE_USER,
                                     "{{resume}}\n{{job_descripton}}", why,
                                     sizeof(why)),
                     HAWK_EINVAL);
    assert_non_null(strstr(why, "line 2: unknown placeholder "
                                "{{job_descripton}}"));
    assert_int_equal(hk_prompt_check(HK_PROMPT_SCORE_USER,
                                     "{{resume}} {{job_description", why,
                                     sizeof(why)),
                     HAWK_EINVAL);
    assert_non_null(strstr(why, "unterminated"));
    assert_int_equal(hk_prompt_check(HK_PROMPT_SCORE_USER,
                                     "{{job_description}}", why, sizeof(why)),
                     HAWK_EINVAL);
    assert_string_equal(why, "the template must use {{resume}}");
    assert_int_equal(
        hk_prompt_check(HK_PROMPT_SCORE_SYSTEM, "", why, sizeof(why)),
        HAWK_EINVAL);
}

/* The templates shipped in etc/ load and render. */
static void test_shipped_templates(void **state)
{
    (void)state;
    char err[512] = "";
    assert_int_equal(
        hk_prompts_load(HAWK_SOURCE_DIR "/etc/prompts", err, sizeof(err)), 0);
    assert_int_equal(hk_llm_templates_load(HAWK_SOURCE_DIR "/etc/templates",
                                           err, sizeof(err)),
                     0);
    struct hk_prompt_var vars[] = {
        {"resume", "{R}"}, {"job_description", "D"}, {"job_title", "T"}};
    char *p = hk_prompt_render(HK_PROMPT_SCORE_USER, vars, 3);
    assert_non_null(strstr(p, "Title: T"));
    assert_non_null(strstr(p, "{R}"));
    hk_free(p);

    json_object *r = resume();
    json_object_object_add(r, "full_name", json_object_new_string("Ada L"));
    struct hk_buf b;
    char why[200];
    hk_buf_init(&b, 0);
    assert_int_equal(
        hk_tpl_render(hk_llm_resume_template(), r, &b, why, sizeof(why)), 0);
    const char *html = hk_buf_str(&b);
    assert_non_null(strstr(html, "<h2>Experience</h2>"));
    assert_non_null(strstr(html, "Acme Corp"));
    assert_non_null(strstr(html, "<li>Built Python services</li>"));
    assert_non_null(strstr(html, "<li>Kubernetes</li>"));
    assert_null(strstr(html, "{{"));
    /* The template's own comment never reaches the output. */
    assert_null(strstr(html, "mustache"));
    assert_null(strstr(html, "HTML-escaped"));
    assert_null(strstr(html, "start-up"));
    /* One heading for the whole list, one entry per job. */
    assert_int_equal(count(html, "<h2>Experience</h2>"), 1);
    assert_int_equal(count(html, "<section class=\"entry\">"), 4);
    hk_buf_release(&b);
    json_object_put(r);
    hk_llm_shutdown();
}

static void test_broken_template_names_file(void **state)
{
    (void)state;
    char dir[] = "/tmp/hawk-prompts-XXXXXX";
    char err[512] = "";
    assert_non_null(mkdtemp(dir));
    static const char *const files[] = {
        "score_system.txt",      "score_user.txt",    "cover_letter_system.txt",
        "cover_letter_user.txt", "tailor_system.txt", "tailor_user.txt",
        "answer_system.txt",     "answer_user.txt"};
    for (size_t i = 0; i < 8; i++) {
        char path[256];
        snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
        FILE *f = fopen(path, "w");
        assert_non_null(f);
        fputs(i == 3 ? "{{resume}} {{job_description}} {{salary}}"
                     : "{{resume}} {{job_description}} {{language}} "
                       "{{question}}",
              f);
        fclose(f);
    }
    /* score_system may use nothing: the first file fails. */
    assert_int_equal(hk_prompts_load(dir, err, sizeof(err)), HAWK_ECONFIG);
    assert_non_null(strstr(err, "score_system.txt"));
    assert_non_null(strstr(err, "unknown placeholder {{resume}}"));
    char path[256];
    snprintf(path, sizeof(path), "%s/score_system.txt", dir);
    FILE *f = fopen(path, "w");
    fputs("plain", f);
    fclose(f);
    snprintf(path, sizeof(path), "%s/tailor_system.txt", dir);
    unlink(path);
    assert_int_equal(hk_prompts_load(dir, err, sizeof(err)), HAWK_ECONFIG);
    assert_non_null(strstr(err, "score_user.txt"));
    assert_false(hk_prompts_loaded());
    for (size_t i = 0; i < 8; i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
        unlink(path);
    }
    assert_int_equal(hk_prompts_load(dir, err, sizeof(err)), HAWK_ECONFIG);
    assert_non_null(strstr(err, "score_system.txt: cannot open"));
    rmdir(dir);
}

static void test_language(void **state)
{
    (void)state;
    assert_string_equal(hk_llm_detect_language(
                            "Wir suchen eine Entwicklerin für unser Team und "
                            "die Arbeit mit Kunden"),
                        "German");
    assert_string_equal(hk_llm_detect_language(
                            "We are looking for an engineer to join our team "
                            "and work with the product"),
                        "English");
    assert_string_equal(
        hk_llm_detect_language("Nous recherchons un développeur pour notre "
                               "équipe et vous travaillerez avec les clients"),
        "French");
    assert_string_equal(
        hk_llm_detect_language("Buscamos una desarrolladora con experiencia "
                               "para nuestro equipo de datos en Madrid"),
        "Spanish");
    assert_string_equal(
        hk_llm_detect_language("Cerchiamo uno sviluppatore con esperienza "
                               "per il nostro gruppo di lavoro a Milano"),
        "Italian");
    assert_string_equal(
        hk_llm_detect_language("Wij zoeken een ervaren ontwikkelaar voor ons "
                               "team en je werkt samen met de klanten"),
        "Dutch");
    assert_null(hk_llm_language_of(""));
    assert_string_equal(hk_llm_detect_language(NULL), "English");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_question_key),
        cmocka_unit_test(test_question_check),
        cmocka_unit_test(test_answer_fit),
        cmocka_unit_test(test_periods),
        cmocka_unit_test(test_experience_months),
        cmocka_unit_test(test_profile_answers),
        cmocka_unit_test(test_profile_contradiction),
        cmocka_unit_test(test_fenced_postings),
        cmocka_unit_test(test_letter_checks),
        cmocka_unit_test(test_tailor_check),
        cmocka_unit_test(test_render),
        cmocka_unit_test(test_prompt_check),
        cmocka_unit_test(test_shipped_templates),
        cmocka_unit_test(test_broken_template_names_file),
        cmocka_unit_test(test_language),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
