/*
 * test_plugins.c - the plugin loader against the fixture plugins in
 * $HAWK_TEST_PLUGIN_DIR: every refusal with its exact reason, required vs
 * optional, lifecycle order, option validation, secrets, the host API,
 * health, metrics and `plugins list`.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ftw.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/config.h"
#include "log/log.h"
#include "plugin/calls.h"
#include "plugin/internal.h"
#include "plugin/metrics.h"
#include "plugin/plugins.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/time.h"

static char g_dir[64];
static char g_cfg[128];
static char g_trace[128];
static const char *g_fx; /* fixture plugin dir */
static struct hk_buf g_log;

#define SECRET "sk-test-5ecret-value-123"

static void log_sink(void *opaque, const char *line, size_t len)
{
    (void)opaque;
    hk_buf_append(&g_log, line, len);
}

static int rm_cb(const char *p, const struct stat *sb, int flag,
                 struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(p);
}

static int setup(void **state)
{
    (void)state;
    snprintf(g_dir, sizeof(g_dir), "/tmp/hk_plug_XXXXXX");
    assert_non_null(mkdtemp(g_dir));
    snprintf(g_cfg, sizeof(g_cfg), "%s/t.cfg", g_dir);
    snprintf(g_trace, sizeof(g_trace), "%s/trace", g_dir);
    g_fx = getenv("HAWK_TEST_PLUGIN_DIR");
    assert_non_null(g_fx);
    unsetenv("HAWK_PLUGIN_PATH");
    hk_buf_init(&g_log, 1 << 20);
    hk_log_set_sink(log_sink, NULL);
    hk_log_set_level(HAWK_LOG_DEBUG);
    hk_plugin_set_test_clock(false);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    hk_log_set_sink(NULL, NULL);
    hk_buf_release(&g_log);
    hk_metrics_reset();
    nftw(g_dir, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
    return 0;
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static char *read_all(const char *path)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return hk_strdup("");
    struct hk_buf b;
    hk_buf_init(&b, 1 << 20);
    char tmp[4096];
    size_t n;
    while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0)
        hk_buf_append(&b, tmp, n);
    fclose(f);
    return hk_buf_steal(&b, NULL);
}

/* Writes a config whose plugins list is `entries` (each "$FX" replaced
 * by the fixture dir and "$TRACE" by the trace file) and loads it. */
static void load_cfg(struct hk_config *c, const char *head, const char *entries)
{
    struct hk_buf b;
    hk_buf_init(&b, 1 << 16);
    hk_buf_puts(&b, head != NULL ? head : "");
    hk_buf_puts(&b, "plugins = (\n");
    for (const char *p = entries; *p != '\0';) {
        if (strncmp(p, "$FX", 3) == 0) {
            hk_buf_puts(&b, g_fx);
            p += 3;
        } else if (strncmp(p, "$TRACE", 6) == 0) {
            hk_buf_puts(&b, g_trace);
            p += 6;
        } else {
            hk_buf_putc(&b, *p++);
        }
    }
    hk_buf_puts(&b, "\n);\n");
    write_file(g_cfg, hk_buf_str(&b));
    hk_buf_release(&b);
    char err[1024];
    int rc = hk_config_load(g_cfg, c, err, sizeof(err));
    if (rc != 0)
        fail_msg("config: %s", err);
}

static const struct hk_plugin_entry *entry(const struct hk_plugins *p,
                                           const char *name)
{
    for (size_t i = 0; i < hk_plugins_count(p); i++) {
        if (strcmp(hk_plugins_at(p, i)->name, name) == 0)
            return hk_plugins_at(p, i);
    }
    fail_msg("no entry '%s'", name);
    return NULL;
}

/* Loads one entry (optional) expecting FAILED with reason == want. */
static void expect_failed(const char *entry_text, const char *want)
{
    struct hk_config c;
    load_cfg(&c, NULL, entry_text);
    struct hk_plugins *p = NULL;
    char err[1024];
    assert_int_equal(
        hk_plugins_load(&c, NULL, HK_PLUGINS_START, &p, err, sizeof(err)), 0);
    assert_string_equal(err, "");
    const struct hk_plugin_entry *e = hk_plugins_at(p, 0);
    assert_int_equal(e->status, HK_PLUGIN_FAILED);
    assert_string_equal(e->reason, want);
    assert_null(e->instance);
    assert_null(hk_plugins_find(p, HAWK_KIND_LLM, NULL));
    hk_plugins_unload(p);
    hk_config_release(&c);
}

#define GOOD(name, extra)                                                      \
    "{ name = \"" name "\"; path = \"$FX/good_llm.so\"; options = { "          \
    "endpoint = \"http://x\"; label = \"" name "\"; trace_file = "             \
    "\"$TRACE\"; " extra " }; }"

/* ------------------------------------------------------------------------
 * Loading and refusals
 * --------------------------------------------------------------------- */

struct text {
    struct hk_buf b;
};

static int text_write(struct hawk_text_sink *s, const char *d, size_t n)
{
    return hk_buf_append(s->opaque, d, n);
}

static void test_good_llm_chat(void **state)
{
    (void)state;
    struct hk_config c;
    load_cfg(&c, NULL, GOOD("a", ""));
    struct hk_plugins *p = NULL;
    char err[1024];
    assert_int_equal(
        hk_plugins_load(&c, NULL, HK_PLUGINS_START, &p, err, sizeof(err)), 0);
    const struct hk_plugin_entry *e = hk_plugins_find(p, HAWK_KIND_LLM, NULL);
    assert_non_null(e);
    assert_ptr_equal(e, hk_plugins_find(p, HAWK_KIND_LLM, "a"));
    assert_null(hk_plugins_find(p, HAWK_KIND_LLM, "b"));
    assert_null(hk_plugins_find(p, HAWK_KIND_JOBBOARD, NULL));
    assert_int_equal(e->status, HK_PLUGIN_LOADED);
    assert_string_equal(e->reason, "");
    assert_string_equal(e->desc->name, "good_llm");
    assert_string_equal(e->desc->version, "1.2.3");
    assert_true(e->started);
    char want[300];
    snprintf(want, sizeof(want), "%s/good_llm.so", g_fx);
    assert_string_equal(e->path, want);

    struct hawk_llm_message msgs[] = {{"system", "be terse"},
                                      {"user", "first"},
                                      {"assistant", "ok"},
                                      {"user", "hello there"}};
    struct hawk_llm_req req = {.struct_size = sizeof(req),
                               .messages = msgs,
                               .n_messages = 4,
                               .message_size = sizeof(msgs[0])};
    struct hk_buf out;
    hk_buf_init(&out, 4096);
    struct hawk_text_sink sink = {.opaque = &out, .write = text_write};
    struct hawk_llm_usage usage = {.struct_size = sizeof(usage)};
    struct hawk_llm_result res = {.struct_size = sizeof(res), .usage = &usage};
    struct hawk_error herr = {0};
    struct hawk_call call;
    hk_call_init(&call, 42, "req-1", 5000, NULL);
    int rc = hk_plugin_llm_chat(e, &call, &req, &sink, &res, &herr);
    assert_int_equal(rc, 0);
    assert_string_equal(hk_buf_str(&out), "hello there");
    assert_string_equal(res.model, "echo-1");
    assert_int_equal(res.usage->total_tokens, 22);
    hk_buf_release(&out);

    struct hk_buf m;
    hk_buf_init(&m, 1 << 16);
    hk_metrics_render(&m);
    assert_non_null(strstr(hk_buf_str(&m),
                           "# TYPE good_llm_chats_total counter\n"
                           "good_llm_chats_total{instance=\"a\"} 1\n"));
    hk_buf_release(&m);
    hk_plugins_unload(p);
    hk_config_release(&c);
}

