/*
 * tests/unit/test_alloc_torture.c - each fallible allocation of the
 * config loader and the JSON validator fails in turn (util/alloc.h
 * injection): the operation reports an error or succeeds, never crashes,
 * and leaks nothing (LeakSanitizer checks at exit in the ASan build).
 * The queue claim's torture runs against PostgreSQL in tests/db.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"
#include "hawk/plugin.h"
#include "util/alloc.h"
#include "util/err.h"
#include "util/json_check.h"

/* Stops a loop that found no end (an operation that allocates forever). */
#define MAX_ROUNDS 2000

static char g_path[] = "/tmp/hawk-torture-XXXXXX";

static int setup(void **state)
{
    (void)state;
    int fd = mkstemp(g_path);
    if (fd < 0)
        return -1;
    /* ${VAR:-default} values send the loader through its bounded
     * expansion buffers; the lists through the list parser. */
    static const char text[] =
        "server = { listen = \"${HAWK_TORTURE_LISTEN:-127.0.0.1:8181}\"; };\n"
        "data_dir = \"${HAWK_TORTURE_DIR:-/tmp/hawk-torture-data}\";\n"
        "queue = { queues = [\"a\", \"${HAWK_TORTURE_Q:-b}\"]; };\n"
        "mail = { from = \"${HAWK_TORTURE_FROM:-hawk@example.com}\"; };\n";
    ssize_t n = write(fd, text, sizeof(text) - 1);
    close(fd);
    return n == (ssize_t)(sizeof(text) - 1) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    hk_alloc_fail_nth(0);
    unlink(g_path);
    return 0;
}

static void test_config_loader(void **state)
{
    (void)state;
    long failed = 0;
    long n;
    for (n = 1; n < MAX_ROUNDS; n++) {
        struct hk_config c;
        char err[1024] = "";
        hk_alloc_fail_nth(n);
        int rc = hk_config_load(g_path, &c, err, sizeof(err));
        long made = hk_alloc_fallible_count();
        hk_alloc_fail_nth(0);
        if (rc == 0) {
            assert_string_equal(c.settings.server.listen, "127.0.0.1:8181");
            assert_string_equal(c.settings.queue.queues.items[1], "b");
            hk_config_release(&c);
            if (made < n)
                break; /* every fallible allocation has failed once */
            continue;
        }
        /* A failed load says why and leaves nothing behind. */
        failed++;
        assert_true(rc == HAWK_ECONFIG || rc == HAWK_EINTERNAL);
        assert_true(err[0] != '\0');
        assert_null(c.values);
        assert_null(c.path);
    }
    assert_true(n < MAX_ROUNDS);
    assert_true(failed > 0); /* the injection reached the loader */
    print_message("config loader: %ld fallible allocations, each failed "
                  "once (%ld loads refused)\n",
                  n - 1, failed);
}

static const struct hk_field item =
    HK_FIELD(NULL, HK_F_STRING, false, false, 1, 16);
static const struct hk_field doc_fields[] = {
    HK_FIELD("name", HK_F_STRING, true, false, 1, 40),
    {"tags", HK_F_ARRAY, false, false, 0, 4, .items = &item,
     .flags = HK_FF_UNIQUE},
    HK_FIELD("age", HK_F_INT, false, false, 0, 150),
    HK_FIELD_END};

static void test_json_validator(void **state)
{
    (void)state;
    static const char *const docs[] = {
        "{\"name\":\"ada\",\"tags\":[\"x\",\"y\"],\"age\":36}",
        "{\"name\":\"ada\",\"tags\":[\"x\",\"x\"]}",
        "{\"nmae\":\"ada\"}",
        "{\"name\":\"ada\",\"age\":\"old\"}",
    };
    for (size_t d = 0; d < sizeof(docs) / sizeof(docs[0]); d++) {
        json_object *want_obj = json_tokener_parse(docs[d]);
        assert_non_null(want_obj);
        struct hk_err want = HK_ERR_INIT;
        int want_rc = hk_json_validate(want_obj, doc_fields, "", &want);
        json_object_put(want_obj);
        long n;
        for (n = 1; n < MAX_ROUNDS; n++) {
            json_object *obj = json_tokener_parse(docs[d]);
            struct hk_err err = HK_ERR_INIT;
            hk_alloc_fail_nth(n);
            int rc = hk_json_validate(obj, doc_fields, "", &err);
            long made = hk_alloc_fallible_count();
            hk_alloc_fail_nth(0);
            json_object_put(obj);
            if (made < n) {
                print_message("validator, document %zu: %ld fallible "
                              "allocations\n",
                              d, n - 1);
                /* Not reached by the failure: the same verdict. */
                assert_int_equal(rc, want_rc);
                assert_string_equal(err.msg, want.msg);
                break;
            }
            /* Reached: an error with a message, never a false pass. */
            assert_true(rc < 0);
            assert_true(err.msg[0] != '\0');
        }
        assert_true(n < MAX_ROUNDS);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config_loader),
        cmocka_unit_test(test_json_validator),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
