/*
 * tests/unit/test_router.c - the HTTP router: precedence, methods and
 * Allow, parameters and decoding, duplicates, malformed patterns, trailing
 * slashes, hostile paths.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "hawk/plugin.h"
#include "http/http.h"
#include "log/log.h"
#include "util/alloc.h"

static void h_list(struct hk_req *q, struct hk_resp *r)
{
    (void)q;
    (void)r;
}
static void h_create(struct hk_req *q, struct hk_resp *r)
{
    (void)q;
    (void)r;
}
static void h_item(struct hk_req *q, struct hk_resp *r)
{
    (void)q;
    (void)r;
}
static void h_stats(struct hk_req *q, struct hk_resp *r)
{
    (void)q;
    (void)r;
}
static void h_del(struct hk_req *q, struct hk_resp *r)
{
    (void)q;
    (void)r;
}
static void h_other(struct hk_req *q, struct hk_resp *r)
{
    (void)q;
    (void)r;
}
static void h_root(struct hk_req *q, struct hk_resp *r)
{
    (void)q;
    (void)r;
}

static int errors_logged;

static void count_sink(void *opaque, const char *line, size_t len)
{
    (void)opaque;
    (void)len;
    if (strstr(line, "\"level\":\"error\"") != NULL)
        errors_logged++;
}

static int setup(void **state)
{
    (void)state;
    errors_logged = 0;
    hk_log_set_sink(count_sink, NULL);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    hk_log_set_sink(NULL, NULL);
    return 0;
}

static enum hk_match match(struct hk_router *r, const char *method,
                           const char *path, struct hk_route_match *m)
{
    return hk_router_match(r, method, path, m);
}

static void test_literal_beats_param_any_order(void **state)
{
    (void)state;
    for (int order = 0; order < 2; order++) {
        struct hk_router *r = hk_router_new();
        if (order == 0) {
            assert_int_equal(hk_router_add(r, "GET", "/job-applications/{id}",
                                           h_item, HK_ROUTE_AUTH),
                             0);
            assert_int_equal(hk_router_add(r, "GET", "/job-applications/stats",
                                           h_stats, HK_ROUTE_AUTH),
                             0);
        } else {
            assert_int_equal(hk_router_add(r, "GET", "/job-applications/stats",
                                           h_stats, HK_ROUTE_AUTH),
                             0);
            assert_int_equal(hk_router_add(r, "GET", "/job-applications/{id}",
                                           h_item, HK_ROUTE_AUTH),
                             0);
        }
        struct hk_route_match m;
        assert_int_equal(match(r, "GET", "/job-applications/stats", &m),
                         HK_MATCH_OK);
        assert_ptr_equal(m.fn, h_stats);
        assert_int_equal(m.n_params, 0);
        assert_string_equal(m.pattern, "/job-applications/stats");
        hk_route_match_clear(&m);

        assert_int_equal(match(r, "GET", "/job-applications/42", &m),
                         HK_MATCH_OK);
        assert_ptr_equal(m.fn, h_item);
        assert_int_equal(m.n_params, 1);
        assert_string_equal(m.param_names[0], "id");
        assert_string_equal(m.param_values[0], "42");
        hk_route_match_clear(&m);
        hk_router_free(r);
    }
}

static void test_leftmost_literal_wins(void **state)
{
    (void)state;
    struct hk_router *r = hk_router_new();
    assert_int_equal(hk_router_add(r, "GET", "/a/{x}/c", h_item, 0), 0);
    assert_int_equal(hk_router_add(r, "GET", "/a/b/{y}", h_stats, 0), 0);
    assert_int_equal(hk_router_add(r, "GET", "/a/{x}/{z}", h_other, 0), 0);
    struct hk_route_match m;
    assert_int_equal(match(r, "GET", "/a/b/c", &m), HK_MATCH_OK);
    assert_ptr_equal(m.fn, h_stats);
    assert_string_equal(m.param_names[0], "y");
    assert_string_equal(m.param_values[0], "c");
    hk_route_match_clear(&m);
    assert_int_equal(match(r, "GET", "/a/q/c", &m), HK_MATCH_OK);
    assert_ptr_equal(m.fn, h_item);
    hk_route_match_clear(&m);
    assert_int_equal(match(r, "GET", "/a/q/r", &m), HK_MATCH_OK);
    assert_ptr_equal(m.fn, h_other);
    assert_int_equal(m.n_params, 2);
    assert_string_equal(m.param_values[0], "q");
    assert_string_equal(m.param_values[1], "r");
    hk_route_match_clear(&m);
    hk_router_free(r);
}

static void test_bad_method_and_allow(void **state)
{
    (void)state;
    struct hk_router *r = hk_router_new();
    /* registered POST first: Allow still lists GET first */
    assert_int_equal(hk_router_add(r, "POST", "/items", h_create, 0), 0);
    assert_int_equal(hk_router_add(r, "GET", "/items", h_list, 0), 0);
    struct hk_route_match m;
    assert_int_equal(match(r, "DELETE", "/items", &m), HK_MATCH_BAD_METHOD);
    assert_string_equal(m.allow, "GET, POST");
    assert_null(m.fn);
    hk_route_match_clear(&m);
    /* HEAD is not implied by GET */
    assert_int_equal(match(r, "HEAD", "/items", &m), HK_MATCH_BAD_METHOD);
    assert_string_equal(m.allow, "GET, POST");
    hk_route_match_clear(&m);
    /* methods are case-sensitive */
    assert_int_equal(match(r, "get", "/items", &m), HK_MATCH_BAD_METHOD);
    hk_route_match_clear(&m);
    assert_int_equal(match(r, "GET", "/items", &m), HK_MATCH_OK);
    assert_ptr_equal(m.fn, h_list);
    hk_route_match_clear(&m);
    assert_int_equal(match(r, "POST", "/items", &m), HK_MATCH_OK);
    assert_ptr_equal(m.fn, h_create);
    hk_route_match_clear(&m);
    /* a path no pattern matches is not found, whatever the method */
    assert_int_equal(match(r, "DELETE", "/nothing", &m), HK_MATCH_NOT_FOUND);
    assert_string_equal(m.allow, "");
    hk_route_match_clear(&m);
    hk_router_free(r);
}

