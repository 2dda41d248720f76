/*
 * Tests of the browser service (core/src/browser) with the real Debian
 * chromedriver and Chromium: sessions, WebDriver commands and their
 * errors, screenshots, page HTML, Print to PDF, reuse, the one-session-
 * per-account rule, the global and per-user limits, a browser killed
 * under its holder, a lease running out, missing programs naming their
 * package, the sweep of what a dead hawk left, and no process of ours
 * left at the end (checked by process group and command line, so other
 * Chromium instances on the machine are not counted).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "browser/browser.h"
#include "plugin/http_client.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/str.h"
#include "util/time.h"

static char tmpdir[256];
static char page_url[512];
/* Process groups of every session the tests started. */
static int groups[64];
static size_t n_groups;

static void remember(struct hk_browser_session *s)
{
    if (n_groups < 64)
        groups[n_groups++] = hk_browser_session_pgid(s);
}

/* Live (not zombie) processes in one of our groups or naming marker. */
static int our_processes(const char *marker)
{
    DIR *d = opendir("/proc");
    int n = 0;
    struct dirent *de;
    char path[64], buf[8192];
    while (d != NULL && (de = readdir(d)) != NULL) {
        if (de->d_name[0] < '0' || de->d_name[0] > '9')
            continue;
        snprintf(path, sizeof(path), "/proc/%.20s/stat", de->d_name);
        int fd = open(path, O_RDONLY);
        if (fd < 0)
            continue;
        ssize_t r = read(fd, buf, sizeof(buf) - 1);
        close(fd);
        if (r <= 0)
            continue;
        buf[r] = '\0';
        char *p = strrchr(buf, ')');
        char state = 0;
        int ppid = 0, pgrp = 0;
        if (p == NULL || sscanf(p + 1, " %c %d %d", &state, &ppid, &pgrp) != 3)
            continue;
        if (state == 'Z' || state == 'X')
            continue;
        bool ours = false;
        for (size_t i = 0; i < n_groups; i++)
            ours = ours || pgrp == groups[i];
        if (!ours && marker != NULL) {
            snprintf(path, sizeof(path), "/proc/%.20s/cmdline", de->d_name);
            fd = open(path, O_RDONLY);
            if (fd >= 0) {
                r = read(fd, buf, sizeof(buf) - 1);
                close(fd);
                for (ssize_t i = 0; i < r; i++)
                    if (buf[i] == '\0')
                        buf[i] = ' ';
                buf[r > 0 ? r : 0] = '\0';
                ours = strstr(buf, marker) != NULL &&
                       strtol(de->d_name, NULL, 10) != (long)getpid();
            }
        }
        n += ours;
    }
    if (d != NULL)
        closedir(d);
    return n;
}

/* Live processes in process group pg. */
static int group_live(int pg)
{
    int saved[64];
    size_t n = n_groups;
    memcpy(saved, groups, sizeof(saved));
    groups[0] = pg;
    n_groups = 1;
    int live = our_processes(NULL);
    memcpy(groups, saved, sizeof(saved));
    n_groups = n;
    return live;
}

/* Waits up to 10 s for group pg to be empty; its live count then. */
static int group_gone(int pg)
{
    int64_t until = hk_mono_ms() + 10000;
    while (group_live(pg) > 0 && hk_mono_ms() < until)
        hk_sleep_ms(50);
    return group_live(pg);
}

/* Field 22 of /proc/self/stat: this process's start time. */
static unsigned long long self_start(void)
{
    char buf[1024];
    int fd = open("/proc/self/stat", O_RDONLY);
    ssize_t r = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    assert_true(r > 0);
    buf[r] = '\0';
    char *p = strrchr(buf, ')');
    for (int field = 2; field < 22 && p != NULL; field++)
        p = strchr(p + 1, ' ');
    assert_non_null(p);
    return strtoull(p + 1, NULL, 10);
}

static struct hk_browser *make(int max_sessions, int64_t idle_ms,
                               int64_t acquire_ms,
                               const struct hk_browser_limits *lim)
{
    struct hk_browser_cfg cfg = {
        .data_dir = tmpdir,
        .max_sessions = max_sessions,
        .idle_timeout_ms = idle_ms,
        .acquire_timeout_ms = acquire_ms,
        .start_timeout_ms = 60000,
    };
    struct hk_browser *b = NULL;
    struct hk_err err = HK_ERR_INIT;
    assert_int_equal(hk_browser_new(&cfg, lim, &b, &err), 0);
    return b;
}

