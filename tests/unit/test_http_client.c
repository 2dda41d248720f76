/*
 * Unit tests of the host's outbound HTTP client (plugin/http_client.c)
 * against a small HTTP server running in a thread of this test: status
 * and headers, the response size cap, the call's deadline and cancel
 * flag, redirects not followed, only http/https, header injection
 * refused, streaming to a sink only for 2xx, connection reuse, and log
 * lines without query strings or header values.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "log/log.h"
#include "plugin/http_client.h"
#include "plugin/plugins.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/str.h"
#include "util/time.h"

/* ---- the test server ------------------------------------------------------ */

struct server {
    int fd;
    int port;
    pthread_t th;
    atomic_bool stop;
    /* What to answer (set by each test before the request). */
    const char *reply; /* full raw response */
    int delay_ms;      /* before replying */
    /* What came in. */
    char last_request[8192];
    atomic_int connections;
    atomic_int requests;
};

static struct server srv;

/* Reads one request (headers + Content-Length body); false on EOF. */
static bool read_request(int c, char *buf, size_t cap)
{
    size_t n = 0;
    buf[0] = '\0';
    for (;;) {
        ssize_t r = recv(c, buf + n, cap - 1 - n, 0);
        if (r <= 0)
            return false;
        n += (size_t)r;
        buf[n] = '\0';
        char *end = strstr(buf, "\r\n\r\n");
        if (end == NULL)
            continue;
        size_t body = 0;
        char *cl = strcasestr(buf, "content-length:");
        if (cl != NULL)
            body = (size_t)strtoul(cl + 15, NULL, 10);
        if (n >= (size_t)(end + 4 - buf) + body)
            return true;
    }
}

static void *serve(void *arg)
{
    (void)arg;
    while (!atomic_load(&srv.stop)) {
        int c = accept(srv.fd, NULL, NULL);
        if (c < 0)
            continue;
        atomic_fetch_add(&srv.connections, 1);
        char req[8192];
        while (!atomic_load(&srv.stop) && read_request(c, req, sizeof(req))) {
            hk_strlcpy(srv.last_request, req, sizeof(srv.last_request));
            atomic_fetch_add(&srv.requests, 1);
            if (srv.delay_ms > 0)
                hk_sleep_ms(srv.delay_ms);
            const char *r = srv.reply;
            if (send(c, r, strlen(r), MSG_NOSIGNAL) < 0)
                break;
        }
        close(c);
    }
    return NULL;
}

