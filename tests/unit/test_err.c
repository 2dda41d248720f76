/*
 * test_err.c - the core's error value: set, prefix, reasons, plugin import.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "util/err.h"

static void test_set_returns_code_and_fills(void **state)
{
    (void)state;
    struct hk_err e = HK_ERR_INIT;
    assert_int_equal(hk_err_set(&e, HAWK_EINVAL, NULL, "email",
                                "'%s' is not an email address", "x@"),
                     HAWK_EINVAL);
    assert_int_equal(e.code, HAWK_EINVAL);
    assert_string_equal(e.field, "email");
    assert_string_equal(e.msg, "'x@' is not an email address");
    assert_string_equal(hk_err_reason(&e), "invalid_field");
    /* NULL error: still returns the code, no crash. */
    assert_int_equal(hk_err_set(NULL, HAWK_ENOTFOUND, NULL, NULL, "x"),
                     HAWK_ENOTFOUND);
    hk_err_clear(&e);
    assert_int_equal(e.code, 0);
    assert_string_equal(e.msg, "");
}

static void test_reasons(void **state)
{
    (void)state;
    struct hk_err e = HK_ERR_INIT;
    hk_err_set(&e, HAWK_EQUOTA, "plan_limit", NULL, "limit reached");
    assert_string_equal(hk_err_reason(&e), "plan_limit");
    hk_err_set(&e, HAWK_EINVAL, NULL, "", "bad");
    assert_string_equal(hk_err_reason(&e), "invalid_request");
    hk_err_set(&e, HAWK_ENOTFOUND, NULL, NULL, "gone");
    assert_string_equal(hk_err_reason(&e), "not_found");
    hk_err_set(&e, HAWK_EIO, NULL, NULL, "disk");
    assert_string_equal(hk_err_reason(&e), "internal");
    assert_string_equal(hk_err_reason(NULL), "internal");
}

static void test_prefix_and_truncation(void **state)
{
    (void)state;
    struct hk_err e = HK_ERR_INIT;
    hk_err_prefix(&e, "ignored"); /* unset: no-op */
    assert_string_equal(e.msg, "");
    hk_err_set(&e, HAWK_EIO, NULL, NULL, "connection refused");
    hk_err_prefix(&e, "resume %d", 7);
    assert_string_equal(e.msg, "resume 7: connection refused");
    char long_text[600];
    memset(long_text, 'a', sizeof(long_text) - 1);
    long_text[sizeof(long_text) - 1] = '\0';
    hk_err_set(&e, HAWK_EIO, NULL, long_text, "%s", long_text);
    assert_int_equal(strlen(e.msg), sizeof(e.msg) - 1);
    assert_int_equal(strlen(e.field), sizeof(e.field) - 1);
    hk_err_prefix(&e, "%s", long_text); /* head alone fills it: kept */
    assert_int_equal(strlen(e.msg), sizeof(e.msg) - 1);
}

static void test_from_plugin(void **state)
{
    (void)state;
    struct hk_err e = HK_ERR_INIT;
    struct hawk_error pe = {.code = HAWK_ERATELIMIT, .msg = "slow down"};
    assert_int_equal(hk_err_from_plugin(&e, &pe, "openai"), HAWK_ERATELIMIT);
    assert_string_equal(e.msg, "openai: slow down");
    struct hawk_error weird = {.code = 12345};
    assert_int_equal(hk_err_from_plugin(&e, &weird, NULL), HAWK_EINTERNAL);
    assert_string_equal(e.msg, "plugin: internal error");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_set_returns_code_and_fills),
        cmocka_unit_test(test_reasons),
        cmocka_unit_test(test_prefix_and_truncation),
        cmocka_unit_test(test_from_plugin),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
