/*
 * plugin/host_api.c - the host API table every plugin receives, the call
 * context helpers, and the plugin clock (real or virtual for tests).
 */
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log/log.h"
#include "plugin/http_client.h"
#include "plugin/internal.h"
#include "plugin/metrics.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/str.h"
#include "util/time.h"

/* Longest real sleep between cancel/deadline checks. */
#define SLEEP_SLICE_MS 20

/* -1: not decided yet; 0: real clock; 1: virtual clock. */
static atomic_int g_test_clock = -1;
/* Virtual clock: real readings taken at first use plus the time slept. */
static _Atomic int64_t g_virt_wall0, g_virt_mono0, g_virt_slept;

/* ------------------------------------------------------------------------
 * Clock
 * --------------------------------------------------------------------- */

/* See plugins.h. */
bool hk_plugin_test_clock(void)
{
    int v = atomic_load(&g_test_clock);
    if (v < 0) {
#ifdef HAWK_TEST_SEAMS
        const char *e = getenv("HAWK_TEST_CLOCK");
        v = e != NULL && e[0] != '\0' && strcmp(e, "0") != 0;
#else
        v = 0; /* production builds: the real clock, whatever the env says */
#endif
        int expected = -1;
        atomic_compare_exchange_strong(&g_test_clock, &expected, v);
        v = atomic_load(&g_test_clock);
    }
    return v == 1;
}

/* See plugins.h. */
void hk_plugin_set_test_clock(bool on)
{
    atomic_store(&g_test_clock, on ? 1 : 0);
}

/* Reads a virtual clock origin, taking it from the real clock once. */
static int64_t virt_origin(_Atomic int64_t *origin, int64_t now)
{
    int64_t expected = 0;
    atomic_compare_exchange_strong(origin, &expected, now);
    return atomic_load(origin);
}

/* See plugins.h. */
int64_t hk_plugin_wall_ms(void)
{
    if (!hk_plugin_test_clock())
        return hk_wall_ms();
    return virt_origin(&g_virt_wall0, hk_wall_ms()) +
           atomic_load(&g_virt_slept);
}

/* See plugins.h. */
int64_t hk_plugin_mono_ms(void)
{
    if (!hk_plugin_test_clock())
        return hk_mono_ms();
    return virt_origin(&g_virt_mono0, hk_mono_ms()) +
           atomic_load(&g_virt_slept);
}

/* ------------------------------------------------------------------------
 * Call contexts
 * --------------------------------------------------------------------- */

/* See plugins.h. */
void hk_call_init(struct hawk_call *call, int64_t user_id,
                  const char *request_id, int64_t timeout_ms,
                  const atomic_bool *cancel)
{
    memset(call, 0, sizeof(*call));
    call->user_id = user_id;
    if (request_id == NULL)
        request_id = hk_log_ctx_request_id();
    if (request_id != NULL && request_id[0] != '\0') {
        hk_strlcpy(call->request_id, request_id, sizeof(call->request_id));
    } else {
        unsigned char raw[8];
        if (hk_random_bytes(raw, sizeof(raw)) == 0)
            hk_hex_encode(raw, sizeof(raw), call->request_id);
    }
    call->deadline_mono_ms =
        timeout_ms > 0 ? hk_plugin_mono_ms() + timeout_ms : 0;
    call->cancel = cancel;
}

static bool api_call_cancelled(const struct hawk_call *call)
{
    return call != NULL && call->cancel != NULL && atomic_load(call->cancel);
}

static int64_t api_call_remaining_ms(const struct hawk_call *call)
{
    if (call == NULL || call->deadline_mono_ms == 0)
        return INT64_MAX;
    int64_t left = call->deadline_mono_ms - hk_plugin_mono_ms();
    return left > 0 ? left : 0;
}

static int64_t api_call_user_id(const struct hawk_call *call)
{
    return call != NULL ? call->user_id : 0;
}

static const char *api_call_request_id(const struct hawk_call *call)
{
    return call != NULL ? call->request_id : "";
}

static int64_t api_now_ms(struct hawk_host *h)
{
    (void)h;
    return hk_plugin_wall_ms();
}

static int sleep_virtual(struct hawk_call *call, int64_t ms)
{
    int rc = 0;
    int64_t left = api_call_remaining_ms(call);
    if (left == 0)
        return HAWK_ETIMEDOUT;
    if (ms > left) {
        ms = left;
        rc = HAWK_ETIMEDOUT;
    }
    atomic_fetch_add(&g_virt_slept, ms);
    char fields[64];
    snprintf(fields, sizeof(fields), "{\"ms\":%lld}", (long long)ms);
    hk_log_fields(HAWK_LOG_INFO, "plugin sleep", fields);
    return rc;
}

