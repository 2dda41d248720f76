/*
 * plugin/http_client.c - outbound HTTP for plugins on libcurl.
 *
 * One easy handle per thread is kept for the thread's lifetime and reset
 * between requests: curl_easy_reset() keeps the handle's connection and
 * DNS caches, so consecutive requests to one server reuse the connection
 * (keep-alive, no new TLS handshake).  The handle is freed by a
 * pthread-key destructor when the thread exits, and for the thread that
 * calls hk_http_client_global_cleanup().
 *
 * Policy enforced here for every plugin, so no plugin can weaken it:
 * TLS verification on, redirects off, only http and https, the call's
 * deadline and cancel flag, a response size cap, no signals.  Logs carry
 * the method, the URL without query or credentials, the status and the
 * time; header values and bodies are never logged.
 */
#include "plugin/http_client.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "log/log.h"
#include "plugin/plugins.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/str.h"
#include "util/time.h"
#include "util/version.h"

#define HC_DEFAULT_MAX_RESPONSE ((size_t)16 << 20)
#define HC_MAX_HEADERS 128
/* Largest element size believed for a plugin's array: more is garbage. */
#define HC_MAX_ELEM_SIZE 4096
#define HC_MAX_HEADER_BYTES ((size_t)64 << 10)
#define HC_USER_AGENT "hawk/" HAWK_VERSION

/* Memory behind a hawk_http_resp, owned by the host. */
struct hc_resp_priv {
    struct hk_buf body;
    struct hawk_http_header *headers;
    size_t n_headers;
    size_t header_bytes;
};

/* State of one transfer, shared with the curl callbacks. */
struct hc_xfer {
    struct hawk_call *call;
    const struct hawk_http_req *req;
    struct hc_resp_priv *priv;
    CURL *easy;
    bool status_known;
    bool stream; /* 2xx with a body_sink: bytes go to the sink */
    int sink_rc; /* error returned by the body sink */
    bool too_big;
    bool cancelled;
};

static pthread_key_t hc_key;
static pthread_once_t hc_key_once = PTHREAD_ONCE_INIT;
static atomic_bool hc_key_ok;

static void hc_easy_destroy(void *p)
{
    if (p != NULL)
        curl_easy_cleanup((CURL *)p);
}

static void hc_key_make(void)
{
    if (pthread_key_create(&hc_key, hc_easy_destroy) == 0)
        atomic_store(&hc_key_ok, true);
}

/* The calling thread's easy handle, created on first use; NULL on OOM. */
static CURL *hc_thread_easy(void)
{
    pthread_once(&hc_key_once, hc_key_make);
    if (!atomic_load(&hc_key_ok))
        return NULL;
    CURL *e = pthread_getspecific(hc_key);
    if (e != NULL)
        return e;
    e = curl_easy_init();
    if (e == NULL)
        return NULL;
    if (pthread_setspecific(hc_key, e) != 0) {
        curl_easy_cleanup(e);
        return NULL;
    }
    return e;
}

/*
 * Initialises libcurl once for the process.  Call from main() before any
 * thread starts.  Returns 0 or HAWK_EIO.
 */
int hk_http_client_global_init(void)
{
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return HAWK_EIO;
    pthread_once(&hc_key_once, hc_key_make);
    return 0;
}

/*
 * Frees the calling thread's handle and libcurl's global state.  Call
 * once at exit after every other thread using the client has ended.
 */
void hk_http_client_global_cleanup(void)
{
    if (atomic_load(&hc_key_ok)) {
        CURL *e = pthread_getspecific(hc_key);
        if (e != NULL) {
            pthread_setspecific(hc_key, NULL);
            curl_easy_cleanup(e);
        }
    }
    curl_global_cleanup();
}

/* ---- call context ---------------------------------------------------- */

static int64_t hc_remaining_ms(const struct hawk_call *call)
{
    if (call == NULL || call->deadline_mono_ms <= 0)
        return INT64_MAX;
    return call->deadline_mono_ms - hk_plugin_mono_ms();
}

