/*
 * test_metrics.c - histograms in the metrics registry: cumulative
 * buckets, +Inf, _sum and _count, HELP and TYPE lines, bad input, and the
 * bound on label sets.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "hawk/plugin.h"
#include "plugin/metrics.h"
#include "util/alloc.h"
#include "util/buf.h"

static char *render(void)
{
    struct hk_buf b;
    hk_buf_init(&b, 64 << 20);
    hk_metrics_render(&b);
    return hk_buf_steal(&b, NULL);
}

static int teardown(void **state)
{
    (void)state;
    hk_metrics_reset();
    return 0;
}

static void test_histogram_buckets(void **state)
{
    (void)state;
    const char *l = "route=\"/x\",status=\"200\"";
    assert_int_equal(hk_metrics_observe("t_seconds", l, 0.0005), 0);
    assert_int_equal(hk_metrics_observe("t_seconds", l, 0.003), 0);
    assert_int_equal(hk_metrics_observe("t_seconds", l, 0.003), 0);
    assert_int_equal(hk_metrics_observe("t_seconds", l, 1000), 0);
    char *t = render();
    assert_non_null(strstr(t, "# HELP t_seconds "));
    assert_non_null(strstr(t, "# TYPE t_seconds histogram\n"));
    assert_non_null(strstr(
        t, "t_seconds_bucket{route=\"/x\",status=\"200\",le=\"0.001\"} 1\n"));
    assert_non_null(strstr(
        t, "t_seconds_bucket{route=\"/x\",status=\"200\",le=\"0.0025\"} 1\n"));
    assert_non_null(strstr(
        t, "t_seconds_bucket{route=\"/x\",status=\"200\",le=\"0.005\"} 3\n"));
    assert_non_null(strstr(
        t, "t_seconds_bucket{route=\"/x\",status=\"200\",le=\"300\"} 3\n"));
    assert_non_null(strstr(
        t, "t_seconds_bucket{route=\"/x\",status=\"200\",le=\"+Inf\"} 4\n"));
    assert_non_null(
        strstr(t, "t_seconds_count{route=\"/x\",status=\"200\"} 4\n"));
    assert_non_null(
        strstr(t, "t_seconds_sum{route=\"/x\",status=\"200\"} 1000.0065"));
    hk_free(t);
}

static void test_no_labels_and_counters_get_help(void **state)
{
    (void)state;
    assert_int_equal(hk_metrics_observe("u_seconds", NULL, 0.2), 0);
    assert_int_equal(hk_metrics_add("c_total", NULL, 2), 0);
    char *t = render();
    assert_non_null(strstr(t, "u_seconds_bucket{le=\"0.25\"} 1\n"));
    assert_non_null(strstr(t, "u_seconds_count 1\n"));
    assert_non_null(strstr(t, "# HELP c_total "));
    assert_non_null(strstr(t, "# TYPE c_total counter\nc_total 2\n"));
    hk_free(t);
}

static void test_bad_input(void **state)
{
    (void)state;
    assert_int_equal(hk_metrics_observe("bad name", NULL, 1), HAWK_EINVAL);
    assert_int_equal(hk_metrics_observe("x", "k=unquoted", 1), HAWK_EINVAL);
    assert_int_equal(hk_metrics_observe("x", NULL, -1), HAWK_EINVAL);
    char *t = render();
    assert_null(strstr(t, "x_bucket"));
    hk_free(t);
}

static void test_label_sets_are_bounded(void **state)
{
    (void)state;
    char l[64];
    int rc = 0;
    for (int i = 0; i <= HK_METRICS_MAX_HISTOGRAMS && rc == 0; i++) {
        snprintf(l, sizeof(l), "id=\"%d\"", i);
        rc = hk_metrics_observe("many_seconds", l, 0.1);
    }
    assert_int_equal(rc, HAWK_ETOOBIG);
    /* known series still count */
    assert_int_equal(hk_metrics_observe("many_seconds", "id=\"7\"", 0.1), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_histogram_buckets, teardown),
        cmocka_unit_test_teardown(test_no_labels_and_counters_get_help,
                                  teardown),
        cmocka_unit_test_teardown(test_bad_input, teardown),
        cmocka_unit_test_teardown(test_label_sets_are_bounded, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
