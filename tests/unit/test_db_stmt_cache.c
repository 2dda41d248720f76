/*
 * tests/unit/test_db_stmt_cache.c - the prepared-statement cache (no
 * database needed): lookups, unique names, deletion inside probe runs,
 * growth, the size cap.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/db_int.h"
#include "util/alloc.h"

static void test_add_find(void **state)
{
    (void)state;
    struct hk_stmt_cache sc;
    hk_stmt_cache_init(&sc);
    assert_null(hk_stmt_cache_find(&sc, "SELECT 1"));
    const struct hk_stmt *a = hk_stmt_cache_add(&sc, "SELECT 1");
    assert_non_null(a);
    assert_string_equal(a->name, "s1");
    char name_a[sizeof(a->name)];
    memcpy(name_a, a->name, sizeof(name_a));
    const struct hk_stmt *b = hk_stmt_cache_add(&sc, "SELECT 2");
    assert_string_equal(b->name, "s2");
    /* adding the same text again returns the existing entry */
    const struct hk_stmt *a2 = hk_stmt_cache_add(&sc, "SELECT 1");
    assert_string_equal(a2->name, name_a);
    assert_int_equal(sc.count, 2);
    assert_string_equal(hk_stmt_cache_find(&sc, "SELECT 1")->name, "s1");
    assert_string_equal(hk_stmt_cache_find(&sc, "SELECT 2")->name, "s2");
    assert_null(hk_stmt_cache_find(&sc, "SELECT 3"));
    /* the key is copied */
    char buf[16];
    snprintf(buf, sizeof(buf), "SELECT %d", 9);
    hk_stmt_cache_add(&sc, buf);
    memset(buf, 'x', sizeof(buf) - 1);
    assert_non_null(hk_stmt_cache_find(&sc, "SELECT 9"));
    hk_stmt_cache_clear(&sc);
    assert_int_equal(sc.count, 0);
    assert_null(hk_stmt_cache_find(&sc, "SELECT 1"));
    /* names restart after a clear (a new connection has no statements) */
    assert_string_equal(hk_stmt_cache_add(&sc, "SELECT 5")->name, "s1");
    hk_stmt_cache_clear(&sc);
}

/* Random adds and removes against a plain array as the reference: every
 * present key is found with its name, every removed one is not. */
static void test_random_ops_match_reference(void **state)
{
    (void)state;
    enum { KEYS = 300 };
    struct hk_stmt_cache sc;
    hk_stmt_cache_init(&sc);
    char names[KEYS][24];
    bool present[KEYS];
    memset(present, 0, sizeof(present));
    srand(12345);
    for (int step = 0; step < 20000; step++) {
        int k = rand() % KEYS;
        char sql[32];
        snprintf(sql, sizeof(sql), "SELECT %d", k);
        if (rand() % 3 == 0) {
            hk_stmt_cache_remove(&sc, sql);
            present[k] = false;
        } else {
            const struct hk_stmt *e = hk_stmt_cache_add(&sc, sql);
            assert_non_null(e);
            if (present[k])
                assert_string_equal(e->name, names[k]);
            snprintf(names[k], sizeof(names[k]), "%s", e->name);
            present[k] = true;
        }
        if (step % 97 == 0) {
            size_t n = 0;
            for (int i = 0; i < KEYS; i++) {
                char q[32];
                snprintf(q, sizeof(q), "SELECT %d", i);
                const struct hk_stmt *e = hk_stmt_cache_find(&sc, q);
                if (present[i]) {
                    assert_non_null(e);
                    assert_string_equal(e->name, names[i]);
                    n++;
                } else {
                    assert_null(e);
                }
            }
            assert_int_equal(sc.count, n);
        }
    }
    hk_stmt_cache_clear(&sc);
}

static void test_cap(void **state)
{
    (void)state;
    struct hk_stmt_cache sc;
    hk_stmt_cache_init(&sc);
    char sql[32];
    for (int i = 0; i < HK_STMT_CACHE_MAX; i++) {
        snprintf(sql, sizeof(sql), "SELECT %d", i);
        assert_non_null(hk_stmt_cache_add(&sc, sql));
    }
    assert_int_equal(sc.count, HK_STMT_CACHE_MAX);
    assert_null(hk_stmt_cache_add(&sc, "SELECT 'one too many'"));
    /* present ones are still found */
    assert_non_null(hk_stmt_cache_find(&sc, "SELECT 0"));
    hk_stmt_cache_remove(&sc, "SELECT 0");
    assert_non_null(hk_stmt_cache_add(&sc, "SELECT 'now fits'"));
    hk_stmt_cache_remove(&sc, "SELECT 'absent'"); /* no-op */
    assert_int_equal(sc.count, HK_STMT_CACHE_MAX);
    hk_stmt_cache_clear(&sc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_add_find),
        cmocka_unit_test(test_random_ops_match_reference),
        cmocka_unit_test(test_cap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