static struct hk_browser_session *get(struct hk_browser *b, int64_t user,
                                      const char *profile)
{
    struct hk_browser_lease l = {.user_id = user, .profile = profile};
    struct hk_browser_session *s = NULL;
    struct hk_err err = HK_ERR_INIT;
    int rc = hk_browser_acquire(b, &l, &s, &err);
    if (rc != 0)
        fail_msg("acquire: %s", err.msg);
    remember(s);
    return s;
}

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/hawk-browser-test-XXXXXX");
    assert_non_null(mkdtemp(tmpdir));
    char path[300];
    snprintf(path, sizeof(path), "%s/page.html", tmpdir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("<!DOCTYPE html><html><head><meta charset=\"utf-8\">"
          "<title>fixture page</title></head><body>"
          "<h1 class=\"big title\">Hello \xe2\x82\xac</h1>"
          "<input id=\"name\" type=\"text\">"
          "<button id=\"go\" onclick=\"document.getElementById('out')."
          "textContent='clicked:'+document.getElementById('name').value\">"
          "Go</button><p id=\"out\"></p></body></html>",
          f);
    fclose(f);
    snprintf(page_url, sizeof(page_url), "file://%s", path);
    assert_int_equal(hk_http_client_global_init(), 0);
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
    hk_http_client_global_cleanup();
    assert_int_equal(nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS), 0);
    return 0;
}

/* The element reference in a WebDriver element answer. */
static void element_ref(const char *value, char *out, size_t n)
{
    const char *key = "\"element-6066-11e4-a52e-4f735466cecf\":\"";
    const char *at = strstr(value, key);
    assert_non_null(at);
    at += strlen(key);
    size_t len = strcspn(at, "\"");
    assert_true(len > 0 && len < n);
    memcpy(out, at, len);
    out[len] = '\0';
}