static void test_load_log_lines(void **state)
{
    (void)state;
    struct hk_config c;
    load_cfg(&c, NULL,
             GOOD("a", "") ",\n"
                           "{ name = \"off\"; path = \"$FX/good_llm.so\"; "
                           "enabled = false; "
                           "},\n{ name = \"gone\"; path = \"$FX/none.so\"; }");
    struct hk_plugins *p = NULL;
    char err[1024];
    assert_int_equal(hk_plugins_load(&c, NULL, 0, &p, err, sizeof(err)), 0);
    const char *log = hk_buf_str(&g_log);
    assert_non_null(strstr(log, "\"level\":\"info\",\"msg\":\"plugin loaded\","
                                "\"instance\":\"a\",\"plugin\":\"good_llm\","
                                "\"kind\":\"llm\",\"version\":\"1.2.3\""));
    assert_non_null(strstr(log, "\"msg\":\"plugin disabled\",\"instance\":"
                                "\"off\",\"reason\":\"disabled in config\""));
    assert_non_null(strstr(log, "\"level\":\"warn\",\"msg\":\"plugin failed\","
                                "\"instance\":\"gone\""));
    assert_non_null(strstr(log, "no such file"));
    hk_plugins_unload(p);
    hk_config_release(&c);
}

static void test_disabled_skips_options(void **state)
{
    (void)state;
    unsetenv("HK_T_NOT_SET");
    struct hk_config c;
    load_cfg(&c, NULL,
             "{ name = \"off\"; path = \"$FX/none.so\"; enabled = false; "
             "options = { whatever = \"${HK_T_NOT_SET}\"; }; }");
    struct hk_plugins *p = NULL;
    char err[1024];
    assert_int_equal(
        hk_plugins_load(&c, NULL, HK_PLUGINS_START, &p, err, sizeof(err)), 0);
    const struct hk_plugin_entry *e = hk_plugins_at(p, 0);
    assert_int_equal(e->status, HK_PLUGIN_DISABLED);
    assert_string_equal(e->reason, "disabled in config");
    assert_null(e->desc);
    hk_plugins_unload(p);
    hk_config_release(&c);
}

static void test_refusals(void **state)
{
    (void)state;
    char want[1024];
    snprintf(want, sizeof(want),
             "cannot open plugin 'x' at %s/none.so: no such file", g_fx);
    expect_failed("{ name = \"x\"; path = \"$FX/none.so\"; }", want);
    expect_failed("{ name = \"x\"; path = \"$FX/no_symbol.so\"; }",
                  "no hawk_plugin_v1 symbol: not a hawk plugin (or built "
                  "without HAWK_PLUGIN_DEFINE)");
    expect_failed("{ name = \"x\"; path = \"$FX/bad_major_rawexport.so\"; }",
                  "plugin built for ABI v2; this hawk speaks v1");
    expect_failed("{ name = \"x\"; path = \"$FX/bad_magic.so\"; }",
                  "bad magic 0xdeadbeef (expected 0x4b574148): not a hawk "
                  "plugin descriptor");
    expect_failed("{ name = \"x\"; path = \"$FX/unknown_kind.so\"; }",
                  "unknown kind 99");
    expect_failed("{ name = \"x\"; path = \"$FX/needs_minor.so\"; }",
                  "needs host ABI 1.99; this hawk speaks 1.1: upgrade hawk");
    expect_failed("{ name = \"x\"; path = \"$FX/no_chat.so\"; }",
                  "llm plugin lacks the mandatory op 'chat'");
    expect_failed("{ name = \"x\"; path = \"$FX/init_fail.so\"; }",
                  "init failed: missing endpoint");
}

static void test_not_an_elf(void **state)
{
    (void)state;
    char so[200];
    snprintf(so, sizeof(so), "%s/junk.so", g_dir);
    write_file(so, "this is not an ELF file\n");
    struct hk_config c;
    char text[400];
    snprintf(text, sizeof(text), "{ name = \"j\"; path = \"%s\"; }", so);
    load_cfg(&c, NULL, text);
    struct hk_plugins *p = NULL;
    char err[1024];
    assert_int_equal(hk_plugins_load(&c, NULL, 0, &p, err, sizeof(err)), 0);
    const struct hk_plugin_entry *e = hk_plugins_at(p, 0);
    assert_int_equal(e->status, HK_PLUGIN_FAILED);
    char prefix[300], suffix[300];
    snprintf(prefix, sizeof(prefix), "cannot load plugin 'j': %s", so);
    snprintf(suffix, sizeof(suffix), "(check its dependencies with: ldd %s)",
             so);
    assert_true(strncmp(e->reason, prefix, strlen(prefix)) == 0);
    assert_string_equal(e->reason + strlen(e->reason) - strlen(suffix), suffix);
    hk_plugins_unload(p);
    hk_config_release(&c);
}

