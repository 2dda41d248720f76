/*
 * llm/score.c - job fit score: the structured resume and the job go to
 * the LLM with a JSON schema; the reply {score 0-10, reasons[],
 * missing_skills[]} is stored in job_scores for the user, on the 0-100
 * scale the jobs API uses (score x 10).
 */
#include <stdio.h>
#include <string.h>

#include "app/app.h"
#include "config/config.h"
#include "db/db.h"
#include "llm/llm.h"
#include "llm/llm_int.h"
#include "platform/platform.h"
#include "util/alloc.h"

static const char score_schema[] =
    "{\"type\":\"object\",\"additionalProperties\":false,"
    "\"required\":[\"score\",\"reasons\",\"missing_skills\"],"
    "\"properties\":{"
    "\"score\":{\"type\":\"integer\",\"minimum\":0,\"maximum\":10},"
    "\"reasons\":{\"type\":\"array\",\"maxItems\":10,"
    "\"items\":{\"type\":\"string\",\"maxLength\":500}},"
    "\"missing_skills\":{\"type\":\"array\",\"maxItems\":30,"
    "\"items\":{\"type\":\"string\",\"maxLength\":200}}}}";

/* See llm_int.h. */
int64_t hk_llm_timeout_ms(const struct hk_app *app)
{
    if (app != NULL && app->cfg != NULL)
        return app->cfg->settings.llm.timeout_ms;
    return 120000;
}

/* Runs the two prompts through the llm.  out released by the caller. */
static int ask(struct hk_app *app, int64_t user_id, const char *system,
               const char *user, const atomic_bool *cancel,
               struct hk_llm_out *out, struct hawk_error *err)
{
    struct hawk_llm_message msgs[2] = {{"system", system}, {"user", user}};
    struct hk_llm_call c;

    memset(&c, 0, sizeof(c));
    c.purpose = "score";
    c.messages = msgs;
    c.n_messages = 2;
    c.json_schema = score_schema;
    c.schema_name = "job_match";
    c.temperature = 0.2;
    c.max_tokens = 800;
    c.timeout_ms = hk_llm_timeout_ms(app);
    c.cancel = cancel;
    return hk_llm_chat(app, user_id, &c, out, err);
}

/* See llm_int.h. */
int hk_llm_score_ask(struct hk_app *app, int64_t user_id,
                     const struct hk_llm_job *job, json_object *resume,
                     const atomic_bool *cancel, struct hk_llm_out *out,
                     struct hawk_error *err)
{
    struct hk_prompt_var vars[5];
    struct hk_llm_job_text jt;
    char *resume_text = hk_llm_resume_prompt_text(resume);
    hk_llm_job_vars(job, resume_text, &jt, vars);
    char *system = hk_prompt_render(HK_PROMPT_SCORE_SYSTEM, vars, 5);
    char *user = hk_prompt_render(HK_PROMPT_SCORE_USER, vars, 5);
    hk_llm_job_text_release(&jt);
    hk_free(resume_text);
    if (system == NULL || user == NULL) {
        hk_free(system);
        hk_free(user);
        memset(out, 0, sizeof(*out));
        HAWK_ERR_SET(err, HAWK_EINTERNAL, false, 0,
                     "prompt templates are not loaded");
        return HAWK_EINTERNAL;
    }
    int rc = ask(app, user_id, system, user, cancel, out, err);
    hk_free(system);
    hk_free(user);
    return rc;
}

/* See llm.h. */
int hk_llm_score_job(struct hk_app *app, int64_t user_id, int64_t job_id,
                     const atomic_bool *cancel, char **result_json,
                     struct hawk_error *err)
{
    struct hk_dbconn *c = NULL;
    struct hk_llm_job job;
    json_object *resume = NULL;
    struct hk_llm_out out;

    if (result_json != NULL)
        *result_json = NULL;
    memset(&job, 0, sizeof(job));
    int rc = hk_db_acquire(app->db, &c);
    if (rc < 0) {
        hk_llm_db_error(err, rc, "score the job");
        return rc;
    }
    rc = hk_llm_inputs_load(app->platform, c, user_id, job_id, &job, &resume,
                            err);
    /* No connection is held during the (slow) llm call. */
    hk_db_release(app->db, c);
    c = NULL;
    if (rc < 0)
        return rc;

    rc = hk_llm_score_ask(app, user_id, &job, resume, cancel, &out, err);
    json_object_put(resume);
    hk_llm_job_release(&job);
    if (rc < 0)
        return rc;

    /* The plugin validated the reply against the schema. */
    json_object *doc = json_tokener_parse(out.content);
    hk_llm_out_release(&out);
    json_object *score = NULL, *reasons = NULL, *missing = NULL;
    if (doc == NULL || !json_object_object_get_ex(doc, "score", &score) ||
        !json_object_object_get_ex(doc, "reasons", &reasons) ||
        !json_object_object_get_ex(doc, "missing_skills", &missing)) {
        json_object_put(doc);
        HAWK_ERR_SET(err, HAWK_EPROTO, true, 0,
                     "the llm reply is not a job score");
        return HAWK_EPROTO;
    }
    /* The model answers 0-10; jobs keep fit scores on the API's 0-100
     * scale (filters such as min_score use it). */
    double value = json_object_get_double(score) * 10.0;
    rc = hk_db_acquire(app->db, &c);
    if (rc == 0) {
        rc =
            hk_jobs_score_set(app->platform->jobs, c, user_id, job_id, value,
                              hk_llm_json(reasons), hk_llm_json(missing), NULL);
        hk_db_release(app->db, c);
    }
    if (rc < 0) {
        json_object_put(doc);
        hk_llm_db_error(err, rc, "store the job score");
        return rc;
    }
    json_object_object_add(doc, "job_id", json_object_new_int64(job_id));
    if (result_json != NULL)
        *result_json = hk_strdup(hk_llm_json(doc));
    json_object_put(doc);
    return 0;
}
