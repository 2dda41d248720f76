/*
 * test_mail.c - the mail module without a server: templates (parsing,
 * errors with file:line, rendering, HTML escaping, header injection),
 * the MIME message (Date, Message-ID, RFC 2047 subjects, quoted-printable
 * bodies, multipart/alternative), addresses, the spool folder, and that
 * every shipped template renders with the variables its senders give.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mail/mail.h"
#include "mail/mail_int.h"
#include "util/alloc.h"
#include "util/buf.h"

static char tmpdir[256];

static void write_file(const char *dir, const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void make_dir(const char *path)
{
    assert_int_equal(mkdir(path, 0700), 0);
}

static void rm_rf(const char *dir)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char p[768];
        snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
        struct stat st;
        if (stat(p, &st) == 0 && S_ISDIR(st.st_mode))
            rm_rf(p);
        else
            unlink(p);
    }
    closedir(d);
    rmdir(dir);
}

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/hawk-mail-test-XXXXXX");
    assert_non_null(mkdtemp(tmpdir));
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    rm_rf(tmpdir);
    return 0;
}

/* A mail object over `tdir` writing to <tmpdir>/spool. */
static int new_mail(const char *tdir, struct hk_mail **m, struct hk_err *err)
{
    char spool[512];
    snprintf(spool, sizeof(spool), "%s/spool", tmpdir);
    struct hk_mail_cfg c = {.from_address = "noreply@hawk.test",
                            .from_name = "hawk",
                            .templates_dir = tdir,
                            .spool_dir = spool};
    return hk_mail_new(&c, m, err);
}

static char *tdir_with(const char *name, const char *txt, const char *html)
{
    static char dir[400];
    snprintf(dir, sizeof(dir), "%s/t%d", tmpdir, rand());
    make_dir(dir);
    char f[128];
    snprintf(f, sizeof(f), "%s.txt", name);
    write_file(dir, f, txt);
    if (html != NULL) {
        snprintf(f, sizeof(f), "%s.html", name);
        write_file(dir, f, html);
    }
    return dir;
}

/* ---- addresses and dates ------------------------------------------------ */

