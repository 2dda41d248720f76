/*
 * tests/unit/test_http_server.c - the real HTTP server on a free port,
 * driven with libcurl: error shapes (404, 405, 413, 415, 400), request
 * ids, auth flags, path ids, pagination, JSON bodies, the request log
 * line, and graceful stop with a slow handler in flight.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <curl/curl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "app/app.h"
#include "hawk/plugin.h"
#include "http/http.h"
#include "log/log.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/time.h"

/* ------------------------------------------------------------------------
 * Handlers.
 * --------------------------------------------------------------------- */

static atomic_int small_calls;
static atomic_int json_calls;
static atomic_int slow_done;
static struct hk_app test_app;

static void h_resume(struct hk_req *req, struct hk_resp *resp)
{
    int64_t id;
    if (hk_req_param_id(req, resp, "id", &id) < 0)
        return;
    json_object *o = json_object_new_object();
    json_object_object_add(o, "id", json_object_new_int64(id));
    json_object_object_add(o, "request_id",
                           json_object_new_string(req->request_id));
    const char *q = hk_req_query(req, "q");
    if (q != NULL)
        json_object_object_add(o, "q", json_object_new_string(q));
    const char *h = hk_req_header(req, "x-custom");
    if (h != NULL)
        json_object_object_add(o, "h", json_object_new_string(h));
    json_object_object_add(o, "path", json_object_new_string(req->path));
    json_object_object_add(o, "app",
                           json_object_new_boolean(req->app == &test_app));
    hk_resp_json(resp, 200, o);
}

static void h_json(struct hk_req *req, struct hk_resp *resp)
{
    atomic_fetch_add(&json_calls, 1);
    json_object *o;
    if (hk_req_json(req, resp, &o) < 0)
        return;
    hk_resp_json(resp, 200, o);
}

static void h_small(struct hk_req *req, struct hk_resp *resp)
{
    atomic_fetch_add(&small_calls, 1);
    json_object *o = json_object_new_object();
    json_object_object_add(o, "len",
                           json_object_new_int64((int64_t)req->body_len));
    hk_resp_json(resp, 200, o);
}

static void h_items(struct hk_req *req, struct hk_resp *resp)
{
    int64_t page, per_page;
    if (hk_req_page(req, resp, 100, &page, &per_page) < 0)
        return;
    json_object *o = json_object_new_object();
    json_object_object_add(o, "page", json_object_new_int64(page));
    json_object_object_add(o, "per_page", json_object_new_int64(per_page));
    hk_resp_json(resp, 200, o);
}

static void h_me(struct hk_req *req, struct hk_resp *resp)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "user_id", json_object_new_int64(req->user_id));
    json_object_object_add(o, "admin", json_object_new_boolean(req->is_admin));
    hk_resp_json(resp, 200, o);
}

static void h_slow(struct hk_req *req, struct hk_resp *resp)
{
    (void)req;
    hk_sleep_ms(600);
    atomic_fetch_add(&slow_done, 1);
    hk_resp_bytes(resp, 200, "text/plain", "slow done", 9);
}

static void h_log(struct hk_req *req, struct hk_resp *resp)
{
    (void)req;
    hk_log(HAWK_LOG_INFO, "inside the handler");
    hk_resp_bytes(resp, 204, NULL, NULL, 0);
}

static void h_nostatus(struct hk_req *req, struct hk_resp *resp)
{
    (void)req;
    (void)resp;
}

static void h_text(struct hk_req *req, struct hk_resp *resp)
{
    (void)req;
    hk_resp_bytes(resp, 200, "text/plain; charset=utf-8", "hello", 5);
    hk_resp_header(resp, "Cache-Control", "max-age=60");
    hk_resp_header(resp, "X-Extra", "yes");
}

static void h_ok(struct hk_req *req, struct hk_resp *resp)
{
    (void)req;
    hk_resp_bytes(resp, 200, "application/json", "{\"ok\":true}", 11);
}

/* Tokens: "user" is user 7, "admin" is admin user 1. */
static int fake_auth(void *ctx, const char *authz, int64_t *uid, bool *admin,
                     const char **reason)
{
    assert_ptr_equal(ctx, &test_app);
    if (authz == NULL) {
        *reason = "missing access token";
        return HAWK_EAUTH;
    }
    if (strcmp(authz, "Bearer user") == 0) {
        *uid = 7;
        *admin = false;
        return 0;
    }
    if (strcmp(authz, "Bearer admin") == 0) {
        *uid = 1;
        *admin = true;
        return 0;
    }
    *reason = "access token expired";
    return HAWK_EAUTH;
}

/* ------------------------------------------------------------------------
 * Log capture.
 * --------------------------------------------------------------------- */

static pthread_mutex_t log_mu = PTHREAD_MUTEX_INITIALIZER;
static struct hk_buf log_text;

static void log_sink(void *opaque, const char *line, size_t len)
{
    (void)opaque;
    pthread_mutex_lock(&log_mu);
    hk_buf_append(&log_text, line, len);
    pthread_mutex_unlock(&log_mu);
}

