/*
 * tests/unit/test_cron.c - cron parsing, time zones and next-fire times
 * across daylight-saving changes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "hawk/plugin.h"
#include "sched/cron.h"
#include "sched/tz.h"
#include "util/alloc.h"

static struct hk_cron parse_ok(const char *expr)
{
    struct hk_cron c;
    char err[256] = "";
    int rc = hk_cron_parse(expr, &c, err, sizeof(err));
    if (rc != 0)
        fail_msg("'%s' failed: %s", expr, err);
    return c;
}

static void parse_bad(const char *expr, const char *want)
{
    struct hk_cron c;
    char err[256] = "";
    assert_int_equal(hk_cron_parse(expr, &c, err, sizeof(err)), HAWK_EINVAL);
    if (strcmp(err, want) != 0)
        fail_msg("'%s': got error \"%s\", want \"%s\"", expr, err, want);
}

static int64_t next_in(const char *expr, const char *tz, int64_t after)
{
    struct hk_cron c = parse_ok(expr);
    int64_t n = 0;
    int rc = hk_cron_next(&c, tz, after, &n);
    if (rc != 0)
        fail_msg("next('%s', %s, %lld) failed: %d", expr, tz, (long long)after,
                 rc);
    return n;
}

static void test_fields(void **state)
{
    (void)state;
    struct hk_cron c = parse_ok("* * * * *");
    assert_true(c.minutes == (((uint64_t)1 << 60) - 1));
    assert_int_equal(c.hours, 0xFFFFFF);
    assert_int_equal(c.mdays, 0xFFFFFFFEu);
    assert_int_equal(c.months, 0x1FFE);
    assert_int_equal(c.wdays, 0x7F);
    assert_true(c.mday_star && c.wday_star);

    c = parse_ok("5 0 * * *");
    assert_true(c.minutes == ((uint64_t)1 << 5));
    assert_int_equal(c.hours, 1);

    c = parse_ok("1-3,10 */6 1,15 * *");
    assert_true(c.minutes == ((1u << 1) | (1u << 2) | (1u << 3) | (1u << 10)));
    assert_int_equal(c.hours, (1 << 0) | (1 << 6) | (1 << 12) | (1 << 18));
    assert_int_equal(c.mdays, (1u << 1) | (1u << 15));
    assert_false(c.mday_star);

    c = parse_ok("10-20/5 5/8 * * *");
    assert_true(c.minutes == ((1u << 10) | (1u << 15) | (1u << 20)));
    assert_int_equal(c.hours, (1 << 5) | (1 << 13) | (1 << 21));

    /* Names, case-insensitive, in ranges and lists; 7 is Sunday. */
    c = parse_ok("0 9 * jan,MAR-May mon-FRI");
    assert_int_equal(c.months, (1 << 1) | (1 << 3) | (1 << 4) | (1 << 5));
    assert_int_equal(c.wdays, 0x3E);
    c = parse_ok("0 0 * * 7");
    assert_int_equal(c.wdays, 1);
    c = parse_ok("0 0 * * 5-7");
    assert_int_equal(c.wdays, (1 << 5) | (1 << 6) | 1);
    c = parse_ok("0 0 * * */2");
    assert_int_equal(c.wdays, (1 << 0) | (1 << 2) | (1 << 4) | (1 << 6));
    assert_true(c.wday_star);

    /* Extra blanks and tabs between fields are fine. */
    c = parse_ok("  0\t12   * *  *  ");
    assert_int_equal(c.hours, 1 << 12);
}

static void test_macros(void **state)
{
    (void)state;
    struct hk_cron a = parse_ok("@daily"), b = parse_ok("0 0 * * *");
    assert_memory_equal(&a, &b, sizeof(a));
    a = parse_ok("@midnight");
    assert_memory_equal(&a, &b, sizeof(a));
    a = parse_ok("@hourly");
    b = parse_ok("0 * * * *");
    assert_memory_equal(&a, &b, sizeof(a));
    a = parse_ok("@weekly");
    b = parse_ok("0 0 * * 0");
    assert_memory_equal(&a, &b, sizeof(a));
    a = parse_ok("@monthly");
    b = parse_ok("0 0 1 * *");
    assert_memory_equal(&a, &b, sizeof(a));
    a = parse_ok("@yearly");
    b = parse_ok("0 0 1 1 *");
    assert_memory_equal(&a, &b, sizeof(a));
    a = parse_ok("@annually");
    assert_memory_equal(&a, &b, sizeof(a));
}