static void test_addresses(void **state)
{
    (void)state;
    assert_true(hk_mail_addr_ok("a@b.c"));
    assert_true(hk_mail_addr_ok("first.last+tag@example.co.uk"));
    const char *bad[] = {NULL,       "",
                         "a",        "@b.c",
                         "a@",       "a@b@c",
                         "a b@c.d",  "a@b.c\r\nBcc: x@y.z",
                         "<a@b.c>",  "a@b.c,d@e.f",
                         "\"a\"@b.c"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_false(hk_mail_addr_ok(bad[i]));
    char longaddr[300];
    memset(longaddr, 'a', sizeof(longaddr));
    memcpy(longaddr + 250, "@b.cd", 6);
    assert_false(hk_mail_addr_ok(longaddr));
}

static void test_date_is_rfc5322_and_english(void **state)
{
    (void)state;
    char d[64];
    hk_mail_date(1733235360000LL, d, sizeof(d)); /* 2024-12-03 14:16:00Z */
    assert_string_equal(d, "Tue, 03 Dec 2024 14:16:00 +0000");
    hk_mail_date(0, d, sizeof(d));
    assert_string_equal(d, "Thu, 01 Jan 1970 00:00:00 +0000");
}

/* ---- header encoding and quoted-printable -------------------------------- */

static void test_encoded_words(void **state)
{
    (void)state;
    struct hk_buf b;
    hk_buf_init(&b, 0);
    assert_int_equal(hk_mail_encode_words(&b, "Plain subject", 9), 0);
    assert_string_equal(hk_buf_str(&b), "Plain subject");
    hk_buf_reset(&b);
    assert_int_equal(hk_mail_encode_words(&b, "Zo\xc3\xab", 9), 0);
    assert_string_equal(hk_buf_str(&b), "=?UTF-8?B?Wm/Dqw==?=");
    /* A long UTF-8 subject: several words, each a whole number of
     * characters and under 76, folded with CRLF SP. */
    hk_buf_reset(&b);
    char s[400];
    size_t sl = 0;
    for (int i = 0; i < 30; i++) {
        memcpy(s + sl, "\xe6\x9d\xb1\xe4\xba\xac ", 7); /* 東京 + space */
        sl += 7;
    }
    s[sl] = '\0';
    assert_int_equal(hk_mail_encode_words(&b, s, 9), 0);
    const char *p = hk_buf_str(&b);
    int words = 0;
    for (const char *line = p; line != NULL && *line;) {
        const char *end = strstr(line, "\r\n");
        size_t n = end ? (size_t)(end - line) : strlen(line);
        assert_true(n <= 76);
        const char *w = line[0] == ' ' ? line + 1 : line;
        assert_true(strncmp(w, "=?UTF-8?B?", 10) == 0);
        words++;
        line = end ? end + 2 : NULL;
    }
    assert_true(words >= 4);
    /* An ASCII value too long for one line is encoded too, not left to
     * break the 78-character rule. */
    hk_buf_reset(&b);
    char lng[200];
    memset(lng, 'x', 150);
    lng[150] = '\0';
    assert_int_equal(hk_mail_encode_words(&b, lng, 9), 0);
    assert_non_null(strstr(hk_buf_str(&b), "=?UTF-8?B?"));
    hk_buf_release(&b);
}

static void test_quoted_printable(void **state)
{
    (void)state;
    struct hk_buf b;
    hk_buf_init(&b, 0);
    assert_int_equal(hk_mail_qp(&b, "a=b\ncaf\xc3\xa9 \n.dot\nend"), 0);
    assert_string_equal(hk_buf_str(&b),
                        "a=3Db\r\ncaf=C3=A9=20\r\n=2Edot\r\nend\r\n");
    hk_buf_reset(&b);
    char line[300];
    memset(line, 'y', 299);
    line[299] = '\0';
    assert_int_equal(hk_mail_qp(&b, line), 0);
    const char *p = hk_buf_str(&b);
    size_t total = 0;
    for (const char *l = p; *l;) {
        const char *end = strstr(l, "\r\n");
        assert_non_null(end);
        size_t n = (size_t)(end - l);
        assert_true(n <= 76);
        total += l[n - 1] == '=' ? n - 1 : n;
        l = end + 2;
    }
    assert_int_equal(total, 299);
    hk_buf_release(&b);
}

/* ---- templates ----------------------------------------------------------- */

static void test_template_errors_name_file_and_line(void **state)
{
    (void)state;
    struct hk_mail *m = NULL;
    struct hk_err err = HK_ERR_INIT;
    char *d = tdir_with("x", "no subject line\n\nbody\n", NULL);
    assert_int_equal(new_mail(d, &m, &err), HAWK_ECONFIG);
    assert_non_null(strstr(err.msg, "x.txt:1:"));
    assert_non_null(strstr(err.msg, "Subject"));

    hk_err_clear(&err);
    d = tdir_with("y", "Subject: hi\nbody right away\n", NULL);
    assert_int_equal(new_mail(d, &m, &err), HAWK_ECONFIG);
    assert_non_null(strstr(err.msg, "y.txt:2:"));

    hk_err_clear(&err);
    d = tdir_with("z", "Subject: hi\n\nline one\nline {{ bad-name }}\n", NULL);
    assert_int_equal(new_mail(d, &m, &err), HAWK_ECONFIG);
    assert_non_null(strstr(err.msg, "z.txt:4:"));

    hk_err_clear(&err);
    d = tdir_with("h", "Subject: hi\n\nok\n", "<p>{{unclosed</p>\n");
    assert_int_equal(new_mail(d, &m, &err), HAWK_ECONFIG);
    assert_non_null(strstr(err.msg, "h.html:1:"));

    hk_err_clear(&err);
    d = tdir_with("u", "Subject: caf\xe9\n\nlatin-1\n", NULL);
    assert_int_equal(new_mail(d, &m, &err), HAWK_ECONFIG);
    assert_non_null(strstr(err.msg, "UTF-8"));
    assert_null(m);
}

static void test_render_escapes_html_and_strips_header_breaks(void **state)
{
    (void)state;
    struct hk_mail *m = NULL;
    struct hk_err err = HK_ERR_INIT;
    char *d = tdir_with("greet",
                        "Subject: Hello {{name}}\n\nHi {{name}}, {{n}} new\n",
                        "<p>Hi {{name}}</p>\n");
    assert_int_equal(new_mail(d, &m, &err), 0);
    assert_true(hk_mail_has_template(m, "greet"));
    assert_false(hk_mail_has_template(m, "nope"));
    json_object *v = json_object_new_object();
    json_object_object_add(v, "name",
                           json_object_new_string("<b>Ann</b>\r\nBcc: x@y.z"));
    json_object_object_add(v, "n", json_object_new_int(3));
    char *subj = NULL, *text = NULL, *html = NULL;
    assert_int_equal(hk_mail_render(m, "greet", v, &subj, &text, &html, &err),
                     0);
    assert_string_equal(subj, "Hello <b>Ann</b>Bcc: x@y.z");
    assert_string_equal(text, "Hi <b>Ann</b>\r\nBcc: x@y.z, 3 new\n");
    assert_string_equal(html,
                        "<p>Hi &lt;b&gt;Ann&lt;/b&gt;\r\nBcc: x@y.z</p>\n");
    hk_free(subj);
    hk_free(text);
    hk_free(html);

    /* A variable without a value is an error naming it. */
    json_object_object_del(v, "n");
    assert_int_equal(hk_mail_render(m, "greet", v, &subj, &text, &html, &err),
                     HAWK_EINVAL);
    assert_string_equal(err.field, "n");
    assert_non_null(strstr(err.msg, "{{n}} has no value"));
    assert_null(subj);
    hk_err_clear(&err);
    assert_int_equal(hk_mail_render(m, "other", v, &subj, &text, &html, &err),
                     HAWK_ENOTFOUND);
    json_object_put(v);
    hk_mail_free(m);
}

/* ---- the message ----------------------------------------------------------- */

static void test_build_multipart_alternative(void **state)
{
    (void)state;
    struct hk_mail *m = NULL;
    struct hk_err err = HK_ERR_INIT;
    char *d = tdir_with("t", "Subject: s\n\nb\n", NULL);
    assert_int_equal(new_mail(d, &m, &err), 0);
    struct hk_mail_msg msg = {"ann@example.test", "Zo\xc3\xab's plan",
                              "Hello\nworld\n", "<p>Hello</p>\n", "t"};
    char *out = NULL, *mid = NULL;
    size_t len = 0;
    assert_int_equal(
        hk_mail_build(m, &msg, 1733235360000LL, &out, &len, &mid, &err), 0);
    assert_int_equal(strlen(out), len);
    assert_non_null(strstr(out, "Date: Tue, 03 Dec 2024 14:16:00 +0000\r\n"));
    assert_non_null(strstr(mid, "@hawk.test"));
    char want[200];
    snprintf(want, sizeof(want), "Message-ID: <%s>\r\n", mid);
    assert_non_null(strstr(out, want));
    assert_non_null(strstr(out, "From: \"hawk\" <noreply@hawk.test>\r\n"));
    assert_non_null(strstr(out, "To: <ann@example.test>\r\n"));
    assert_non_null(strstr(out, "Subject: =?UTF-8?B?"));
    assert_non_null(strstr(out, "MIME-Version: 1.0\r\n"));
    assert_non_null(strstr(out, "Content-Type: multipart/alternative;"));
    assert_non_null(strstr(out, "Content-Type: text/plain; charset=UTF-8"));
    assert_non_null(strstr(out, "Content-Type: text/html; charset=UTF-8"));
    assert_null(strstr(out, "List-Unsubscribe"));
    /* Every line ends in CRLF: no bare LF anywhere. */
    for (size_t i = 0; i < len; i++) {
        if (out[i] == '\n')
            assert_true(i > 0 && out[i - 1] == '\r');
    }
    hk_free(out);
    hk_free(mid);

    /* Without HTML: one text/plain part. */
    msg.html = NULL;
    assert_int_equal(
        hk_mail_build(m, &msg, 1733235360000LL, &out, &len, &mid, &err), 0);
    assert_null(strstr(out, "multipart"));
    assert_non_null(strstr(out, "Content-Type: text/plain; charset=UTF-8"));
    hk_free(out);
    hk_free(mid);

    /* A recipient that would add headers is refused. */
    msg.to = "a@b.c\r\nBcc: evil@x.y";
    assert_int_equal(
        hk_mail_build(m, &msg, 1733235360000LL, &out, &len, &mid, &err),
        HAWK_EINVAL);
    assert_null(out);
    hk_mail_free(m);
}

static void test_spool_file_private(void **state)
{
    (void)state;
    struct hk_mail *m = NULL;
    struct hk_err err = HK_ERR_INIT;
    char *d = tdir_with("t", "Subject: s\n\nb\n", NULL);
    assert_int_equal(new_mail(d, &m, &err), 0);
    assert_false(hk_mail_uses_smtp(m));
    json_object *v = json_object_new_object();
    bool retry = true;
    assert_int_equal(
        hk_mail_send_template(m, "ann@example.test", "t", v, &retry, &err), 0);
    assert_false(retry);
    json_object_put(v);
    char spool[512];
    snprintf(spool, sizeof(spool), "%s/spool", tmpdir);
    struct stat st;
    assert_int_equal(stat(spool, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    DIR *dd = opendir(spool);
    struct dirent *e;
    int files = 0;
    while ((e = readdir(dd)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        files++;
        char p[1200];
        snprintf(p, sizeof(p), "%s/%s", spool, e->d_name);
        assert_int_equal(stat(p, &st), 0);
        assert_int_equal(st.st_mode & 0777, 0600);
        assert_non_null(strstr(e->d_name, ".eml"));
    }
    closedir(dd);
    assert_int_equal(files, 1);
    hk_mail_free(m);
}

static void test_config_checks(void **state)
{
    (void)state;
    struct hk_mail *m = NULL;
    struct hk_err err = HK_ERR_INIT;
    char *d = tdir_with("t", "Subject: s\n\nb\n", NULL);
    struct hk_mail_cfg c = {.smtp_url = "http://mail.example",
                            .from_address = "a@b.c",
                            .templates_dir = d,
                            .spool_dir = tmpdir};
    assert_int_equal(hk_mail_new(&c, &m, &err), HAWK_ECONFIG);
    assert_string_equal(err.field, "mail.smtp_url");
    c.smtp_url = "smtp://127.0.0.1:1";
    c.from_address = "not an address";
    assert_int_equal(hk_mail_new(&c, &m, &err), HAWK_ECONFIG);
    assert_string_equal(err.field, "mail.from");
    c.from_address = "a@b.c";
    c.templates_dir = "/nonexistent/templates";
    assert_int_equal(hk_mail_new(&c, &m, &err), HAWK_ECONFIG);
    assert_non_null(strstr(err.msg, "mail.templates_dir"));
    assert_null(m);
}

/* The variables each shipped template is rendered with by its sender.
 * A template that names another variable fails here, not in a user's
 * inbox. */
static void test_shipped_templates_render(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        const char *vars[8];
    } senders[] = {
        {"welcome", {"name", "verify_url", "expires_hours", "app_url", NULL}},
        {"verify_email", {"name", "verify_url", "expires_hours", NULL}},
        {"password_reset", {"name", "reset_url", "expires_minutes", NULL}},
        {"password_changed", {"name", "when", "reset_page_url", NULL}},
        {"payment_failed",
         {"name", "amount", "plan", "invoice_url", "retry_note", NULL}},
        {"subscription_started",
         {"name", "plan", "period_end", "billing_url", NULL}},
        {"subscription_canceled", {"name", "plan", "plans_url", NULL}},
        {"trial_ended", {"name", "plans_url", NULL}},
    };
    struct hk_mail *m = NULL;
    struct hk_err err = HK_ERR_INIT;
    assert_int_equal(new_mail(HAWK_SOURCE_DIR "/etc/templates/mail", &m, &err),
                     0);
    for (size_t i = 0; i < sizeof(senders) / sizeof(senders[0]); i++) {
        json_object *v = json_object_new_object();
        for (size_t j = 0; senders[i].vars[j] != NULL; j++)
            json_object_object_add(v, senders[i].vars[j],
                                   json_object_new_string("x"));
        char *s = NULL, *t = NULL, *h = NULL;
        int rc = hk_mail_render(m, senders[i].name, v, &s, &t, &h, &err);
        if (rc != 0)
            fail_msg("%s: %s", senders[i].name, err.msg);
        hk_free(s);
        hk_free(t);
        hk_free(h);
        json_object_put(v);
    }
    hk_mail_free(m);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_addresses),
        T(test_date_is_rfc5322_and_english),
        T(test_encoded_words),
        T(test_quoted_printable),
        T(test_template_errors_name_file_and_line),
        T(test_render_escapes_html_and_strips_header_breaks),
        T(test_build_multipart_alternative),
        T(test_spool_file_private),
        T(test_config_checks),
        T(test_shipped_templates_render),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
