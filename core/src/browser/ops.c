/*
 * browser/ops.c - commands on a session: the raw WebDriver command, and
 * the few the host itself needs (navigate, URL, screenshot, page HTML,
 * Print to PDF, HTML to PDF on a system session).
 */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "browser/browser_int.h"
#include "log/log.h"
#include "util/alloc.h"
#include "util/str.h"
#include "util/time.h"

#define HTML_TO_PDF_MAX ((size_t)8 << 20)

/* See browser.h. */
int hk_browser_cmd(struct hk_browser_session *s, const char *method,
                   const char *path, const char *body,
                   struct hk_buf *value_json, int64_t timeout_ms,
                   const atomic_bool *cancel, struct hk_err *err)
{
    char full[1024];
    if (s == NULL || method == NULL || path == NULL)
        return hk_err_set(err, HAWK_EINVAL, NULL, NULL,
                          "invalid browser command");
    if (strcmp(method, "GET") != 0 && strcmp(method, "POST") != 0 &&
        strcmp(method, "DELETE") != 0)
        return hk_err_set(err, HAWK_EINVAL, NULL, NULL,
                          "webdriver commands are GET, POST or DELETE");
    /* Session-relative only: the caller cannot reach another session or
     * chromedriver's own endpoints. */
    if ((path[0] != '\0' && path[0] != '/') || strstr(path, "..") != NULL ||
        strchr(path, '?') != NULL || strchr(path, '#') != NULL)
        return hk_err_set(err, HAWK_EINVAL, NULL, NULL,
                          "invalid webdriver command path");
    for (const char *c = path; *c != '\0'; c++)
        if ((unsigned char)*c <= 32 || (unsigned char)*c >= 127)
            return hk_err_set(err, HAWK_EINVAL, NULL, NULL,
                              "invalid webdriver command path");
    /* Deleting the session itself is the pool's job. */
    if (path[0] == '\0' && strcmp(method, "DELETE") == 0)
        return hk_err_set(err, HAWK_EPERM, NULL, NULL,
                          "release the session instead of deleting it");
    if (hk_browser_session_dead(s))
        return hk_err_set(err, HAWK_EUNAVAIL, "browser_unavailable", NULL,
                          "the browser session has ended (its browser "
                          "exited or it was held past its lease)");
    if ((size_t)snprintf(full, sizeof(full), "/session/%s%s", s->id, path) >=
        sizeof(full))
        return hk_err_set(err, HAWK_EINVAL, NULL, NULL,
                          "webdriver command path too long");
    int rc = hk_wd_request(s->pool, s->base, method, full, body, value_json,
                           timeout_ms, cancel, err);
    if (rc == HAWK_EUNAVAIL) {
        atomic_store(&s->dead, true);
        char how[64];
        if (!atomic_load(&s->killing) && !hk_bproc_alive(&s->proc)) {
            hk_bproc_describe(&s->proc, how, sizeof(how));
            hk_err_prefix(err, "chromedriver %s", how);
        }
    }
    return rc;
}

/* A JSON string member text ("\"...\"") into a plain C string buffer. */
static int unquote(struct hk_buf *v, struct hk_err *err, const char *what)
{
    json_object *o = json_tokener_parse(hk_buf_str(v));
    if (o == NULL || !json_object_is_type(o, json_type_string)) {
        json_object_put(o);
        return hk_err_set(err, HAWK_EPROTO, NULL, NULL,
                          "webdriver %s did not answer a string", what);
    }
    char *copy = hk_strndup(json_object_get_string(o),
                            (size_t)json_object_get_string_len(o));
    size_t n = (size_t)json_object_get_string_len(o);
    json_object_put(o);
    hk_buf_reset(v);
    int rc = hk_buf_append(v, copy, n);
    hk_free(copy);
    return rc < 0 ? hk_err_set(err, HAWK_ETOOBIG, NULL, NULL,
                               "webdriver %s: the answer is too big", what)
                  : 0;
}