static void test_invalid(void **state)
{
    (void)state;
    parse_bad("61 * * * *", "minute field '61' out of range 0-59");
    parse_bad("* * * *", "expected 5 fields, got 4");
    parse_bad("* * * * * *", "expected 5 fields, got 6");
    parse_bad("", "expected 5 fields, got 0");
    parse_bad("* 24 * * *", "hour field '24' out of range 0-23");
    parse_bad("* * 0 * *", "day-of-month field '0' out of range 1-31");
    parse_bad("* * 32 * *", "day-of-month field '32' out of range 1-31");
    parse_bad("* * * 13 *", "month field '13' out of range 1-12");
    parse_bad("* * * * 8", "day-of-week field '8' out of range 0-7");
    parse_bad("* * * FOO *", "month field: unknown name 'FOO'");
    parse_bad("* * * * MONDAY", "day-of-week field: unknown name 'MONDAY'");
    parse_bad("x * * * *", "minute field 'x' is not a number");
    parse_bad("* MON * * *", "hour field 'MON' is not a number");
    parse_bad("*/0 * * * *", "minute field step '0' out of range 1-60");
    parse_bad("*/ * * * *", "minute field has an invalid step");
    parse_bad("30-10 * * * *", "minute field range '30-10' is backwards");
    parse_bad("1,,2 * * * *", "minute field has an empty value");
    parse_bad("-5 * * * *", "minute field has an empty value");
    parse_bad("1.5 * * * *", "minute field '1.5' is not a number");
    parse_bad("@reboot", "unknown macro '@reboot' (use @yearly, @monthly, "
                         "@weekly, @daily or @hourly)");
    char longexpr[400];
    memset(longexpr, '1', sizeof(longexpr) - 1);
    longexpr[sizeof(longexpr) - 1] = '\0';
    parse_bad(longexpr, "cron expression is too long (at most 256 characters)");

    char err[128];
    assert_int_equal(
        hk_cron_validate("0 3 * * *", "Mars/Olympus", err, sizeof(err)),
        HAWK_EINVAL);
    assert_string_equal(err, "unknown time zone 'Mars/Olympus'");
    assert_int_equal(
        hk_cron_validate("0 3 * * *", "../../etc/passwd", err, sizeof(err)),
        HAWK_EINVAL);
    assert_string_equal(err, "unknown time zone '../../etc/passwd'");
    assert_int_equal(
        hk_cron_validate("0 3 * * *", "/etc/passwd", err, sizeof(err)),
        HAWK_EINVAL);
    assert_int_equal(hk_cron_validate("0 3 * * *", "Europe", err, sizeof(err)),
                     HAWK_EINVAL);
    assert_int_equal(
        hk_cron_validate("0 3 * * *", "zone.tab", err, sizeof(err)),
        HAWK_EINVAL);
    assert_int_equal(
        hk_cron_validate("0 3 * * *", "Europe/Berlin", err, sizeof(err)), 0);
    assert_int_equal(hk_cron_validate("0 3 * * *", "", err, sizeof(err)), 0);
}

/* 2024-01-01T00:00:00Z, a Monday. */
#define JAN1_2024 1704067200

