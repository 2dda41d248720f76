/*
 * test_csv.c - the RFC 4180 CSV writer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "hawk/plugin.h"
#include "http/csv.h"
#include "util/buf.h"

static void test_plain_and_empty(void **state)
{
    (void)state;
    struct hk_buf b;
    struct hk_csv w;
    hk_buf_init(&b, 0);
    hk_csv_init(&w, &b);
    assert_int_equal(hk_csv_str(&w, "a"), 0);
    assert_int_equal(hk_csv_str(&w, NULL), 0);
    assert_int_equal(hk_csv_str(&w, ""), 0);
    assert_int_equal(hk_csv_str(&w, "b c"), 0);
    assert_int_equal(hk_csv_end_row(&w), 0);
    assert_int_equal(hk_csv_str(&w, "second"), 0);
    assert_int_equal(hk_csv_end_row(&w), 0);
    assert_string_equal(hk_buf_str(&b), "a,,,b c\r\nsecond\r\n");
    hk_buf_release(&b);
}

static void test_quoting(void **state)
{
    (void)state;
    struct hk_buf b;
    struct hk_csv w;
    hk_buf_init(&b, 0);
    hk_csv_init(&w, &b);
    assert_int_equal(hk_csv_str(&w, "Acme, Inc."), 0);
    assert_int_equal(hk_csv_str(&w, "say \"hi\""), 0);
    assert_int_equal(hk_csv_str(&w, "line1\nline2"), 0);
    assert_int_equal(hk_csv_str(&w, "cr\rhere"), 0);
    assert_int_equal(hk_csv_str(&w, "\""), 0);
    assert_int_equal(hk_csv_str(&w, "caf\xc3\xa9"), 0);
    assert_int_equal(hk_csv_end_row(&w), 0);
    assert_string_equal(hk_buf_str(&b),
                        "\"Acme, Inc.\",\"say \"\"hi\"\"\",\"line1\nline2\","
                        "\"cr\rhere\",\"\"\"\",caf\xc3\xa9\r\n");
    hk_buf_release(&b);
}

static void test_embedded_nul_length(void **state)
{
    (void)state;
    struct hk_buf b;
    struct hk_csv w;
    hk_buf_init(&b, 0);
    hk_csv_init(&w, &b);
    /* Only n bytes are written, whatever follows. */
    assert_int_equal(hk_csv_field(&w, "abc,def", 3), 0);
    assert_int_equal(hk_csv_end_row(&w), 0);
    assert_string_equal(hk_buf_str(&b), "abc\r\n");
    hk_buf_release(&b);
}

static void test_bounded(void **state)
{
    (void)state;
    struct hk_buf b;
    struct hk_csv w;
    hk_buf_init(&b, 8);
    hk_csv_init(&w, &b);
    assert_int_equal(hk_csv_str(&w, "12345"), 0);
    assert_int_equal(hk_csv_str(&w, "6789"), HAWK_ETOOBIG);
    hk_buf_release(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_and_empty),
        cmocka_unit_test(test_quoting),
        cmocka_unit_test(test_embedded_nul_length),
        cmocka_unit_test(test_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
