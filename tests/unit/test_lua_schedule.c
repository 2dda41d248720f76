/*
 * test_lua_schedule.c - reading a workflow's schedule: validation errors
 * naming the field and line, quiet hours, next_run(), ISO formatting,
 * and every shipped example script (the .lua files of scripts/lua)
 * compiling with a valid schedule.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "hawk/plugin.h"
#include "lua/runner.h"
#include "lua/schedule.h"

/* 2026-11-30 00:00:00 UTC, a Monday. */
#define MONDAY 1795996800LL

static struct hk_lua_limits limits(void)
{
    struct hk_lua_limits l;
    hk_lua_limits_default(&l);
    return l;
}

/* Runs CHECK on src and parses its schedule; returns the parse status
 * (or -100 when the script itself failed) with err filled. */
static int check(const char *src, struct hk_lua_schedule *s, char *err,
                 size_t errlen, int *line)
{
    struct hk_lua_limits l = limits();
    struct hk_lua_job job = {.mode = HK_LUA_MODE_CHECK,
                             .source = src,
                             .source_len = strlen(src),
                             .chunkname = "wf",
                             .limits = l};
    struct hk_lua_result res;
    assert_int_equal(hk_lua_run(&job, NULL, &res), 0);
    if (res.status != HK_LUA_OK) {
        snprintf(err, errlen, "%s", res.error);
        hk_lua_result_clear(&res);
        return -100;
    }
    if (line != NULL)
        *line = res.schedule_line;
    int rc =
        hk_lua_schedule_parse(res.schedule, res.has_next_run, s, err, errlen);
    hk_lua_result_clear(&res);
    return rc;
}

static void expect_schedule_error(const char *src, const char *needle,
                                  int want_line)
{
    struct hk_lua_schedule s;
    char err[256] = "";
    int line = 0;
    int rc = check(src, &s, err, sizeof(err), &line);
    if (rc != HAWK_EINVAL || strstr(err, needle) == NULL)
        fail_msg("expected '%s', got %d: %s", needle, rc, err);
    if (want_line > 0)
        assert_int_equal(line, want_line);
}

static void test_schedule_errors(void **state)
{
    (void)state;
    expect_schedule_error("-- x\nschedule = { cron = '61 * * * *' }\n"
                          "function run() end\n",
                          "schedule.cron: minute field '61' out of range", 2);
    expect_schedule_error("schedule = { cron = '* * *' }\nfunction run() end\n",
                          "schedule.cron: expected 5 fields", 1);
    expect_schedule_error("schedule = { cron = '0 9 * * *', tz = 'Mars/Base' "
                          "}\nfunction run() end\n",
                          "schedule.tz: unknown time zone 'Mars/Base'", 1);
    expect_schedule_error("schedule = { crn = '0 9 * * *' }\n"
                          "function run() end\n",
                          "unknown field 'crn' (did you mean 'cron'?)", 1);
    expect_schedule_error("schedule = { jitter = 'soon' }\nfunction run() "
                          "end\n",
                          "schedule.jitter: 'soon' is not a duration", 1);
    expect_schedule_error("schedule = { jitter = '12h' }\nfunction run() end\n",
                          "between 0 and 6h", 1);
    expect_schedule_error("schedule = { max_per_day = 0 }\nfunction run() "
                          "end\n",
                          "max_per_day must be an integer from 1 to 1000", 1);
    expect_schedule_error("schedule = { quiet_hours = { '22:00' } }\n"
                          "function run() end\n",
                          "quiet_hours must be a list of two times", 1);
    expect_schedule_error("schedule = { quiet_hours = { '25:00', '07:00' } "
                          "}\nfunction run() end\n",
                          "quiet_hours[1] must be a time", 1);
    expect_schedule_error("schedule = { cron = '0 0 30 2 *' }\n"
                          "function run() end\n",
                          "never fires", 1);
}

static void test_cron_times_and_format(void **state)
{
    (void)state;
    struct hk_lua_schedule s;
    char err[256];
    assert_int_equal(check("schedule = { cron = '30 8 * * 1-5', tz = "
                           "'Europe/Berlin' }\nfunction run() end\n",
                           &s, err, sizeof(err), NULL),
                     0);
    assert_true(hk_lua_schedule_active(&s));
    struct hk_lua_limits l = limits();
    int64_t t[5];
    int n = hk_lua_schedule_next_times(&s, NULL, 0, "wf", &l, NULL, MONDAY, t,
                                       5, err, sizeof(err));
    assert_int_equal(n, 5);
    char buf[40];
    hk_lua_schedule_format(&s, t[0], buf, sizeof(buf));
    assert_string_equal(buf, "2026-11-30T08:30:00+01:00");
    hk_lua_schedule_format(&s, t[4], buf, sizeof(buf));
    assert_string_equal(buf, "2026-12-04T08:30:00+01:00");
    /* Summer time shows its own offset. */
    n = hk_lua_schedule_next_times(&s, NULL, 0, "wf", &l, NULL, 1782777600LL, t,
                                   1, err, sizeof(err));
    assert_int_equal(n, 1);
    hk_lua_schedule_format(&s, t[0], buf, sizeof(buf));
    assert_non_null(strstr(buf, "T08:30:00+02:00"));
}