static void test_next_utc(void **state)
{
    (void)state;
    assert_int_equal(next_in("* * * * *", "UTC", JAN1_2024), JAN1_2024 + 60);
    /* Strictly after: a time that matches is not returned again. */
    assert_int_equal(next_in("0 * * * *", "UTC", JAN1_2024), JAN1_2024 + 3600);
    assert_int_equal(next_in("0 * * * *", "UTC", JAN1_2024 + 59),
                     JAN1_2024 + 3600);
    assert_int_equal(next_in("*/15 * * * *", "UTC", JAN1_2024 + 61),
                     JAN1_2024 + 900);
    assert_int_equal(next_in("30 2 * * *", "", JAN1_2024),
                     JAN1_2024 + 2 * 3600 + 1800);
    /* Next month, next year. */
    assert_int_equal(next_in("0 0 1 * *", "UTC", JAN1_2024),
                     1706745600); /* 2024-02-01 */
    assert_int_equal(next_in("@yearly", "UTC", JAN1_2024),
                     1735689600); /* 2025-01-01 */
    /* Weekday: Saturday 2024-01-06. */
    assert_int_equal(next_in("0 12 * * SAT", "UTC", JAN1_2024), 1704542400);
    /* Both day fields restricted: the 13th OR a Friday (2024-09-01 is a
     * Sunday; Friday 6th comes before the 13th). */
    assert_int_equal(next_in("0 0 13 * FRI", "UTC", 1725148800), 1725580800);
    assert_int_equal(next_in("0 0 13 * FRI", "UTC", 1725580800), 1726185600);
    /* Feb 29 only: next leap year. */
    assert_int_equal(next_in("0 0 29 2 *", "UTC", 1709251200),
                     1835395200); /* after 2024-03-01 -> 2028-02-29 */
    /* A date that never exists. */
    struct hk_cron c = parse_ok("0 0 30 2 *");
    int64_t n;
    assert_int_equal(hk_cron_next(&c, "UTC", JAN1_2024, &n), HAWK_ENOTFOUND);
    assert_int_equal(hk_cron_next(&c, "No/Such_Zone", JAN1_2024, &n),
                     HAWK_EINVAL);
}

static void test_dst_berlin(void **state)
{
    (void)state;
    const char *tz = "Europe/Berlin";
    /* Spring forward 2024-03-31 02:00 CET -> 03:00 CEST (01:00Z).  02:30
     * does not exist: it fires once, at 03:00 CEST. */
    int64_t t = next_in("30 2 * * *", tz, 1711762200); /* 03-30 02:30 CET */
    assert_int_equal(t, 1711846800);
    t = next_in("30 2 * * *", tz, t);
    assert_int_equal(t, 1711931400); /* 04-01 02:30 CEST = 00:30Z */
    /* From inside the day before the gap. */
    assert_int_equal(next_in("30 2 * * *", tz, 1711843200), 1711846800);
    /* Several wall times in the gap still fire once. */
    t = next_in("*/15 2 * * *", tz, 1711843200); /* from 01:00 CET */
    assert_int_equal(t, 1711846800);
    t = next_in("*/15 2 * * *", tz, t);
    assert_int_equal(t, 1711846800 + 86400 - 3600); /* 04-01 02:00 CEST */
    /* Hourly follows real time across the gap: 01:00 CET then 03:00 CEST
     * one hour later. */
    assert_int_equal(next_in("0 * * * *", tz, 1711843200), 1711846800);

    /* Fall back 2024-10-27 03:00 CEST -> 02:00 CET (01:00Z).  02:30 happens
     * twice; it fires on the first pass only. */
    t = next_in("30 2 * * *", tz, 1729902600); /* 10-26 02:30 CEST */
    assert_int_equal(t, 1729989000);           /* 10-27 02:30 CEST */
    t = next_in("30 2 * * *", tz, t);
    assert_int_equal(t, 1730079000); /* 10-28 02:30 CET, not 10-27 CET */
    /* Asked from inside the second pass: still no second fire. */
    assert_int_equal(next_in("30 2 * * *", tz, 1729992600 - 1800), 1730079000);
    /* Hourly fires in both passes, one real hour apart. */
    t = next_in("0 * * * *", tz, 1729987200); /* 00:00Z = 02:00 CEST */
    assert_int_equal(t, 1729987200 + 3600);   /* 02:00 CET */
    t = next_in("0 * * * *", tz, t);
    assert_int_equal(t, 1729987200 + 7200); /* 03:00 CET */
}