static void test_unsafe_permissions(void **state)
{
    (void)state;
    char dir[200], so[300], src[300];
    snprintf(dir, sizeof(dir), "%s/pl", g_dir);
    assert_int_equal(mkdir(dir, 0755), 0);
    snprintf(so, sizeof(so), "%s/good_llm.so", dir);
    snprintf(src, sizeof(src), "%s/good_llm.so", g_fx);
    char *bytes = NULL;
    {
        FILE *in = fopen(src, "rb");
        assert_non_null(in);
        fseek(in, 0, SEEK_END);
        long n = ftell(in);
        fseek(in, 0, SEEK_SET);
        bytes = hk_malloc((size_t)n);
        assert_int_equal(fread(bytes, 1, (size_t)n, in), (size_t)n);
        fclose(in);
        FILE *out = fopen(so, "wb");
        assert_non_null(out);
        fwrite(bytes, 1, (size_t)n, out);
        fclose(out);
        hk_free(bytes);
    }
    char text[400];
    snprintf(text, sizeof(text),
             "{ name = \"w\"; path = \"%s\"; options = { endpoint = \"e\"; "
             "}; }",
             so);
    char want[1024];
    assert_int_equal(chmod(so, 0666), 0);
    snprintf(want, sizeof(want),
             "refusing plugin 'w': file %s is writable by group or others "
             "(fix with: chmod go-w %s)",
             so, so);
    expect_failed(text, want);
    assert_int_equal(chmod(so, 0644), 0);
    assert_int_equal(chmod(dir, 0777), 0);
    snprintf(want, sizeof(want),
             "refusing plugin 'w': directory %s is writable by group or "
             "others (fix with: chmod go-w %s)",
             dir, dir);
    expect_failed(text, want);
    /* once fixed, the same file loads */
    assert_int_equal(chmod(dir, 0755), 0);
    struct hk_config c;
    load_cfg(&c, NULL, text);
    struct hk_plugins *p = NULL;
    char err[1024];
    assert_int_equal(hk_plugins_load(&c, NULL, 0, &p, err, sizeof(err)), 0);
    assert_int_equal(hk_plugins_at(p, 0)->status, HK_PLUGIN_LOADED);
    hk_plugins_unload(p);
    hk_config_release(&c);
}

static void test_plugin_dir_lookup(void **state)
{
    (void)state;
    char head[400];
    snprintf(head, sizeof(head), "plugin_dir = \"%s\";\n", g_fx);
    struct hk_config c;
    load_cfg(&c, head,
             "{ name = \"good_jobboard\"; },\n"
             "{ name = \"x\"; path = \"nope.so\"; }");
    struct hk_plugins *p = NULL;
    char err[1024];
    assert_int_equal(hk_plugins_load(&c, NULL, 0, &p, err, sizeof(err)), 0);
    char want[600];
    snprintf(want, sizeof(want), "%s/good_jobboard.so", g_fx);
    assert_string_equal(entry(p, "good_jobboard")->path, want);
    assert_int_equal(entry(p, "good_jobboard")->status, HK_PLUGIN_LOADED);
    snprintf(want, sizeof(want),
             "cannot open plugin 'x' at %s/nope.so: no such file", g_fx);
    assert_string_equal(entry(p, "x")->reason, want);
    hk_plugins_unload(p);
    hk_config_release(&c);

    /* HAWK_PLUGIN_PATH wins over plugin_dir */
    setenv("HAWK_PLUGIN_PATH", g_dir, 1);
    load_cfg(&c, head, "{ name = \"good_jobboard\"; }");
    assert_int_equal(hk_plugins_load(&c, NULL, 0, &p, err, sizeof(err)), 0);
    snprintf(want, sizeof(want),
             "cannot open plugin 'good_jobboard' at %s/good_jobboard.so: no "
             "such file",
             g_dir);
    assert_string_equal(hk_plugins_at(p, 0)->reason, want);
    hk_plugins_unload(p);
    hk_config_release(&c);
    unsetenv("HAWK_PLUGIN_PATH");
}

static void test_duplicate_plugin_name(void **state)
{
    (void)state;
    struct hk_config c;
    load_cfg(&c, NULL,
             GOOD("a", "") ",\n" GOOD(
                 "b", "") ",\n"
                          "{ name = \"d\"; path = \"$FX/dup_name.so\"; }");
    struct hk_plugins *p = NULL;
    char err[1024];
    assert_int_equal(hk_plugins_load(&c, NULL, 0, &p, err, sizeof(err)), 0);
    /* two instances of one plugin coexist ... */
    assert_int_equal(entry(p, "a")->status, HK_PLUGIN_LOADED);
    assert_int_equal(entry(p, "b")->status, HK_PLUGIN_LOADED);
    assert_ptr_not_equal(entry(p, "a")->instance, entry(p, "b")->instance);
    /* ... a different plugin claiming the same name does not */
    assert_int_equal(entry(p, "d")->status, HK_PLUGIN_FAILED);
    assert_string_equal(entry(p, "d")->reason,
                        "plugin name 'good_llm' already registered by "
                        "instance 'a'");
    hk_plugins_unload(p);
    hk_config_release(&c);
}

/* ------------------------------------------------------------------------
 * Required vs optional, lifecycle order
 * --------------------------------------------------------------------- */

static void test_required_failure_unloads_all(void **state)
{
    (void)state;
    struct hk_config c;
    load_cfg(
        &c, NULL,
        GOOD("a",
             "") ",\n"
                 "{ name = \"must\"; path = \"$FX/init_fail.so\"; required = "
                 "true; },\n" GOOD("never", ""));
    struct hk_plugins *p = (struct hk_plugins *)&c; /* must be reset */
    char err[1024];
    assert_int_equal(
        hk_plugins_load(&c, NULL, HK_PLUGINS_START, &p, err, sizeof(err)),
        HAWK_ECONFIG);
    assert_null(p);
    assert_string_equal(err, "plugin 'must' is required but failed to load: "
                             "init failed: missing endpoint");
    char *t = read_all(g_trace);
    /* "never" was not even initialised; "a" was shut down */
    assert_string_equal(t, "init a\nstop a\nfini a\n");
    hk_free(t);
    assert_non_null(strstr(hk_buf_str(&g_log),
                           "\"level\":\"error\",\"msg\":\"plugin failed\","
                           "\"instance\":\"must\""));
    hk_config_release(&c);
}

static void test_optional_failure_keeps_going(void **state)
{
    (void)state;
    struct hk_config c;
    load_cfg(
        &c, NULL,
        "{ name = \"opt\"; path = \"$FX/init_fail.so\"; },\n" GOOD("a", ""));
    struct hk_plugins *p = NULL;
    char err[1024];
    assert_int_equal(
        hk_plugins_load(&c, NULL, HK_PLUGINS_START, &p, err, sizeof(err)), 0);
    assert_int_equal(entry(p, "opt")->status, HK_PLUGIN_FAILED);
    assert_int_equal(entry(p, "a")->status, HK_PLUGIN_LOADED);
    hk_plugins_unload(p);
    hk_config_release(&c);
}

static void test_lifecycle_order(void **state)
{
    (void)state;
    struct hk_config c;
    load_cfg(&c, NULL, GOOD("a", "") ",\n" GOOD("b", "") ",\n" GOOD("c", ""));
    struct hk_plugins *p = NULL;
    char err[1024];
    assert_int_equal(
        hk_plugins_load(&c, NULL, HK_PLUGINS_START, &p, err, sizeof(err)), 0);
    hk_plugins_unload(p);
    char *t = read_all(g_trace);
    assert_string_equal(t, "init a\ninit b\ninit c\n"
                           "start a\nstart b\nstart c\n"
                           "stop c\nstop b\nstop a\n"
                           "fini c\nfini b\nfini a\n");
    hk_free(t);
    hk_config_release(&c);
}