static void test_method_falls_back_to_param_route(void **state)
{
    (void)state;
    struct hk_router *r = hk_router_new();
    assert_int_equal(hk_router_add(r, "GET", "/items/stats", h_stats, 0), 0);
    assert_int_equal(hk_router_add(r, "GET", "/items/{id}", h_item, 0), 0);
    assert_int_equal(hk_router_add(r, "DELETE", "/items/{id}", h_del, 0), 0);
    assert_int_equal(hk_router_add(r, "PURGE", "/items/{id}", h_other, 0), 0);
    struct hk_route_match m;
    /* DELETE exists only on the param pattern: it still matches */
    assert_int_equal(match(r, "DELETE", "/items/stats", &m), HK_MATCH_OK);
    assert_ptr_equal(m.fn, h_del);
    assert_string_equal(m.param_values[0], "stats");
    hk_route_match_clear(&m);
    /* Allow is the union over every pattern matching the path; unusual
     * methods come after the common ones */
    assert_int_equal(match(r, "POST", "/items/stats", &m), HK_MATCH_BAD_METHOD);
    assert_string_equal(m.allow, "GET, DELETE, PURGE");
    hk_route_match_clear(&m);
    hk_router_free(r);
}

static void test_params_decoded(void **state)
{
    (void)state;
    struct hk_router *r = hk_router_new();
    assert_int_equal(
        hk_router_add(r, "GET", "/files/{name}/v/{ver}", h_item, 0), 0);
    struct hk_route_match m;
    assert_int_equal(match(r, "GET", "/files/a%20b/v/%C3%A9t%c3%a9", &m),
                     HK_MATCH_OK);
    assert_string_equal(m.param_values[0], "a b");
    assert_string_equal(m.param_values[1], "\xc3\xa9t\xc3\xa9");
    hk_route_match_clear(&m);
    /* an encoded slash stays inside its segment */
    assert_int_equal(match(r, "GET", "/files/a%2Fb/v/1", &m), HK_MATCH_OK);
    assert_string_equal(m.param_values[0], "a/b");
    hk_route_match_clear(&m);
    /* '+' is literal in paths; the query is ignored */
    assert_int_equal(match(r, "GET", "/files/a+b/v/2?x=%00&y=/", &m),
                     HK_MATCH_OK);
    assert_string_equal(m.param_values[0], "a+b");
    assert_string_equal(m.param_values[1], "2");
    hk_route_match_clear(&m);
    /* literal segments are compared decoded */
    assert_int_equal(match(r, "GET", "/%66iles/x/%76/1", &m), HK_MATCH_OK);
    assert_string_equal(m.param_values[0], "x");
    hk_route_match_clear(&m);
    hk_router_free(r);
}