static bool hc_cancelled(const struct hawk_call *call)
{
    return call != NULL && call->cancel != NULL && atomic_load(call->cancel);
}

/* ---- callbacks -------------------------------------------------------- */

static void hc_headers_clear(struct hc_resp_priv *p)
{
    for (size_t i = 0; i < p->n_headers; i++) {
        hk_free((char *)p->headers[i].name);
        hk_free((char *)p->headers[i].value);
    }
    p->n_headers = 0;
    p->header_bytes = 0;
}

static size_t hc_trim_len(const char *s, size_t n)
{
    while (n > 0 && (s[n - 1] == '\r' || s[n - 1] == '\n' || s[n - 1] == ' ' ||
                     s[n - 1] == '\t'))
        n--;
    return n;
}

static size_t hc_on_header(char *data, size_t size, size_t nitems, void *opaque)
{
    struct hc_xfer *x = opaque;
    struct hc_resp_priv *p = x->priv;
    size_t n = size * nitems;
    size_t len = hc_trim_len(data, n);

    /* A new status line starts a new header block (after 100 Continue
     * or a proxy CONNECT): keep only the final response's headers. */
    if (len >= 5 && memcmp(data, "HTTP/", 5) == 0) {
        hc_headers_clear(p);
        return n;
    }
    const char *colon = memchr(data, ':', len);
    if (len == 0 || colon == NULL || colon == data)
        return n;
    p->header_bytes += n;
    if (p->header_bytes > HC_MAX_HEADER_BYTES ||
        p->n_headers >= HC_MAX_HEADERS) {
        x->too_big = true;
        return 0;
    }
    if (p->headers == NULL)
        p->headers = hk_calloc(HC_MAX_HEADERS, sizeof(*p->headers));
    size_t name_len = (size_t)(colon - data);
    char *name = hk_strndup(data, name_len);
    hk_str_lower(name);
    const char *v = colon + 1;
    const char *end = data + len;
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    p->headers[p->n_headers].name = name;
    p->headers[p->n_headers].value = hk_strndup(v, (size_t)(end - v));
    p->headers[p->n_headers].secret = false;
    p->n_headers++;
    return n;
}

static size_t hc_on_body(char *data, size_t size, size_t nmemb, void *opaque)
{
    struct hc_xfer *x = opaque;
    size_t n = size * nmemb;

    if (!x->status_known) {
        long code = 0;
        curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &code);
        x->status_known = true;
        x->stream = x->req->body_sink != NULL && code >= 200 && code < 300;
    }
    if (x->stream) {
        struct hawk_text_sink *s = x->req->body_sink;
        int rc = s->write(s, data, n);
        if (rc < 0) {
            x->sink_rc = rc;
            return 0;
        }
        return n;
    }
    int rc = hk_buf_append(&x->priv->body, data, n);
    if (rc < 0) {
        x->too_big = true;
        return 0;
    }
    return n;
}

static int hc_on_progress(void *opaque, curl_off_t dltotal, curl_off_t dlnow,
                          curl_off_t ultotal, curl_off_t ulnow)
{
    struct hc_xfer *x = opaque;
    (void)dltotal;
    (void)dlnow;
    (void)ultotal;
    (void)ulnow;
    if (hc_cancelled(x->call)) {
        x->cancelled = true;
        return 1;
    }
    return 0;
}

/* ---- helpers ---------------------------------------------------------- */

/* Copies the URL without userinfo, query and fragment into out, for logs
 * and error messages (queries may carry tokens and signatures). */
static void hc_url_for_log(const char *url, char *out, size_t out_size)
{
    const char *scheme_end = strstr(url, "://");
    const char *host = scheme_end != NULL ? scheme_end + 3 : url;
    size_t host_span = strcspn(host, "/?#");
    const char *at = memchr(host, '@', host_span);
    struct hk_buf b;

    hk_buf_init(&b, out_size > 1 ? out_size - 1 : 1);
    if (scheme_end != NULL)
        (void)hk_buf_append(&b, url, (size_t)(host - url));
    if (at != NULL)
        host = at + 1;
    (void)hk_buf_append(&b, host, strcspn(host, "?#"));
    hk_strlcpy(out, hk_buf_str(&b), out_size);
    hk_buf_release(&b);
}