static void test_start_failure(void **state)
{
    (void)state;
    struct hk_config c;
    load_cfg(&c, NULL, GOOD("a", "") ",\n" GOOD("b", "start_fail = true;"));
    struct hk_plugins *p = NULL;
    char err[1024];
    assert_int_equal(
        hk_plugins_load(&c, NULL, HK_PLUGINS_START, &p, err, sizeof(err)), 0);
    assert_int_equal(entry(p, "b")->status, HK_PLUGIN_FAILED);
    assert_string_equal(entry(p, "b")->reason, "start failed: start refused");
    assert_null(entry(p, "b")->instance);
    hk_plugins_unload(p);
    char *t = read_all(g_trace);
    assert_string_equal(t, "init a\ninit b\nstart a\nfini b\nstop a\nfini a\n");
    hk_free(t);
    hk_config_release(&c);

    /* a required one failing at start fails the load */
    load_cfg(&c, NULL,
             GOOD("a", "") ",\n{ name = \"b\"; path = \"$FX/good_llm.so\"; "
                           "required = true; options = { endpoint = \"e\"; "
                           "start_fail = true; }; }");
    assert_int_equal(
        hk_plugins_load(&c, NULL, HK_PLUGINS_START, &p, err, sizeof(err)),
        HAWK_ECONFIG);
    assert_string_equal(err, "plugin 'b' is required but failed to load: "
                             "start failed: start refused");
    assert_null(p);
    hk_config_release(&c);
}

/* ------------------------------------------------------------------------
 * Options
 * --------------------------------------------------------------------- */

/* Expects entry 0 to fail option validation with `tail` after the
 * config path. */
static void expect_option_error(const char *entry_text, const char *tail)
{
    char want[1024];
    snprintf(want, sizeof(want), "%s:%s", g_cfg, tail);
    expect_failed(entry_text, want);
    /* a failed options check never reaches init */
    char *t = read_all(g_trace);
    assert_string_equal(t, "");
    hk_free(t);
}

static void test_option_errors(void **state)
{
    (void)state;
    unsetenv("HK_T_NOPE");
    expect_option_error(
        "{ name = \"a\"; path = \"$FX/good_llm.so\";\n"
        "  options = {\n    endpont = \"http://x\";\n  };\n}",
        "4: unknown option 'endpont' for plugin 'a' (did you mean "
        "'endpoint'?)");
    expect_option_error(
        "{ name = \"a\"; path = \"$FX/good_llm.so\"; options = { "
        "endpoint = \"e\"; zzqqxx = 1; }; }",
        "2: unknown option 'zzqqxx' for plugin 'a' (known: endpoint, "
        "max_retries, api_key, timeout, max_body, temperature, verbose, "
        "models, label, trace_file, start_fail, health_fail, log_secret, "
        "chat_sleep)");
    expect_option_error(
        "{ name = \"a\"; path = \"$FX/good_llm.so\"; options = { "
        "endpoint = \"e\"; max_retries = \"3\"; }; }",
        "2: option 'max_retries' of plugin 'a' must be an integer");
    expect_option_error(
        "{ name = \"a\"; path = \"$FX/good_llm.so\"; options = { "
        "endpoint = \"e\"; max_retries = 11; }; }",
        "2: option 'max_retries' of plugin 'a' must be between 0 and 10");
    expect_option_error(
        "{ name = \"a\"; path = \"$FX/good_llm.so\"; options = { "
        "endpoint = \"e\"; timeout = \"500ms\"; }; }",
        "2: option 'timeout' of plugin 'a' must be between 1s and 10m");
    expect_option_error(
        "{ name = \"a\"; path = \"$FX/good_llm.so\"; options = { "
        "endpoint = \"e\"; verbose = 1; }; }",
        "2: option 'verbose' of plugin 'a' must be true or false");
    expect_option_error(
        "{ name = \"a\"; path = \"$FX/good_llm.so\"; options = { "
        "endpoint = \"e\"; models = [1, 2]; }; }",
        "2: option 'models' of plugin 'a' must be a list of strings like "
        "[\"a\", \"b\"]");
    expect_option_error(
        "{ name = \"a\"; path = \"$FX/good_llm.so\";\n options = {\n "
        "label = \"x\"; };\n}",
        "3: plugin 'a' needs option 'endpoint' (a string; base URL of the "
        "model server): add it to its options group");
    expect_option_error(
        "{ name = \"a\"; path = \"$FX/good_llm.so\"; }",
        "2: plugin 'a' needs option 'endpoint' (a string; base URL of the "
        "model server): add it to its options group");
    expect_option_error(
        "{ name = \"a\"; path = \"$FX/good_llm.so\"; options = { "
        "endpoint = \"e\"; api_key = \"${HK_T_NOPE}\"; }; }",
        "2: option 'api_key' of plugin 'a': environment variable "
        "'HK_T_NOPE' is not set (export it, or write "
        "${HK_T_NOPE:-default})");
}

static void test_option_getters(void **state)
{
    (void)state;
    setenv("HK_T_KEY", SECRET, 1);
    struct hk_config c;
    load_cfg(&c, NULL,
             "{ name = \"a\"; path = \"$FX/good_llm.so\"; options = { "
             "endpoint = \"http://${HK_T_HOSTX:-localhost}:1\"; api_key = "
             "\"${HK_T_KEY}\"; timeout = \"2m\"; max_body = 4096; "
             "models = [\"m1\", \"m2\", \"m3\"]; verbose = true; "
             "temperature = 0.25; }; }");
    struct hk_plugins *p = NULL;
    char err[1024];
    assert_int_equal(hk_plugins_load(&c, NULL, 0, &p, err, sizeof(err)), 0);
    const struct hawk_config *o = hk_plugins_at(p, 0)->options;
    const struct hawk_host_api *api = &hk_host_api;
    const char *s;
    int64_t i;
    bool b;
    double d;
    size_t n;
    assert_int_equal(api->cfg_str(o, "endpoint", &s), 0);
    assert_string_equal(s, "http://localhost:1");
    assert_int_equal(api->cfg_str(o, "api_key", &s), 0);
    assert_string_equal(s, SECRET);
    assert_int_equal(api->cfg_int(o, "timeout", &i), 0);
    assert_int_equal(i, 120000);
    assert_int_equal(api->cfg_int(o, "max_body", &i), 0);
    assert_int_equal(i, 4096);
    assert_int_equal(api->cfg_int(o, "max_retries", &i), 0); /* default */
    assert_int_equal(i, 3);
    assert_int_equal(api->cfg_bool(o, "verbose", &b), 0);
    assert_true(b);
    assert_int_equal(api->cfg_double(o, "temperature", &d), 0);
    assert_true(d == 0.25);
    assert_int_equal(api->cfg_list_len(o, "models", &n), 0);
    assert_int_equal(n, 3);
    assert_int_equal(api->cfg_list_item(o, "models", 2, &s), 0);
    assert_string_equal(s, "m3");
    assert_int_equal(api->cfg_list_item(o, "models", 3, &s), HAWK_EINVAL);
    assert_int_equal(api->cfg_str(o, "max_retries", &s), HAWK_EINVAL);
    assert_int_equal(api->cfg_int(o, "nope", &i), HAWK_EINVAL);
    assert_int_equal(api->cfg_str(o, "trace_file", &s), HAWK_ENOTFOUND);
    hk_plugins_unload(p);
    hk_config_release(&c);
    unsetenv("HK_T_KEY");
}