/* See browser.h. */
int hk_browser_navigate(struct hk_browser_session *s, const char *url,
                        const atomic_bool *cancel, struct hk_err *err)
{
    struct hk_buf body;
    hk_buf_init(&body, 16384);
    (void)hk_buf_puts(&body, "{\"url\":");
    int rc = hk_buf_json_str(&body, url, strlen(url));
    if (rc == 0)
        rc = hk_buf_putc(&body, '}');
    if (rc < 0) {
        hk_buf_release(&body);
        return hk_err_set(err, HAWK_EINVAL, NULL, NULL, "url too long");
    }
    /* The page load timeout applies inside the browser; leave the HTTP
     * call a little more. */
    rc = hk_browser_cmd(s, "POST", "/url", hk_buf_str(&body), NULL,
                        s->pool->page_load_timeout_ms + 5000, cancel, err);
    hk_buf_release(&body);
    return rc;
}

/* See browser.h. */
int hk_browser_current_url(struct hk_browser_session *s, char *out,
                           size_t outlen, struct hk_err *err)
{
    struct hk_buf v;
    hk_buf_init(&v, 65536);
    int rc = hk_browser_cmd(s, "GET", "/url", NULL, &v, 0, NULL, err);
    if (rc == 0)
        rc = unquote(&v, err, "GET /url");
    if (rc == 0)
        hk_strlcpy(out, hk_buf_str(&v), outlen);
    hk_buf_release(&v);
    return rc;
}

/* Runs a command whose value is a base64 string and decodes it. */
static int b64_command(struct hk_browser_session *s, const char *method,
                       const char *path, const char *body, struct hk_buf *out,
                       const char *what, struct hk_err *err)
{
    struct hk_buf v;
    hk_buf_init(&v, s->pool->max_response_bytes);
    int rc = hk_browser_cmd(s, method, path, body, &v, 0, NULL, err);
    if (rc == 0) {
        const char *t = hk_buf_str(&v);
        size_t n = v.len;
        if (n < 2 || t[0] != '"' || t[n - 1] != '"')
            rc = hk_err_set(err, HAWK_EPROTO, NULL, NULL,
                            "webdriver %s did not answer base64 text", what);
        else {
            hk_buf_reset(out);
            rc = hk_browser_b64_decode(t + 1, n - 2, out);
            if (rc == HAWK_ETOOBIG)
                rc = hk_err_set(err, rc, NULL, NULL,
                                "webdriver %s: the answer is too big", what);
            else if (rc < 0)
                rc = hk_err_set(err, HAWK_EPROTO, NULL, NULL,
                                "webdriver %s answered invalid base64", what);
        }
    }
    hk_buf_release(&v);
    return rc;
}

/* See browser.h. */
int hk_browser_screenshot(struct hk_browser_session *s, struct hk_buf *png,
                          struct hk_err *err)
{
    return b64_command(s, "GET", "/screenshot", NULL, png, "screenshot", err);
}

/* See browser.h. */
int hk_browser_page_html(struct hk_browser_session *s, struct hk_buf *html,
                         struct hk_err *err)
{
    /* outerHTML rather than GET /source: it includes what scripts
     * changed, such as the values typed into a form. */
    int rc =
        hk_browser_cmd(s, "POST", "/execute/sync",
                       "{\"script\":\"return document.documentElement ? "
                       "document.documentElement.outerHTML : ''\",\"args\":[]}",
                       html, 0, NULL, err);
    if (rc == 0)
        rc = unquote(html, err, "page html");
    return rc;
}

/* See browser.h. */
int hk_browser_print_pdf(struct hk_browser_session *s,
                         const struct hk_browser_pdf_opts *o,
                         struct hk_buf *pdf, struct hk_err *err)
{
    double w = o != NULL && o->page_width_cm > 0 ? o->page_width_cm : 21.0;
    double h = o != NULL && o->page_height_cm > 0 ? o->page_height_cm : 29.7;
    double m = o == NULL || o->margin_cm == 0 ? 1.0
               : o->margin_cm < 0             ? 0.0
                                              : o->margin_cm;
    if (w > 500 || h > 500 || m * 2 >= w || m * 2 >= h)
        return hk_err_set(err, HAWK_EINVAL, NULL, NULL,
                          "page size or margins out of range");
    char body[320];
    snprintf(body, sizeof(body),
             "{\"background\":true,\"orientation\":\"%s\",\"scale\":1,"
             "\"shrinkToFit\":true,\"page\":{\"width\":%.3f,\"height\":%.3f},"
             "\"margin\":{\"top\":%.3f,\"bottom\":%.3f,\"left\":%.3f,"
             "\"right\":%.3f}}",
             o != NULL && o->landscape ? "landscape" : "portrait", w, h, m, m,
             m, m);
    int rc = b64_command(s, "POST", "/print", body, pdf, "print", err);
    if (rc == 0 && (pdf->len < 5 || memcmp(pdf->data, "%PDF-", 5) != 0))
        rc = hk_err_set(err, HAWK_EPROTO, NULL, NULL,
                        "webdriver print did not produce a PDF");
    return rc;
}

