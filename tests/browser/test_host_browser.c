/*
 * Tests of the host API entries of ABI 1.1 (plugin/host_browser.c and
 * browser/lend.c) as a plugin sees them, through the very table the host
 * hands plugins, with the real chromedriver and Chromium: a session lent
 * to a call, WebDriver commands and their errors, a failure capture, the
 * session given back and reused, a call without the services, and the
 * answer service's checks of what a plugin sends.  One browser is started
 * for the whole file (the slow part), and no process of it is left.
 */
#include <dirent.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "browser/browser.h"
#include "plugin/http_client.h"
#include "plugin/plugins.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/str.h"

static char tmpdir[256];
static char page_url[512];
static struct hk_browser *B;
static const struct hawk_host_api *api = &hk_host_api;

/* What the capture and answer callbacks saw. */
struct seen {
    int captures;
    char reason[64];
    size_t png_len;
    bool png_magic;
    bool html_has_title;
    char question[256];
    char type[32];
    size_t n_options;
    char options[4][64];
};

static int capture_cb(void *ctx, const char *reason, const void *png,
                      size_t png_len, const char *html, size_t html_len,
                      struct hawk_error *err)
{
    (void)err;
    struct seen *s = ctx;
    s->captures++;
    hk_strlcpy(s->reason, reason, sizeof(s->reason));
    s->png_len = png_len;
    s->png_magic = png_len > 4 && memcmp(png, "\x89PNG", 4) == 0;
    char *h = hk_malloc(html_len + 1);
    memcpy(h, html, html_len);
    h[html_len] = '\0';
    s->html_has_title = strstr(h, "<title>host api page</title>") != NULL;
    hk_free(h);
    return 0;
}

static int answer_cb(void *ctx, int64_t user_id, const char *question,
                     const char *type, const char *const *options,
                     size_t n_options, const atomic_bool *cancel,
                     char **answer_json, struct hawk_error *err)
{
    (void)cancel;
    (void)err;
    struct seen *s = ctx;
    assert_int_equal(user_id, 42);
    hk_strlcpy(s->question, question, sizeof(s->question));
    hk_strlcpy(s->type, type, sizeof(s->type));
    s->n_options = n_options;
    for (size_t i = 0; i < n_options && i < 4; i++)
        hk_strlcpy(s->options[i], options[i], sizeof(s->options[i]));
    *answer_json =
        hk_strdup(n_options > 0 ? "{\"answer\":\"No\",\"source\":\"profile\"}"
                                : "{\"answer\":7,\"source\":\"llm\"}");
    return 0;
}

static int buf_write(struct hawk_text_sink *s, const char *d, size_t n)
{
    return hk_buf_append(s->opaque, d, n) < 0 ? HAWK_ETOOBIG : 0;
}

/* A call of user 42 with the browser and, when seen is set, the answer
 * and capture services. */
static void make_call(struct hawk_call *call, struct hk_call_services *svc,
                      struct seen *seen)
{
    hk_call_init(call, 42, "test-host-browser", 120000, NULL);
    memset(svc, 0, sizeof(*svc));
    hk_browser_lend(B, svc);
    if (seen != NULL) {
        svc->ctx = seen;
        svc->answer = answer_cb;
        svc->capture = capture_cb;
    }
    call->svc = svc;
}

/* Runs one command; the value text into out (may be NULL). */
static int cmd(struct hawk_browser *b, const char *method, const char *path,
               const char *body, struct hk_buf *out, struct hawk_error *err)
{
    struct hawk_text_sink sink = {.opaque = out, .write = buf_write};
    if (out != NULL)
        hk_buf_reset(out);
    return api->browser_cmd(b, method, path, body, out ? &sink : NULL, err);
}

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/hawk-hostapi-test-XXXXXX");
    assert_non_null(mkdtemp(tmpdir));
    char path[300];
    snprintf(path, sizeof(path), "%s/page.html", tmpdir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("<!DOCTYPE html><html><head><meta charset=\"utf-8\">"
          "<title>host api page</title></head><body>"
          "<h1 class=\"job\">Engineer \xe2\x82\xac</h1></body></html>",
          f);
    fclose(f);
    snprintf(page_url, sizeof(page_url), "file://%s", path);
    assert_int_equal(hk_http_client_global_init(), 0);
    struct hk_browser_cfg cfg = {.data_dir = tmpdir,
                                 .max_sessions = 2,
                                 .idle_timeout_ms = 60000,
                                 .start_timeout_ms = 60000};
    struct hk_err err = HK_ERR_INIT;
    assert_int_equal(hk_browser_new(&cfg, NULL, &B, &err), 0);
    return 0;
}

static int rm_entry(const char *path, const struct stat *st, int flag,
                    struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    return flag == FTW_DP ? rmdir(path) : unlink(path);
}

