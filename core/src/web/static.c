/*
 * web/static.c - the fallback handler that serves the pages.
 *
 *   /, /app          302 / 301 to /app/
 *   /app/            index.html
 *   /app/<file>      the file, if the build made it
 *   /app/<page>      index.html for a path whose last segment has no dot
 *                    (the pages route in the browser: /app/board)
 *   anything else    the API's 404
 *
 * Every answer carries the security headers (a strict CSP with no inline
 * script, frame-ancestors 'none', Referrer-Policy, ...).  Hashed asset
 * names are cached for a year; index.html and other names are always
 * revalidated with their ETag.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log/log.h"
#include "util/alloc.h"
#include "util/str.h"
#include "web/internal.h"
#include "web/web.h"

struct hk_web {
    char *dir; /* owned; "" when no folder was found */
    struct hk_web_files files;
};

/* No inline script or style anywhere; the pages load only their own
 * files and talk only to this origin.  Styles set through the DOM (not
 * style attributes in markup) are allowed by style-src 'self'. */
static const char csp[] =
    "default-src 'self'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data: blob:; font-src 'self'; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'";

static const char not_built_page[] =
    "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
    "<title>hawk</title></head><body>"
    "<h1>hawk</h1>"
    "<p>This server speaks the hawk JSON API under <code>/api/v1/</code> "
    "(reference: <code>docs/openapi.yaml</code> in the source tree; health "
    "at <a href=\"/health\">/health</a>).</p>"
    "<p>The web pages are not built. Install Node.js and npm "
    "(<code>scripts/install-deps.sh</code> does), run <code>make</code>, "
    "then restart hawk; or set <code>web.dir</code> in hawk.cfg to the "
    "folder of the built pages.</p>"
    "</body></html>\n";

static void security_headers(struct hk_resp *resp)
{
    hk_resp_header(resp, "Content-Security-Policy", csp);
    hk_resp_header(resp, "Referrer-Policy", "no-referrer");
    hk_resp_header(resp, "X-Frame-Options", "DENY");
    hk_resp_header(resp, "Cross-Origin-Opener-Policy", "same-origin");
    hk_resp_header(resp, "Cross-Origin-Resource-Policy", "same-origin");
    hk_resp_header(resp, "Permissions-Policy",
                   "camera=(), microphone=(), geolocation=(), payment=()");
}

/* The API's 404 wording, so a mistyped API path reads the same whether
 * the router or this fallback answers. */
static void not_found(struct hk_req *req, struct hk_resp *resp)
{
    size_t n = strlen(req->path);
    hk_resp_error(resp, 404, "not_found", NULL,
                  "no endpoint %s %.*s; check the method and the path",
                  req->method, (int)(n > 200 ? 200 : n), req->path);
}

static void redirect(struct hk_resp *resp, int status, const char *to)
{
    hk_resp_bytes(resp, status, "text/plain; charset=utf-8", "", 0);
    hk_resp_header(resp, "Location", to);
    hk_resp_header(resp, "Cache-Control", "no-cache");
}

/* A relative file path is served only when it is made of the characters
 * a build writes: letters, digits, '.', '_', '-', '~' and '/' between
 * non-empty segments that do not start with a dot.  The path is as sent,
 * so this also refuses every %xx escape (no encoded dots, slashes or
 * NULs): neither the built names nor the pages' own paths use them. */