static void test_commands(void **state)
{
    (void)state;
    struct hk_browser *b = make(2, 0, 5000, NULL);
    struct hk_browser_session *s = get(b, 1, "test");
    struct hk_err err = HK_ERR_INIT;
    struct hk_buf v;
    hk_buf_init(&v, 0);
    char ref[128], path[256], url[600];

    assert_true(strlen(hk_browser_session_version(s)) > 0);
    assert_int_equal(hk_browser_navigate(s, page_url, NULL, &err), 0);
    assert_int_equal(hk_browser_current_url(s, url, sizeof(url), &err), 0);
    assert_string_equal(url, page_url);
    assert_int_equal(
        hk_browser_cmd(s, "GET", "/title", NULL, &v, 0, NULL, &err), 0);
    assert_string_equal(hk_buf_str(&v), "\"fixture page\"");

    /* Find by XPath with class tokens, type, click, read back. */
    assert_int_equal(
        hk_browser_cmd(s, "POST", "/element",
                       "{\"using\":\"xpath\",\"value\":\"//h1[contains(concat("
                       "' ',normalize-space(@class),' '),' title ')]\"}",
                       &v, 0, NULL, &err),
        0);
    element_ref(hk_buf_str(&v), ref, sizeof(ref));
    snprintf(path, sizeof(path), "/element/%s/text", ref);
    assert_int_equal(hk_browser_cmd(s, "GET", path, NULL, &v, 0, NULL, &err),
                     0);
    assert_string_equal(hk_buf_str(&v), "\"Hello \xe2\x82\xac\"");

    assert_int_equal(hk_browser_cmd(s, "POST", "/element",
                                    "{\"using\":\"css selector\",\"value\":"
                                    "\"#name\"}",
                                    &v, 0, NULL, &err),
                     0);
    element_ref(hk_buf_str(&v), ref, sizeof(ref));
    snprintf(path, sizeof(path), "/element/%s/value", ref);
    assert_int_equal(hk_browser_cmd(s, "POST", path, "{\"text\":\"Ada\"}", NULL,
                                    0, NULL, &err),
                     0);
    assert_int_equal(hk_browser_cmd(s, "POST", "/element",
                                    "{\"using\":\"css selector\",\"value\":"
                                    "\"#go\"}",
                                    &v, 0, NULL, &err),
                     0);
    element_ref(hk_buf_str(&v), ref, sizeof(ref));
    snprintf(path, sizeof(path), "/element/%s/click", ref);
    assert_int_equal(hk_browser_cmd(s, "POST", path, NULL, NULL, 0, NULL, &err),
                     0);
    assert_int_equal(hk_browser_cmd(s, "POST", "/execute/sync",
                                    "{\"script\":\"return document."
                                    "getElementById('out').textContent\","
                                    "\"args\":[]}",
                                    &v, 0, NULL, &err),
                     0);
    assert_string_equal(hk_buf_str(&v), "\"clicked:Ada\"");

    /* WebDriver errors are mapped, with the driver's message. */
    assert_int_equal(hk_browser_cmd(s, "POST", "/element",
                                    "{\"using\":\"css selector\",\"value\":"
                                    "\"#missing\"}",
                                    &v, 0, NULL, &err),
                     HAWK_ENOTFOUND);
    assert_non_null(strstr(err.msg, "no such element"));
    assert_int_equal(hk_browser_cmd(s, "POST", "/element",
                                    "{\"using\":\"xpath\",\"value\":\"//[\"}",
                                    &v, 0, NULL, &err),
                     HAWK_EINVAL);
    assert_non_null(strstr(err.msg, "invalid selector"));
    /* Only session-relative paths; the session is the pool's to end. */
    assert_int_equal(
        hk_browser_cmd(s, "GET", "/../../status", NULL, &v, 0, NULL, &err),
        HAWK_EINVAL);
    assert_int_equal(hk_browser_cmd(s, "DELETE", "", NULL, &v, 0, NULL, &err),
                     HAWK_EPERM);
    assert_int_equal(hk_browser_cmd(s, "PUT", "/url", NULL, &v, 0, NULL, &err),
                     HAWK_EINVAL);

    /* Screenshot and HTML (with what the script changed). */
    struct hk_buf png, html;
    hk_buf_init(&png, 0);
    hk_buf_init(&html, 0);
    assert_int_equal(hk_browser_screenshot(s, &png, &err), 0);
    assert_true(png.len > 100);
    assert_memory_equal(png.data, "\x89PNG\r\n\x1a\n", 8);
    assert_int_equal(hk_browser_page_html(s, &html, &err), 0);
    assert_non_null(strstr(hk_buf_str(&html), "clicked:Ada"));
    assert_non_null(strstr(hk_buf_str(&html), "<title>fixture page</title>"));

    /* Print to PDF. */
    struct hk_buf pdf;
    hk_buf_init(&pdf, 0);
    assert_int_equal(hk_browser_print_pdf(s, NULL, &pdf, &err), 0);
    assert_memory_equal(pdf.data, "%PDF-", 5);
    struct hk_browser_pdf_opts bad = {.page_width_cm = 10, .margin_cm = 6};
    assert_int_equal(hk_browser_print_pdf(s, &bad, &pdf, &err), HAWK_EINVAL);

    hk_buf_release(&png);
    hk_buf_release(&html);
    hk_buf_release(&pdf);
    hk_buf_release(&v);
    hk_browser_release(s, false);
    hk_browser_free(b);
    assert_int_equal(our_processes(tmpdir), 0);
}

static void test_html_to_pdf(void **state)
{
    (void)state;
    struct hk_browser *b = make(2, 0, 5000, NULL);
    struct hk_err err = HK_ERR_INIT;
    struct hk_buf pdf;
    hk_buf_init(&pdf, 0);
    const char *html = "<html><body><h1>Resume of Ada</h1><p>"
                       "Engineer</p></body></html>";
    assert_int_equal(
        hk_browser_html_to_pdf(b, html, strlen(html), NULL, NULL, &pdf, &err),
        0);
    assert_memory_equal(pdf.data, "%PDF-", 5);
    assert_true(pdf.len > 500);
    /* Bad input: not UTF-8, too big; nothing is started for them. */
    assert_int_equal(
        hk_browser_html_to_pdf(b, "\xff\xfe", 2, NULL, NULL, &pdf, &err),
        HAWK_EINVAL);
    assert_int_equal(hk_browser_html_to_pdf(b, html, (size_t)9 << 20, NULL,
                                            NULL, &pdf, &err),
                     HAWK_ETOOBIG);
    hk_buf_release(&pdf);
    hk_browser_free(b);
    assert_int_equal(our_processes(tmpdir), 0);
}