static int teardown(void **state)
{
    (void)state;
    hk_browser_free(B);
    hk_http_client_global_cleanup();
    assert_int_equal(nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS), 0);
    return 0;
}

static void test_table(void **state)
{
    (void)state;
    assert_int_equal(api->abi_minor, 1);
    assert_true(HAWK_API_HAS(api, browser_open));
    assert_true(HAWK_API_HAS(api, browser_cmd));
    assert_true(HAWK_API_HAS(api, browser_capture));
    assert_true(HAWK_API_HAS(api, browser_close));
    assert_true(HAWK_API_HAS(api, answer));
    /* A plugin built for 1.0 sees a table that ends at metric_add. */
    struct hawk_host_api old = *api;
    old.struct_size = HAWK_HOST_API_SIZE_1_0;
    assert_false(HAWK_API_HAS(&old, browser_open));
    assert_false(HAWK_API_HAS(&old, answer));
}

static void test_unsupported(void **state)
{
    (void)state;
    struct hawk_call call;
    struct hawk_error err = HAWK_ERROR_INIT;
    struct hawk_browser *b = (struct hawk_browser *)&call;
    hk_call_init(&call, 42, NULL, 0, NULL);
    assert_int_equal(api->browser_open(&call, "x", &b, &err),
                     HAWK_EUNSUPPORTED);
    assert_null(b);
    assert_non_null(strstr(err.msg, "no browser service"));
    assert_false(err.retryable);
    assert_int_equal(
        api->answer(&call, "Years of C?", "number", NULL, NULL, &err),
        HAWK_EUNSUPPORTED);
    assert_non_null(strstr(err.msg, "no answer service"));
    api->browser_close(NULL, true);
}

static void test_session(void **state)
{
    (void)state;
    struct hawk_call call;
    struct hk_call_services svc;
    struct seen seen;
    struct hawk_error err = HAWK_ERROR_INIT;
    struct hawk_browser *b = NULL;
    struct hk_buf v;
    memset(&seen, 0, sizeof(seen));
    hk_buf_init(&v, 0);
    make_call(&call, &svc, &seen);

    /* A bad profile name is the plugin's mistake, not an outage. */
    assert_int_equal(api->browser_open(&call, "Bad Name", &b, &err),
                     HAWK_EINVAL);
    assert_false(err.retryable);

    assert_int_equal(api->browser_open(&call, "hostapi", &b, &err), 0);
    assert_non_null(b);
    char body[700];
    snprintf(body, sizeof(body), "{\"url\":\"%s\"}", page_url);
    assert_int_equal(cmd(b, "POST", "/url", body, NULL, &err), 0);
    assert_int_equal(cmd(b, "GET", "/title", NULL, &v, &err), 0);
    assert_string_equal(hk_buf_str(&v), "\"host api page\"");
    assert_int_equal(cmd(b, "POST", "/element",
                         "{\"using\":\"xpath\",\"value\":\"//h1\"}", &v, &err),
                     0);
    const char *key = "\"element-6066-11e4-a52e-4f735466cecf\":\"";
    const char *at = strstr(hk_buf_str(&v), key);
    assert_non_null(at);
    char ref[128], path[200];
    at += strlen(key);
    size_t n = strcspn(at, "\"");
    assert_true(n > 0 && n < sizeof(ref));
    memcpy(ref, at, n);
    ref[n] = '\0';
    snprintf(path, sizeof(path), "/element/%s/text", ref);
    assert_int_equal(cmd(b, "GET", path, NULL, &v, &err), 0);
    assert_string_equal(hk_buf_str(&v), "\"Engineer \xe2\x82\xac\"");

    /* Errors keep WebDriver's meaning. */
    assert_int_equal(cmd(b, "POST", "/element",
                         "{\"using\":\"xpath\",\"value\":\"//h9\"}", &v, &err),
                     HAWK_ENOTFOUND);
    assert_false(err.retryable);
    assert_int_equal(cmd(b, "GET", "/../../status", NULL, &v, &err),
                     HAWK_EINVAL);
    assert_int_equal(cmd(b, "DELETE", "", NULL, NULL, &err), HAWK_EPERM);

    /* A capture reaches the call's keeper with both halves. */
    assert_int_equal(api->browser_capture(b, "checkpoint", &err), 0);
    assert_int_equal(seen.captures, 1);
    assert_string_equal(seen.reason, "checkpoint");
    assert_true(seen.png_magic);
    assert_true(seen.html_has_title);
    api->browser_close(b, true);

    /* Given back reusable: the next call of the user gets it again, on
     * the same page; a call without a keeper cannot capture. */
    struct hk_browser_stats st;
    hk_browser_get_stats(B, &st);
    int64_t started = st.started;
    make_call(&call, &svc, NULL);
    assert_int_equal(api->browser_open(&call, "hostapi", &b, &err), 0);
    hk_browser_get_stats(B, &st);
    assert_int_equal(st.started, started);
    assert_int_equal(st.reused, 1);
    assert_int_equal(cmd(b, "GET", "/title", NULL, &v, &err), 0);
    assert_string_equal(hk_buf_str(&v), "\"host api page\"");
    assert_int_equal(api->browser_capture(b, "x", &err), HAWK_EUNSUPPORTED);
    api->browser_close(b, false);
    hk_browser_get_stats(B, &st);
    assert_int_equal(st.sessions, 0);
    hk_buf_release(&v);
}

