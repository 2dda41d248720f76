/*
 * apply/services.c - what a submission lends the job board plugin beyond
 * the basics (struct hk_call_services): the browser, the answer service
 * (profile facts, then the user's answers, then the LLM, typed to the
 * field), and a place for failure captures.
 *
 * Captures are kept in memory during the call and written with the
 * outcome: the application row is locked by the submission's
 * transaction, so a row referring to it could not be inserted from
 * another connection until that transaction ends, and a capture must
 * survive the rollback of a retried attempt.
 */
#include <stdio.h>
#include <string.h>

#include "apply/apply_int.h"
#include "browser/browser.h"
#include "db/db.h"
#include "db/params.h"
#include "llm/llm.h"
#include "log/log.h"
#include "util/alloc.h"
#include "util/str.h"

/* Largest capture halves kept; bigger ones are cut (HTML) or dropped
 * (a screenshot cannot be cut). */
#define CAPTURE_PNG_MAX ((size_t)8 << 20)
#define CAPTURE_HTML_MAX ((size_t)4 << 20)

static int svc_answer(void *ctx, int64_t user_id, const char *question,
                      const char *type, const char *const *options,
                      size_t n_options, const atomic_bool *cancel,
                      char **answer_json, struct hawk_error *err)
{
    struct hk_apply_services *s = ctx;
    struct hk_llm_question q = {.text = question,
                                .type = type,
                                .options = options,
                                .n_options = n_options,
                                .job_id = s->job_id};
    return hk_llm_answer(s->app, user_id, &q, cancel, answer_json, err);
}

/* A reason as the table accepts it: [a-z0-9_]{1,48}, else "failure". */
static void clean_reason(const char *in, char *out, size_t outlen)
{
    size_t n = 0;
    for (const char *p = in; *p != '\0' && n + 1 < outlen && n < 48; p++) {
        char c = *p;
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        out[n++] = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ? c : '_';
    }
    out[n] = '\0';
    if (n == 0)
        hk_strlcpy(out, "failure", outlen);
}

static int svc_capture(void *ctx, const char *reason, const void *png,
                       size_t png_len, const char *html, size_t html_len,
                       struct hawk_error *err)
{
    struct hk_apply_services *s = ctx;
    if (s->n == HK_APPLY_CAPTURES_MAX) {
        HAWK_ERR_SET(err, HAWK_EQUOTA, false, 0,
                     "at most %d captures per submission",
                     HK_APPLY_CAPTURES_MAX);
        return HAWK_EQUOTA;
    }
    struct hk_apply_capture *c = &s->v[s->n++];
    memset(c, 0, sizeof(*c));
    clean_reason(reason, c->reason, sizeof(c->reason));
    if (png != NULL && png_len > 0 && png_len <= CAPTURE_PNG_MAX) {
        c->png = hk_malloc(png_len);
        memcpy(c->png, png, png_len);
        c->png_len = png_len;
    }
    if (html != NULL && html_len > 0) {
        c->html_len = html_len < CAPTURE_HTML_MAX ? html_len : CAPTURE_HTML_MAX;
        c->html = hk_malloc(c->html_len);
        memcpy(c->html, html, c->html_len);
    }
    return 0;
}

/* See apply_int.h. */
void hk_apply_services_init(struct hk_apply_services *s, struct hk_app *app,
                            struct hk_browser *browser, int64_t job_id)
{
    memset(s, 0, sizeof(*s));
    s->app = app;
    s->job_id = job_id;
    hk_browser_lend(browser, &s->svc);
    s->svc.ctx = s;
    s->svc.answer = svc_answer;
    s->svc.capture = svc_capture;
}

/* See apply_int.h. */
int hk_apply_services_store(struct hk_apply_services *s, struct hk_dbconn *c,
                            int64_t app_id)
{
    int rc = 0;
    for (size_t i = 0; i < s->n && rc == 0; i++) {
        struct hk_apply_capture *k = &s->v[i];
        struct hk_db_params p;
        hk_db_params_init(&p);
        hk_db_param_i64(&p, app_id);
        hk_db_param_text(&p, k->reason);
        if (k->png_len > 0)
            hk_db_param_bytes(&p, k->png, k->png_len);
        else
            hk_db_param_null(&p);
        if (k->html_len > 0)
            hk_db_param_bytes(&p, k->html, k->html_len);
        else
            hk_db_param_null(&p);
        rc = hk_db_params_run(c,
                              "INSERT INTO application_captures"
                              " (application_id, reason, screenshot, html)"
                              " VALUES ($1::bigint, $2, $3::bytea, $4::bytea)",
                              &p, NULL);
        if (rc < 0)
            hk_log(HAWK_LOG_WARN,
                   "application %lld: cannot keep the %s capture: %s",
                   (long long)app_id, k->reason, hawk_strerror(rc));
    }
    return rc;
}

/* See apply_int.h. */
void hk_apply_services_release(struct hk_apply_services *s)
{
    for (size_t i = 0; i < s->n; i++) {
        hk_free(s->v[i].png);
        hk_free(s->v[i].html);
    }
    s->n = 0;
}