static void test_reuse_and_one_per_account(void **state)
{
    (void)state;
    struct hk_browser *b = make(3, 60000, 700, NULL);
    struct hk_browser_stats st;
    struct hk_err err = HK_ERR_INIT;
    struct hk_browser_session *s = get(b, 7, "linkedin");
    int pg = hk_browser_session_pgid(s);

    /* The same account waits for its session, and gives up in time. */
    struct hk_browser_lease l = {.user_id = 7, .profile = "linkedin"};
    struct hk_browser_session *s2 = NULL;
    int64_t t0 = hk_mono_ms();
    assert_int_equal(hk_browser_acquire(b, &l, &s2, &err), HAWK_EUNAVAIL);
    assert_true(hk_mono_ms() - t0 >= 600);
    assert_non_null(strstr(err.msg, "one at a time per account"));

    /* Released reusable: the next acquire gets the same browser. */
    hk_browser_release(s, true);
    s = get(b, 7, "linkedin");
    assert_int_equal(hk_browser_session_pgid(s), pg);
    hk_browser_get_stats(b, &st);
    assert_int_equal(st.reused, 1);
    assert_int_equal(st.started, 1);
    hk_browser_release(s, false);
    hk_browser_get_stats(b, &st);
    assert_int_equal(st.sessions, 0);
    /* Released for good: its whole process group is gone at once. */
    assert_int_equal(group_live(pg), 0);
    hk_browser_free(b);
    assert_int_equal(our_processes(tmpdir), 0);
}

static int one_session(void *opaque, int64_t user, int *max, struct hk_err *e)
{
    (void)opaque;
    (void)e;
    *max = user == 9 ? 0 : 1;
    return 0;
}

static void test_limits(void **state)
{
    (void)state;
    struct hk_browser_limits lim = {.user_max_sessions = one_session};
    struct hk_browser *b = make(2, 60000, 500, &lim);
    struct hk_err err = HK_ERR_INIT;
    struct hk_browser_session *x = NULL;

    /* A plan without sessions. */
    struct hk_browser_lease none = {.user_id = 9, .profile = "linkedin"};
    assert_int_equal(hk_browser_acquire(b, &none, &x, &err), HAWK_EQUOTA);
    assert_non_null(strstr(err.msg, "max_concurrent_sessions"));

    /* The per-user limit: a second profile of user 1 waits. */
    struct hk_browser_session *a = get(b, 1, "linkedin");
    struct hk_browser_lease other = {.user_id = 1, .profile = "other"};
    assert_int_equal(hk_browser_acquire(b, &other, &x, &err), HAWK_EUNAVAIL);
    assert_non_null(strstr(err.msg, "your plan allows 1 concurrent"));

    /* The global limit: two users busy, a third waits... */
    struct hk_browser_session *c = get(b, 2, "linkedin");
    struct hk_browser_lease third = {.user_id = 3, .profile = "linkedin"};
    assert_int_equal(hk_browser_acquire(b, &third, &x, &err), HAWK_EUNAVAIL);
    assert_non_null(strstr(err.msg, "browser.max_sessions"));
    /* ...and an idle session of another user is closed to make room. */
    hk_browser_release(c, true);
    struct hk_browser_session *d = get(b, 3, "linkedin");
    struct hk_browser_stats st;
    hk_browser_get_stats(b, &st);
    assert_int_equal(st.sessions, 2);

    /* Bad profile names. */
    struct hk_browser_lease badname = {.user_id = 4, .profile = "../x"};
    assert_int_equal(hk_browser_acquire(b, &badname, &x, &err), HAWK_EINVAL);

    /* Cancelled while waiting. */
    atomic_bool cancel = true;
    struct hk_browser_lease cancelled = {
        .user_id = 5, .profile = "linkedin", .cancel = &cancel};
    assert_int_equal(hk_browser_acquire(b, &cancelled, &x, &err),
                     HAWK_ECANCELED);

    hk_browser_release(a, false);
    hk_browser_release(d, true);
    /* Free ends idle sessions too. */
    hk_browser_free(b);
    assert_int_equal(our_processes(tmpdir), 0);
}