/* The first captured log line containing all of a and b (b may be NULL),
 * parsed; waits up to 3 s because the request line is written after the
 * response went out.  Caller json_object_put()s. */
static json_object *find_log(const char *a, const char *b)
{
    int64_t deadline = hk_mono_ms() + 3000;
    do {
        json_object *found = NULL;
        pthread_mutex_lock(&log_mu);
        const char *p = hk_buf_str(&log_text);
        while (*p != '\0' && found == NULL) {
            const char *nl = strchr(p, '\n');
            size_t n = nl ? (size_t)(nl - p) : strlen(p);
            char *line = hk_strndup(p, n);
            if (strstr(line, a) && (b == NULL || strstr(line, b)))
                found = json_tokener_parse(line);
            hk_free(line);
            p += n + (nl ? 1 : 0);
        }
        pthread_mutex_unlock(&log_mu);
        if (found != NULL)
            return found;
        hk_sleep_ms(10);
    } while (hk_mono_ms() < deadline);
    return NULL;
}

/* Whether the captured log contains s (checked outside the lock so a
 * failing assert cannot leave it held). */
static bool log_has(const char *s)
{
    pthread_mutex_lock(&log_mu);
    bool found = strstr(hk_buf_str(&log_text), s) != NULL;
    pthread_mutex_unlock(&log_mu);
    return found;
}

/* Waits until srv has no request in flight: its log line is written. */
static void wait_idle(struct hk_http_server *s)
{
    int64_t deadline = hk_mono_ms() + 3000;
    while (hk_http_in_flight(s) > 0 && hk_mono_ms() < deadline)
        hk_sleep_ms(2);
    assert_int_equal(hk_http_in_flight(s), 0);
}

static void clear_log(void)
{
    pthread_mutex_lock(&log_mu);
    hk_buf_reset(&log_text);
    pthread_mutex_unlock(&log_mu);
}

/* ------------------------------------------------------------------------
 * HTTP client.
 * --------------------------------------------------------------------- */

static struct hk_http_server *srv;
static struct hk_router *router;

struct result {
    long status;
    struct hk_buf body;
    struct hk_buf headers;
    json_object *json; /* parsed body when it is JSON */
    CURLcode curl_rc;
};

struct upload {
    const char *data;
    size_t len, pos;
};

static size_t on_data(char *p, size_t sz, size_t n, void *ud)
{
    hk_buf_append(ud, p, sz * n);
    return sz * n;
}

static size_t on_read(char *p, size_t sz, size_t n, void *ud)
{
    struct upload *u = ud;
    size_t left = u->len - u->pos;
    size_t k = sz * n < left ? sz * n : left;
    if (k > 300)
        k = 300; /* several chunks */
    memcpy(p, u->data + u->pos, k);
    u->pos += k;
    return k;
}

static void result_free(struct result *r)
{
    hk_buf_release(&r->body);
    hk_buf_release(&r->headers);
    json_object_put(r->json);
    r->json = NULL;
}

/* Sends one request.  hdrs is NULL-terminated ("Name: value").  With
 * chunked, the body is streamed with Transfer-Encoding: chunked. */
static void request_to(int port, const char *method, const char *path,
                       const char *const *hdrs, const char *body,
                       size_t body_len, bool chunked, struct result *r)
{
    memset(r, 0, sizeof(*r));
    hk_buf_init(&r->body, 0);
    hk_buf_init(&r->headers, 0);
    char url[4096];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", port, path);
    CURL *c = curl_easy_init();
    assert_non_null(c);
    struct curl_slist *list = NULL;
    for (size_t i = 0; hdrs && hdrs[i]; i++)
        list = curl_slist_append(list, hdrs[i]);
    struct upload up = {body, body_len, 0};
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L);
    if (strcmp(method, "HEAD") == 0)
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L); /* no body will follow */
    else
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &r->body);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &r->headers);
    if (body != NULL && chunked) {
        list = curl_slist_append(list, "Transfer-Encoding: chunked");
        curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
        curl_easy_setopt(c, CURLOPT_READDATA, &up);
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    } else if (body != NULL) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)body_len);
    }
    list = curl_slist_append(list, "Expect:");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, list);
    r->curl_rc = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
    curl_slist_free_all(list);
    curl_easy_cleanup(c);
    if (r->body.len > 0 && r->body.data[0] == '{')
        r->json = json_tokener_parse(hk_buf_str(&r->body));
}

static void request(const char *method, const char *path,
                    const char *const *hdrs, const char *body, struct result *r)
{
    request_to(hk_http_port(srv), method, path, hdrs, body,
               body ? strlen(body) : 0, false, r);
}

/* Response header value (case-insensitive name) into out; false if none. */
static bool header(const struct result *r, const char *name, char *out,
                   size_t outlen)
{
    const char *p = hk_buf_str(&r->headers);
    size_t nl = strlen(name);
    while (*p) {
        const char *eol = strstr(p, "\r\n");
        size_t n = eol ? (size_t)(eol - p) : strlen(p);
        if (n > nl && strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
            const char *v = p + nl + 1;
            while (*v == ' ')
                v++;
            size_t vn = n - (size_t)(v - p);
            if (vn >= outlen)
                vn = outlen - 1;
            memcpy(out, v, vn);
            out[vn] = '\0';
            return true;
        }
        p += n + (eol ? 2 : 0);
    }
    return false;
}