static bool hc_header_token_ok(const char *s)
{
    if (s == NULL || *s == '\0')
        return false;
    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;
        if (c <= 32 || c >= 127 || c == ':')
            return false;
    }
    return true;
}

static bool hc_header_value_ok(const char *s)
{
    for (; *s != '\0'; s++) {
        if (*s == '\r' || *s == '\n')
            return false;
    }
    return true;
}

/* Header i of a plugin's request, at the element size the plugin's build
 * declared (checked by hc_check_req). */
static const struct hawk_http_header *hc_req_header(
    const struct hawk_http_req *req, size_t i)
{
    return HAWK_AT(hawk_http_header, req->headers, req->header_size, i);
}

static bool hc_has_header(const struct hawk_http_req *req, const char *name)
{
    for (size_t i = 0; i < req->n_headers; i++) {
        if (hk_str_ieq(hc_req_header(req, i)->name, name))
            return true;
    }
    return false;
}

/* Builds the header list; HAWK_EINVAL on a name or value that would
 * allow header injection. */
static int hc_build_headers(const struct hawk_http_req *req,
                            struct curl_slist **out, struct hawk_error *err)
{
    struct curl_slist *list = NULL;

    for (size_t i = 0; i < req->n_headers; i++) {
        const struct hawk_http_header *h = hc_req_header(req, i);
        if (!hc_header_token_ok(h->name) || h->value == NULL ||
            !hc_header_value_ok(h->value)) {
            curl_slist_free_all(list);
            HAWK_ERR_SET(err, HAWK_EINVAL, false, 0,
                         "invalid http header '%.64s'",
                         h->name != NULL ? h->name : "(null)");
            return HAWK_EINVAL;
        }
        /* "Name;" is curl's way to send a header with an empty value. */
        char *line = h->value[0] == '\0'
                         ? hk_asprintf("%s;", h->name)
                         : hk_asprintf("%s: %s", h->name, h->value);
        struct curl_slist *n = curl_slist_append(list, line);
        hk_free_secret(line);
        if (n == NULL) {
            curl_slist_free_all(list);
            HAWK_ERR_SET(err, HAWK_ENOMEM, false, 0, "out of memory");
            return HAWK_ENOMEM;
        }
        list = n;
    }
    /* No "Expect: 100-continue" round trip for large bodies.  Not with
     * SigV4: libcurl 7.88 signs the empty "Expect:" it then leaves out,
     * so the server computes another signature (403). */
    if (!hc_has_header(req, "expect") && req->aws_sigv4 == NULL) {
        struct curl_slist *n = curl_slist_append(list, "Expect:");
        if (n == NULL) {
            curl_slist_free_all(list);
            HAWK_ERR_SET(err, HAWK_ENOMEM, false, 0, "out of memory");
            return HAWK_ENOMEM;
        }
        list = n;
    }
    *out = list;
    return 0;
}

static int hc_set_method(CURL *e, const struct hawk_http_req *req)
{
    const char *m = req->method;
    bool has_body = req->body != NULL;

    if (strcmp(m, "GET") == 0 && !has_body)
        return curl_easy_setopt(e, CURLOPT_HTTPGET, 1L) == CURLE_OK ? 0 : -1;
    if (strcmp(m, "HEAD") == 0)
        return curl_easy_setopt(e, CURLOPT_NOBODY, 1L) == CURLE_OK ? 0 : -1;
    if (has_body || strcmp(m, "POST") == 0 || strcmp(m, "PUT") == 0 ||
        strcmp(m, "PATCH") == 0) {
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
                         (curl_off_t)(has_body ? req->body_len : 0));
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, has_body ? req->body : "");
    }
    if (strcmp(m, "POST") != 0)
        curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, m);
    return 0;
}

static bool hc_method_ok(const char *m)
{
    static const char *const ok[] = {"GET",   "HEAD",   "POST",   "PUT",
                                     "PATCH", "DELETE", "OPTIONS"};
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        if (strcmp(m, ok[i]) == 0)
            return true;
    }
    return false;
}

