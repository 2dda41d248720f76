/*
 * Tests of the linkedin plugin's pacing (plugins/linkedin/li_pace.c): the
 * daily cap per account and UTC day, the gap between two submissions,
 * one run per account at a time, the back-off after a refusal, the pause
 * switch and the human-like delays, all on a clock the test sets.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "linkedin.h"

#define DAY ((int64_t)86400 * 1000)
/* 2026-12-04 00:00:00 UTC */
#define T0 ((int64_t)1796342400 * 1000)

static struct li_pace *make(int cap, int64_t gap, int64_t base, int64_t top)
{
    struct li_pace_cfg c = {.daily_cap = cap,
                            .min_gap_ms = gap,
                            .backoff_base_ms = base,
                            .backoff_cap_ms = top};
    return li_pace_new(&c);
}

/* One submitted application at t. */
static void submit_at(struct li_pace *p, int64_t acct, int64_t t)
{
    struct li_pace_verdict v;
    assert_int_equal(li_pace_begin(p, acct, t, &v), 0);
    assert_int_equal(v.result, LI_PACE_OK);
    li_pace_end(p, acct, t, LI_PACE_SUBMITTED);
}

static void test_daily_cap(void **state)
{
    (void)state;
    struct li_pace *p = make(3, 0, 1000, 8000);
    struct li_pace_verdict v;
    int64_t t = T0 + 9 * 3600 * 1000; /* 09:00 */
    for (int i = 0; i < 3; i++)
        submit_at(p, 7, t + i * 60000);
    assert_int_equal(li_pace_begin(p, 7, t + 200000, &v), -1);
    assert_int_equal(v.result, LI_PACE_CAPPED);
    assert_string_equal(li_pace_result_name(v.result), "daily_cap");
    assert_int_equal(v.used_today, 3);
    /* Until the next UTC midnight, exactly. */
    assert_int_equal(v.wait_ms, T0 + DAY - (t + 200000));
    /* One millisecond before midnight: still capped; at midnight: free. */
    assert_int_equal(li_pace_begin(p, 7, T0 + DAY - 1, &v), -1);
    assert_int_equal(v.result, LI_PACE_CAPPED);
    assert_int_equal(li_pace_begin(p, 7, T0 + DAY, &v), 0);
    assert_int_equal(v.used_today, 0);
    li_pace_end(p, 7, T0 + DAY, LI_PACE_SUBMITTED);
    assert_int_equal(li_pace_begin(p, 7, T0 + DAY + 1, &v), 0);
    assert_int_equal(v.used_today, 1);
    li_pace_end(p, 7, T0 + DAY + 1, LI_PACE_DONE);
    li_pace_free(p);
}

static void test_cap_zero_refuses(void **state)
{
    (void)state;
    struct li_pace *p = make(0, 0, 1000, 8000);
    struct li_pace_verdict v;
    assert_int_equal(li_pace_begin(p, 1, T0, &v), -1);
    assert_int_equal(v.result, LI_PACE_CAPPED);
    li_pace_free(p);
}

static void test_gap(void **state)
{
    (void)state;
    struct li_pace *p = make(25, 90000, 1000, 8000);
    struct li_pace_verdict v;
    submit_at(p, 1, T0 + 1000);
    assert_int_equal(li_pace_begin(p, 1, T0 + 31000, &v), -1);
    assert_int_equal(v.result, LI_PACE_WAIT);
    assert_int_equal(v.wait_ms, 60000);
    assert_string_equal(li_pace_result_name(v.result), "too_soon");
    assert_int_equal(li_pace_begin(p, 1, T0 + 91000, &v), 0);
    li_pace_end(p, 1, T0 + 91000, LI_PACE_DONE);
    /* A run that ended without submitting does not start the gap. */
    assert_int_equal(li_pace_begin(p, 1, T0 + 91001, &v), 0);
    li_pace_end(p, 1, T0 + 91001, LI_PACE_DONE);
    li_pace_free(p);
}

static void test_one_run_per_account(void **state)
{
    (void)state;
    struct li_pace *p = make(25, 0, 1000, 8000);
    struct li_pace_verdict v;
    assert_int_equal(li_pace_begin(p, 1, T0, &v), 0);
    assert_int_equal(li_pace_begin(p, 1, T0, &v), -1);
    assert_int_equal(v.result, LI_PACE_BUSY);
    /* Other accounts are not held up. */
    assert_int_equal(li_pace_begin(p, 2, T0, &v), 0);
    li_pace_end(p, 2, T0, LI_PACE_DONE);
    li_pace_end(p, 1, T0, LI_PACE_DONE);
    assert_int_equal(li_pace_begin(p, 1, T0, &v), 0);
    assert_int_equal(v.used_today, 0);
    li_pace_end(p, 1, T0, LI_PACE_DONE);
    li_pace_free(p);
}