/* See browser.h. */
int hk_browser_html_to_pdf(struct hk_browser *b, const char *html, size_t len,
                           const struct hk_browser_pdf_opts *o,
                           const atomic_bool *cancel, struct hk_buf *pdf,
                           struct hk_err *err)
{
    if (len > HTML_TO_PDF_MAX)
        return hk_err_set(err, HAWK_ETOOBIG, NULL, NULL,
                          "the document is larger than 8 MiB");
    if (!hk_utf8_valid(html, len))
        return hk_err_set(err, HAWK_EINVAL, NULL, NULL,
                          "the document is not UTF-8 text");
    struct hk_browser_session *s = NULL;
    struct hk_browser_lease l = {.user_id = 0,
                                 .profile = "documents",
                                 .lease_ms = 120000,
                                 .cancel = cancel};
    int rc = hk_browser_acquire(b, &l, &s, err);
    if (rc < 0)
        return rc;
    char *path =
        hk_asprintf("%s/doc-%d-%p.html", b->run_dir, (int)getpid(), (void *)s);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    bool ok = fd >= 0;
    size_t done = 0;
    while (ok && done < len) {
        ssize_t w = write(fd, html + done, len - done);
        if (w < 0 && errno == EINTR)
            continue;
        ok = w > 0;
        done += ok ? (size_t)w : 0;
    }
    if (fd >= 0 && close(fd) < 0)
        ok = false;
    if (!ok) {
        rc = hk_err_set(err, HAWK_EIO, NULL, NULL, "cannot write %s: %s", path,
                        strerror(errno));
    } else {
        char *url = hk_asprintf("file://%s", path);
        rc = hk_browser_navigate(s, url, cancel, err);
        hk_free(url);
        if (rc == 0)
            rc = hk_browser_print_pdf(s, o, pdf, err);
        /* Leave nothing of this document in the reused session. */
        if (rc == 0)
            rc = hk_browser_navigate(s, "about:blank", cancel, err);
    }
    (void)unlink(path);
    hk_free(path);
    hk_browser_release(s, rc == 0);
    return rc;
}

static signed char b64_map[256];
static pthread_once_t b64_once = PTHREAD_ONCE_INIT;

static void b64_init(void)
{
    const char *alpha =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    memset(b64_map, -1, sizeof(b64_map));
    for (int i = 0; i < 64; i++)
        b64_map[(unsigned char)alpha[i]] = (signed char)i;
}

/* See browser.h. */
int hk_browser_b64_decode(const char *in, size_t len, struct hk_buf *out)
{
    const signed char *map = b64_map;
    pthread_once(&b64_once, b64_init);
    unsigned acc = 0;
    int bits = 0;
    size_t pad = 0;
    char chunk[3072];
    size_t cn = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)in[i];
        if (c == ' ' || c == '\n' || c == '\r' || c == '\t')
            continue;
        if (c == '=') {
            pad++;
            continue;
        }
        if (pad > 0 || map[c] < 0)
            return HAWK_EPROTO;
        acc = (acc << 6) | (unsigned)map[c];
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            chunk[cn++] = (char)((acc >> bits) & 0xff);
            if (cn == sizeof(chunk)) {
                if (hk_buf_append(out, chunk, cn) < 0)
                    return HAWK_ETOOBIG;
                cn = 0;
            }
        }
    }
    if (pad > 2 || bits >= 6)
        return HAWK_EPROTO;
    if (cn > 0 && hk_buf_append(out, chunk, cn) < 0)
        return HAWK_ETOOBIG;
    return 0;
}
