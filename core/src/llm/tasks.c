/*
 * llm/tasks.c - the queue task kinds behind the llm routes: llm_score,
 * llm_cover_letter, llm_tailor_resume and llm_answer.  Each reads its
 * payload, runs the feature for the task's user with the task's cancel
 * flag, and stores the feature's JSON as the task result.  Errors the user
 * must fix (no resume, budget spent, a reply that invents an employer
 * twice) are permanent; outages and rate limits are retried by the queue.
 */
#include <stdio.h>
#include <string.h>

#include "app/app.h"
#include "http/http.h"
#include "llm/llm.h"
#include "llm/llm_int.h"
#include "queue/queue.h"
#include "util/alloc.h"
#include "util/buf.h"

#define TASK_TIMEOUT_MS (10 * 60 * 1000)

static int parse_payload(const char *payload, json_object **out,
                         struct hawk_error *err)
{
    *out = json_tokener_parse(payload);
    if (*out == NULL || !json_object_is_type(*out, json_type_object)) {
        json_object_put(*out);
        *out = NULL;
        HAWK_ERR_SET(err, HAWK_EINVAL, false, 0,
                     "task payload is not an "
                     "object");
        return HAWK_EINVAL;
    }
    return 0;
}

static int64_t i64_member(json_object *o, const char *k)
{
    json_object *v = NULL;
    return json_object_object_get_ex(o, k, &v) && v != NULL
               ? json_object_get_int64(v)
               : 0;
}

static const char *str_member(json_object *o, const char *k)
{
    json_object *v = NULL;
    return json_object_object_get_ex(o, k, &v) &&
                   json_object_is_type(v, json_type_string)
               ? json_object_get_string(v)
               : NULL;
}

static int finish(int rc, char *json, struct hk_buf *result,
                  struct hawk_error *err)
{
    if (rc == 0 && json != NULL && hk_buf_puts(result, json) < 0) {
        HAWK_ERR_SET(err, HAWK_ETOOBIG, false, 0, "task result too large");
        rc = HAWK_ETOOBIG;
    }
    hk_free(json);
    return rc;
}

static int need_job(json_object *p, int64_t *job_id, struct hawk_error *err)
{
    *job_id = i64_member(p, "job_id");
    if (*job_id <= 0) {
        HAWK_ERR_SET(err, HAWK_EINVAL, false, 0, "payload needs a job_id");
        return HAWK_EINVAL;
    }
    return 0;
}

static int run_score(struct hk_job_ctx *ctx, const char *payload,
                     struct hk_buf *result, struct hawk_error *err)
{
    json_object *p = NULL;
    int64_t job_id = 0;
    char *json = NULL;
    int rc = parse_payload(payload, &p, err);
    if (rc == 0)
        rc = need_job(p, &job_id, err);
    if (rc == 0)
        rc = hk_llm_score_job(ctx->app, ctx->user_id, job_id, &ctx->cancel,
                              &json, err);
    json_object_put(p);
    return finish(rc, json, result, err);
}

static int run_letter(struct hk_job_ctx *ctx, const char *payload,
                      struct hk_buf *result, struct hawk_error *err)
{
    json_object *p = NULL;
    int64_t job_id = 0;
    char *json = NULL;
    int rc = parse_payload(payload, &p, err);
    if (rc == 0)
        rc = need_job(p, &job_id, err);
    if (rc == 0) {
        struct hk_llm_letter_opts o;
        memset(&o, 0, sizeof(o));
        o.tone = str_member(p, "tone");
        o.language = str_member(p, "language");
        o.max_words = (int)i64_member(p, "max_words");
        o.extra = str_member(p, "extra");
        o.application_id = i64_member(p, "application_id");
        rc = hk_llm_cover_letter(ctx->app, ctx->user_id, job_id, &o,
                                 &ctx->cancel, &json, err);
    }
    json_object_put(p);
    return finish(rc, json, result, err);
}

