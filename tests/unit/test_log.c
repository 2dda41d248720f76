/*
 * test_log.c - the JSON line format, levels, per-thread context, field
 * merging, escaping, size-based rotation of the log file (also by several
 * processes at once), the error file, reopening after an external
 * rotation, and journald priorities.
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
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
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

/* Reads a whole small file into a NUL-terminated heap string (caller
 * frees with hk_free), or NULL when it does not exist. */
static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return NULL;
    struct hk_buf b;
    hk_buf_init(&b, 64 << 20);
    char tmp[8192];
    size_t n;
    while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0)
        hk_buf_append(&b, tmp, n);
    fclose(f);
    return hk_buf_steal(&b, NULL);
}

static void rm_tree_logs(const char *dir, const char *base, int keep)
{
    char p[512];
    for (int i = 0; i <= keep + 1; i++) {
        if (i == 0)
            snprintf(p, sizeof(p), "%s/%s", dir, base);
        else
            snprintf(p, sizeof(p), "%s/%s.%d", dir, base, i);
        unlink(p);
    }
    rmdir(dir);
}

enum { PROCS = 4, THREADS = 2, LINES = 300 };

static void *writer_thread(void *arg)
{
    int id = *(int *)arg;
    for (int i = 0; i < LINES; i++) {
        char f[96];
        snprintf(f, sizeof(f), "{\"w\":%d,\"seq\":%d}", id, i);
        hk_log_fields(HAWK_LOG_INFO,
                      "concurrent rotation line with some padding", f);
    }
    return NULL;
}

/* One writer process: opens the log itself (as a separate hawk process
 * would) and writes LINES lines from each of THREADS threads, each line
 * carrying its writer id and sequence number. */
static void writer_process(const char *path, int proc)
{
    struct hk_log_opts o = {.level = HAWK_LOG_INFO,
                            .to_stdout = false,
                            .file = path,
                            .max_bytes = 8192,
                            .keep = 100};
    hk_log_set_sink(NULL, NULL);
    if (hk_log_init(&o) != 0)
        _exit(3);
    pthread_t th[THREADS];
    int ids[THREADS];
    for (int t = 0; t < THREADS; t++) {
        ids[t] = proc * THREADS + t;
        if (pthread_create(&th[t], NULL, writer_thread, &ids[t]) != 0)
            _exit(4);
    }
    for (int t = 0; t < THREADS; t++)
        pthread_join(th[t], NULL);
    hk_log_shutdown();
    _exit(0);
}

/* Several processes rotate one file together: every line arrives exactly
 * once, whole, and no file grows past the limit. */
static void test_rotation_across_processes(void **state)
{
    (void)state;
    hk_log_set_sink(NULL, NULL);
    hk_log_shutdown();
    char dir[] = "/tmp/hawk-logmp-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof(path), "%s/hawk.log", dir);
    pid_t pids[PROCS];
    for (int p = 0; p < PROCS; p++) {
        pids[p] = fork();
        assert_true(pids[p] >= 0);
        if (pids[p] == 0)
            writer_process(path, p);
    }
    for (int p = 0; p < PROCS; p++) {
        int st = 0;
        assert_int_equal(waitpid(pids[p], &st, 0), pids[p]);
        assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    }
    static unsigned char seen[PROCS * THREADS][LINES];
    memset(seen, 0, sizeof(seen));
    int total = 0, files = 0;
    for (int i = 0; i <= 100; i++) {
        char p[300];
        if (i == 0)
            snprintf(p, sizeof(p), "%s", path);
        else
            snprintf(p, sizeof(p), "%s.%d", path, i);
        char *text = slurp(p);
        if (text == NULL)
            continue;
        files++;
        assert_true(strlen(text) <= 8192);
        char *save = NULL;
        for (char *line = strtok_r(text, "\n", &save); line != NULL;
             line = strtok_r(NULL, "\n", &save)) {
            json_object *o = json_tokener_parse(line);
            assert_non_null(o); /* whole lines only */
            json_object *w, *seq;
            assert_true(json_object_object_get_ex(o, "w", &w));
            assert_true(json_object_object_get_ex(o, "seq", &seq));
            int wi = json_object_get_int(w), si = json_object_get_int(seq);
            assert_true(wi >= 0 && wi < PROCS * THREADS);
            assert_true(si >= 0 && si < LINES);
            assert_int_equal(seen[wi][si], 0); /* never twice */
            seen[wi][si] = 1;
            total++;
            json_object_put(o);
        }
        hk_free(text);
    }
    assert_int_equal(total, PROCS * THREADS * LINES); /* none lost */
    assert_true(files > 10);                          /* it did rotate */
    rm_tree_logs(dir, "hawk.log", 100);
}

/* log.error_file gets error and crit lines only; log.file gets all. */
static void test_error_file(void **state)
{
    (void)state;
    hk_log_set_sink(NULL, NULL);
    char dir[] = "/tmp/hawk-logerr-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256], epath[256];
    snprintf(path, sizeof(path), "%s/hawk.log", dir);
    snprintf(epath, sizeof(epath), "%s/error.log", dir);
    struct hk_log_opts o = {.level = HAWK_LOG_DEBUG,
                            .to_stdout = false,
                            .file = path,
                            .error_file = epath};
    assert_int_equal(hk_log_init(&o), 0);
    hk_log(HAWK_LOG_DEBUG, "line debug");
    hk_log(HAWK_LOG_INFO, "line info");
    hk_log(HAWK_LOG_WARN, "line warn");
    hk_log(HAWK_LOG_ERROR, "line error");
    hk_log(HAWK_LOG_CRIT, "line crit");
    hk_log_shutdown();
    char *all = slurp(path), *err = slurp(epath);
    assert_non_null(all);
    assert_non_null(err);
    assert_non_null(strstr(all, "line debug"));
    assert_non_null(strstr(all, "line crit"));
    assert_null(strstr(err, "line warn"));
    assert_null(strstr(err, "line info"));
    assert_non_null(strstr(err, "\"level\":\"error\",\"msg\":\"line error\""));
    assert_non_null(strstr(err, "\"level\":\"crit\",\"msg\":\"line crit\""));
    hk_free(all);
    hk_free(err);
    unlink(epath);
    rm_tree_logs(dir, "hawk.log", 1);
}