static int setup(void **state)
{
    (void)state;
    struct sockaddr_in a;
    socklen_t len = sizeof(a);
    memset(&srv, 0, sizeof(srv));
    srv.fd = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(srv.fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(srv.fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(listen(srv.fd, 16), 0);
    getsockname(srv.fd, (struct sockaddr *)&a, &len);
    srv.port = ntohs(a.sin_port);
    pthread_create(&srv.th, NULL, serve, NULL);
    assert_int_equal(hk_http_client_global_init(), 0);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    atomic_store(&srv.stop, true);
    shutdown(srv.fd, SHUT_RDWR);
    close(srv.fd);
    pthread_join(srv.th, NULL);
    hk_http_client_global_cleanup();
    return 0;
}

static char url_buf[256];
static const char *url(const char *path)
{
    snprintf(url_buf, sizeof(url_buf), "http://127.0.0.1:%d%s", srv.port, path);
    return url_buf;
}

static void req_init(struct hawk_http_req *r, const char *method, const char *u)
{
    memset(r, 0, sizeof(*r));
    r->struct_size = sizeof(*r);
    r->method = method;
    r->url = u;
}

/* ---- log capture ------------------------------------------------------------ */

static struct hk_buf logs;

static void capture(void *opaque, const char *line, size_t len)
{
    (void)opaque;
    (void)hk_buf_append(&logs, line, len);
}

/* ---- tests -------------------------------------------------------------------- */

static void test_status_headers_body(void **state)
{
    (void)state;
    struct hawk_http_req r;
    struct hawk_http_resp resp;
    struct hawk_error err;
    struct hawk_call call;
    struct hawk_http_header h[] = {
        {"Authorization", "Bearer s3cr3t-v4lue", true}, {"X-Empty", "", false}};
    srv.reply =
        "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\n"
        "X-Request-ID: req_1\r\nContent-Length: 11\r\n\r\n{\"ok\":true}";
    srv.delay_ms = 0;
    hk_buf_init(&logs, 0);
    hk_log_set_sink(capture, NULL);
    hk_log_set_level(HAWK_LOG_DEBUG);
    hk_call_init(&call, 0, "t1", 5000, NULL);
    req_init(&r, "POST", url("/v1/x?api_key=hidden&b=2"));
    r.headers = h;
    r.n_headers = 2;
    r.header_size = sizeof(struct hawk_http_header);
    r.body = "{\"a\":1}";
    r.body_len = 7;
    assert_int_equal(hk_http_client_request(&call, &r, &resp, &err), 0);
    assert_int_equal(resp.status, 201);
    assert_int_equal(resp.body_len, 11);
    assert_string_equal(resp.body, "{\"ok\":true}");
    bool found = false;
    for (size_t i = 0; i < resp.n_headers; i++) {
        if (strcmp(resp.headers[i].name, "x-request-id") == 0) {
            assert_string_equal(resp.headers[i].value, "req_1");
            found = true;
        }
    }
    assert_true(found);
    assert_non_null(
        strstr(srv.last_request, "POST /v1/x?api_key=hidden&b=2 HTTP/1.1"));
    assert_non_null(
        strstr(srv.last_request, "Authorization: Bearer s3cr3t-v4lue"));
    assert_non_null(strstr(srv.last_request, "X-Empty:"));
    assert_null(strstr(srv.last_request, "Expect:"));
    assert_non_null(strstr(srv.last_request, "{\"a\":1}"));
    hk_http_client_response_free(&resp);

    /* One debug line: method, URL without the query, status, time. */
    const char *l = hk_buf_str(&logs);
    assert_non_null(strstr(l, "\"msg\":\"http request\""));
    assert_non_null(strstr(l, "\"method\":\"POST\""));
    assert_non_null(strstr(l, "/v1/x\""));
    assert_non_null(strstr(l, "\"status\":201"));
    assert_null(strstr(l, "hidden"));
    assert_null(strstr(l, "s3cr3t"));
    hk_log_set_sink(NULL, NULL);
    hk_log_set_level(HAWK_LOG_INFO);
    hk_buf_release(&logs);
}

static void test_connection_reused(void **state)
{
    (void)state;
    struct hawk_http_req r;
    struct hawk_http_resp resp;
    struct hawk_error err;
    srv.reply = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    int before = atomic_load(&srv.connections);
    for (int i = 0; i < 5; i++) {
        req_init(&r, "GET", url("/again"));
        assert_int_equal(hk_http_client_request(NULL, &r, &resp, &err), 0);
        assert_int_equal(resp.status, 200);
        hk_http_client_response_free(&resp);
    }
    assert_true(atomic_load(&srv.connections) - before <= 1);
}

static void test_size_cap(void **state)
{
    (void)state;
    struct hawk_http_req r;
    struct hawk_http_resp resp;
    struct hawk_error err;
    srv.reply = "HTTP/1.1 200 OK\r\nContent-Length: 40\r\n\r\n"
                "0123456789012345678901234567890123456789";
    req_init(&r, "GET", url("/big"));
    r.max_response_bytes = 16;
    assert_int_equal(hk_http_client_request(NULL, &r, &resp, &err),
                     HAWK_ETOOBIG);
    assert_int_equal(err.code, HAWK_ETOOBIG);
    assert_false(err.retryable);
    assert_non_null(strstr(err.msg, "exceeds the 16 byte limit"));
    assert_int_equal(resp.status, 0);
    hk_http_client_response_free(&resp);
}

static void test_timeouts(void **state)
{
    (void)state;
    struct hawk_http_req r;
    struct hawk_http_resp resp;
    struct hawk_error err;
    struct hawk_call call;
    srv.reply = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    srv.delay_ms = 600;
    /* The request's own timeout. */
    req_init(&r, "GET", url("/slow"));
    r.timeout_ms = 150;
    int64_t t0 = hk_mono_ms();
    assert_int_equal(hk_http_client_request(NULL, &r, &resp, &err),
                     HAWK_ETIMEDOUT);
    assert_true(err.retryable);
    assert_true(hk_mono_ms() - t0 < 500);
    hk_http_client_response_free(&resp);
    /* The call's deadline is shorter than the request's timeout. */
    hk_call_init(&call, 0, "t2", 150, NULL);
    r.timeout_ms = 5000;
    t0 = hk_mono_ms();
    assert_int_equal(hk_http_client_request(&call, &r, &resp, &err),
                     HAWK_ETIMEDOUT);
    assert_true(hk_mono_ms() - t0 < 500);
    hk_http_client_response_free(&resp);
    /* A deadline already past sends nothing. */
    hk_call_init(&call, 0, "t3", 1, NULL);
    hk_sleep_ms(5);
    req_init(&r, "GET", url("/never-sent"));
    assert_int_equal(hk_http_client_request(&call, &r, &resp, &err),
                     HAWK_ETIMEDOUT);
    assert_non_null(strstr(err.msg, "not sent"));
    hk_http_client_response_free(&resp);
    hk_sleep_ms(1300); /* let the server finish the stalled replies */
    srv.delay_ms = 0;
    assert_null(strstr(srv.last_request, "/never-sent"));
}

static atomic_bool cancel_flag;

static void *cancel_later(void *arg)
{
    (void)arg;
    hk_sleep_ms(100);
    atomic_store(&cancel_flag, true);
    return NULL;
}

static void test_cancel(void **state)
{
    (void)state;
    struct hawk_http_req r;
    struct hawk_http_resp resp;
    struct hawk_error err;
    struct hawk_call call;
    pthread_t th;
    srv.reply = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    srv.delay_ms = 800;
    atomic_store(&cancel_flag, false);
    hk_call_init(&call, 0, "t4", 10000, &cancel_flag);
    req_init(&r, "GET", url("/cancel"));
    pthread_create(&th, NULL, cancel_later, NULL);
    int64_t t0 = hk_mono_ms();
    assert_int_equal(hk_http_client_request(&call, &r, &resp, &err),
                     HAWK_ECANCELED);
    assert_true(hk_mono_ms() - t0 < 600);
    assert_false(err.retryable);
    pthread_join(th, NULL);
    hk_http_client_response_free(&resp);
    /* Already cancelled: nothing is sent. */
    assert_int_equal(hk_http_client_request(&call, &r, &resp, &err),
                     HAWK_ECANCELED);
    hk_http_client_response_free(&resp);
    hk_sleep_ms(900);
    srv.delay_ms = 0;
}

static void test_policy(void **state)
{
    (void)state;
    struct hawk_http_req r;
    struct hawk_http_resp resp;
    struct hawk_error err;
    struct hawk_http_header bad[] = {{"X-A", "v\r\nInjected: 1", false}};
    struct hawk_http_header badname[] = {{"X A", "v", false}};

    srv.reply = "HTTP/1.1 302 Found\r\nLocation: http://example.invalid/\r\n"
                "Content-Length: 0\r\n\r\n";
    req_init(&r, "GET", url("/redirect"));
    assert_int_equal(hk_http_client_request(NULL, &r, &resp, &err), 0);
    assert_int_equal(resp.status, 302);
    hk_http_client_response_free(&resp);

    req_init(&r, "GET", "ftp://127.0.0.1/x");
    assert_int_equal(hk_http_client_request(NULL, &r, &resp, &err),
                     HAWK_EINVAL);
    hk_http_client_response_free(&resp);
    req_init(&r, "TRACE", url("/"));
    assert_int_equal(hk_http_client_request(NULL, &r, &resp, &err),
                     HAWK_EINVAL);
    hk_http_client_response_free(&resp);
    int n = atomic_load(&srv.requests);
    req_init(&r, "GET", url("/inject"));
    r.headers = bad;
    r.n_headers = 1;
    r.header_size = sizeof(struct hawk_http_header);
    assert_int_equal(hk_http_client_request(NULL, &r, &resp, &err),
                     HAWK_EINVAL);
    hk_http_client_response_free(&resp);
    r.headers = badname;
    assert_int_equal(hk_http_client_request(NULL, &r, &resp, &err),
                     HAWK_EINVAL);
    hk_http_client_response_free(&resp);
    /* A header array without its element size is refused, saying how to
     * fix it, and nothing is sent. */
    struct hawk_http_header ok[] = {{"X-A", "v", false}};
    r.headers = ok;
    r.header_size = 0;
    assert_int_equal(hk_http_client_request(NULL, &r, &resp, &err),
                     HAWK_EINVAL);
    assert_string_equal(err.msg, "invalid http request: header_size is 0; set "
                                 "it to sizeof(struct hawk_http_header)");
    hk_http_client_response_free(&resp);
    assert_int_equal(atomic_load(&srv.requests), n);
}

static void test_unreachable(void **state)
{
    (void)state;
    struct hawk_http_req r;
    struct hawk_http_resp resp;
    struct hawk_error err;
    /* A port nobody listens on: bind one, close it. */
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    socklen_t len = sizeof(a);
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(s, (struct sockaddr *)&a, sizeof(a));
    getsockname(s, (struct sockaddr *)&a, &len);
    close(s);
    char u[64];
    snprintf(u, sizeof(u), "http://127.0.0.1:%d/", ntohs(a.sin_port));
    req_init(&r, "GET", u);
    assert_int_equal(hk_http_client_request(NULL, &r, &resp, &err),
                     HAWK_EUNAVAIL);
    assert_true(err.retryable);
    assert_non_null(strstr(err.msg, "cannot connect to"));
    hk_http_client_response_free(&resp);
}

struct collect {
    struct hawk_text_sink sink;
    struct hk_buf b;
    int fail_after;
};

static int collect_write(struct hawk_text_sink *s, const char *data, size_t len)
{
    struct collect *c = (struct collect *)s;
    if (c->fail_after >= 0 && (int)c->b.len >= c->fail_after)
        return HAWK_EPROTO;
    return hk_buf_append(&c->b, data, len);
}

static void test_body_sink(void **state)
{
    (void)state;
    struct hawk_http_req r;
    struct hawk_http_resp resp;
    struct hawk_error err;
    struct collect c = {{NULL, collect_write}, {0}, -1};
    hk_buf_init(&c.b, 0);

    srv.reply = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";
    req_init(&r, "GET", url("/stream"));
    r.body_sink = &c.sink;
    assert_int_equal(hk_http_client_request(NULL, &r, &resp, &err), 0);
    assert_string_equal(hk_buf_str(&c.b), "hello");
    assert_int_equal(resp.body_len, 0);
    hk_http_client_response_free(&resp);

    /* An error status is kept for the caller, not streamed. */
    hk_buf_reset(&c.b);
    srv.reply = "HTTP/1.1 429 Too Many\r\nContent-Length: 4\r\n\r\nslow";
    assert_int_equal(hk_http_client_request(NULL, &r, &resp, &err), 0);
    assert_int_equal(resp.status, 429);
    assert_string_equal(resp.body, "slow");
    assert_int_equal(c.b.len, 0);
    hk_http_client_response_free(&resp);

    /* The sink's error stops the transfer and is returned. */
    srv.reply = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";
    c.fail_after = 0;
    assert_int_equal(hk_http_client_request(NULL, &r, &resp, &err),
                     HAWK_EPROTO);
    hk_http_client_response_free(&resp);
    hk_buf_release(&c.b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_status_headers_body),
        cmocka_unit_test(test_connection_reused),
        cmocka_unit_test(test_size_cap),
        cmocka_unit_test(test_timeouts),
        cmocka_unit_test(test_cancel),
        cmocka_unit_test(test_policy),
        cmocka_unit_test(test_unreachable),
        cmocka_unit_test(test_body_sink),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