/* Maps a failed transfer to a status code and a message. */
static int hc_map_error(const struct hc_xfer *x, CURLcode cc,
                        const char *errbuf, const char *url_log,
                        int64_t timeout_ms, struct hawk_error *err)
{
    const char *detail = errbuf[0] != '\0' ? errbuf : curl_easy_strerror(cc);

    if (x->cancelled || (cc == CURLE_ABORTED_BY_CALLBACK && x->sink_rc == 0)) {
        HAWK_ERR_SET(err, HAWK_ECANCELED, false, 0, "request to %s cancelled",
                     url_log);
        return HAWK_ECANCELED;
    }
    if (x->sink_rc < 0) {
        HAWK_ERR_SET(err, x->sink_rc, false, 0,
                     "response from %s rejected by the reader: %.40s", url_log,
                     hawk_strerror(x->sink_rc));
        return x->sink_rc;
    }
    if (x->too_big) {
        HAWK_ERR_SET(err, HAWK_ETOOBIG, false, 0,
                     "response from %s exceeds the %zu byte limit", url_log,
                     x->req->max_response_bytes ? x->req->max_response_bytes
                                                : HC_DEFAULT_MAX_RESPONSE);
        return HAWK_ETOOBIG;
    }
    switch (cc) {
    case CURLE_OPERATION_TIMEDOUT:
        HAWK_ERR_SET(err, HAWK_ETIMEDOUT, true, 0,
                     "request to %s timed out after %lld ms", url_log,
                     (long long)timeout_ms);
        return HAWK_ETIMEDOUT;
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
        HAWK_ERR_SET(err, HAWK_EUNAVAIL, true, 0, "cannot connect to %s: %.80s",
                     url_log, detail);
        return HAWK_EUNAVAIL;
    case CURLE_GOT_NOTHING:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
        HAWK_ERR_SET(err, HAWK_EIO, true, 0,
                     "connection to %s failed mid-request: %.80s", url_log,
                     detail);
        return HAWK_EIO;
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
        HAWK_ERR_SET(err, HAWK_EINVAL, false, 0, "invalid url %s: %.80s",
                     url_log, detail);
        return HAWK_EINVAL;
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CACERT_BADFILE:
        HAWK_ERR_SET(err, HAWK_EIO, false, 0, "tls error with %s: %.80s",
                     url_log, detail);
        return HAWK_EIO;
    default:
        HAWK_ERR_SET(err, HAWK_EIO, false, 0, "request to %s failed: %.80s",
                     url_log, detail);
        return HAWK_EIO;
    }
}

static void hc_log(const char *method, const char *url_log, int status,
                   double ms, size_t bytes, int rc)
{
    if (!hk_log_enabled(HAWK_LOG_DEBUG))
        return;
    struct hk_buf f;
    hk_buf_init(&f, 4096);
    (void)hk_buf_puts(&f, "{\"method\":");
    (void)hk_buf_json_str(&f, method, strlen(method));
    (void)hk_buf_puts(&f, ",\"url\":");
    (void)hk_buf_json_str(&f, url_log, strlen(url_log));
    (void)hk_buf_printf(&f, ",\"status\":%d,\"ms\":%.1f,\"bytes\":%zu", status,
                        ms, bytes);
    if (rc < 0)
        (void)hk_buf_printf(&f, ",\"error\":\"%s\"", hawk_err_name(rc));
    (void)hk_buf_putc(&f, '}');
    hk_log_fields(HAWK_LOG_DEBUG, "http request", hk_buf_str(&f));
    hk_buf_release(&f);
}

static void hc_priv_free(struct hc_resp_priv *p)
{
    if (p == NULL)
        return;
    hc_headers_clear(p);
    hk_free(p->headers);
    hk_buf_release(&p->body);
    hk_free(p);
}

