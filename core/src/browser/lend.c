/*
 * browser/lend.c - the browser half of struct hk_call_services: sessions
 * of this service lent to a plugin call through the host API (ABI 1.1
 * browser_* entries), with the service's errors turned into the plugin's.
 */
#include <stdio.h>
#include <string.h>

#include "browser/browser_int.h"
#include "plugin/plugins.h"
#include "util/buf.h"
#include "util/err.h"

/* The core's error as the plugin's, keeping what the service said.  A
 * missing chromedriver is retryable too: its message names the package,
 * and the job's next attempt finds it once an admin installed it. */
static int to_plugin_err(int rc, const struct hk_err *e, struct hawk_error *err)
{
    bool retry = rc == HAWK_EUNAVAIL || rc == HAWK_ETIMEDOUT;
    HAWK_ERR_SET(err, rc, retry, 0, "%.250s",
                 e->msg[0] != '\0' ? e->msg : hawk_strerror(rc));
    return rc;
}

static int lend_open(void *ctx, int64_t user_id, const char *profile,
                     int64_t lease_ms, const atomic_bool *cancel,
                     void **session, struct hawk_error *err)
{
    struct hk_browser_lease l = {.user_id = user_id,
                                 .profile = profile,
                                 .lease_ms = lease_ms,
                                 .cancel = cancel};
    struct hk_browser_session *s = NULL;
    struct hk_err e = HK_ERR_INIT;
    int rc = hk_browser_acquire(ctx, &l, &s, &e);
    if (rc < 0)
        return to_plugin_err(rc, &e, err);
    *session = s;
    return 0;
}

static int lend_cmd(void *session, const char *method, const char *path,
                    const char *body, struct hk_buf *value, int64_t timeout_ms,
                    const atomic_bool *cancel, struct hawk_error *err)
{
    struct hk_err e = HK_ERR_INIT;
    int rc = hk_browser_cmd(session, method, path, body, value, timeout_ms,
                            cancel, &e);
    return rc < 0 ? to_plugin_err(rc, &e, err) : 0;
}

static int lend_snapshot(void *session, struct hk_buf *png, struct hk_buf *html,
                         struct hawk_error *err)
{
    struct hk_err e = HK_ERR_INIT;
    /* Each half is kept even when the other cannot be had: a hung
     * renderer may still give its HTML, a huge page its picture. */
    int prc = hk_browser_screenshot(session, png, &e);
    if (prc < 0)
        hk_buf_reset(png);
    int hrc = hk_browser_page_html(session, html, &e);
    if (hrc < 0)
        hk_buf_reset(html);
    return prc < 0 && hrc < 0 ? to_plugin_err(hrc, &e, err) : 0;
}

static void lend_close(void *session, bool reusable)
{
    struct hk_browser_session *s = session;
    hk_browser_release(s, reusable && !hk_browser_session_dead(s));
}

/* See browser.h. */
void hk_browser_lend(struct hk_browser *b, struct hk_call_services *svc)
{
    svc->browser_ctx = b;
    svc->browser_open = b != NULL ? lend_open : NULL;
    svc->browser_cmd = lend_cmd;
    svc->browser_snapshot = lend_snapshot;
    svc->browser_close = lend_close;
}
