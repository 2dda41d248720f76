/*
 * test_log.c - the JSON line format, levels, per-thread context, field
 * merging, escaping, and size-based rotation of the log file.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <json-c/json.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log/log.h"
#include "util/alloc.h"
#include "util/buf.h"

static struct hk_buf captured;
static int n_lines;

static void capture(void *opaque, const char *line, size_t len)
{
    (void)opaque;
    hk_buf_append(&captured, line, len);
    n_lines++;
}

static int setup(void **state)
{
    (void)state;
    hk_buf_init(&captured, 1 << 20);
    n_lines = 0;
    struct hk_log_opts o = {.level = HAWK_LOG_DEBUG, .to_stdout = true};
    hk_log_init(&o);
    hk_log_set_sink(capture, NULL);
    hk_log_ctx_clear();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    hk_log_set_sink(NULL, NULL);
    hk_log_shutdown();
    hk_buf_release(&captured);
    hk_log_ctx_clear();
    return 0;
}

/* Parses the single captured line (asserting there is exactly one). */
static json_object *one_line(void)
{
    assert_int_equal(n_lines, 1);
    const char *s = hk_buf_str(&captured);
    assert_true(captured.len > 0 && s[captured.len - 1] == '\n');
    assert_null(memchr(s, '\n', captured.len - 1));
    json_object *o = json_tokener_parse(s);
    assert_non_null(o);
    return o;
}

static const char *get_str(json_object *o, const char *k)
{
    json_object *v;
    assert_true(json_object_object_get_ex(o, k, &v));
    return json_object_get_string(v);
}

static void test_line_shape(void **state)
{
    (void)state;
    hk_log(HAWK_LOG_INFO, "hello %d", 42);
    json_object *o = one_line();
    assert_string_equal(get_str(o, "msg"), "hello 42");
    assert_string_equal(get_str(o, "level"), "info");
    const char *t = get_str(o, "time");
    /* RFC 3339, UTC, milliseconds: 2026-11-29T11:07:13.123Z */
    assert_int_equal(strlen(t), 24);
    assert_int_equal(t[4], '-');
    assert_int_equal(t[10], 'T');
    assert_int_equal(t[19], '.');
    assert_int_equal(t[23], 'Z');
    assert_false(json_object_object_get_ex(o, "request_id", NULL));
    json_object_put(o);
}

static void test_context_and_fields(void **state)
{
    (void)state;
    hk_log_ctx_set("req-1", 7);
    hk_log_fields(HAWK_LOG_WARN, "request",
                  "{\"status\": 200, \"path\": \"/x\"}");
    json_object *o = one_line();
    assert_string_equal(get_str(o, "request_id"), "req-1");
    assert_string_equal(get_str(o, "user_id"), "7");
    assert_string_equal(get_str(o, "status"), "200");
    assert_string_equal(get_str(o, "path"), "/x");
    assert_string_equal(get_str(o, "level"), "warn");
    json_object_put(o);
}

static void test_escaping(void **state)
{
    (void)state;
    hk_log(HAWK_LOG_ERROR,
           "quote \" backslash \\ newline \n tab \t ctl \x01 end");
    json_object *o = one_line();
    assert_string_equal(get_str(o, "msg"),
                        "quote \" backslash \\ newline \n tab \t ctl \x01 end");
    json_object_put(o);
}

static void test_level_filter(void **state)
{
    (void)state;
    hk_log_set_level(HAWK_LOG_WARN);
    hk_log(HAWK_LOG_INFO, "dropped");
    hk_log(HAWK_LOG_DEBUG, "dropped too");
    assert_int_equal(n_lines, 0);
    hk_log(HAWK_LOG_ERROR, "kept");
    assert_int_equal(n_lines, 1);
    assert_int_equal(hk_log_level_parse("warning"), HAWK_LOG_WARN);
    assert_int_equal(hk_log_level_parse("DEBUG"), HAWK_LOG_DEBUG);
    assert_int_equal(hk_log_level_parse("loud"), -1);
}

static void test_invalid_fields_dropped(void **state)
{
    (void)state;
    hk_log_fields(HAWK_LOG_INFO, "m", "not json");
    json_object *o = one_line();
    assert_string_equal(get_str(o, "msg"), "m");
    json_object_put(o);
}

static void *thread_logger(void *arg)
{
    hk_log_ctx_set((const char *)arg, 0);
    for (int i = 0; i < 200; i++)
        hk_log(HAWK_LOG_INFO, "line %d", i);
    return NULL;
}

static void test_context_is_per_thread(void **state)
{
    (void)state;
    pthread_t a, b;
    pthread_create(&a, NULL, thread_logger, "thread-a");
    pthread_create(&b, NULL, thread_logger, "thread-b");
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    assert_int_equal(n_lines, 400);
    /* Every line parses and carries its own thread's id. */
    int na = 0, nb = 0;
    char *copy = hk_strdup(hk_buf_str(&captured));
    char *save = NULL;
    for (char *line = strtok_r(copy, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        json_object *o = json_tokener_parse(line);
        assert_non_null(o);
        const char *rid = get_str(o, "request_id");
        if (strcmp(rid, "thread-a") == 0)
            na++;
        else if (strcmp(rid, "thread-b") == 0)
            nb++;
        json_object_put(o);
    }
    hk_free(copy);
    assert_int_equal(na, 200);
    assert_int_equal(nb, 200);
}

static void test_file_rotation(void **state)
{
    (void)state;
    hk_log_set_sink(NULL, NULL);
    char dir[] = "/tmp/hawk-logtest-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256], p1[300], p3[300];
    snprintf(path, sizeof(path), "%s/hawk.log", dir);
    struct hk_log_opts o = {.level = HAWK_LOG_INFO,
                            .to_stdout = false,
                            .file = path,
                            .max_bytes = 2000,
                            .keep = 2};
    assert_int_equal(hk_log_init(&o), 0);
    for (int i = 0; i < 100; i++)
        hk_log(HAWK_LOG_INFO, "rotation line %03d with some padding text", i);
    hk_log_shutdown();
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_true(st.st_size <= 2000);
    snprintf(p1, sizeof(p1), "%s.1", path);
    assert_int_equal(stat(p1, &st), 0);
    snprintf(p3, sizeof(p3), "%s.3", path);
    assert_int_not_equal(stat(p3, &st), 0); /* only `keep` old files */
    /* The newest line is in the current file. */
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char buf[4096];
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    assert_non_null(strstr(buf, "rotation line 099"));
    char p2[300];
    snprintf(p2, sizeof(p2), "%s.2", path);
    unlink(path);
    unlink(p1);
    unlink(p2);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_line_shape, setup, teardown),
        cmocka_unit_test_setup_teardown(test_context_and_fields, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_escaping, setup, teardown),
        cmocka_unit_test_setup_teardown(test_level_filter, setup, teardown),
        cmocka_unit_test_setup_teardown(test_invalid_fields_dropped, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_context_is_per_thread, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_file_rotation, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