static void test_crash_and_lease(void **state)
{
    (void)state;
    struct hk_browser *b = make(2, 0, 5000, NULL);
    struct hk_err err = HK_ERR_INIT;
    struct hk_buf v;
    hk_buf_init(&v, 0);

    /* The browser dies under its holder (chromedriver crash). */
    struct hk_browser_session *s = get(b, 1, "linkedin");
    assert_int_equal(kill(-hk_browser_session_pgid(s), SIGKILL), 0);
    hk_sleep_ms(200);
    assert_int_equal(hk_browser_cmd(s, "GET", "/url", NULL, &v, 0, NULL, &err),
                     HAWK_EUNAVAIL);
    assert_true(hk_browser_session_dead(s));
    assert_non_null(strstr(err.msg, "killed by signal 9"));
    /* Later commands fail at once. */
    assert_int_equal(hk_browser_cmd(s, "GET", "/url", NULL, &v, 0, NULL, &err),
                     HAWK_EUNAVAIL);
    hk_browser_release(s, true);
    /* The account gets a fresh session (the profile lock was freed). */
    s = get(b, 1, "linkedin");
    assert_int_equal(hk_browser_navigate(s, page_url, NULL, &err), 0);
    hk_browser_release(s, false);

    /* A lease that runs out: the reaper ends the processes. */
    struct hk_browser_lease l = {
        .user_id = 2, .profile = "linkedin", .lease_ms = 300};
    assert_int_equal(hk_browser_acquire(b, &l, &s, &err), 0);
    remember(s);
    int pg = hk_browser_session_pgid(s);
    int64_t until = hk_mono_ms() + 10000;
    while (!hk_browser_session_dead(s) && hk_mono_ms() < until)
        hk_sleep_ms(50);
    assert_true(hk_browser_session_dead(s));
    assert_int_equal(hk_browser_cmd(s, "GET", "/url", NULL, &v, 0, NULL, &err),
                     HAWK_EUNAVAIL);
    assert_int_equal(group_gone(pg), 0);
    hk_browser_release(s, true);
    /* The slot comes free once the reaper has finished with it. */
    struct hk_browser_stats st;
    until = hk_mono_ms() + 10000;
    for (;;) {
        hk_browser_get_stats(b, &st);
        if (st.sessions == 0 || hk_mono_ms() > until)
            break;
        hk_sleep_ms(20);
    }
    assert_int_equal(st.sessions, 0);
    assert_true(st.killed >= 1);
    hk_buf_release(&v);
    hk_browser_free(b);
    assert_int_equal(our_processes(tmpdir), 0);
}

static void test_missing_programs(void **state)
{
    (void)state;
    struct hk_err err = HK_ERR_INIT;
    struct hk_browser *b = NULL;
    struct hk_browser_session *s = NULL;
    struct hk_browser_lease l = {.user_id = 1, .profile = "linkedin"};
    struct hk_browser_cfg cfg = {.data_dir = tmpdir,
                                 .chromedriver = "/nonexistent/chromedriver"};
    assert_int_equal(hk_browser_new(&cfg, NULL, &b, &err), 0);
    assert_int_equal(hk_browser_check_programs(b, &err), HAWK_EUNAVAIL);
    assert_non_null(strstr(err.msg, "chromium-driver"));
    assert_int_equal(hk_browser_acquire(b, &l, &s, &err), HAWK_EUNAVAIL);
    assert_string_equal(err.reason, "browser_missing");
    hk_browser_free(b);

    cfg.chromedriver = NULL;
    cfg.chromium = "no-such-chromium-here";
    assert_int_equal(hk_browser_new(&cfg, NULL, &b, &err), 0);
    /* chromium-browser would be taken as a fallback: none on Debian. */
    int rc = hk_browser_check_programs(b, &err);
    if (rc < 0)
        assert_non_null(strstr(err.msg, "Debian package chromium"));
    hk_browser_free(b);

    /* A program that is not chromedriver: it exits before listening and
     * the error says so with its output. */
    cfg.chromium = NULL;
    cfg.chromedriver = "/bin/false";
    assert_int_equal(hk_browser_new(&cfg, NULL, &b, &err), 0);
    assert_int_equal(hk_browser_acquire(b, &l, &s, &err), HAWK_EUNAVAIL);
    assert_non_null(strstr(err.msg, "ended before it listened"));
    hk_browser_free(b);
    assert_int_equal(our_processes(tmpdir), 0);
}

