/*
 * test_filters.c - blacklist/whitelist matching: whole-word phrases,
 * POSIX regexes, rule order and explanations.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "hawk/plugin.h"
#include "platform/jobconfigs/filters.h"

static int m(const char *entry, const char *text)
{
    return hk_jobconfigs_filter_match(NULL, entry, text);
}

static void test_phrase_whole_word(void **state)
{
    (void)state;
    assert_int_equal(m("Java", "Senior Java Developer"), 1);
    assert_int_equal(m("java", "SENIOR JAVA DEVELOPER"), 1);
    assert_int_equal(m("Java", "JavaScript Engineer"), 0);
    assert_int_equal(m("Java", "Engineer (Java)"), 1);
    assert_int_equal(m("Java", "java"), 1);
    assert_int_equal(m("senior engineer", "Senior Engineer II"), 1);
    assert_int_equal(m("senior engineer", "Senior Engineering Manager"), 0);
    /* Phrases that start or end with punctuation. */
    assert_int_equal(m("C++", "C++ developer"), 1);
    assert_int_equal(m("C++", "C developer"), 0);
    assert_int_equal(m(".NET", "ASP.NET Core"), 1);
    assert_int_equal(m("  sales  ", "Inside Sales Rep"), 1);
    /* Non-ASCII letters are word characters. */
    assert_int_equal(m("caf", "caf\xc3\xa9 owner"), 0);
    assert_int_equal(m("anything", ""), 0);
}

static void test_regex(void **state)
{
    (void)state;
    struct hk_jobconfigs_filter *ctx = hk_jobconfigs_filter_new();
    assert_int_equal(
        hk_jobconfigs_filter_match(ctx, "/sr\\.? ?engineer/", "SR. Engineer"),
        1);
    assert_int_equal(hk_jobconfigs_filter_match(ctx, "/^intern/", "Internship"),
                     1);
    assert_int_equal(
        hk_jobconfigs_filter_match(ctx, "/^intern/", "Summer Intern"), 0);
    /* Cached compile gives the same answers. */
    assert_int_equal(hk_jobconfigs_filter_match(ctx, "/^intern/", "Intern"), 1);
    assert_int_equal(hk_jobconfigs_filter_match(ctx, "/(unclosed/", "x"),
                     HAWK_EINVAL);
    assert_int_equal(hk_jobconfigs_filter_match(ctx, "/(unclosed/", "x"),
                     HAWK_EINVAL);
    assert_int_equal(hk_jobconfigs_filter_match(ctx, "//", "x"), HAWK_EINVAL);
    hk_jobconfigs_filter_free(ctx);
    assert_true(hk_jobconfigs_filter_is_regex("/a/"));
    assert_false(hk_jobconfigs_filter_is_regex("/"));
    assert_false(hk_jobconfigs_filter_is_regex("a/b/"));
}

static void test_entry_check(void **state)
{
    (void)state;
    char msg[200];
    assert_int_equal(hk_jobconfigs_filter_entry_check("Java", msg, sizeof(msg)),
                     0);
    assert_int_equal(
        hk_jobconfigs_filter_entry_check("/ja(va|karta)/", msg, sizeof(msg)),
        0);
    assert_int_equal(hk_jobconfigs_filter_entry_check("", msg, sizeof(msg)),
                     HAWK_EINVAL);
    assert_int_equal(hk_jobconfigs_filter_entry_check("   ", msg, sizeof(msg)),
                     HAWK_EINVAL);
    assert_int_equal(
        hk_jobconfigs_filter_entry_check("/[a-/", msg, sizeof(msg)),
        HAWK_EINVAL);
    assert_non_null(strstr(msg, "invalid regular expression"));
    assert_int_equal(hk_jobconfigs_filter_entry_check("//", msg, sizeof(msg)),
                     HAWK_EINVAL);
    /* Patterns whose compiled form would explode are refused up front. */
    static const char *const complex[] = {
        "/x++/",
        "/a{2}{3}/",
        "/(a{100}){100}/",
        "/(a)\\1/",
        "/((((((((((((((((((a+)+)+)+)+)+)+)+)+)+)+)+)+)+)+)+)+)+)+)/",
        NULL};
    for (size_t i = 0; complex[i] != NULL; i++) {
        assert_int_equal(
            hk_jobconfigs_filter_entry_check(complex[i], msg, sizeof(msg)),
            HAWK_EINVAL);
        assert_non_null(strstr(msg, "too complex"));
        assert_int_equal(hk_jobconfigs_filter_match(NULL, complex[i], "aaa"),
                         HAWK_EINVAL);
    }
    assert_int_equal(hk_jobconfigs_filter_entry_check("/a{1,5}b|[[:digit:]]+/",
                                                      msg, sizeof(msg)),
                     0);
    assert_int_equal(
        hk_jobconfigs_filter_match(NULL, "/a{1,5}b|[[:digit:]]+/", "x42"), 1);
    char longe[HK_JOBCONFIGS_FILTER_MAX_ENTRY + 2];
    memset(longe, 'a', sizeof(longe) - 1);
    longe[sizeof(longe) - 1] = '\0';
    assert_int_equal(hk_jobconfigs_filter_entry_check(longe, msg, sizeof(msg)),
                     HAWK_EINVAL);
}

