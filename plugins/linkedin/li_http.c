/*
 * plugins/linkedin/li_http.c - GET requests to the guest pages through
 * the host's HTTP client, with browser-like headers, LinkedIn's rate
 * limit answers (429, and 999 "request denied") retried with back-off,
 * and human-like pauses.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "li_instance.h"

/* A random duration in [lo, hi] milliseconds. */
int64_t li_random_ms(const struct hawk_instance *in, int64_t lo, int64_t hi)
{
    if (hi <= lo)
        return lo;
    uint64_t r = 0;
    if (in->api->random(&r, sizeof(r)) < 0)
        r = (uint64_t)in->api->now_ms(in->host);
    return lo + (int64_t)(r % (uint64_t)(hi - lo + 1));
}

/* Sleeps a human-like pause in [lo, hi] (li_human_delay: most pauses
 * near the middle); 0, HAWK_ECANCELED, HAWK_ETIMEDOUT. */
int li_pause(const struct hawk_instance *in, struct hawk_call *call, int64_t lo,
             int64_t hi)
{
    uint64_t r[2] = {0, 0};
    if (in->api->random(r, sizeof(r)) < 0)
        r[0] = r[1] = (uint64_t)in->api->now_ms(in->host);
    int64_t ms = li_human_delay(lo, hi, r[0], r[1]);
    return ms > 0 ? in->api->sleep_ms(call, ms) : 0;
}

static bool rate_limited(int status)
{
    return status == 429 || status == 999;
}

/* See li_instance.h. */
int li_http_get(struct hawk_instance *in, struct hawk_call *call,
                const char *url, struct li_buf *body, int *status,
                struct hawk_error *err)
{
    const struct hawk_host_api *api = in->api;
    struct hawk_http_header hdrs[] = {
        {"User-Agent", in->user_agent, false},
        {"Accept",
         "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;"
         "q=0.8",
         false},
        {"Accept-Language", "en-US,en;q=0.9", false},
    };
    int64_t wait = in->retry_base_ms;
    *status = 0;
    for (int attempt = 0;; attempt++) {
        struct hawk_http_req req = {
            .struct_size = sizeof(req),
            .method = "GET",
            .url = url,
            .headers = hdrs,
            .n_headers = sizeof(hdrs) / sizeof(hdrs[0]),
            .header_size = sizeof(struct hawk_http_header),
            .timeout_ms = (int)in->request_timeout_ms,
            .max_response_bytes = LI_PAGE_MAX,
        };
        struct hawk_http_resp resp;
        memset(&resp, 0, sizeof(resp));
        int rc = api->http_request(call, &req, &resp, err);
        bool retry = false;
        if (rc == 0) {
            *status = resp.status;
            if (rate_limited(resp.status)) {
                retry = true;
                HAWK_ERR_SET(err, HAWK_ERATELIMIT, true, resp.status,
                             "linkedin is rate limiting this address (http "
                             "%d); try again later",
                             resp.status);
                rc = HAWK_ERATELIMIT;
            } else if (resp.status >= 500) {
                retry = true;
                HAWK_ERR_SET(err, HAWK_EUNAVAIL, true, resp.status,
                             "linkedin answered http %d", resp.status);
                rc = HAWK_EUNAVAIL;
            } else {
                li_buf_reset(body);
                rc = li_buf_add(body, resp.body, resp.body_len);
                if (rc < 0)
                    HAWK_ERR_SET(err, HAWK_ETOOBIG, false, resp.status,
                                 "a linkedin page over %d MiB",
                                 (int)(LI_PAGE_MAX >> 20));
            }
        } else {
            retry = err->retryable;
        }
        api->http_response_free(&resp);
        if (rc == 0 || !retry || attempt >= in->retry_max)
            return rc;
        /* Back off, doubling up to the cap, with jitter in the upper
         * half so retries of several searches spread out. */
        int64_t ms = li_random_ms(in, wait / 2, wait);
        api->log(in->host, HAWK_LOG_WARN,
                 "linkedin: %s; waiting %lld ms before retry %d of %d",
                 err->msg, (long long)ms, attempt + 1, in->retry_max);
        api->metric_add(in->host, "hawk_linkedin_backoffs_total", NULL, 1);
        int src = api->sleep_ms(call, ms);
        if (src < 0) {
            HAWK_ERR_SET(err, src, src == HAWK_ETIMEDOUT, *status,
                         "%s while backing off from linkedin's rate limit",
                         src == HAWK_ECANCELED ? "cancelled" : "out of time");
            return src;
        }
        wait = wait * 2 > in->retry_cap_ms ? in->retry_cap_ms : wait * 2;
    }
}