/* logrotate renames the file, then sends SIGHUP (hk_log_reopen): the next
 * line goes to a new file at the path.  Even without the signal a renamed
 * file is noticed, so nothing keeps growing the moved file. */
static void test_reopen_after_external_rotation(void **state)
{
    (void)state;
    hk_log_set_sink(NULL, NULL);
    char dir[] = "/tmp/hawk-logro-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256], moved[300], moved2[300];
    snprintf(path, sizeof(path), "%s/hawk.log", dir);
    snprintf(moved, sizeof(moved), "%s/hawk.log-20261204", dir);
    snprintf(moved2, sizeof(moved2), "%s/hawk.log-20261205", dir);
    struct hk_log_opts o = {
        .level = HAWK_LOG_INFO, .to_stdout = false, .file = path};
    assert_int_equal(hk_log_init(&o), 0);
    hk_log(HAWK_LOG_INFO, "before rotation");
    assert_int_equal(rename(path, moved), 0);
    assert_int_equal(hk_log_reopen(), 0);
    hk_log(HAWK_LOG_INFO, "after reopen");
    assert_int_equal(rename(path, moved2), 0);
    hk_log(HAWK_LOG_INFO, "after silent move");
    hk_log_shutdown();
    char *a = slurp(moved), *b = slurp(moved2), *c = slurp(path);
    assert_non_null(a);
    assert_non_null(b);
    assert_non_null(c);
    assert_non_null(strstr(a, "before rotation"));
    assert_null(strstr(a, "after"));
    assert_non_null(strstr(b, "after reopen"));
    assert_null(strstr(b, "silent"));
    assert_non_null(strstr(c, "after silent move"));
    hk_free(a);
    hk_free(b);
    hk_free(c);
    unlink(moved);
    unlink(moved2);
    rm_tree_logs(dir, "hawk.log", 1);
}

/* A log file that cannot be created is an error at init, and nothing is
 * created anywhere. */
static void test_unopenable_file(void **state)
{
    (void)state;
    hk_log_set_sink(NULL, NULL);
    struct hk_log_opts o = {.level = HAWK_LOG_INFO,
                            .to_stdout = false,
                            .file = "/nonexistent-hawk-dir/hawk.log"};
    assert_int_equal(hk_log_init(&o), HAWK_EIO);
    struct stat st;
    assert_int_not_equal(stat("/nonexistent-hawk-dir", &st), 0);
    struct hk_log_opts e = {.level = HAWK_LOG_INFO,
                            .to_stdout = false,
                            .error_file = "/nonexistent-hawk-dir/error.log"};
    assert_int_equal(hk_log_init(&e), HAWK_EIO);
    hk_log_shutdown();
}

/* With stdout on journald's stream (JOURNAL_STREAM names it), each line
 * starts with its syslog priority; files never get the prefix. */
static void test_journal_priority(void **state)
{
    (void)state;
    hk_log_set_sink(NULL, NULL);
    char dir[] = "/tmp/hawk-logjs-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char out[256], path[256];
    snprintf(out, sizeof(out), "%s/stdout", dir);
    snprintf(path, sizeof(path), "%s/hawk.log", dir);
    fflush(stdout);
    int saved = dup(STDOUT_FILENO);
    int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(saved >= 0 && fd >= 0);
    dup2(fd, STDOUT_FILENO);
    close(fd);
    struct stat st;
    assert_int_equal(fstat(STDOUT_FILENO, &st), 0);
    char js[64];
    snprintf(js, sizeof(js), "%llu:%llu", (unsigned long long)st.st_dev,
             (unsigned long long)st.st_ino);
    setenv("JOURNAL_STREAM", js, 1);
    struct hk_log_opts o = {
        .level = HAWK_LOG_DEBUG, .to_stdout = true, .file = path};
    assert_int_equal(hk_log_init(&o), 0);
    hk_log(HAWK_LOG_ERROR, "journal error");
    hk_log(HAWK_LOG_INFO, "journal info");
    hk_log_shutdown();
    unsetenv("JOURNAL_STREAM");
    struct hk_log_opts plain = {.level = HAWK_LOG_DEBUG, .to_stdout = true};
    hk_log_init(&plain);
    dup2(saved, STDOUT_FILENO);
    close(saved);
    char *s = slurp(out), *f = slurp(path);
    assert_non_null(s);
    assert_non_null(f);
    assert_true(strncmp(s, "<3>{\"time\":", 11) == 0);
    assert_non_null(strstr(s, "\n<6>{\"time\":"));
    assert_true(strncmp(f, "{\"time\":", 8) == 0);
    assert_null(strchr(f, '<'));
    hk_free(s);
    hk_free(f);
    unlink(out);
    rm_tree_logs(dir, "hawk.log", 1);
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
        cmocka_unit_test_setup_teardown(test_rotation_across_processes, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_error_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reopen_after_external_rotation,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_unopenable_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_journal_priority, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