/* ------------------------------------------------------------------------
 * Secrets, CLI, health
 * --------------------------------------------------------------------- */

static void test_secret_redacted_in_logs(void **state)
{
    (void)state;
    setenv("HK_T_KEY", SECRET, 1);
    struct hk_config c;
    load_cfg(&c, NULL,
             GOOD("a", "api_key = \"${HK_T_KEY}\"; log_secret = "
                       "true;"));
    struct hk_plugins *p = NULL;
    char err[1024];
    assert_int_equal(
        hk_plugins_load(&c, NULL, HK_PLUGINS_START, &p, err, sizeof(err)), 0);
    hk_plugins_unload(p);
    const char *log = hk_buf_str(&g_log);
    assert_null(strstr(log, SECRET));
    assert_non_null(strstr(log, "\"msg\":\"connecting with key <redacted>\","
                                "\"plugin\":\"good_llm\",\"instance\":\"a\""));
    hk_config_release(&c);
    unsetenv("HK_T_KEY");
}

static char *cli_output(const struct hk_config *c, bool json, int *rc)
{
    char path[200];
    snprintf(path, sizeof(path), "%s/cli.out", g_dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    *rc = hk_plugins_cli_list_to(c, f, json);
    fclose(f);
    return read_all(path);
}

static void test_cli_list(void **state)
{
    (void)state;
    setenv("HK_T_KEY", SECRET, 1);
    struct hk_config c;
    load_cfg(
        &c, NULL,
        GOOD("a",
             "api_key = \"${HK_T_KEY}\";") ",\n"
                                           "{ name = \"off\"; path = "
                                           "\"$FX/good_llm.so\"; enabled = "
                                           "false; },\n"
                                           "{ name = \"bad\"; path = "
                                           "\"$FX/init_fail.so\"; }");
    int rc;
    char *out = cli_output(&c, false, &rc);
    assert_int_equal(rc, 0);
    assert_null(strstr(out, SECRET));
    char want[1024];
    snprintf(want, sizeof(want),
             "NAME  KIND  VERSION  ABI  PATH%*s  STATUS\n"
             "a     llm   1.2.3    1.0  %s/good_llm.so%*s  loaded\n",
             (int)(strlen(g_fx) + strlen("/init_fail.so") - 4), "", g_fx,
             (int)(strlen("/init_fail.so") - strlen("/good_llm.so")), "");
    if (strncmp(out, want, strlen(want)) != 0)
        fail_msg("table:\n%s\nwanted start:\n%s", out, want);
    assert_non_null(strstr(out, "    options: endpoint=\"http://x\" "
                                "max_retries=3 api_key=<redacted> "
                                "timeout=30s max_body=1MiB temperature=0.5 "
                                "verbose=false models=[\"echo-1\", "
                                "\"echo-2\"] label=\"a\""));
    assert_non_null(strstr(out, "disabled\n"));
    assert_non_null(strstr(out, "failed: init failed: missing endpoint\n"));
    hk_free(out);
    /* nothing leaked into the log while listing */
    assert_null(strstr(hk_buf_str(&g_log), "plugin loaded"));

    out = cli_output(&c, true, &rc);
    assert_int_equal(rc, 0);
    assert_null(strstr(out, SECRET));
    struct json_object *arr = json_tokener_parse(out);
    assert_non_null(arr);
    assert_int_equal(json_object_array_length(arr), 3);
    struct json_object *a = json_object_array_get_idx(arr, 0), *v, *opts;
    assert_true(json_object_object_get_ex(a, "status", &v));
    assert_string_equal(json_object_get_string(v), "loaded");
    assert_true(json_object_object_get_ex(a, "options", &opts));
    assert_true(json_object_object_get_ex(opts, "api_key", &v));
    assert_string_equal(json_object_get_string(v), "<redacted>");
    struct json_object *bad = json_object_array_get_idx(arr, 2);
    assert_true(json_object_object_get_ex(bad, "reason", &v));
    assert_string_equal(json_object_get_string(v),
                        "init failed: missing endpoint");
    json_object_put(arr);
    hk_free(out);
    hk_config_release(&c);

    /* a failing required plugin: table still printed, exit code 1 */
    load_cfg(&c, NULL,
             "{ name = \"bad\"; path = \"$FX/init_fail.so\"; required = "
             "true; },\n" GOOD("a", ""));
    out = cli_output(&c, false, &rc);
    assert_int_equal(rc, 1);
    assert_non_null(strstr(out, "failed: init failed: missing endpoint\n"));
    assert_non_null(strstr(out, "loaded\n"));
    hk_free(out);
    hk_config_release(&c);
    unsetenv("HK_T_KEY");
}

static void test_health_json(void **state)
{
    (void)state;
    setenv("HK_T_KEY", SECRET, 1);
    struct hk_config c;
    load_cfg(
        &c, NULL,
        GOOD("a", "api_key = \"${HK_T_KEY}\";") ",\n" GOOD(
            "sick", "health_fail = true;") ",\n"
                                           "{ name = \"off\"; path = "
                                           "\"$FX/good_llm.so\"; enabled = "
                                           "false; },\n"
                                           "{ name = \"bad\"; path = "
                                           "\"$FX/init_fail.so\"; },\n"
                                           "{ name = \"jobs\"; path = "
                                           "\"$FX/good_jobboard.so\"; }");
    struct hk_plugins *p = NULL;
    char err[1024];
    assert_int_equal(
        hk_plugins_load(&c, NULL, HK_PLUGINS_START, &p, err, sizeof(err)), 0);
    struct hk_buf b;
    hk_buf_init(&b, 1 << 16);
    hk_buf_putc(&b, '{');
    hk_plugins_health_json(p, &b);
    hk_buf_putc(&b, '}');
    assert_string_equal(
        hk_buf_str(&b),
        "{\"a\":{\"status\":\"ok\",\"kind\":\"llm\",\"version\":\"1.2.3\","
        "\"detail\":{\"echo\":true}},"
        "\"sick\":{\"status\":\"error\",\"kind\":\"llm\",\"version\":"
        "\"1.2.3\",\"error\":\"upstream down\"},"
        "\"off\":{\"status\":\"disabled\"},"
        "\"bad\":{\"status\":\"failed\",\"error\":\"init failed: missing "
        "endpoint\"},"
        "\"jobs\":{\"status\":\"ok\",\"kind\":\"jobboard\",\"version\":"
        "\"1.0.0\"}}");
    hk_buf_release(&b);
    hk_buf_init(&b, 1024);
    hk_plugins_health_json(NULL, &b);
    assert_string_equal(hk_buf_str(&b), "");
    hk_buf_release(&b);
    hk_plugins_unload(p);
    hk_config_release(&c);
    unsetenv("HK_T_KEY");
}

/* ------------------------------------------------------------------------
 * Job board through the registry
 * --------------------------------------------------------------------- */

struct jobs {
    int n;
    char ids[8][64];
    char titles[8][128];
    bool easy[8];
};

static int job_emit(struct hawk_job_sink *s, const struct hawk_job *j)
{
    struct jobs *js = s->opaque;
    if (js->n >= 8)
        return HAWK_ECANCELED;
    snprintf(js->ids[js->n], 64, "%s", j->external_id);
    snprintf(js->titles[js->n], 128, "%s", j->title);
    js->easy[js->n] = j->easy_apply;
    js->n++;
    return 0;
}

static void test_jobboard_registry(void **state)
{
    (void)state;
    struct hk_config c;
    load_cfg(
        &c, NULL,
        GOOD("a", "") ",\n"
                      "{ name = \"jobs\"; path = \"$FX/good_jobboard.so\"; }");
    struct hk_plugins *p = NULL;
    char err[1024];
    assert_int_equal(
        hk_plugins_load(&c, NULL, HK_PLUGINS_START, &p, err, sizeof(err)), 0);
    const struct hk_plugin_entry *e =
        hk_plugins_find(p, HAWK_KIND_JOBBOARD, NULL);
    assert_non_null(e);
    assert_string_equal(e->name, "jobs");
    assert_null(e->lock_); /* declared thread-safe */
    assert_non_null(entry(p, "a")->lock_);
    struct hawk_job_query q = {.struct_size = sizeof(q),
                               .keywords = "C Developer!"};
    struct jobs js = {0};
    struct hawk_job_sink sink = {.opaque = &js, .emit = job_emit};
    struct hawk_error herr = {0};
    struct hawk_call call;
    hk_call_init(&call, 1, NULL, 0, NULL);
    assert_int_equal(hk_plugin_jobboard_search(e, &call, &q, &sink, &herr), 0);
    assert_int_equal(js.n, 3);
    assert_string_equal(js.ids[0], "c-developer-1");
    assert_string_equal(js.titles[0], "Senior c developer");
    assert_string_equal(js.titles[2], "Junior c developer");
    assert_false(js.easy[2]);
    memset(&js, 0, sizeof(js));
    q.easy_apply_only = true;
    q.limit = 1;
    q.offset = 1;
    assert_int_equal(hk_plugin_jobboard_search(e, &call, &q, &sink, &herr), 0);
    assert_int_equal(js.n, 1);
    assert_string_equal(js.ids[0], "c-developer-2");
    q.keywords = "error";
    assert_int_equal(hk_plugin_jobboard_search(e, &call, &q, &sink, &herr),
                     HAWK_EUNAVAIL);
    assert_true(herr.retryable);
    assert_string_equal(herr.msg, "board unavailable");
    hk_plugins_unload(p);
    hk_config_release(&c);
}

/* ------------------------------------------------------------------------
 * Host API: call context, clock, sleep
 * --------------------------------------------------------------------- */

static void test_call_context(void **state)
{
    (void)state;
    const struct hawk_host_api *api = &hk_host_api;
    assert_int_equal(api->abi_major, HAWK_ABI_MAJOR);
    assert_int_equal(api->struct_size, sizeof(struct hawk_host_api));
    assert_true(HAWK_API_HAS(api, metric_add));
    struct hawk_call call;
    atomic_bool cancel = false;
    hk_log_ctx_set("from-log-ctx", 7);
    hk_call_init(&call, 9, NULL, 0, &cancel);
    assert_string_equal(api->call_request_id(&call), "from-log-ctx");
    assert_int_equal(api->call_user_id(&call), 9);
    assert_int_equal(api->call_remaining_ms(&call), INT64_MAX);
    assert_false(api->call_cancelled(&call));
    atomic_store(&cancel, true);
    assert_true(api->call_cancelled(&call));
    assert_int_equal(api->sleep_ms(&call, 10000), HAWK_ECANCELED);
    hk_log_ctx_clear();
    hk_call_init(&call, 0, NULL, 1000, NULL);
    assert_int_equal(strlen(api->call_request_id(&call)), 16);
    int64_t left = api->call_remaining_ms(&call);
    assert_true(left > 0 && left <= 1000);
    unsigned char r1[16] = {0}, r2[16] = {0};
    assert_int_equal(api->random(r1, sizeof(r1)), 0);
    assert_int_equal(api->random(r2, sizeof(r2)), 0);
    assert_memory_not_equal(r1, r2, sizeof(r1));
    void *m = api->alloc(100);
    assert_non_null(m);
    api->free(m);
}

static void test_real_sleep(void **state)
{
    (void)state;
    const struct hawk_host_api *api = &hk_host_api;
    struct hawk_call call;
    hk_call_init(&call, 0, "r", 0, NULL);
    int64_t t0 = hk_mono_ms();
    assert_int_equal(api->sleep_ms(&call, 30), 0);
    int64_t dt = hk_mono_ms() - t0;
    assert_true(dt >= 30 && dt < 1000);
    /* the deadline cuts a long sleep short */
    hk_call_init(&call, 0, "r", 40, NULL);
    t0 = hk_mono_ms();
    assert_int_equal(api->sleep_ms(&call, 60000), HAWK_ETIMEDOUT);
    dt = hk_mono_ms() - t0;
    assert_true(dt >= 35 && dt < 1000);
    assert_int_equal(api->sleep_ms(&call, 10), HAWK_ETIMEDOUT);
    assert_null(strstr(hk_buf_str(&g_log), "plugin sleep"));
}

static void test_test_clock(void **state)
{
    (void)state;
    hk_plugin_set_test_clock(true);
    const struct hawk_host_api *api = &hk_host_api;
    int64_t w0 = api->now_ms(NULL);
    int64_t r0 = hk_wall_ms();
    assert_true(w0 >= r0 - 1000 && w0 <= r0 + 1000); /* starts at real time */
    hk_sleep_ms(5);
    assert_int_equal(api->now_ms(NULL), w0); /* and only sleeps move it */
    struct hawk_call call;
    hk_call_init(&call, 0, "t", 0, NULL);
    int64_t t0 = hk_mono_ms();
    assert_int_equal(api->sleep_ms(&call, 3600 * 1000), 0);
    assert_true(hk_mono_ms() - t0 < 1000); /* did not really sleep */
    assert_int_equal(api->now_ms(NULL) - w0, 3600 * 1000);
    assert_non_null(
        strstr(hk_buf_str(&g_log), "\"msg\":\"plugin sleep\",\"ms\":3600000}"));
    /* deadlines run on the same clock */
    hk_call_init(&call, 0, "t", 5000, NULL);
    assert_int_equal(api->sleep_ms(&call, 2000), 0);
    assert_int_equal(api->call_remaining_ms(&call), 3000);
    assert_int_equal(api->sleep_ms(&call, 10000), HAWK_ETIMEDOUT);
    assert_non_null(
        strstr(hk_buf_str(&g_log), "\"msg\":\"plugin sleep\",\"ms\":3000}"));
    assert_int_equal(api->call_remaining_ms(&call), 0);

    /* through a plugin: chat() sleeps 90 s on the virtual clock */
    struct hk_config c;
    load_cfg(&c, NULL, GOOD("a", "chat_sleep = \"90s\";"));
    struct hk_plugins *p = NULL;
    char err[1024];
    assert_int_equal(hk_plugins_load(&c, NULL, 0, &p, err, sizeof(err)), 0);
    const struct hk_plugin_entry *e = hk_plugins_find(p, HAWK_KIND_LLM, "a");
    struct hawk_llm_message msg = {"user", "hi"};
    struct hawk_llm_req req = {.struct_size = sizeof(req),
                               .messages = &msg,
                               .n_messages = 1,
                               .message_size = sizeof(msg)};
    struct hk_buf out;
    hk_buf_init(&out, 1024);
    struct hawk_text_sink sink = {.opaque = &out, .write = text_write};
    struct hawk_error herr = {0};
    hk_buf_reset(&g_log);
    hk_call_init(&call, 0, "t", 0, NULL);
    t0 = hk_mono_ms();
    assert_int_equal(hk_plugin_llm_chat(e, &call, &req, &sink, NULL, &herr), 0);
    assert_true(hk_mono_ms() - t0 < 1000);
    assert_string_equal(hk_buf_str(&out), "hi");
    assert_non_null(
        strstr(hk_buf_str(&g_log), "\"msg\":\"plugin sleep\",\"ms\":90000}"));
    /* with a 10 s deadline the same call times out after 10 virtual s */
    hk_buf_reset(&g_log);
    hk_call_init(&call, 0, "t", 10000, NULL);
    assert_int_equal(hk_plugin_llm_chat(e, &call, &req, &sink, NULL, &herr),
                     HAWK_ETIMEDOUT);
    assert_non_null(
        strstr(hk_buf_str(&g_log), "\"msg\":\"plugin sleep\",\"ms\":10000}"));
    hk_buf_release(&out);
    hk_plugins_unload(p);
    hk_config_release(&c);
    hk_plugin_set_test_clock(false);
}

/* ------------------------------------------------------------------------
 * Descriptor checks without dlopen
 * --------------------------------------------------------------------- */

static int d_init(const struct hawk_host_api *api, struct hawk_host *host,
                  const struct hawk_config *cfg, struct hawk_instance **out,
                  struct hawk_error *err)
{
    (void)api;
    (void)host;
    (void)cfg;
    (void)err;
    *out = NULL;
    return 0;
}

static void d_fini(struct hawk_instance *in)
{
    (void)in;
}

static int d_put(struct hawk_instance *in, struct hawk_call *call,
                 const char *key, struct hawk_reader *body, int64_t size,
                 const struct hawk_kv *md, size_t n, size_t kv_size,
                 struct hawk_error *err)
{
    (void)in, (void)call, (void)key, (void)body, (void)size, (void)md;
    (void)n, (void)kv_size, (void)err;
    return 0;
}

static int d_get(struct hawk_instance *in, struct hawk_call *call,
                 const char *key, struct hawk_text_sink *body,
                 struct hawk_error *err)
{
    (void)in, (void)call, (void)key, (void)body, (void)err;
    return 0;
}

static int d_list(struct hawk_instance *in, struct hawk_call *call,
                  const char *prefix, struct hawk_object_sink *out,
                  struct hawk_error *err)
{
    (void)in, (void)call, (void)prefix, (void)out, (void)err;
    return 0;
}

static int d_del(struct hawk_instance *in, struct hawk_call *call,
                 const char *key, struct hawk_error *err)
{
    (void)in, (void)call, (void)key, (void)err;
    return 0;
}

static void expect_desc(const struct hawk_plugin *d, int rc, const char *want)
{
    char reason[512] = "";
    assert_int_equal(hk_plugin_check_desc(d, reason, sizeof(reason)), rc);
    assert_string_equal(reason, want);
}

static void test_check_desc(void **state)
{
    (void)state;
    struct hawk_storage_ops sops = {.struct_size = sizeof(sops),
                                    .put = d_put,
                                    .get = d_get,
                                    .list = d_list,
                                    .del = d_del};
    const struct hawk_plugin good = {
        HAWK_PLUGIN_HEADER, .name = "store",
        .version = "1",     .kind = HAWK_KIND_STORAGE,
        .init = d_init,     .fini = d_fini,
        .ops = &sops};
    expect_desc(&good, 0, "");
    struct hawk_plugin d = good;
    d.struct_size = 16;
    char want[300];
    snprintf(want, sizeof(want),
             "descriptor is 16 bytes, smaller than the %zu of ABI v1",
             sizeof(struct hawk_plugin));
    char reason[512];
    assert_int_equal(hk_plugin_check_desc(&d, reason, sizeof(reason)),
                     HAWK_EABI);
    assert_string_equal(reason, want);
    d = good;
    d.build_sig = "abi=1;ptr=4";
    expect_desc(&d, HAWK_EABI,
                "build signature 'abi=1;ptr=4' does not match this hawk's "
                "'" HAWK_BUILD_SIG "': rebuild the plugin against this "
                "hawk's plugin.h");
    d = good;
    d.name = "Has Space";
    expect_desc(&d, HAWK_EINVAL,
                "invalid plugin name 'Has Space': use 1-32 of a-z, 0-9, _ "
                "and -");
    d = good;
    d.name = "a234567890123456789012345678901234";
    expect_desc(&d, HAWK_EINVAL,
                "invalid plugin name 'a234567890123456789012345678901234': "
                "use 1-32 of a-z, 0-9, _ and -");
    d = good;
    d.version = NULL;
    expect_desc(&d, HAWK_EINVAL, "plugin 'store' has no version string");
    d = good;
    d.init = NULL;
    expect_desc(&d, HAWK_EINVAL, "plugin 'store' has no init function");
    d = good;
    d.fini = NULL;
    expect_desc(&d, HAWK_EINVAL, "plugin 'store' has no fini function");
    d = good;
    d.ops = NULL;
    expect_desc(&d, HAWK_EINVAL, "plugin 'store' has no ops table");
    struct hawk_storage_ops s2 = sops;
    s2.del = NULL;
    d = good;
    d.ops = &s2;
    expect_desc(&d, HAWK_EINVAL, "storage plugin lacks the mandatory op 'del'");
    s2 = sops;
    s2.struct_size = sizeof(size_t);
    snprintf(want, sizeof(want),
             "storage ops table has an invalid struct_size %zu (expected at "
             "least %zu)",
             sizeof(size_t),
             offsetof(struct hawk_storage_ops, del) + sizeof(void *));
    assert_int_equal(hk_plugin_check_desc(&d, reason, sizeof(reason)),
                     HAWK_EABI);
    assert_string_equal(reason, want);
    /* A descriptor of exactly the 1.0 size loads; one byte less does
     * not. */
    d = good;
    d.struct_size = HAWK_PLUGIN_SIZE_1_0;
    expect_desc(&d, 0, "");
    d.struct_size = HAWK_PLUGIN_SIZE_1_0 - 1;
    assert_int_equal(hk_plugin_check_desc(&d, reason, sizeof(reason)),
                     HAWK_EABI);
    /* A key table without its element size is refused, naming the fix. */
    static const struct hawk_cfg_key one_key[] = {
        {.name = "k", .type = HAWK_CFG_STR}, {.name = NULL}};
    d = good;
    d.config_keys = one_key;
    d.config_key_size = 0;
    snprintf(want, sizeof(want),
             "plugin 'store' declares config keys of 0 bytes each (at least "
             "%zu): set config_key_size, or use HAWK_PLUGIN_HEADER",
             (size_t)HAWK_CFG_KEY_SIZE_1_0);
    expect_desc(&d, HAWK_EABI, want);
    d.config_key_size = sizeof(struct hawk_cfg_key);
    expect_desc(&d, 0, "");
    assert_string_equal(hk_plugin_kind_name(HAWK_KIND_PAYMENT), "payment");
    assert_string_equal(hk_plugin_kind_name((enum hawk_kind)42), "unknown");
}

/* ------------------------------------------------------------------------
 * Metrics
 * --------------------------------------------------------------------- */

static void test_metrics(void **state)
{
    (void)state;
    assert_int_equal(hk_metrics_add("hawk_requests_total",
                                    "method=\"GET\",status=\"200\"", 1),
                     0);
    assert_int_equal(hk_metrics_add("hawk_requests_total",
                                    "method=\"GET\",status=\"200\"", 2),
                     0);
    assert_int_equal(hk_metrics_add("hawk_requests_total",
                                    "method=\"POST\",status=\"201\"", 1),
                     0);
    assert_int_equal(hk_metrics_set("hawk_queue_depth", NULL, 7), 0);
    assert_int_equal(hk_metrics_set("hawk_queue_depth", "", 5), 0);
    assert_int_equal(hk_metrics_add("hawk_bytes", "path=\"a\\\"b\"", 0.5), 0);
    /* bad input changes nothing */
    assert_int_equal(hk_metrics_add("bad name", NULL, 1), HAWK_EINVAL);
    assert_int_equal(hk_metrics_add("9lives", NULL, 1), HAWK_EINVAL);
    assert_int_equal(hk_metrics_add("x", "k=v", 1), HAWK_EINVAL);
    assert_int_equal(hk_metrics_add("x", "k=\"v", 1), HAWK_EINVAL);
    assert_int_equal(hk_metrics_add("x", "k=\"v\"}", 1), HAWK_EINVAL);
    assert_int_equal(hk_metrics_add("x", "k=\"a\nb\"", 1), HAWK_EINVAL);
    assert_int_equal(hk_metrics_add("hawk_requests_total", NULL, -1),
                     HAWK_EINVAL);
    assert_int_equal(hk_metrics_set("hawk_requests_total", NULL, 1),
                     HAWK_EINVAL);
    assert_int_equal(hk_metrics_add("hawk_queue_depth", NULL, 1), HAWK_EINVAL);
    struct hk_buf b;
    hk_buf_init(&b, 1 << 16);
    hk_metrics_render(&b);
    assert_string_equal(
        hk_buf_str(&b),
        "# HELP hawk_bytes Counted by a hawk module or plugin "
        "(see its documentation).\n"
        "# TYPE hawk_bytes counter\n"
        "hawk_bytes{path=\"a\\\"b\"} 0.5\n"
        "# HELP hawk_queue_depth Counted by a hawk module or "
        "plugin (see its documentation).\n"
        "# TYPE hawk_queue_depth gauge\n"
        "hawk_queue_depth 5\n"
        "# HELP hawk_requests_total Counted by a hawk module or "
        "plugin (see its documentation).\n"
        "# TYPE hawk_requests_total counter\n"
        "hawk_requests_total{method=\"GET\",status=\"200\"} "
        "3\n"
        "hawk_requests_total{method=\"POST\",status=\"201\"} "
        "1\n");
    hk_buf_release(&b);
    hk_metrics_reset();
    hk_buf_init(&b, 1024);
    hk_metrics_render(&b);
    assert_string_equal(hk_buf_str(&b), "");
    hk_buf_release(&b);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_good_llm_chat),
        T(test_load_log_lines),
        T(test_disabled_skips_options),
        T(test_refusals),
        T(test_not_an_elf),
        T(test_unsafe_permissions),
        T(test_plugin_dir_lookup),
        T(test_duplicate_plugin_name),
        T(test_required_failure_unloads_all),
        T(test_optional_failure_keeps_going),
        T(test_lifecycle_order),
        T(test_start_failure),
        T(test_option_errors),
        T(test_option_getters),
        T(test_secret_redacted_in_logs),
        T(test_cli_list),
        T(test_health_json),
        T(test_jobboard_registry),
        T(test_call_context),
        T(test_real_sleep),
        T(test_test_clock),
        T(test_check_desc),
        T(test_metrics),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