static void test_answer(void **state)
{
    (void)state;
    struct hawk_call call;
    struct hk_call_services svc;
    struct seen seen;
    struct hawk_error err = HAWK_ERROR_INIT;
    struct hk_buf out;
    struct hawk_text_sink sink = {.opaque = &out, .write = buf_write};
    memset(&seen, 0, sizeof(seen));
    hk_buf_init(&out, 0);
    make_call(&call, &svc, &seen);

    assert_int_equal(api->answer(&call, "Do you need a visa?", "single_choice",
                                 "[\"Yes\",\"No\"]", &sink, &err),
                     0);
    assert_string_equal(hk_buf_str(&out),
                        "{\"answer\":\"No\",\"source\":\"profile\"}");
    assert_string_equal(seen.question, "Do you need a visa?");
    assert_string_equal(seen.type, "single_choice");
    assert_int_equal(seen.n_options, 2);
    assert_string_equal(seen.options[1], "No");

    hk_buf_reset(&out);
    assert_int_equal(api->answer(&call, "Years of C?", NULL, NULL, &sink, &err),
                     0);
    assert_string_equal(seen.type, "text");
    assert_int_equal(seen.n_options, 0);

    /* What a plugin sends is checked before the service sees it. */
    seen.question[0] = '\0';
    assert_int_equal(api->answer(&call, "", "text", NULL, &sink, &err),
                     HAWK_EINVAL);
    assert_int_equal(
        api->answer(&call, "Q?", "single_choice", "{\"a\":1}", &sink, &err),
        HAWK_EINVAL);
    assert_non_null(strstr(err.msg, "JSON array of strings"));
    assert_int_equal(
        api->answer(&call, "Q?", "single_choice", "[\"a\",2]", &sink, &err),
        HAWK_EINVAL);
    assert_non_null(strstr(err.msg, "options[1]"));
    struct hk_buf many;
    hk_buf_init(&many, 0);
    hk_buf_putc(&many, '[');
    for (int i = 0; i < 101; i++)
        hk_buf_printf(&many, "%s\"o%d\"", i ? "," : "", i);
    hk_buf_putc(&many, ']');
    assert_int_equal(api->answer(&call, "Q?", "single_choice",
                                 hk_buf_str(&many), &sink, &err),
                     HAWK_EINVAL);
    assert_non_null(strstr(err.msg, "at most 100"));
    assert_string_equal(seen.question, "");
    hk_buf_release(&many);
    hk_buf_release(&out);
}

/* Nothing the service started outlives it. */
static void test_no_orphans(void **state)
{
    (void)state;
    hk_browser_free(B);
    B = NULL;
    DIR *d = opendir("/proc");
    struct dirent *de;
    int left = 0;
    char path[64], buf[4096];
    while (d != NULL && (de = readdir(d)) != NULL) {
        if (de->d_name[0] < '0' || de->d_name[0] > '9')
            continue;
        snprintf(path, sizeof(path), "/proc/%.20s/cmdline", de->d_name);
        FILE *f = fopen(path, "r");
        if (f == NULL)
            continue;
        size_t r = fread(buf, 1, sizeof(buf) - 1, f);
        fclose(f);
        for (size_t i = 0; i < r; i++)
            if (buf[i] == '\0')
                buf[i] = ' ';
        buf[r] = '\0';
        if (strstr(buf, tmpdir) != NULL &&
            strtol(de->d_name, NULL, 10) != (long)getpid())
            left++;
    }
    if (d != NULL)
        closedir(d);
    assert_int_equal(left, 0);
    struct hk_browser_cfg cfg = {.data_dir = tmpdir, .max_sessions = 1};
    struct hk_err err = HK_ERR_INIT;
    assert_int_equal(hk_browser_new(&cfg, NULL, &B, &err), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),      cmocka_unit_test(test_unsupported),
        cmocka_unit_test(test_session),    cmocka_unit_test(test_answer),
        cmocka_unit_test(test_no_orphans),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
