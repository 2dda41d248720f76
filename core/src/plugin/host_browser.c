/*
 * plugin/host_browser.c - the host API entries of ABI 1.1: browser
 * sessions lent to a plugin call and the answer service.  Both forward to
 * what the caller lent the call (struct hk_call_services); a call without
 * them gets HAWK_EUNSUPPORTED, so a plugin can tell "not offered here"
 * from a failure.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "plugin/internal.h"
#include "plugin/plugins.h"
#include "util/alloc.h"
#include "util/buf.h"

/* Largest WebDriver answer handed to a plugin (page sources, screenshots
 * are the big ones). */
#define CMD_VALUE_MAX ((size_t)32 << 20)
/* Limits of one question given to the answer service. */
#define QUESTION_MAX 2000
#define OPTIONS_MAX 100
#define OPTION_MAX 500
#define OPTIONS_JSON_MAX (64 * 1024)

/* A session lent to one call. */
struct hawk_browser {
    void *session;                      /* the service's */
    const struct hk_call_services *svc; /* borrowed from the call */
    struct hawk_call *call;             /* borrowed: the call that opened it */
};

static int unsupported(struct hawk_error *err, const char *what)
{
    HAWK_ERR_SET(err, HAWK_EUNSUPPORTED, false, 0,
                 "this call has no %s (only queue jobs that drive a board "
                 "offer one)",
                 what);
    return HAWK_EUNSUPPORTED;
}

/* Milliseconds before the call's deadline: INT64_MAX without one, 0 when
 * it has passed. */
static int64_t left_ms(const struct hawk_call *call)
{
    if (call->deadline_mono_ms == 0)
        return INT64_MAX;
    int64_t left = call->deadline_mono_ms - hk_plugin_mono_ms();
    return left > 0 ? left : 0;
}

/* See hawk/plugin.h. */
int hk_api_browser_open(struct hawk_call *call, const char *profile,
                        struct hawk_browser **out, struct hawk_error *err)
{
    *out = NULL;
    const struct hk_call_services *svc = call != NULL ? call->svc : NULL;
    if (svc == NULL || svc->browser_open == NULL)
        return unsupported(err, "browser service");
    int64_t left = left_ms(call);
    if (left == 0) {
        HAWK_ERR_SET(err, HAWK_ETIMEDOUT, true, 0,
                     "no time left to open a browser");
        return HAWK_ETIMEDOUT;
    }
    /* The session is ended if the call overstays its deadline (a plugin
     * that never closes it). */
    int64_t lease = left != INT64_MAX ? left + 5000 : 0;
    void *session = NULL;
    int rc = svc->browser_open(svc->browser_ctx, call->user_id, profile, lease,
                               call->cancel, &session, err);
    if (rc < 0)
        return rc;
    struct hawk_browser *b = hk_calloc(1, sizeof(*b));
    b->session = session;
    b->svc = svc;
    b->call = call;
    *out = b;
    return 0;
}

/* See hawk/plugin.h. */
int hk_api_browser_cmd(struct hawk_browser *b, const char *method,
                       const char *path, const char *body,
                       struct hawk_text_sink *value_json,
                       struct hawk_error *err)
{
    if (b == NULL || b->session == NULL) {
        HAWK_ERR_SET(err, HAWK_EINVAL, false, 0, "no browser session");
        return HAWK_EINVAL;
    }
    if (b->call->cancel != NULL && atomic_load(b->call->cancel)) {
        HAWK_ERR_SET(err, HAWK_ECANCELED, true, 0, "cancelled");
        return HAWK_ECANCELED;
    }
    /* One command never outlives the call. */
    int64_t left = left_ms(b->call);
    if (left == 0) {
        HAWK_ERR_SET(err, HAWK_ETIMEDOUT, true, 0, "the call's time ran out");
        return HAWK_ETIMEDOUT;
    }
    struct hk_buf v;
    hk_buf_init(&v, CMD_VALUE_MAX);
    int rc =
        b->svc->browser_cmd(b->session, method, path, body, &v,
                            left != INT64_MAX ? left : 0, b->call->cancel, err);
    if (rc == 0 && value_json != NULL) {
        rc = value_json->write(value_json, v.data != NULL ? v.data : "null",
                               v.data != NULL ? v.len : 4);
        if (rc < 0)
            HAWK_ERR_SET(err, rc, false, 0, "the plugin refused the answer");
    }
    hk_buf_release(&v);
    return rc;
}