static int run_tailor(struct hk_job_ctx *ctx, const char *payload,
                      struct hk_buf *result, struct hawk_error *err)
{
    json_object *p = NULL;
    int64_t job_id = 0;
    char *json = NULL;
    int rc = parse_payload(payload, &p, err);
    if (rc == 0)
        rc = need_job(p, &job_id, err);
    if (rc == 0)
        rc = hk_llm_tailor_resume(ctx->app, ctx->user_id, job_id,
                                  i64_member(p, "application_id"), &ctx->cancel,
                                  &json, err);
    json_object_put(p);
    return finish(rc, json, result, err);
}

static int run_answer(struct hk_job_ctx *ctx, const char *payload,
                      struct hk_buf *result, struct hawk_error *err)
{
    json_object *p = NULL, *opts = NULL;
    const char *optbuf[100];
    char *json = NULL;
    int rc = parse_payload(payload, &p, err);
    if (rc == 0) {
        struct hk_llm_question q;
        memset(&q, 0, sizeof(q));
        q.text = str_member(p, "question");
        q.type = str_member(p, "type");
        q.job_id = i64_member(p, "job_id");
        q.options = optbuf;
        if (json_object_object_get_ex(p, "options", &opts) &&
            json_object_is_type(opts, json_type_array)) {
            for (size_t i = 0; i < json_object_array_length(opts) && i < 100;
                 i++)
                optbuf[q.n_options++] =
                    json_object_get_string(json_object_array_get_idx(opts, i));
        }
        rc =
            hk_llm_answer(ctx->app, ctx->user_id, &q, &ctx->cancel, &json, err);
    }
    json_object_put(p);
    return finish(rc, json, result, err);
}

/* Payload checks for tasks started through POST /api/v1/tasks. */
static int validate_job(json_object *payload, struct hk_resp *resp)
{
    static const struct hk_field fields[] = {
        HK_FIELD("job_id", HK_F_INT, true, false, 1, INT64_MAX),
        HK_FIELD("application_id", HK_F_INT, false, false, 1, INT64_MAX),
        HK_FIELD("tone", HK_F_STRING, false, false, 1, 40),
        HK_FIELD("language", HK_F_STRING, false, false, 1, 40),
        HK_FIELD("max_words", HK_F_INT, false, false, 50, 1000),
        HK_FIELD("extra", HK_F_STRING, false, false, 1, 1000),
        HK_FIELD_END};
    return hk_json_check(payload, fields, resp);
}

static int validate_answer(json_object *payload, struct hk_resp *resp)
{
    static const struct hk_field fields[] = {
        HK_FIELD("question", HK_F_STRING, true, false, 1, 2000),
        HK_FIELD("type", HK_F_STRING, true, false, 1, 32),
        HK_FIELD("options", HK_F_ARRAY, false, false, 0, 0),
        HK_FIELD("job_id", HK_F_INT, false, false, 1, INT64_MAX), HK_FIELD_END};
    return hk_json_check(payload, fields, resp);
}

/* See llm.h. */
int hk_llm_register_tasks(struct hk_app *app)
{
    struct hk_job_kind kinds[4];
    (void)app;
    memset(kinds, 0, sizeof(kinds));
    kinds[0].name = "llm_score";
    kinds[0].run = run_score;
    kinds[1].name = "llm_cover_letter";
    kinds[1].run = run_letter;
    kinds[2].name = "llm_tailor_resume";
    kinds[2].run = run_tailor;
    kinds[3].name = "llm_answer";
    kinds[3].run = run_answer;
    for (size_t i = 0; i < 4; i++) {
        kinds[i].validate = i == 3 ? validate_answer : validate_job;
        kinds[i].timeout_ms = TASK_TIMEOUT_MS;
        kinds[i].max_attempts = 3;
        kinds[i].backoff_base_ms = 10000;
        kinds[i].backoff_cap_ms = 5 * 60 * 1000;
        kinds[i].user_startable = true;
        int rc = hk_queue_register_kind(&kinds[i]);
        if (rc < 0)
            return rc;
    }
    return 0;
}