static void test_sweep(void **state)
{
    (void)state;
    /* What a dead hawk left: a run directory of a process that does not
     * exist, and a process carrying its session marker. */
    char dir[512], sdir[600], marker[700];
    snprintf(dir, sizeof(dir), "%s/browser/run/999999999-1-0", tmpdir);
    snprintf(sdir, sizeof(sdir), "%s/s1", dir);
    char run[512];
    snprintf(run, sizeof(run), "%s/browser", tmpdir);
    mkdir(run, 0700);
    snprintf(run, sizeof(run), "%s/browser/run", tmpdir);
    mkdir(run, 0700);
    assert_int_equal(mkdir(dir, 0700), 0);
    assert_int_equal(mkdir(sdir, 0700), 0);
    snprintf(marker, sizeof(marker), "--hawk-session=%s/", sdir);
    pid_t pid = fork();
    if (pid == 0) {
        setpgid(0, 0);
        execl("/bin/sh", "sh", "-c", "sleep 300", marker, (char *)NULL);
        _exit(127);
    }
    assert_true(pid > 0);
    hk_sleep_ms(100);
    /* A live owner's directory (here: this process's, another service
     * instance) is left alone. */
    char live[512];
    snprintf(live, sizeof(live), "%s/browser/run/%d-%llu-999", tmpdir,
             (int)getpid(), self_start());
    assert_int_equal(mkdir(live, 0700), 0);

    struct hk_browser *b = make(1, 0, 1000, NULL);
    struct hk_err err = HK_ERR_INIT;
    assert_int_equal(hk_browser_start(b, &err), 0);
    int st = 0;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFSIGNALED(st));
    assert_int_equal(WTERMSIG(st), SIGKILL);
    struct stat sb;
    assert_int_equal(stat(dir, &sb), -1);
    hk_browser_free(b);
    assert_int_equal(stat(live, &sb), 0);
    assert_int_equal(rmdir(live), 0);
}

static void test_b64(void **state)
{
    (void)state;
    struct hk_buf o;
    hk_buf_init(&o, 0);
    assert_int_equal(hk_browser_b64_decode("SGVsbG8=", 8, &o), 0);
    assert_string_equal(hk_buf_str(&o), "Hello");
    hk_buf_reset(&o);
    assert_int_equal(hk_browser_b64_decode("SGVs\nbG8", 8, &o), 0);
    assert_string_equal(hk_buf_str(&o), "Hello");
    hk_buf_reset(&o);
    assert_int_equal(hk_browser_b64_decode("SGV*bG8=", 8, &o), HAWK_EPROTO);
    assert_int_equal(hk_browser_b64_decode("SG=Vs", 5, &o), HAWK_EPROTO);
    assert_int_equal(hk_browser_b64_decode("S", 1, &o), HAWK_EPROTO);
    struct hk_buf small;
    hk_buf_init(&small, 3);
    assert_int_equal(hk_browser_b64_decode("SGVsbG8=", 8, &small),
                     HAWK_ETOOBIG);
    hk_buf_release(&small);
    hk_buf_release(&o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_b64),
        cmocka_unit_test(test_commands),
        cmocka_unit_test(test_html_to_pdf),
        cmocka_unit_test(test_reuse_and_one_per_account),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_crash_and_lease),
        cmocka_unit_test(test_missing_programs),
        cmocka_unit_test(test_sweep),
    };
    int rc = cmocka_run_group_tests(tests, setup, teardown);
    /* Whatever happened above, nothing of ours may be left running. */
    int left = our_processes(NULL);
    if (left != 0) {
        fprintf(stderr,
                "test_browser: %d chromedriver/chromium processes "
                "left running\n",
                left);
        return 1;
    }
    return rc;
}
