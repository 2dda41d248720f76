/*
 * plugins/linkedin/li_instance.h - the plugin instance and the files that
 * talk to the host: options, guest HTTP, search, job details.
 */
#ifndef LI_INSTANCE_H
#define LI_INSTANCE_H

#include "linkedin.h"

#define LI_PAGE_MAX ((size_t)8 << 20) /* one guest page */
#define LI_RESULTS_CAP 1000           /* LinkedIn stops at 1000 too */

/* Read-only after init(), so ops may run concurrently on one instance. */
struct hawk_instance {
    const struct hawk_host_api *api;
    struct hawk_host *host;
    char *board;    /* board name stored on jobs ("linkedin") */
    char *base_url; /* without trailing slash */
    char *user_agent;
    struct li_selectors *sel;
    int max_results;
    int max_pages;
    int default_distance;
    int64_t page_delay_min_ms, page_delay_max_ms;
    int64_t action_delay_min_ms, action_delay_max_ms;
    int64_t request_timeout_ms;
    int64_t retry_base_ms, retry_cap_ms;
    int retry_max;
    int daily_cap;
    int64_t max_upload_bytes;
    int max_steps;
    int64_t typeahead_wait_ms;
    char *profile;        /* browser profile name */
    char *session_cookie; /* li_at to sign in with; NULL: the profile's */
    struct li_pace *pace; /* per account; thread-safe */
};

/* ---- li_http.c ---- */
int64_t li_random_ms(const struct hawk_instance *in, int64_t lo, int64_t hi);
int li_pause(const struct hawk_instance *in, struct hawk_call *call, int64_t lo,
             int64_t hi);
/* GET url with browser-like headers into body (replaced), retrying 429,
 * 999 and 5xx answers with back-off up to retry_max times.  0 with the
 * final *status (any non-retried status, the caller maps it), or a
 * negative code with err filled (HAWK_ERATELIMIT when LinkedIn kept
 * refusing). */
int li_http_get(struct hawk_instance *in, struct hawk_call *call,
                const char *url, struct li_buf *body, int *status,
                struct hawk_error *err);

/* ---- li_search.c ---- */

/* Builds the guest search URL of q at offset start (company_ids: comma
 * list or NULL).  0, or HAWK_EINVAL with err naming the bad filter. */
int li_search_url(const struct hawk_instance *in,
                  const struct hawk_job_query *q, const char *company_ids,
                  int start, struct li_buf *url, struct hawk_error *err);

int li_op_search(struct hawk_instance *in, struct hawk_call *call,
                 const struct hawk_job_query *q, struct hawk_job_sink *out,
                 struct hawk_error *err);
int li_op_fetch(struct hawk_instance *in, struct hawk_call *call,
                const char *external_id, struct hawk_job_sink *out,
                struct hawk_error *err);

/* Fills err with board_outdated for a selector that stopped matching. */
int li_outdated_error(const struct hawk_instance *in,
                      const struct li_outdated *o, const char *where,
                      struct hawk_error *err);

#endif