static json_object *J(const char *s)
{
    json_object *o = json_tokener_parse(s);
    assert_non_null(o);
    return o;
}

static void test_eval_rules(void **state)
{
    (void)state;
    json_object *cfg =
        J("{\"company_blacklist\":[\"Evil Corp\"],"
          "\"title_blacklist\":[\"senior\",\"/\\\\bstaff\\\\b|principal/\"],"
          "\"title_whitelist\":[\"engineer\",\"developer\"],"
          "\"location_blacklist\":[\"Antarctica\"],"
          "\"description_blacklist\":[\"unpaid\"],"
          "\"remote\":true,\"hybrid\":false,\"onsite\":true,"
          "\"job_applicants_threshold\":{\"min\":0,\"max\":100}}");
    struct hk_jobconfigs_filter *ctx = hk_jobconfigs_filter_new();
    struct hk_jobconfigs_filter_result res;
    struct {
        const char *job;
        int rc;
        const char *rule;
    } cases[] = {
        {"{\"title\":\"Backend Engineer\",\"company\":\"Good\"}", 0, ""},
        {"{\"title\":\"Backend Engineer\",\"company\":\"evil corp\"}", 1,
         "company_blacklist"},
        {"{\"title\":\"Senior Engineer\",\"company\":\"Good\"}", 1,
         "title_blacklist"},
        {"{\"title\":\"Principal Developer\"}", 1, "title_blacklist"},
        {"{\"title\":\"Product Manager\"}", 1, "title_whitelist"},
        {"{\"title\":\"Engineer\",\"location\":\"Antarctica\"}", 1,
         "location_blacklist"},
        {"{\"title\":\"Engineer\",\"description\":\"An UNPAID role\"}", 1,
         "description_blacklist"},
        {"{\"title\":\"Engineer\",\"workplace\":\"hybrid\"}", 1, "hybrid"},
        {"{\"title\":\"Engineer\",\"workplace\":\"remote\"}", 0, ""},
        {"{\"title\":\"Engineer\",\"applicants\":250}", 1,
         "job_applicants_threshold"},
        {"{\"title\":\"Engineer\",\"applicants\":50}", 0, ""},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        json_object *job = J(cases[i].job);
        int rc = hk_jobconfigs_filter_eval(ctx, cfg, job, &res);
        assert_int_equal(rc, cases[i].rc);
        if (rc == 1) {
            assert_string_equal(res.rule, cases[i].rule);
            assert_true(strlen(res.why) > 0);
        }
        json_object_put(job);
    }
    /* The explanation names the entry. */
    json_object *job = J("{\"title\":\"Senior Engineer\"}");
    assert_int_equal(hk_jobconfigs_filter_eval(ctx, cfg, job, &res), 1);
    assert_string_equal(res.entry, "senior");
    assert_non_null(strstr(res.why, "senior"));
    char why[600];
    assert_int_equal(hk_jobconfigs_filter_check(cfg, job, why, sizeof(why)), 1);
    assert_non_null(strstr(why, "title_blacklist: "));
    json_object_put(job);
    hk_jobconfigs_filter_free(ctx);
    json_object_put(cfg);
}

static void test_eval_invalid_regex(void **state)
{
    (void)state;
    json_object *cfg = J("{\"title_blacklist\":[\"/[unclosed/\"]}");
    json_object *job = J("{\"title\":\"x\"}");
    struct hk_jobconfigs_filter_result res;
    assert_int_equal(hk_jobconfigs_filter_eval(NULL, cfg, job, &res),
                     HAWK_EINVAL);
    assert_string_equal(res.rule, "title_blacklist");
    assert_string_equal(res.entry, "/[unclosed/");
    json_object_put(job);
    json_object_put(cfg);
}

static void test_empty_config_passes(void **state)
{
    (void)state;
    json_object *cfg = J("{}");
    json_object *job = J("{\"title\":\"Anything\"}");
    char why[100] = "x";
    assert_int_equal(hk_jobconfigs_filter_check(cfg, job, why, sizeof(why)), 0);
    assert_string_equal(why, "");
    json_object_put(job);
    json_object_put(cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_phrase_whole_word),
        cmocka_unit_test(test_regex),
        cmocka_unit_test(test_entry_check),
        cmocka_unit_test(test_eval_rules),
        cmocka_unit_test(test_eval_invalid_regex),
        cmocka_unit_test(test_empty_config_passes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