static bool rel_path_ok(const char *rel)
{
    size_t n = strlen(rel);
    if (n > HK_WEB_MAX_REL_PATH)
        return false;
    bool seg_start = true;
    for (size_t i = 0; i < n; i++) {
        char c = rel[i];
        if (c == '/') {
            if (seg_start)
                return false;
            seg_start = true;
            continue;
        }
        if (seg_start && c == '.')
            return false;
        seg_start = false;
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                  (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-' ||
                  c == '~';
        if (!ok)
            return false;
    }
    return true;
}

/* A page path (routed by the pages themselves) has no dot in its last
 * segment; a missing file name with a dot is a real 404. */
static bool is_page_path(const char *rel)
{
    const char *last = strrchr(rel, '/');
    last = last ? last + 1 : rel;
    return strchr(last, '.') == NULL;
}

static void send_file(struct hk_req *req, struct hk_resp *resp,
                      const struct hk_web_file *f)
{
    enum hk_web_enc enc =
        hk_web_pick_encoding(f, hk_req_header(req, "Accept-Encoding"));
    const struct hk_web_body *b = &f->body[enc];
    bool variants = f->body[HK_WEB_GZIP].data || f->body[HK_WEB_BR].data;
    const char *cache =
        f->immutable ? "public, max-age=31536000, immutable" : "no-cache";
    if (hk_web_etag_match(hk_req_header(req, "If-None-Match"), b->etag)) {
        hk_resp_bytes(resp, 304, f->content_type, "", 0);
    } else {
        hk_resp_bytes(resp, 200, f->content_type, b->data, b->len);
        if (enc == HK_WEB_BR)
            hk_resp_header(resp, "Content-Encoding", "br");
        else if (enc == HK_WEB_GZIP)
            hk_resp_header(resp, "Content-Encoding", "gzip");
    }
    hk_resp_header(resp, "ETag", b->etag);
    hk_resp_header(resp, "Cache-Control", cache);
    if (variants)
        hk_resp_header(resp, "Vary", "Accept-Encoding");
}

/* The fallback handler; see the file comment for what it answers. */
void hk_web_handle(struct hk_req *req, struct hk_resp *resp)
{
    const struct hk_web *w = req->ctx;
    const char *path = req->path;
    bool mine = strcmp(path, "/") == 0 || strcmp(path, "/app") == 0 ||
                hk_str_has_prefix(path, "/app/");
    if (!mine) {
        not_found(req, resp);
        return;
    }
    security_headers(resp);
    if (strcmp(path, "/") == 0) {
        redirect(resp, 302, "/app/");
        return;
    }
    if (strcmp(path, "/app") == 0) {
        redirect(resp, 301, "/app/");
        return;
    }
    if (w == NULL) {
        not_found(req, resp);
        return;
    }
    const char *rel = path + 5;
    if (!rel_path_ok(rel)) {
        not_found(req, resp);
        return;
    }
    const struct hk_web_file *f = NULL;
    if (rel[0] != '\0')
        f = hk_web_files_find(&w->files, rel);
    if (f == NULL && is_page_path(rel))
        f = hk_web_files_find(&w->files, "index.html");
    if (f != NULL) {
        send_file(req, resp, f);
        return;
    }
    if (is_page_path(rel)) {
        /* no index.html: the pages are not built */
        hk_resp_bytes(resp, 200, "text/html; charset=utf-8", not_built_page,
                      sizeof(not_built_page) - 1);
        hk_resp_header(resp, "Cache-Control", "no-cache");
        return;
    }
    not_found(req, resp);
}

/* The folder beside the executable: <dir of hawk>/web when it has an
 * index.html, else <dir of hawk>/../share/hawk/web.  Caller frees. */
static char *default_dir(void)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n <= 0)
        return hk_strdup("");
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (slash == NULL)
        return hk_strdup("");
    *slash = '\0';
    char path[PATH_MAX + 32];
    snprintf(path, sizeof(path), "%s/web/index.html", exe);
    if (access(path, R_OK) == 0) {
        snprintf(path, sizeof(path), "%s/web", exe);
        return hk_strdup(path);
    }
    snprintf(path, sizeof(path), "%s/../share/hawk/web/index.html", exe);
    if (access(path, R_OK) == 0) {
        snprintf(path, sizeof(path), "%s/../share/hawk/web", exe);
        return hk_strdup(path);
    }
    return hk_strdup("");
}

/* See web.h. */
int hk_web_new(const struct hk_web_cfg *cfg, struct hk_web **out,
               struct hk_err *err)
{
    *out = NULL;
    struct hk_web *w = hk_calloc(1, sizeof(*w));
    const char *dir = cfg != NULL ? cfg->dir : NULL;
    w->dir = (dir != NULL && dir[0] != '\0') ? hk_strdup(dir) : default_dir();
    if (w->dir[0] != '\0' && access(w->dir, F_OK) == 0) {
        int rc = hk_web_files_load(w->dir, &w->files, err);
        if (rc < 0) {
            hk_web_free(w);
            return rc;
        }
    }
    if (hk_web_files_find(&w->files, "index.html") == NULL)
        hk_log(HAWK_LOG_WARN,
               "web pages not found%s%s: /app/ shows how to build them "
               "(set web.dir to the folder of the built pages)",
               w->dir[0] ? " in " : "", w->dir);
    else
        hk_info("web pages: %zu files (%zu bytes) from %s", w->files.n,
                w->files.total_bytes, w->dir);
    *out = w;
    return 0;
}

void hk_web_free(struct hk_web *w)
{
    if (w == NULL)
        return;
    hk_web_files_release(&w->files);
    hk_free(w->dir);
    hk_free(w);
}

size_t hk_web_file_count(const struct hk_web *w)
{
    return w ? w->files.n : 0;
}

const char *hk_web_dir(const struct hk_web *w)
{
    return w ? w->dir : "";
}