static void test_dst_new_york(void **state)
{
    (void)state;
    const char *tz = "America/New_York";
    /* Spring forward 2024-03-10 02:00 EST -> 03:00 EDT (07:00Z). */
    int64_t t = next_in("30 2 * * *", tz, 1710054000 - 86400 + 1800);
    assert_int_equal(t, 1710054000); /* 03:00 EDT */
    t = next_in("30 2 * * *", tz, t);
    assert_int_equal(t, 1710138600); /* 03-11 02:30 EDT */
    /* Fall back 2024-11-03 02:00 EDT -> 01:00 EST (06:00Z). */
    t = next_in("30 1 * * *", tz, 1730525400); /* 11-02 01:30 EDT */
    assert_int_equal(t, 1730611800);           /* 11-03 01:30 EDT */
    t = next_in("30 1 * * *", tz, t);
    assert_int_equal(t, 1730615400 + 86400); /* 11-04 01:30 EST */
    /* Every 10 minutes in hour 1: the repeated hour does not fire again. */
    struct hk_cron c = parse_ok("*/10 1 * * *");
    int64_t n = 1730606400; /* 00:00 EDT */
    int fires = 0;
    while (n < 1730617200) { /* up to 02:00 EST */
        assert_int_equal(hk_cron_next(&c, tz, n, &n), 0);
        if (n < 1730617200)
            fires++;
    }
    assert_int_equal(fires, 6);
    /* Hourly: 05:00Z, 06:00Z, 07:00Z are 01:00 EDT, 01:00 EST, 02:00 EST. */
    t = next_in("0 * * * *", tz, 1730606400);
    assert_int_equal(t, 1730610000);
    t = next_in("0 * * * *", tz, t);
    assert_int_equal(t, 1730613600);
    t = next_in("0 * * * *", tz, t);
    assert_int_equal(t, 1730617200);
}

static void test_dst_lord_howe(void **state)
{
    (void)state;
    /* Half-hour DST: +10:30 <-> +11:00. */
    const char *tz = "Australia/Lord_Howe";
    /* 2024-10-06 02:00 -> 02:30: 02:15 fires once at 02:30. */
    int64_t t = next_in("15 2 * * *", tz, 1728056700);
    assert_int_equal(t, 1728142200);
    assert_int_equal(next_in("15 2 * * *", tz, t), 1728227700);
    /* 2024-04-07 02:00 -> 01:30: 01:45 fires on the first pass only. */
    t = next_in("45 1 * * *", tz, 1712328300);
    assert_int_equal(t, 1712414700);
    assert_int_equal(next_in("45 1 * * *", tz, t), 1712416500 + 86400);
}

static void test_jumps_are_monotonic(void **state)
{
    (void)state;
    /* Walk a year of several expressions in zones with DST: every result
     * is after its input, and a wall time never fires twice in a day. */
    const char *zones[] = {"Europe/Berlin",       "America/New_York",
                           "Australia/Lord_Howe", "America/Santiago",
                           "Asia/Kolkata",        "Pacific/Chatham"};
    const char *exprs[] = {"30 2 * * *", "0 0 * * *", "*/20 1-3 * * *",
                           "0 * * * *", "45 23 * * MON-FRI"};
    for (size_t zi = 0; zi < sizeof(zones) / sizeof(zones[0]); zi++) {
        for (size_t ei = 0; ei < sizeof(exprs) / sizeof(exprs[0]); ei++) {
            struct hk_cron c = parse_ok(exprs[ei]);
            int64_t t = JAN1_2024;
            for (int i = 0; i < 400 && t < JAN1_2024 + 366 * 86400; i++) {
                int64_t n;
                assert_int_equal(hk_cron_next(&c, zones[zi], t, &n), 0);
                assert_true(n > t);
                t = n;
            }
        }
    }
}