static void test_bad_escapes_not_found(void **state)
{
    (void)state;
    struct hk_router *r = hk_router_new();
    assert_int_equal(hk_router_add(r, "GET", "/files/{name}", h_item, 0), 0);
    static const char *const bad[] = {
        "/files/a%00b", "/files/%G1",    "/files/%2",  "/files/%",
        "/files/ab%",   "/files/%C3",    "/files/%FF", "/files/%C0%AF",
        "/files/%2e",   "/files/%2E%2e",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct hk_route_match m;
        assert_int_equal(match(r, "GET", bad[i], &m), HK_MATCH_NOT_FOUND);
        assert_int_equal(m.n_params, 0);
        hk_route_match_clear(&m);
    }
    hk_router_free(r);
}

static void test_duplicates_refused(void **state)
{
    (void)state;
    struct hk_router *r = hk_router_new();
    assert_int_equal(hk_router_add(r, "GET", "/items/{id}", h_item, 0), 0);
    assert_int_equal(hk_router_add(r, "GET", "/items/{id}", h_other, 0),
                     HAWK_EEXIST);
    /* same shape, other parameter name */
    assert_int_equal(hk_router_add(r, "GET", "/items/{name}", h_other, 0),
                     HAWK_EEXIST);
    assert_int_equal(errors_logged, 2);
    assert_int_equal(hk_router_count(r), 1);
    /* the first registration still answers */
    struct hk_route_match m;
    assert_int_equal(match(r, "GET", "/items/7", &m), HK_MATCH_OK);
    assert_ptr_equal(m.fn, h_item);
    hk_route_match_clear(&m);
    /* other method or other shape: fine */
    assert_int_equal(hk_router_add(r, "PUT", "/items/{id}", h_other, 0), 0);
    assert_int_equal(hk_router_add(r, "GET", "/items/new", h_other, 0), 0);
    assert_int_equal(hk_router_count(r), 3);
    hk_router_free(r);
}

static void test_malformed_patterns_refused(void **state)
{
    (void)state;
    struct hk_router *r = hk_router_new();
    static const char *const bad[] = {
        "",         "items",
        "/a//b",    "/a/",
        "/{}",      "/{1x}",
        "/{a}/{a}", "/a b",
        "/a/{b",    "/a/b}",
        "/a/{b}c",  "/a/./b",
        "/a/../b",  "/a%20b",
        "/a?b",     "/{a}/{b}/{c}/{d}/{e}/{f}/{g}/{h}/{i}",
        "/{na-me}",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(hk_router_add(r, "GET", bad[i], h_item, 0),
                         HAWK_EINVAL);
    assert_int_equal(hk_router_add(r, "get", "/ok", h_item, 0), HAWK_EINVAL);
    assert_int_equal(hk_router_add(r, "", "/ok", h_item, 0), HAWK_EINVAL);
    assert_int_equal(hk_router_add(r, "GE T", "/ok", h_item, 0), HAWK_EINVAL);
    assert_int_equal(hk_router_add(r, "GET", "/ok", NULL, 0), HAWK_EINVAL);
    assert_int_equal(hk_router_add(r, "GET", NULL, h_item, 0), HAWK_EINVAL);
    assert_int_equal(hk_router_count(r), 0);
    assert_true(errors_logged >= 20);
    /* 8 parameters is the limit, not past it */
    assert_int_equal(
        hk_router_add(r, "GET", "/{a}/{b}/{c}/{d}/{e}/{f}/{g}/{h}", h_item, 0),
        0);
    hk_router_free(r);
}

static void test_trailing_slash(void **state)
{
    (void)state;
    struct hk_router *r = hk_router_new();
    assert_int_equal(hk_router_add(r, "GET", "/items", h_list, 0), 0);
    assert_int_equal(hk_router_add(r, "GET", "/", h_root, 0), 0);
    struct hk_route_match m;
    assert_int_equal(match(r, "GET", "/items/", &m), HK_MATCH_OK);
    assert_ptr_equal(m.fn, h_list);
    hk_route_match_clear(&m);
    assert_int_equal(match(r, "GET", "/items/?page=2", &m), HK_MATCH_OK);
    assert_ptr_equal(m.fn, h_list);
    hk_route_match_clear(&m);
    assert_int_equal(match(r, "GET", "/", &m), HK_MATCH_OK);
    assert_ptr_equal(m.fn, h_root);
    hk_route_match_clear(&m);
    /* only one trailing slash is forgiven */
    assert_int_equal(match(r, "GET", "/items//", &m), HK_MATCH_NOT_FOUND);
    hk_route_match_clear(&m);
    assert_int_equal(match(r, "GET", "//", &m), HK_MATCH_NOT_FOUND);
    hk_route_match_clear(&m);
    hk_router_free(r);
}

static void test_weird_paths(void **state)
{
    (void)state;
    struct hk_router *r = hk_router_new();
    assert_int_equal(hk_router_add(r, "GET", "/items/{id}", h_item, 0), 0);
    assert_int_equal(hk_router_add(r, "GET", "/items", h_list, 0), 0);
    static const char *const bad[] = {
        "",         "items",     "*",          "http://x/items",
        "//items",  "/items//5", "/items/./5", "/items/../items",
        "/./items", "/items/5/", "/items/5/x", "?/items",
    };
    struct hk_route_match m;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        enum hk_match rc = match(r, "GET", bad[i], &m);
        hk_route_match_clear(&m);
        if (strcmp(bad[i], "/items/5/") == 0) {
            assert_int_equal(rc, HK_MATCH_OK); /* trailing slash */
            continue;
        }
        assert_int_equal(rc, HK_MATCH_NOT_FOUND);
    }
    assert_int_equal(match(r, "GET", NULL, &m), HK_MATCH_NOT_FOUND);

    /* long paths: refused past 2048 bytes */
    char *path = hk_malloc(4096);
    memcpy(path, "/items/", 7);
    memset(path + 7, 'x', 2041);
    path[2048] = '\0';
    assert_int_equal(match(r, "GET", path, &m), HK_MATCH_OK);
    assert_int_equal(strlen(m.param_values[0]), 2041);
    hk_route_match_clear(&m);
    path[2048] = 'x';
    path[2049] = '\0';
    assert_int_equal(match(r, "GET", path, &m), HK_MATCH_NOT_FOUND);
    hk_free(path);
    hk_router_free(r);
}