/* See hawk/plugin.h. */
int hk_api_browser_capture(struct hawk_browser *b, const char *reason,
                           struct hawk_error *err)
{
    if (b == NULL || b->session == NULL) {
        HAWK_ERR_SET(err, HAWK_EINVAL, false, 0, "no browser session");
        return HAWK_EINVAL;
    }
    const struct hk_call_services *svc = b->svc;
    if (svc->capture == NULL || svc->browser_snapshot == NULL)
        return unsupported(err, "place to keep captures");
    struct hk_buf png, html;
    hk_buf_init(&png, CMD_VALUE_MAX);
    hk_buf_init(&html, CMD_VALUE_MAX);
    int rc = svc->browser_snapshot(b->session, &png, &html, err);
    if (rc == 0)
        rc = svc->capture(
            svc->ctx, reason != NULL && reason[0] != '\0' ? reason : "failure",
            png.data, png.len, html.data, html.len, err);
    hk_buf_release(&png);
    hk_buf_release(&html);
    return rc;
}

/* See hawk/plugin.h. */
void hk_api_browser_close(struct hawk_browser *b, bool reusable)
{
    if (b == NULL)
        return;
    b->svc->browser_close(b->session, reusable);
    hk_free(b);
}

/* Reads options_json (an array of strings) into a borrowed list: 0 or
 * HAWK_EINVAL with err.  *arr is freed by the caller with
 * json_object_put. */
static int read_options(const char *options_json, json_object **arr,
                        const char ***opts, size_t *n, struct hawk_error *err)
{
    *arr = NULL;
    *opts = NULL;
    *n = 0;
    if (options_json == NULL)
        return 0;
    size_t len = strlen(options_json);
    if (len > OPTIONS_JSON_MAX) {
        HAWK_ERR_SET(err, HAWK_EINVAL, false, 0, "options: more than %d bytes",
                     OPTIONS_JSON_MAX);
        return HAWK_EINVAL;
    }
    json_object *a = json_tokener_parse(options_json);
    if (a == NULL || !json_object_is_type(a, json_type_array)) {
        json_object_put(a);
        HAWK_ERR_SET(err, HAWK_EINVAL, false, 0,
                     "options must be a JSON array of strings");
        return HAWK_EINVAL;
    }
    size_t k = json_object_array_length(a);
    if (k > OPTIONS_MAX) {
        json_object_put(a);
        HAWK_ERR_SET(err, HAWK_EINVAL, false, 0,
                     "options: %zu choices, at most %d", k, OPTIONS_MAX);
        return HAWK_EINVAL;
    }
    const char **v = hk_calloc(k + 1, sizeof(*v));
    for (size_t i = 0; i < k; i++) {
        json_object *it = json_object_array_get_idx(a, i);
        if (!json_object_is_type(it, json_type_string) ||
            json_object_get_string_len(it) > OPTION_MAX) {
            hk_free(v);
            json_object_put(a);
            HAWK_ERR_SET(err, HAWK_EINVAL, false, 0,
                         "options[%zu] must be a string of at most %d "
                         "bytes",
                         i, OPTION_MAX);
            return HAWK_EINVAL;
        }
        v[i] = json_object_get_string(it);
    }
    *arr = a;
    *opts = v;
    *n = k;
    return 0;
}

/* See hawk/plugin.h. */
int hk_api_answer(struct hawk_call *call, const char *question,
                  const char *type, const char *options_json,
                  struct hawk_text_sink *answer_json, struct hawk_error *err)
{
    if (call == NULL || call->svc == NULL || call->svc->answer == NULL)
        return unsupported(err, "answer service");
    if (question == NULL || question[0] == '\0' ||
        strlen(question) > QUESTION_MAX) {
        HAWK_ERR_SET(err, HAWK_EINVAL, false, 0,
                     "question must be 1 to %d bytes", QUESTION_MAX);
        return HAWK_EINVAL;
    }
    json_object *arr = NULL;
    const char **opts = NULL;
    size_t n = 0;
    int rc = read_options(options_json, &arr, &opts, &n, err);
    if (rc < 0)
        return rc;
    char *answer = NULL;
    rc = call->svc->answer(call->svc->ctx, call->user_id, question,
                           type != NULL ? type : "text", opts, n, call->cancel,
                           &answer, err);
    if (rc == 0 && answer_json != NULL)
        rc = answer_json->write(answer_json, answer, strlen(answer));
    hk_free(answer);
    hk_free(opts);
    json_object_put(arr);
    return rc;
}