/* Applies every option of one request to a freshly reset handle. */
static int hc_setup(CURL *e, struct hc_xfer *x, struct curl_slist *headers,
                    int64_t timeout_ms, char *errbuf)
{
    const struct hawk_http_req *req = x->req;

    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(e, CURLOPT_URL, req->url);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(e, CURLOPT_USERAGENT, HC_USER_AGENT);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, hc_on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, x);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, hc_on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
    curl_easy_setopt(e, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(e, CURLOPT_XFERINFOFUNCTION, hc_on_progress);
    curl_easy_setopt(e, CURLOPT_XFERINFODATA, x);
    if (timeout_ms > 0 && timeout_ms < INT64_MAX)
        curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
    if (req->aws_sigv4 != NULL) {
        curl_easy_setopt(e, CURLOPT_AWS_SIGV4, req->aws_sigv4);
        if (req->user_pwd != NULL)
            curl_easy_setopt(e, CURLOPT_USERPWD, req->user_pwd);
    } else if (req->user_pwd != NULL) {
        curl_easy_setopt(e, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
        curl_easy_setopt(e, CURLOPT_USERPWD, req->user_pwd);
    }
    return hc_set_method(e, req);
}

static int hc_check_req(const struct hawk_http_req *req, struct hawk_error *err)
{
    /* The 1.0 size: a plugin built before fields were appended to the
     * request still works. */
    if (req == NULL || req->struct_size < HAWK_HTTP_REQ_SIZE_1_0 ||
        req->method == NULL || req->url == NULL) {
        HAWK_ERR_SET(err, HAWK_EINVAL, false, 0, "invalid http request");
        return HAWK_EINVAL;
    }
    if (!hc_method_ok(req->method)) {
        HAWK_ERR_SET(err, HAWK_EINVAL, false, 0,
                     "unsupported http method '%.16s'", req->method);
        return HAWK_EINVAL;
    }
    if (!hk_str_has_prefix(req->url, "http://") &&
        !hk_str_has_prefix(req->url, "https://")) {
        HAWK_ERR_SET(err, HAWK_EINVAL, false, 0,
                     "url must start with http:// or https://");
        return HAWK_EINVAL;
    }
    if (req->n_headers > 0 && req->headers == NULL) {
        HAWK_ERR_SET(err, HAWK_EINVAL, false, 0, "invalid http request");
        return HAWK_EINVAL;
    }
    if (req->n_headers > 0 && (req->header_size < HAWK_HTTP_HEADER_SIZE_1_0 ||
                               req->header_size > HC_MAX_ELEM_SIZE)) {
        HAWK_ERR_SET(err, HAWK_EINVAL, false, 0,
                     "invalid http request: header_size is %zu; set it to "
                     "sizeof(struct hawk_http_header)",
                     req->header_size);
        return HAWK_EINVAL;
    }
    return 0;
}

/* resp is the plugin's, declared with its build's header, possibly 1.0
 * and smaller than ours, and often not initialised at all: only its 1.0
 * fields are written (a later minor that adds fields writes them only
 * where the caller's struct_size, set before the call, says they fit). */
static void hc_resp_reset(struct hawk_http_resp *resp)
{
    resp->struct_size = HAWK_HTTP_RESP_SIZE_1_0;
    resp->status = 0;
    resp->body = NULL;
    resp->body_len = 0;
    resp->headers = NULL;
    resp->n_headers = 0;
    resp->header_size = sizeof(struct hawk_http_header);
    resp->total_ms = 0;
    resp->host_private_ = NULL;
}

/*
 * Performs one HTTP request for a plugin (see struct hawk_http_req and
 * hawk_host_api.http_request).  The per-request timeout is the smaller of
 * req->timeout_ms and the call's remaining time.  With req->body_sink
 * set, a 2xx body is streamed to the sink; other statuses are collected
 * into resp->body so the caller can read the error.  resp is always
 * initialised; the caller releases it with hk_http_client_response_free()
 * whatever the return.  Returns 0 when a response arrived (any status),
 * else HAWK_EINVAL (bad request), HAWK_ETIMEDOUT and HAWK_EUNAVAIL
 * (retryable), HAWK_EIO (retryable when the connection broke),
 * HAWK_ECANCELED, HAWK_ETOOBIG or the body sink's error.  Thread-safe.
 */
int hk_http_client_request(struct hawk_call *call,
                           const struct hawk_http_req *req,
                           struct hawk_http_resp *resp, struct hawk_error *err)
{
    char url_log[128];
    char errbuf[CURL_ERROR_SIZE];
    struct curl_slist *headers = NULL;
    struct hc_xfer x;
    int64_t t0 = hk_mono_us();
    int rc;

    hc_resp_reset(resp);
    /* err is the plugin's and may be a 1.0 one, smaller than ours:
     * only its 1.0 fields are touched, here and by HAWK_ERR_SET. */
    if (err != NULL) {
        err->code = 0;
        err->retryable = false;
        err->http_status = 0;
        err->retry_after_ms = 0;
        err->msg[0] = '\0';
    }
    rc = hc_check_req(req, err);
    if (rc < 0)
        return rc;
    hc_url_for_log(req->url, url_log, sizeof(url_log));

    if (hc_cancelled(call)) {
        HAWK_ERR_SET(err, HAWK_ECANCELED, false, 0, "request to %s cancelled",
                     url_log);
        return HAWK_ECANCELED;
    }
    int64_t timeout_ms = hc_remaining_ms(call);
    if (req->timeout_ms > 0 && req->timeout_ms < timeout_ms)
        timeout_ms = req->timeout_ms;
    if (timeout_ms <= 0) {
        HAWK_ERR_SET(err, HAWK_ETIMEDOUT, true, 0,
                     "request to %s not sent: the call's deadline has passed",
                     url_log);
        return HAWK_ETIMEDOUT;
    }

    CURL *e = hc_thread_easy();
    if (e == NULL) {
        HAWK_ERR_SET(err, HAWK_ENOMEM, false, 0, "cannot create http handle");
        return HAWK_ENOMEM;
    }
    rc = hc_build_headers(req, &headers, err);
    if (rc < 0)
        return rc;

    struct hc_resp_priv *priv = hk_calloc(1, sizeof(*priv));
    hk_buf_init(&priv->body, req->max_response_bytes ? req->max_response_bytes
                                                     : HC_DEFAULT_MAX_RESPONSE);
    resp->host_private_ = priv;
    memset(&x, 0, sizeof(x));
    x.call = call;
    x.req = req;
    x.priv = priv;
    x.easy = e;
    errbuf[0] = '\0';

    curl_easy_reset(e);
    CURLcode cc = CURLE_OK;
    if (hc_setup(e, &x, headers, timeout_ms, errbuf) < 0)
        cc = CURLE_FAILED_INIT;
    else
        cc = curl_easy_perform(e);

    long status = 0;
    if (cc == CURLE_OK) {
        curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
        resp->status = (int)status;
        rc = 0;
    } else {
        rc = hc_map_error(&x, cc, errbuf, url_log, timeout_ms, err);
    }
    /* The handle keeps pointers to our header list and buffers: drop
     * them now so nothing dangles until the next reset. */
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, NULL);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, NULL);
    curl_slist_free_all(headers);

    if (priv->body.data == NULL)
        (void)hk_buf_append(&priv->body, "", 0);
    resp->body = priv->body.data != NULL ? priv->body.data : "";
    resp->body_len = priv->body.len;
    resp->headers = priv->headers;
    resp->n_headers = priv->n_headers;
    resp->header_size = sizeof(*priv->headers);
    resp->total_ms = (double)(hk_mono_us() - t0) / 1000.0;
    if (rc < 0)
        resp->status = 0;
    hc_log(req->method, url_log, resp->status, resp->total_ms, priv->body.len,
           rc);
    return rc;
}

/*
 * Releases what hk_http_client_request() put in resp and zeroes it.
 * Accepts a zeroed or already released resp.
 */
void hk_http_client_response_free(struct hawk_http_resp *resp)
{
    if (resp == NULL)
        return;
    hc_priv_free(resp->host_private_);
    hc_resp_reset(resp);
}