static void test_segment_count_bounded(void **state)
{
    (void)state;
    struct hk_router *r = hk_router_new();
    char pat[256] = "", path[256] = "";
    for (int i = 0; i < 32; i++) {
        memcpy(pat + 2 * i, "/s", 3);
        memcpy(path + 2 * i, "/s", 3);
    }
    assert_int_equal(hk_router_add(r, "GET", pat, h_item, 0), 0);
    struct hk_route_match m;
    assert_int_equal(match(r, "GET", path, &m), HK_MATCH_OK);
    hk_route_match_clear(&m);
    memcpy(path + 64, "/s", 3);
    assert_int_equal(match(r, "GET", path, &m), HK_MATCH_NOT_FOUND);
    memcpy(pat + 64, "/s", 3);
    assert_int_equal(hk_router_add(r, "GET", pat, h_item, 0), HAWK_EINVAL);
    hk_router_free(r);
}

static void test_iteration_and_options(void **state)
{
    (void)state;
    struct hk_router *r = hk_router_new();
    struct hk_route_opts o = {.flags = HK_ROUTE_ADMIN, .max_body = 4096};
    assert_int_equal(hk_router_add(r, "GET", "/health", h_list, HK_ROUTE_QUIET),
                     0);
    assert_int_equal(
        hk_router_add_opts(r, "POST", "/admin/{id}/files", h_create, &o), 0);
    assert_int_equal(hk_router_add_opts(r, "GET", "/plain", h_other, NULL), 0);
    assert_int_equal(hk_router_count(r), 3);
    const char *method, *pattern;
    unsigned flags;
    hk_router_at(r, 0, &method, &pattern, &flags);
    assert_string_equal(method, "GET");
    assert_string_equal(pattern, "/health");
    assert_int_equal(flags, HK_ROUTE_QUIET);
    hk_router_at(r, 1, &method, &pattern, &flags);
    assert_string_equal(method, "POST");
    assert_string_equal(pattern, "/admin/{id}/files");
    /* ADMIN implies AUTH */
    assert_int_equal(flags, HK_ROUTE_ADMIN | HK_ROUTE_AUTH);
    hk_router_at(r, 2, NULL, NULL, &flags);
    assert_int_equal(flags, 0);

    struct hk_route_match m;
    assert_int_equal(match(r, "POST", "/admin/3/files", &m), HK_MATCH_OK);
    assert_int_equal(m.opts.max_body, 4096);
    assert_int_equal(m.opts.flags, HK_ROUTE_ADMIN | HK_ROUTE_AUTH);
    hk_route_match_clear(&m);
    assert_int_equal(hk_router_count(NULL), 0);
    hk_router_free(r);
    hk_router_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_literal_beats_param_any_order,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_leftmost_literal_wins, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_bad_method_and_allow, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_method_falls_back_to_param_route,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_params_decoded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_escapes_not_found, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_duplicates_refused, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_malformed_patterns_refused, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_trailing_slash, setup, teardown),
        cmocka_unit_test_setup_teardown(test_weird_paths, setup, teardown),
        cmocka_unit_test_setup_teardown(test_segment_count_bounded, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_iteration_and_options, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