static void test_backoff(void **state)
{
    (void)state;
    struct li_pace *p = make(25, 0, 1000, 5000);
    struct li_pace_verdict v;
    int64_t t = T0;
    int64_t expect[] = {1000, 2000, 4000, 5000, 5000};
    for (size_t i = 0; i < sizeof(expect) / sizeof(expect[0]); i++) {
        assert_int_equal(li_pace_begin(p, 1, t, &v), 0);
        li_pace_end(p, 1, t, LI_PACE_REFUSED);
        assert_int_equal(li_pace_begin(p, 1, t, &v), -1);
        assert_int_equal(v.result, LI_PACE_BACKOFF);
        assert_int_equal(v.wait_ms, expect[i]);
        assert_int_equal(li_pace_begin(p, 1, t + expect[i] - 1, &v), -1);
        t += expect[i];
    }
    /* A submission ends the streak: the next refusal waits the base. */
    submit_at(p, 1, t);
    assert_int_equal(li_pace_begin(p, 1, t, &v), 0);
    li_pace_end(p, 1, t, LI_PACE_REFUSED);
    assert_int_equal(li_pace_begin(p, 1, t, &v), -1);
    assert_int_equal(v.wait_ms, 1000);
    li_pace_free(p);
}

static void test_pause(void **state)
{
    (void)state;
    struct li_pace *p = make(25, 0, 1000, 5000);
    struct li_pace_verdict v;
    li_pace_set_paused(p, 3, true);
    assert_int_equal(li_pace_begin(p, 3, T0, &v), -1);
    assert_int_equal(v.result, LI_PACE_PAUSED);
    assert_string_equal(li_pace_result_name(v.result), "paused");
    assert_int_equal(li_pace_begin(p, 4, T0, &v), 0);
    li_pace_end(p, 4, T0, LI_PACE_DONE);
    li_pace_set_paused(p, 3, false);
    assert_int_equal(li_pace_begin(p, 3, T0, &v), 0);
    li_pace_end(p, 3, T0, LI_PACE_DONE);
    li_pace_free(p);
}

static void test_many_accounts(void **state)
{
    (void)state;
    struct li_pace *p = make(1, 0, 1000, 5000);
    struct li_pace_verdict v;
    for (int64_t a = 1; a <= 100; a++)
        submit_at(p, a, T0);
    for (int64_t a = 1; a <= 100; a++) {
        assert_int_equal(li_pace_begin(p, a, T0 + 1, &v), -1);
        assert_int_equal(v.result, LI_PACE_CAPPED);
    }
    li_pace_free(p);
}

/* xorshift64*: a fixed sequence, so the test is the same every run. */
static uint64_t next(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 2685821657736338717ull;
}

static void test_human_delay(void **state)
{
    (void)state;
    uint64_t s = 88172645463325252ull;
    const int n = 20000;
    int64_t lo = 500, hi = 1500, min = hi, max = lo;
    int middle = 0;
    double sum = 0;
    for (int i = 0; i < n; i++) {
        int64_t d = li_human_delay(lo, hi, next(&s), next(&s));
        assert_true(d >= lo && d <= hi);
        if (d < min)
            min = d;
        if (d > max)
            max = d;
        if (d >= 750 && d <= 1250)
            middle++;
        sum += (double)d;
    }
    double mean = sum / n;
    assert_true(mean > 980 && mean < 1020);
    /* A triangle puts 3/4 of the draws in the middle half (uniform: 1/2). */
    assert_true(middle > n * 7 / 10);
    /* ... and still reaches near both ends. */
    assert_true(min < 560 && max > 1440);
    /* Degenerate ranges. */
    assert_int_equal(li_human_delay(0, 0, 12345, 678), 0);
    assert_int_equal(li_human_delay(700, 300, 1, 2), 700);
    assert_int_equal(li_human_delay(0, 1, UINT64_MAX, UINT64_MAX), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_daily_cap),
        cmocka_unit_test(test_cap_zero_refuses),
        cmocka_unit_test(test_gap),
        cmocka_unit_test(test_one_run_per_account),
        cmocka_unit_test(test_backoff),
        cmocka_unit_test(test_pause),
        cmocka_unit_test(test_many_accounts),
        cmocka_unit_test(test_human_delay),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