static void test_quiet_hours(void **state)
{
    (void)state;
    struct hk_lua_schedule s;
    char err[256];
    assert_int_equal(check("schedule = { cron = '0 * * * *', quiet_hours = "
                           "{'22:00', '07:00'} }\nfunction run() end\n",
                           &s, err, sizeof(err), NULL),
                     0);
    struct hk_lua_limits l = limits();
    int64_t t[24];
    int n = hk_lua_schedule_next_times(&s, NULL, 0, "wf", &l, NULL, MONDAY, t,
                                       24, err, sizeof(err));
    assert_int_equal(n, 24);
    /* From Monday 00:00 UTC the first allowed hour is 07:00. */
    assert_int_equal(t[0], MONDAY + 7 * 3600);
    for (int i = 0; i < n; i++) {
        int64_t hour = (t[i] % 86400) / 3600;
        assert_true(hour >= 7 && hour < 22);
    }
    assert_true(hk_lua_schedule_is_quiet(&s, MONDAY + 23 * 3600));
    assert_int_equal(hk_lua_schedule_unquiet(&s, MONDAY + 23 * 3600),
                     MONDAY + 86400 + 7 * 3600);
}

static void test_next_run_function(void **state)
{
    (void)state;
    const char *src = "function next_run(now) return now + 7200 end\n"
                      "function run() end\n";
    struct hk_lua_schedule s;
    char err[256];
    assert_int_equal(check(src, &s, err, sizeof(err), NULL), 0);
    assert_true(s.has_next_run);
    struct hk_lua_limits l = limits();
    int64_t t[3];
    int n = hk_lua_schedule_next_times(&s, src, strlen(src), "wf", &l, NULL,
                                       MONDAY, t, 3, err, sizeof(err));
    assert_int_equal(n, 3);
    assert_int_equal(t[0], MONDAY + 7200);
    assert_int_equal(t[2], MONDAY + 3 * 7200);

    const char *back = "function next_run(now) return now - 1 end\n"
                       "function run() end\n";
    assert_int_equal(check(back, &s, err, sizeof(err), NULL), 0);
    n = hk_lua_schedule_next_times(&s, back, strlen(back), "wf", &l, NULL,
                                   MONDAY, t, 3, err, sizeof(err));
    assert_true(n < 0);
    assert_non_null(strstr(err, "next_run must return a time after now"));

    const char *loop = "function next_run(now) while true do end end\n"
                       "function run() end\n";
    assert_int_equal(check(loop, &s, err, sizeof(err), NULL), 0);
    n = hk_lua_schedule_next_times(&s, loop, strlen(loop), "wf", &l, NULL,
                                   MONDAY, t, 1, err, sizeof(err));
    assert_true(n < 0);
    assert_non_null(strstr(err, "instruction limit"));
}

static void test_roundtrip(void **state)
{
    (void)state;
    struct hk_lua_schedule s, back;
    char err[256];
    assert_int_equal(check("schedule = { cron = '30 8 * * 1-5', tz = "
                           "'Europe/Berlin', jitter = '15m', max_per_day = 20,"
                           " quiet_hours = {'22:00', '07:00'} }\n"
                           "function run() end\n",
                           &s, err, sizeof(err), NULL),
                     0);
    assert_int_equal(s.jitter_s, 900);
    assert_int_equal(s.max_per_day, 20);
    json_object *j = hk_lua_schedule_to_json(&s);
    assert_int_equal(hk_lua_schedule_from_json(j, &back), 0);
    json_object_put(j);
    assert_string_equal(back.cron, "30 8 * * 1-5");
    assert_string_equal(back.tz, "Europe/Berlin");
    assert_int_equal(back.jitter_s, 900);
    assert_int_equal(back.max_per_day, 20);
    assert_int_equal(back.quiet_start, 22 * 60);
    assert_int_equal(back.quiet_end, 7 * 60);
    for (int i = 0; i < 50; i++) {
        int64_t d = hk_lua_schedule_jitter(&s);
        assert_true(d >= 0 && d <= 900);
    }
}

/* Every example in scripts/lua compiles and has a valid schedule with
 * upcoming runs. */
static void test_examples(void **state)
{
    (void)state;
    static const char *const files[] = {"daily_apply.lua",
                                        "score_threshold.lua",
                                        "company_monthly.lua",
                                        "remote_salary_floor.lua",
                                        "weekday_mornings.lua",
                                        "every_other_day.lua",
                                        NULL};
    for (size_t i = 0; files[i] != NULL; i++) {
        char path[512];
        snprintf(path, sizeof(path), "%s/scripts/lua/%s", HAWK_SOURCE_DIR,
                 files[i]);
        FILE *f = fopen(path, "rb");
        if (f == NULL)
            fail_msg("cannot open %s", path);
        static char src[65536];
        size_t n = fread(src, 1, sizeof(src) - 1, f);
        fclose(f);
        src[n] = '\0';
        struct hk_lua_schedule s;
        char err[256];
        int rc = check(src, &s, err, sizeof(err), NULL);
        if (rc != 0)
            fail_msg("%s: %s", files[i], err);
        struct hk_lua_limits l = limits();
        int64_t t[5];
        int got = hk_lua_schedule_next_times(&s, src, n, files[i], &l, NULL,
                                             MONDAY, t, 5, err, sizeof(err));
        if (got != 5)
            fail_msg("%s: %d next times: %s", files[i], got, err);
        for (int k = 1; k < 5; k++)
            assert_true(t[k] > t[k - 1]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_schedule_errors),
        cmocka_unit_test(test_cron_times_and_format),
        cmocka_unit_test(test_quiet_hours),
        cmocka_unit_test(test_next_run_function),
        cmocka_unit_test(test_roundtrip),
        cmocka_unit_test(test_examples),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    hk_tz_cache_clear();
    return rc;
}