static const char *jstr(json_object *o, const char *k1, const char *k2)
{
    json_object *v = o;
    if (v == NULL || !json_object_object_get_ex(v, k1, &v))
        return NULL;
    if (k2 != NULL && !json_object_object_get_ex(v, k2, &v))
        return NULL;
    return json_object_get_string(v);
}

/* Asserts the error envelope: status, code, and (when given) message. */
static void expect_error(const struct result *r, long status, const char *code,
                         const char *message)
{
    if (r->status != status)
        print_error("status %ld, body %s\n", r->status, hk_buf_str(&r->body));
    assert_int_equal(r->status, status);
    assert_non_null(r->json);
    assert_string_equal(jstr(r->json, "error", "code"), code);
    if (message != NULL)
        assert_string_equal(jstr(r->json, "error", "message"), message);
    char ct[128];
    assert_true(header(r, "Content-Type", ct, sizeof(ct)));
    assert_string_equal(ct, "application/json");
}

static bool is_hex32(const char *s)
{
    if (strlen(s) != 32)
        return false;
    for (int i = 0; i < 32; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return true;
}

/* ------------------------------------------------------------------------
 * Fixture.
 * --------------------------------------------------------------------- */

static struct hk_router *make_router(void)
{
    struct hk_router *r = hk_router_new();
    struct hk_route_opts small = {.flags = 0, .max_body = 100};
    assert_int_equal(hk_router_add(r, "GET", "/resumes/{id}", h_resume, 0), 0);
    assert_int_equal(hk_router_add(r, "POST", "/json", h_json, 0), 0);
    assert_int_equal(hk_router_add_opts(r, "POST", "/small", h_small, &small),
                     0);
    assert_int_equal(hk_router_add(r, "GET", "/items", h_items, 0), 0);
    assert_int_equal(hk_router_add(r, "GET", "/me", h_me, HK_ROUTE_AUTH), 0);
    assert_int_equal(hk_router_add(r, "GET", "/admin", h_me, HK_ROUTE_ADMIN),
                     0);
    assert_int_equal(hk_router_add(r, "POST", "/admin", h_me, HK_ROUTE_ADMIN),
                     0);
    assert_int_equal(hk_router_add(r, "GET", "/slow", h_slow, 0), 0);
    assert_int_equal(hk_router_add(r, "GET", "/log", h_log, 0), 0);
    assert_int_equal(hk_router_add(r, "GET", "/quiet", h_ok, HK_ROUTE_QUIET),
                     0);
    assert_int_equal(hk_router_add(r, "GET", "/nostatus", h_nostatus, 0), 0);
    assert_int_equal(hk_router_add(r, "GET", "/text", h_text, 0), 0);
    return r;
}

static struct hk_http_opts test_opts(int64_t grace_ms)
{
    struct hk_http_opts o = {
        .host = "127.0.0.1",
        .port = 0,
        .threads = 2,
        .max_body = 1024,
        .grace_ms = grace_ms,
        .auth = fake_auth,
        .auth_ctx = &test_app,
    };
    return o;
}

static int group_setup(void **state)
{
    (void)state;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    hk_buf_init(&log_text, 0);
    hk_log_set_sink(log_sink, NULL);
    hk_log_set_level(HAWK_LOG_INFO);
    router = make_router();
    struct hk_http_opts o = test_opts(2000);
    char err[256] = "";
    int rc = hk_http_start(&o, &test_app, router, &srv, err, sizeof(err));
    if (rc != 0)
        fprintf(stderr, "start failed: %s\n", err);
    return rc == 0 ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    hk_http_stop(srv);
    hk_router_free(router);
    hk_log_set_sink(NULL, NULL);
    hk_buf_release(&log_text);
    curl_global_cleanup();
    return 0;
}

/* ------------------------------------------------------------------------
 * Tests.
 * --------------------------------------------------------------------- */

static void test_port_and_start_errors(void **state)
{
    (void)state;
    assert_true(hk_http_port(srv) > 0);
    /* the same port twice: the second start fails and says where */
    struct hk_http_opts o = test_opts(0);
    o.port = hk_http_port(srv);
    struct hk_http_server *s2 = NULL;
    char err[256] = "";
    assert_int_equal(
        hk_http_start(&o, &test_app, router, &s2, err, sizeof(err)), HAWK_EIO);
    assert_null(s2);
    char want[64];
    snprintf(want, sizeof(want), "cannot listen on 127.0.0.1:%d", o.port);
    assert_non_null(strstr(err, want));
    o.port = 70000;
    assert_int_equal(
        hk_http_start(&o, &test_app, router, &s2, err, sizeof(err)),
        HAWK_EINVAL);
    o.port = 0;
    o.host = "no-such-host.invalid";
    assert_int_equal(
        hk_http_start(&o, &test_app, router, &s2, err, sizeof(err)),
        HAWK_ECONFIG);
    assert_non_null(strstr(err, "no-such-host.invalid"));
}

static void test_not_found_shape(void **state)
{
    (void)state;
    struct result r;
    request("GET", "/nope", NULL, NULL, &r);
    expect_error(&r, 404, "not_found",
                 "no endpoint GET /nope; check the method and the path");
    char v[128];
    assert_true(header(&r, "X-Request-ID", v, sizeof(v)));
    assert_true(is_hex32(v));
    assert_true(header(&r, "Cache-Control", v, sizeof(v)));
    assert_string_equal(v, "no-store");
    assert_true(header(&r, "X-Content-Type-Options", v, sizeof(v)));
    assert_string_equal(v, "nosniff");
    result_free(&r);
    /* a path the router refuses to decode is just not found */
    request("GET", "/resumes/a%00b", NULL, NULL, &r);
    expect_error(&r, 404, "not_found", NULL);
    result_free(&r);
    request("GET", "/resumes/%zz", NULL, NULL, &r);
    expect_error(&r, 404, "not_found", NULL);
    result_free(&r);
}

static void test_method_not_allowed(void **state)
{
    (void)state;
    struct result r;
    request("DELETE", "/admin", NULL, NULL, &r);
    expect_error(&r, 405, "method_not_allowed",
                 "method DELETE is not allowed here; use GET, POST");
    char v[64];
    assert_true(header(&r, "Allow", v, sizeof(v)));
    assert_string_equal(v, "GET, POST");
    result_free(&r);
    /* HEAD is not implied */
    request("HEAD", "/items", NULL, NULL, &r);
    assert_int_equal(r.curl_rc, CURLE_OK);
    assert_int_equal(r.status, 405);
    assert_true(header(&r, "Allow", v, sizeof(v)));
    assert_string_equal(v, "GET");
    result_free(&r);
}

/* Status of GET path on handle c, and whether curl reused a connection. */
static long get_on(CURL *c, const char *path, bool *reused)
{
    char url[256];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", hk_http_port(srv),
             path);
    struct hk_buf sink;
    hk_buf_init(&sink, 0);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
    assert_int_equal(curl_easy_perform(c), CURLE_OK);
    long status = 0, connects = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_getinfo(c, CURLINFO_NUM_CONNECTS, &connects);
    *reused = connects == 0;
    hk_buf_release(&sink);
    return status;
}