static int api_sleep_ms(struct hawk_call *call, int64_t ms)
{
    if (api_call_cancelled(call))
        return HAWK_ECANCELED;
    if (ms <= 0)
        return 0;
    if (hk_plugin_test_clock())
        return sleep_virtual(call, ms);
    int64_t end = hk_mono_ms() + ms;
    for (;;) {
        if (api_call_cancelled(call))
            return HAWK_ECANCELED;
        int64_t now = hk_mono_ms();
        int64_t left = api_call_remaining_ms(call);
        if (left == 0)
            return HAWK_ETIMEDOUT;
        if (now >= end)
            return 0;
        int64_t step = end - now;
        if (step > SLEEP_SLICE_MS)
            step = SLEEP_SLICE_MS;
        if (step > left)
            step = left;
        hk_sleep_ms(step);
    }
}

static int api_random(void *buf, size_t n)
{
    return hk_random_bytes(buf, n);
}

/* ------------------------------------------------------------------------
 * Logging, memory, metrics
 * --------------------------------------------------------------------- */

static void api_log(struct hawk_host *h, int level, const char *fmt, ...)
    HAWK_PRINTF(3, 4);

static void api_log(struct hawk_host *h, int level, const char *fmt, ...)
{
    if (level < HAWK_LOG_DEBUG)
        level = HAWK_LOG_DEBUG;
    if (level > HAWK_LOG_CRIT)
        level = HAWK_LOG_CRIT;
    if (!hk_log_enabled(level) || fmt == NULL)
        return;
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (h == NULL) {
        hk_log_fields(level, msg, NULL);
        return;
    }
    /* A plugin should never log a secret; if one slips into the text
     * anyway, the value it was configured with is masked. */
    hk_plugin_options_redact(h->cfg, msg, sizeof(msg));
    struct hk_buf f;
    hk_buf_init(&f, 1024);
    hk_buf_puts(&f, "{\"plugin\":");
    hk_buf_json_str(&f, h->plugin, strlen(h->plugin));
    hk_buf_puts(&f, ",\"instance\":");
    hk_buf_json_str(&f, h->instance, strlen(h->instance));
    hk_buf_putc(&f, '}');
    hk_log_fields(level, msg, hk_buf_str(&f));
    hk_buf_release(&f);
}

static void *api_alloc(size_t n)
{
    return hk_try_malloc(n);
}

static void api_free(void *p)
{
    hk_free(p);
}

/* See internal.h. */
void hk_plugin_metric_add(struct hawk_host *h, const char *name,
                          const char *labels, double value)
{
    if (h == NULL || name == NULL)
        return;
    struct hk_buf l;
    hk_buf_init(&l, 2048);
    hk_buf_puts(&l, "instance=");
    hk_buf_json_str(&l, h->instance, strlen(h->instance));
    if (labels != NULL && labels[0] != '\0') {
        hk_buf_putc(&l, ',');
        hk_buf_puts(&l, labels);
    }
    /* Bad names or labels from a plugin are dropped: metrics must never
     * fail the operation they count. */
    (void)hk_metrics_add(name, hk_buf_str(&l), value);
    hk_buf_release(&l);
}

/* ------------------------------------------------------------------------
 * The table
 * --------------------------------------------------------------------- */

/* See plugins.h. */
const struct hawk_host_api hk_host_api = {
    .abi_major = HAWK_ABI_MAJOR,
    .abi_minor = HAWK_ABI_MINOR,
    .struct_size = sizeof(struct hawk_host_api),
    .log = api_log,
    .alloc = api_alloc,
    .free = api_free,
    .cfg_str = hk_plugin_cfg_str,
    .cfg_int = hk_plugin_cfg_int,
    .cfg_bool = hk_plugin_cfg_bool,
    .cfg_double = hk_plugin_cfg_double,
    .cfg_list_len = hk_plugin_cfg_list_len,
    .cfg_list_item = hk_plugin_cfg_list_item,
    .call_cancelled = api_call_cancelled,
    .call_remaining_ms = api_call_remaining_ms,
    .call_user_id = api_call_user_id,
    .call_request_id = api_call_request_id,
    .now_ms = api_now_ms,
    .sleep_ms = api_sleep_ms,
    .random = api_random,
    .http_request = hk_http_client_request,
    .http_response_free = hk_http_client_response_free,
    .metric_add = hk_plugin_metric_add,
    .browser_open = hk_api_browser_open,
    .browser_cmd = hk_api_browser_cmd,
    .browser_capture = hk_api_browser_capture,
    .browser_close = hk_api_browser_close,
    .answer = hk_api_answer,
};