/* Our offsets must agree with the C library's for many instants. */
static void test_offsets_match_libc(void **state)
{
    (void)state;
    const char *zones[] = {"Europe/Berlin",       "America/New_York",
                           "Australia/Lord_Howe", "Asia/Kolkata",
                           "America/Sao_Paulo",   "Pacific/Chatham",
                           "Africa/Casablanca",   "UTC",
                           "Europe/London",       "America/Santiago"};
    char *old = getenv("TZ") ? hk_strdup(getenv("TZ")) : NULL;
    for (size_t zi = 0; zi < sizeof(zones) / sizeof(zones[0]); zi++) {
        const struct hk_tz *z;
        char err[128];
        assert_int_equal(hk_tz_get(zones[zi], &z, err, sizeof(err)), 0);
        setenv("TZ", zones[zi], 1);
        tzset();
        /* 1990 to 2090, every 3h17m (hits both sides of transitions). */
        for (int64_t t = 631152000; t < 3786912000; t += 11820) {
            time_t tt = (time_t)t;
            struct tm tm;
            localtime_r(&tt, &tm);
            if (hk_tz_offset(z, t) != tm.tm_gmtoff)
                fail_msg("%s at %lld: ours %d, libc %ld", zones[zi],
                         (long long)t, hk_tz_offset(z, t), tm.tm_gmtoff);
        }
    }
    if (old) {
        setenv("TZ", old, 1);
        hk_free(old);
    } else {
        unsetenv("TZ");
    }
    tzset();
}

static void test_posix_rules(void **state)
{
    (void)state;
    struct hk_tz *z;
    char err[128];
    assert_int_equal(hk_tz_from_posix("CET-1CEST,M3.5.0,M10.5.0/3", "x", &z,
                                      err, sizeof(err)),
                     0);
    /* 2100-07-01 is summer time, 2100-01-01 winter. */
    assert_int_equal(hk_tz_offset(z, 4118126400), 7200);
    assert_int_equal(hk_tz_offset(z, 4102444800), 3600);
    hk_tz_free(z);
    assert_int_equal(
        hk_tz_from_posix("<+0530>-5:30", "x", &z, err, sizeof(err)), 0);
    assert_int_equal(hk_tz_offset(z, JAN1_2024), 19800);
    int64_t at;
    assert_false(hk_tz_next_transition(z, JAN1_2024, &at));
    hk_tz_free(z);
    /* Southern hemisphere: DST over new year. */
    assert_int_equal(hk_tz_from_posix("AEST-10AEDT,M10.1.0,M4.1.0/3", "x", &z,
                                      err, sizeof(err)),
                     0);
    assert_int_equal(hk_tz_offset(z, JAN1_2024), 11 * 3600);
    assert_int_equal(hk_tz_offset(z, JAN1_2024 + 180 * 86400), 10 * 3600);
    hk_tz_free(z);
    assert_int_equal(hk_tz_from_posix("nonsense", "x", &z, err, sizeof(err)),
                     HAWK_EINVAL);
    assert_int_equal(hk_tz_from_posix("CET-1CEST,M13.5.0,M10.5.0", "x", &z, err,
                                      sizeof(err)),
                     HAWK_EINVAL);
    /* Garbage TZif data is rejected, not trusted. */
    const unsigned char junk[60] = "TZif2";
    assert_int_equal(
        hk_tz_parse_tzif(junk, sizeof(junk), "j", &z, err, sizeof(err)),
        HAWK_EINVAL);
    assert_int_equal(hk_tz_parse_tzif((const unsigned char *)"TZ", 2, "j", &z,
                                      err, sizeof(err)),
                     HAWK_EINVAL);
}

static void test_civil(void **state)
{
    (void)state;
    for (int64_t d = -800000; d < 800000; d += 37) {
        int64_t y;
        int m, dd;
        hk_civil_from_days(d, &y, &m, &dd);
        assert_int_equal(hk_days_from_civil(y, m, dd), d);
    }
    assert_int_equal(hk_days_from_civil(1970, 1, 1), 0);
    assert_int_equal(hk_days_from_civil(2024, 1, 1), JAN1_2024 / 86400);
}

static int teardown_all(void **state)
{
    (void)state;
    hk_tz_cache_clear();
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fields),
        cmocka_unit_test(test_macros),
        cmocka_unit_test(test_invalid),
        cmocka_unit_test(test_next_utc),
        cmocka_unit_test(test_dst_berlin),
        cmocka_unit_test(test_dst_new_york),
        cmocka_unit_test(test_dst_lord_howe),
        cmocka_unit_test(test_jumps_are_monotonic),
        cmocka_unit_test(test_offsets_match_libc),
        cmocka_unit_test(test_posix_rules),
        cmocka_unit_test(test_civil),
    };
    return cmocka_run_group_tests(tests, NULL, teardown_all);
}