static void test_refusals_keep_alive(void **state)
{
    (void)state;
    CURL *c = curl_easy_init();
    bool reused;
    assert_int_equal(get_on(c, "/items", &reused), 200);
    assert_int_equal(get_on(c, "/nope", &reused), 404);
    assert_true(reused);
    assert_int_equal(get_on(c, "/me", &reused), 401);
    assert_true(reused);
    assert_int_equal(get_on(c, "/admin", &reused), 401);
    assert_true(reused);
    assert_int_equal(get_on(c, "/items", &reused), 200);
    assert_true(reused);
    curl_easy_cleanup(c);
}

static void test_body_limits(void **state)
{
    (void)state;
    char big[2000];
    memset(big, 'a', sizeof(big));
    struct result r;
    int before = atomic_load(&small_calls);
    /* announced by Content-Length: refused before the body is read */
    request_to(hk_http_port(srv), "POST", "/small", NULL, big, 101, false, &r);
    expect_error(&r, 413, "payload_too_large",
                 "request body is larger than the limit of 100 bytes; send "
                 "a smaller body");
    result_free(&r);
    /* streamed without a length: refused once past the limit */
    request_to(hk_http_port(srv), "POST", "/small", NULL, big, sizeof(big),
               true, &r);
    expect_error(&r, 413, "payload_too_large", NULL);
    result_free(&r);
    /* far past the limit without a length: the connection is closed */
    size_t huge_len = (size_t)3 << 20;
    char *huge = hk_malloc(huge_len);
    memset(huge, 'h', huge_len);
    clear_log();
    request_to(hk_http_port(srv), "POST", "/small",
               (const char *const[]){"X-Request-ID: huge-1", NULL}, huge,
               huge_len, true, &r);
    assert_int_not_equal(r.status, 200);
    result_free(&r);
    hk_free(huge);
    json_object *line = find_log("\"msg\":\"request\"", "huge-1");
    assert_non_null(line);
    assert_string_equal(jstr(line, "status", NULL), "413");
    json_object_put(line);
    /* server default limit (1024) for routes without their own */
    int jbefore = atomic_load(&json_calls);
    request_to(hk_http_port(srv), "POST", "/json",
               (const char *const[]){"Content-Type: application/json", NULL},
               big, 1025, false, &r);
    expect_error(&r, 413, "payload_too_large", NULL);
    result_free(&r);
    assert_int_equal(atomic_load(&small_calls), before);
    assert_int_equal(atomic_load(&json_calls), jbefore);
    /* exactly at the limit, plain or chunked: accepted */
    request_to(hk_http_port(srv), "POST", "/small", NULL, big, 100, false, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(hk_buf_str(&r.body), "{\"len\":100}");
    result_free(&r);
    request_to(hk_http_port(srv), "POST", "/small", NULL, big, 100, true, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(hk_buf_str(&r.body), "{\"len\":100}");
    result_free(&r);
    assert_int_equal(atomic_load(&small_calls), before + 2);
    /* the server still answers on new connections */
    request("GET", "/items", NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    result_free(&r);
}

static void json_case(const char *ctype, const char *body, size_t len,
                      long status, const char *code, const char *message)
{
    const char *hdrs[] = {ctype, NULL};
    struct result r;
    request_to(hk_http_port(srv), "POST", "/json", ctype ? hdrs : NULL, body,
               len, false, &r);
    if (code == NULL) {
        assert_int_equal(r.status, status);
    } else {
        expect_error(&r, status, code, message);
    }
    result_free(&r);
}

static void test_json_bodies(void **state)
{
    (void)state;
    const char *json = "Content-Type: application/json";
    const char *ok = "{\"a\":[1,{\"b\":null}],\"c\":\"\xc3\xa9\"}";
    struct result r;
    request_to(hk_http_port(srv), "POST", "/json",
               (const char *const[]){json, NULL}, ok, strlen(ok), false, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(hk_buf_str(&r.body), ok);
    result_free(&r);
    json_case("Content-Type: application/json; charset=utf-8", "{}", 2, 200,
              NULL, NULL);
    json_case("Content-Type: Application/JSON ; Charset=\"UTF-8\"", "{}", 2,
              200, NULL, NULL);
    const char *m415 = "request body must be JSON; send the header "
                       "Content-Type: application/json";
    json_case("Content-Type: text/plain", "{}", 2, 415,
              "unsupported_media_type", m415);
    json_case(NULL, "{}", 2, 415, "unsupported_media_type", m415);
    json_case("Content-Type: application/json; charset=latin1", "{}", 2, 415,
              "unsupported_media_type", m415);
    json_case("Content-Type: application/jsonx", "{}", 2, 415,
              "unsupported_media_type", m415);
    json_case(json, "", 0, 400, "invalid_json", "request body is empty");
    json_case(json, "  \n", 3, 400, "invalid_json", "request body is empty");
    json_case(json, "[1]", 3, 400, "invalid_json",
              "request body must be a JSON object");
    json_case(json, "\"x\"", 3, 400, "invalid_json",
              "request body must be a JSON object");
    json_case(json, "{\"a\":1} x", 9, 400, "invalid_json",
              "request body is not valid JSON: unexpected data after the "
              "value at offset 8");
    json_case(json, "{\"a\":1}{}", 9, 400, "invalid_json",
              "request body is not valid JSON: unexpected data after the "
              "value at offset 7");
    json_case(json, "{\"a\":", 5, 400, "invalid_json",
              "request body is not valid JSON: it ends before the value is "
              "complete");
    json_case(json, "{\"a\":\"\xff\"}", 8, 400, "invalid_json",
              "request body is not valid UTF-8");
    json_case(json, "{\"a\":1,}", 8, 400, "invalid_json",
              "request body is not valid JSON: expected a string at offset 7");
    json_case(json, "{'a':1}", 7, 400, "invalid_json",
              "request body is not valid JSON: expected a string at offset 1");
    json_case(json, "{\"a\":NaN}", 9, 400, "invalid_json",
              "request body is not valid JSON: unexpected character at "
              "offset 5");
    json_case(json, "{\"a\":01}", 8, 400, "invalid_json",
              "request body is not valid JSON: invalid number (leading zero) "
              "at offset 6");
    json_case(json, "{\"a\":\"x\ty\"}", 10, 400, "invalid_json",
              "request body is not valid JSON: control character in a string "
              "at offset 7");
    json_case(json, "{\"a\":\"\\x\"}", 9, 400, "invalid_json",
              "request body is not valid JSON: invalid escape in a string at "
              "offset 7");
    json_case(json, "{\"a\" 1}", 7, 400, "invalid_json",
              "request body is not valid JSON: expected ':' at offset 5");
    json_case(json, "{\"a\":tru}", 9, 400, "invalid_json",
              "request body is not valid JSON: unexpected character at "
              "offset 5");
    json_case(json, "{\"a\":1 /* c */}", 15, 400, "invalid_json",
              "request body is not valid JSON: expected ',' or '}' at "
              "offset 7");
    json_case(json, "123", 3, 400, "invalid_json",
              "request body must be a JSON object");
    json_case(json, "{\"a\":\"\\u00e9\\u0041\"}", 20, 200, NULL, NULL);
    /* nesting: 32 levels parse, 33 do not */
    char deep[256];
    for (int depth = 32; depth <= 33; depth++) {
        size_t n = 0;
        for (int i = 0; i < depth - 1; i++) {
            memcpy(deep + n, "{\"a\":", 5);
            n += 5;
        }
        deep[n++] = '{';
        for (int i = 0; i < depth; i++)
            deep[n++] = '}';
        json_case(json, deep, n, depth == 32 ? 200 : 400,
                  depth == 32 ? NULL : "invalid_json",
                  "request body is not valid JSON: nesting deeper than 32 "
                  "levels at offset 160");
    }
}

static void test_request_ids(void **state)
{
    (void)state;
    struct result r;
    char v[128], first[128];
    request("GET", "/resumes/1",
            (const char *const[]){"X-Request-ID: abc-123_X.y", NULL}, NULL, &r);
    assert_true(header(&r, "X-Request-ID", v, sizeof(v)));
    assert_string_equal(v, "abc-123_X.y");
    assert_string_equal(jstr(r.json, "request_id", NULL), "abc-123_X.y");
    result_free(&r);
    char max[100];
    memset(max, 'z', 64);
    max[64] = '\0';
    char hdr[128];
    snprintf(hdr, sizeof(hdr), "X-Request-ID: %s", max);
    request("GET", "/resumes/1", (const char *const[]){hdr, NULL}, NULL, &r);
    assert_true(header(&r, "X-Request-ID", v, sizeof(v)));
    assert_string_equal(v, max);
    result_free(&r);
    /* invalid ids are replaced by generated ones */
    static const char *const bad[] = {
        "X-Request-ID: has space",
        "X-Request-ID: <script>",
        "X-Request-ID: a/b",
        "X-Request-ID: zzzzzzzzzzzzzzzzzzzzzzzzzz"
        "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz",
        "X-Request-ID:",
        NULL,
    };
    first[0] = '\0';
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        const char *hdrs[] = {bad[i], NULL};
        request("GET", "/resumes/1", bad[i] ? hdrs : NULL, NULL, &r);
        assert_int_equal(r.status, 200);
        assert_true(header(&r, "X-Request-ID", v, sizeof(v)));
        assert_true(is_hex32(v));
        assert_string_equal(jstr(r.json, "request_id", NULL), v);
        assert_string_not_equal(v, first);
        snprintf(first, sizeof(first), "%s", v);
        result_free(&r);
    }
}

static void test_auth_flags(void **state)
{
    (void)state;
    struct result r;
    char v[64];
    request("GET", "/me", NULL, NULL, &r);
    expect_error(&r, 401, "unauthorized", "missing access token");
    assert_true(header(&r, "WWW-Authenticate", v, sizeof(v)));
    assert_string_equal(v, "Bearer");
    result_free(&r);
    request("GET", "/me",
            (const char *const[]){"Authorization: Bearer old", NULL}, NULL, &r);
    expect_error(&r, 401, "unauthorized", "access token expired");
    result_free(&r);
    request("GET", "/me",
            (const char *const[]){"authorization: Bearer user", NULL}, NULL,
            &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(hk_buf_str(&r.body), "{\"user_id\":7,\"admin\":false}");
    result_free(&r);
    request("GET", "/admin",
            (const char *const[]){"Authorization: Bearer user", NULL}, NULL,
            &r);
    expect_error(&r, 403, "forbidden",
                 "this endpoint requires an administrator account");
    result_free(&r);
    request("GET", "/admin", NULL, NULL, &r);
    expect_error(&r, 401, "unauthorized", NULL);
    result_free(&r);
    request("GET", "/admin",
            (const char *const[]){"Authorization: Bearer admin", NULL}, NULL,
            &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(hk_buf_str(&r.body), "{\"user_id\":1,\"admin\":true}");
    result_free(&r);
    /* a refused upload is refused before its body is read */
    char big[5000];
    memset(big, 'x', sizeof(big));
    request_to(hk_http_port(srv), "POST", "/admin", NULL, big, sizeof(big),
               false, &r);
    expect_error(&r, 401, "unauthorized", NULL);
    result_free(&r);
}

static void test_path_ids_and_params(void **state)
{
    (void)state;
    struct result r;
    request("GET", "/resumes/42?q=a%20b+c",
            (const char *const[]){"X-Custom: v1", NULL}, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(jstr(r.json, "id", NULL), "42");
    assert_string_equal(jstr(r.json, "q", NULL), "a b c");
    assert_string_equal(jstr(r.json, "h", NULL), "v1");
    assert_string_equal(jstr(r.json, "path", NULL), "/resumes/42");
    assert_string_equal(jstr(r.json, "app", NULL), "true");
    result_free(&r);
    static const char *const bad[] = {
        "abc", "0", "-1", "007", "+5", "1.0", "9223372036854775808", "%20"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char path[64], msg[96];
        snprintf(path, sizeof(path), "/resumes/%s", bad[i]);
        snprintf(msg, sizeof(msg), "no resume with id '%s'",
                 strcmp(bad[i], "%20") == 0 ? " " : bad[i]);
        request("GET", path, NULL, NULL, &r);
        expect_error(&r, 404, "not_found", msg);
        result_free(&r);
    }
    request("GET", "/resumes/9223372036854775807", NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    result_free(&r);
    /* long junk is cut in the message */
    char path[300], want[128];
    memcpy(path, "/resumes/", 9);
    memset(path + 9, 'q', 200);
    path[209] = '\0';
    request("GET", path, NULL, NULL, &r);
    memset(want, 0, sizeof(want));
    memcpy(want, "no resume with id '", 19);
    memset(want + 19, 'q', 64);
    memcpy(want + 83, "...'", 4);
    expect_error(&r, 404, "not_found", want);
    result_free(&r);
}

static void page_case(const char *query, long status, const char *field,
                      const char *message, const char *body)
{
    char path[128];
    snprintf(path, sizeof(path), "/items%s", query);
    struct result r;
    request("GET", path, NULL, NULL, &r);
    if (field != NULL) {
        expect_error(&r, status, "invalid_parameter", message);
        assert_string_equal(jstr(r.json, "error", "field"), field);
    } else {
        assert_int_equal(r.status, status);
        assert_string_equal(hk_buf_str(&r.body), body);
    }
    result_free(&r);
}

static void test_pagination(void **state)
{
    (void)state;
    const char *pp = "'per_page' must be an integer between 1 and 100";
    const char *pg = "'page' must be a positive integer";
    page_case("", 200, NULL, NULL, "{\"page\":1,\"per_page\":20}");
    page_case("?page=3&per_page=100", 200, NULL, NULL,
              "{\"page\":3,\"per_page\":100}");
    page_case("?per_page=0", 400, "per_page", pp, NULL);
    page_case("?per_page=10000", 400, "per_page", pp, NULL);
    page_case("?per_page=-5", 400, "per_page", pp, NULL);
    page_case("?per_page=", 400, "per_page", pp, NULL);
    page_case("?per_page=1e2", 400, "per_page", pp, NULL);
    page_case("?page=0", 400, "page", pg, NULL);
    page_case("?page=abc", 400, "page", pg, NULL);
    page_case("?page=+2", 400, "page", pg, NULL);
    page_case("?page=99999999999999999999", 400, "page", pg, NULL);
}

static void test_handler_results(void **state)
{
    (void)state;
    struct result r;
    hk_log_set_level(HAWK_LOG_CRIT);
    request("GET", "/nostatus", NULL, NULL, &r);
    hk_log_set_level(HAWK_LOG_INFO);
    expect_error(&r, 500, "internal", NULL);
    result_free(&r);
    request("GET", "/text", NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(hk_buf_str(&r.body), "hello");
    char v[64];
    assert_true(header(&r, "Content-Type", v, sizeof(v)));
    assert_string_equal(v, "text/plain; charset=utf-8");
    assert_true(header(&r, "Cache-Control", v, sizeof(v)));
    assert_string_equal(v, "max-age=60");
    assert_true(header(&r, "X-Extra", v, sizeof(v)));
    assert_string_equal(v, "yes");
    assert_true(header(&r, "X-Content-Type-Options", v, sizeof(v)));
    result_free(&r);
    request("GET", "/log", NULL, NULL, &r);
    assert_int_equal(r.status, 204);
    assert_int_equal(r.body.len, 0);
    result_free(&r);
}

static void test_log_lines(void **state)
{
    (void)state;
    clear_log();
    struct result r;
    request("GET", "/resumes/5?q=secret",
            (const char *const[]){"X-Request-ID: log-test-1", NULL}, NULL, &r);
    assert_int_equal(r.status, 200);
    json_object *line = find_log("\"msg\":\"request\"", "log-test-1");
    assert_non_null(line);
    assert_string_equal(jstr(line, "level", NULL), "info");
    assert_string_equal(jstr(line, "request_id", NULL), "log-test-1");
    assert_string_equal(jstr(line, "method", NULL), "GET");
    assert_string_equal(jstr(line, "path", NULL), "/resumes/5");
    assert_string_equal(jstr(line, "status", NULL), "200");
    assert_string_equal(jstr(line, "remote", NULL), "127.0.0.1");
    char bytes[32];
    snprintf(bytes, sizeof(bytes), "%zu", r.body.len);
    assert_string_equal(jstr(line, "bytes", NULL), bytes);
    json_object *v;
    assert_true(json_object_object_get_ex(line, "duration_ms", &v));
    assert_true(json_object_is_type(v, json_type_double));
    assert_true(json_object_get_double(v) >= 0.0 &&
                json_object_get_double(v) < 5000.0);
    assert_true(json_object_object_get_ex(line, "user_id", &v));
    assert_null(v);
    assert_null(strstr(json_object_to_json_string(line), "secret"));
    json_object_put(line);
    result_free(&r);

    /* authenticated: user_id from the context */
    request("GET", "/me",
            (const char *const[]){"Authorization: Bearer user",
                                  "X-Request-ID: log-test-2", NULL},
            NULL, &r);
    line = find_log("\"msg\":\"request\"", "log-test-2");
    assert_non_null(line);
    assert_string_equal(jstr(line, "user_id", NULL), "7");
    json_object_put(line);
    result_free(&r);

    /* lines logged by the handler carry the request id */
    request("GET", "/log",
            (const char *const[]){"X-Request-ID: log-test-3", NULL}, NULL, &r);
    line = find_log("inside the handler", "log-test-3");
    assert_non_null(line);
    json_object_put(line);
    line = find_log("\"msg\":\"request\"", "log-test-3");
    assert_non_null(line);
    assert_string_equal(jstr(line, "status", NULL), "204");
    json_object_put(line);
    result_free(&r);

    /* refusals are logged too, with their status */
    request("DELETE", "/admin",
            (const char *const[]){"X-Request-ID: log-t4", NULL}, NULL, &r);
    line = find_log("\"msg\":\"request\"", "log-t4");
    assert_non_null(line);
    assert_string_equal(jstr(line, "status", NULL), "405");
    json_object_put(line);
    result_free(&r);

    /* quiet routes: debug level only */
    request("GET", "/quiet",
            (const char *const[]){"X-Request-ID: quiet-1", NULL}, NULL, &r);
    assert_int_equal(r.status, 200);
    result_free(&r);
    wait_idle(srv); /* its line is decided before the level changes */
    hk_log_set_level(HAWK_LOG_DEBUG);
    request("GET", "/quiet",
            (const char *const[]){"X-Request-ID: quiet-2", NULL}, NULL, &r);
    result_free(&r);
    line = find_log("\"msg\":\"request\"", "quiet-2");
    hk_log_set_level(HAWK_LOG_INFO);
    assert_non_null(line);
    assert_string_equal(jstr(line, "level", NULL), "debug");
    json_object_put(line);
    assert_false(log_has("quiet-1"));

    /* no context leaks into lines logged outside requests */
    hk_log(HAWK_LOG_INFO, "outside");
    line = find_log("\"msg\":\"outside\"", NULL);
    assert_non_null(line);
    assert_false(json_object_object_get_ex(line, "request_id", &v));
    json_object_put(line);
}

struct slow_call {
    int port;
    struct result r;
    int64_t done_ms;
};

static void *slow_thread(void *arg)
{
    struct slow_call *sc = arg;
    request_to(sc->port, "GET", "/slow", NULL, NULL, 0, false, &sc->r);
    sc->done_ms = hk_mono_ms();
    return NULL;
}

static void test_graceful_stop(void **state)
{
    (void)state;
    struct hk_router *r2 = make_router();
    struct hk_http_opts o = test_opts(3000);
    struct hk_http_server *s2 = NULL;
    char err[256];
    assert_int_equal(hk_http_start(&o, &test_app, r2, &s2, err, sizeof(err)),
                     0);
    int port = hk_http_port(s2);
    struct slow_call sc = {.port = port};
    int done_before = atomic_load(&slow_done);
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, slow_thread, &sc), 0);
    int64_t deadline = hk_mono_ms() + 3000;
    while (hk_http_in_flight(s2) == 0 && hk_mono_ms() < deadline)
        hk_sleep_ms(5);
    assert_int_equal(hk_http_in_flight(s2), 1);
    int64_t t0 = hk_mono_ms();
    hk_http_stop(s2);
    int64_t stopped = hk_mono_ms();
    pthread_join(t, NULL);
    /* stop waited for the handler, and the client got its answer */
    assert_int_equal(atomic_load(&slow_done), done_before + 1);
    assert_true(stopped - t0 >= 300);
    assert_true(stopped - t0 < 2500);
    assert_int_equal(sc.r.status, 200);
    assert_string_equal(hk_buf_str(&sc.r.body), "slow done");
    char v[32];
    assert_true(header(&sc.r, "Connection", v, sizeof(v)));
    assert_string_equal(v, "close");
    result_free(&sc.r);
    /* nothing listens any more */
    struct result r;
    request_to(port, "GET", "/items", NULL, NULL, 0, false, &r);
    assert_int_equal(r.curl_rc, CURLE_COULDNT_CONNECT);
    result_free(&r);
    hk_router_free(r2);
}

static void test_stop_grace_exceeded(void **state)
{
    (void)state;
    struct hk_router *r2 = make_router();
    struct hk_http_opts o = test_opts(50);
    struct hk_http_server *s2 = NULL;
    char err[256];
    assert_int_equal(hk_http_start(&o, &test_app, r2, &s2, err, sizeof(err)),
                     0);
    struct slow_call sc = {.port = hk_http_port(s2)};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, slow_thread, &sc), 0);
    int64_t deadline = hk_mono_ms() + 3000;
    while (hk_http_in_flight(s2) == 0 && hk_mono_ms() < deadline)
        hk_sleep_ms(5);
    clear_log();
    hk_http_stop(s2);
    pthread_join(t, NULL);
    json_object *line = find_log("still in flight", NULL);
    assert_non_null(line);
    assert_string_equal(jstr(line, "level", NULL), "warn");
    json_object_put(line);
    result_free(&sc.r);
    hk_router_free(r2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_port_and_start_errors),
        cmocka_unit_test(test_not_found_shape),
        cmocka_unit_test(test_method_not_allowed),
        cmocka_unit_test(test_refusals_keep_alive),
        cmocka_unit_test(test_body_limits),
        cmocka_unit_test(test_json_bodies),
        cmocka_unit_test(test_request_ids),
        cmocka_unit_test(test_auth_flags),
        cmocka_unit_test(test_path_ids_and_params),
        cmocka_unit_test(test_pagination),
        cmocka_unit_test(test_handler_results),
        cmocka_unit_test(test_log_lines),
        cmocka_unit_test(test_graceful_stop),
        cmocka_unit_test(test_stop_grace_exceeded),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
