/*
 * lua/llm_bridge.c - hawk.llm.* on the host side.
 *
 * Scores, cover letters and tailored resumes use the LLM module's
 * features (llm/llm.h), the functions behind the HTTP API: same prompts,
 * the user's monthly budget checked first, usage recorded, results
 * stored.  A cover letter or tailored resume is stored on an application
 * (created awaiting_review when the job has none), which hawk.apply then
 * takes over.  Dry runs must not record anything, so there they (and
 * hawk.llm.ask always) go through hk_llm_chat() directly: the same budget
 * and usage accounting, nothing stored.
 */
#include <stdio.h>
#include <string.h>

#include "app/app.h"
#include "db/db.h"
#include "hawk/plugin.h"
#include "llm/llm.h"
#include "lua/host.h"
#include "platform/platform.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/str.h"

/* Largest part of a description or resume put into one prompt. */
#define PROMPT_PART_MAX (24 * 1024)

static const char tailor_schema[] =
    "{\"type\":\"object\",\"properties\":{"
    "\"summary\":{\"type\":\"string\"},"
    "\"skills\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}},"
    "\"experience\":{\"type\":\"array\",\"items\":{\"type\":\"object\"}}"
    "},\"required\":[\"summary\"]}";

static const char *jstr(json_object *o, const char *k)
{
    json_object *v = NULL;
    if (json_object_object_get_ex(o, k, &v) &&
        json_object_is_type(v, json_type_string))
        return json_object_get_string(v);
    return "";
}

/* The job's description: the job table's, the stored one, or fetched
 * from the board. */
static char *description(struct hk_lua_env *env, struct hk_dbconn *c,
                         json_object *job, int64_t job_id, int64_t timeout_ms)
{
    const char *d = jstr(job, "description");
    if (d[0] != '\0')
        return hk_strdup(d);
    char j[24];
    snprintf(j, sizeof(j), "%lld", (long long)job_id);
    const char *p[] = {j};
    PGresult *r = NULL;
    if (hk_db_query(c, "SELECT description FROM jobs WHERE id = $1::bigint", 1,
                    p, &r) == 0) {
        char *s = NULL;
        if (PQntuples(r) > 0 && !PQgetisnull(r, 0, 0))
            s = hk_strdup(PQgetvalue(r, 0, 0));
        PQclear(r);
        if (s != NULL)
            return s;
    }
    json_object *args = json_object_new_array();
    json_object_array_add(args, json_object_new_string(jstr(job, "board")));
    json_object_array_add(args, json_object_new_string(jstr(job, "id")));
    struct hk_lua_hostcall hc = {.fn = "job.description", .args = args};
    char *s = NULL;
    if (hk_lua_host_description(env, c, &hc, timeout_ms) == 0 &&
        json_object_is_type(hc.result, json_type_string))
        s = hk_strdup(json_object_get_string(hc.result));
    json_object_put(hc.result);
    json_object_put(args);
    return s != NULL ? s : hk_strdup("");
}

/* "Title at Company (Location)\n\nDescription" for prompts. */
static void job_text(struct hk_buf *b, json_object *job, const char *desc)
{
    hk_buf_printf(b, "%s at %s (%s)\n\n", jstr(job, "title"),
                  jstr(job, "company"), jstr(job, "location"));
    size_t n = strlen(desc);
    hk_buf_append(b, desc, n > PROMPT_PART_MAX ? PROMPT_PART_MAX : n);
}

static char *resume_text(struct hk_lua_env *env, struct hk_dbconn *c)
{
    char *json = NULL;
    if (hk_resumes_default_structured(env->app->platform->resumes, c,
                                      env->user_id, &json, NULL) < 0)
        return NULL;
    if (strlen(json) > PROMPT_PART_MAX)
        json[PROMPT_PART_MAX] = '\0';
    return json;
}

static int chat(struct hk_lua_env *env, const char *purpose, const char *system,
                const char *user, const char *schema, const char *schema_name,
                int max_tokens, double temperature, int64_t timeout_ms,
                struct hk_llm_out *out, struct hk_lua_hostcall *hc,
                const char *fn)
{
    struct hawk_llm_message msgs[2] = {{"system", system}, {"user", user}};
    struct hk_llm_call call = {.purpose = purpose,
                               .messages = system != NULL ? msgs : msgs + 1,
                               .n_messages = system != NULL ? 2 : 1,
                               .json_schema = schema,
                               .schema_name = schema_name,
                               .temperature = temperature,
                               .max_tokens = max_tokens,
                               .timeout_ms = timeout_ms,
                               .cancel = env->cancel};
    struct hawk_error err;
    int rc = hk_llm_chat(env->app, env->user_id, &call, out, &err);
    if (rc < 0)
        snprintf(hc->error, sizeof(hc->error), "%s: %.200s", fn,
                 err.msg[0] != '\0' ? err.msg : hawk_strerror(rc));
    return rc;
}

/* Resolves the job's id and makes sure its description is stored, since
 * the LLM features read the job from the database. */
static int prepare_job(struct hk_lua_env *env, json_object *job, const char *fn,
                       struct hk_lua_hostcall *hc, int64_t timeout_ms,
                       int64_t *job_id)
{
    struct hk_dbconn *c = NULL;
    int rc = hk_db_acquire(env->app->db, &c);
    if (rc < 0)
        return rc;
    rc = hk_lua_host_job_id(env, c, job, fn, hc, job_id);
    if (rc == 0) {
        char *d = description(env, c, job, *job_id, timeout_ms);
        hk_free(d);
    }
    hk_db_release(env->app->db, c);
    return rc;
}

/* Turns a feature's result text into the call's result. */
static int feature_result(struct hk_lua_hostcall *hc, const char *fn, int rc,
                          char *json, const struct hawk_error *err)
{
    if (rc < 0) {
        snprintf(hc->error, sizeof(hc->error), "%s: %.200s", fn,
                 err->msg[0] != '\0' ? err->msg : hawk_strerror(rc));
        hk_free(json);
        return rc;
    }
    hc->result = hk_lua_host_parse(json);
    hk_free(json);
    if (hc->result == NULL) {
        snprintf(hc->error, sizeof(hc->error), "%s: no result", fn);
        return HAWK_EPROTO;
    }
    return 0;
}

static void remember_application(struct hk_lua_env *env, json_object *r)
{
    json_object *v = NULL;
    if (json_object_object_get_ex(r, "application_id", &v))
        hk_lua_env_prepared_add(env, json_object_get_int64(v));
}

/* See lua/host.h. */
int hk_lua_host_llm_score(struct hk_lua_env *env, struct hk_dbconn *c,
                          struct hk_lua_hostcall *hc, int64_t timeout_ms)
{
    (void)c;
    const char *fn = "hawk.llm.score";
    json_object *job = json_object_array_get_idx(hc->args, 0);
    int64_t job_id = 0;
    int rc = prepare_job(env, job, fn, hc, timeout_ms, &job_id);
    if (rc < 0)
        return rc;
    char *json = NULL;
    struct hawk_error err;
    memset(&err, 0, sizeof(err));
    rc = hk_llm_score_job(env->app, env->user_id, job_id, env->cancel, &json,
                          &err);
    return feature_result(hc, fn, rc, json, &err);
}

/* The dry-run cover letter: written, not stored. */
static int letter_by_chat(struct hk_lua_env *env, json_object *job,
                          json_object *opts, int64_t job_id,
                          struct hk_lua_hostcall *hc, int64_t timeout_ms)
{
    const char *fn = "hawk.llm.cover_letter";
    const char *tone = jstr(opts, "tone");
    const char *lang = jstr(opts, "language");
    const char *extra = jstr(opts, "extra");
    json_object *mw = NULL;
    int64_t words = 250;
    if (json_object_object_get_ex(opts, "max_words", &mw) &&
        json_object_is_type(mw, json_type_int))
        words = json_object_get_int64(mw);
    if (words < 50 || words > 1000)
        words = 250;
    struct hk_dbconn *c = NULL;
    int rc = hk_db_acquire(env->app->db, &c);
    if (rc < 0)
        return rc;
    char *desc = description(env, c, job, job_id, timeout_ms);
    char *resume = resume_text(env, c);
    hk_db_release(env->app->db, c);
    struct hk_buf prompt;
    hk_buf_init(&prompt, 128 * 1024);
    hk_buf_printf(&prompt,
                  "Write a cover letter of at most %lld words in a %s tone%s%s"
                  " for this job, from the candidate below.%s%s\n\nJob:\n",
                  (long long)words, tone[0] ? tone : "professional",
                  lang[0] ? ", in " : "", lang, extra[0] ? " " : "", extra);
    job_text(&prompt, job, desc);
    hk_buf_printf(&prompt, "\n\nCandidate resume (JSON):\n%s\n",
                  resume != NULL ? resume : "(no resume on file)");
    hk_free(desc);
    hk_free(resume);
    struct hk_llm_out out;
    rc = chat(env, "cover_letter",
              "You write concise, specific cover letters. Use only facts "
              "from the resume; never invent employers, titles or dates.",
              hk_buf_str(&prompt), NULL, NULL, (int)(words * 2), -1.0,
              timeout_ms, &out, hc, fn);
    hk_buf_release(&prompt);
    if (rc == 0)
        hc->result = json_object_new_string_len(out.content, (int)out.len);
    hk_llm_out_release(&out);
    return rc;
}

/* See lua/host.h. */
int hk_lua_host_llm_letter(struct hk_lua_env *env, struct hk_dbconn *c,
                           struct hk_lua_hostcall *hc, int64_t timeout_ms)
{
    (void)c;
    const char *fn = "hawk.llm.cover_letter";
    json_object *job = json_object_array_get_idx(hc->args, 0);
    json_object *opts = json_object_array_get_idx(hc->args, 1);
    int64_t job_id = 0;
    int rc = prepare_job(env, job, fn, hc, timeout_ms, &job_id);
    if (rc < 0)
        return rc;
    if (env->dry_run)
        return letter_by_chat(env, job, opts, job_id, hc, timeout_ms);
    struct hk_llm_letter_opts o = {0};
    json_object *v = NULL;
    if (jstr(opts, "tone")[0] != '\0')
        o.tone = jstr(opts, "tone");
    if (jstr(opts, "language")[0] != '\0')
        o.language = jstr(opts, "language");
    if (json_object_object_get_ex(opts, "max_words", &v))
        o.max_words = json_object_get_int(v);
    if (jstr(opts, "extra")[0] != '\0')
        o.extra = jstr(opts, "extra");
    char *json = NULL;
    struct hawk_error err;
    memset(&err, 0, sizeof(err));
    rc = hk_llm_cover_letter(env->app, env->user_id, job_id, &o, env->cancel,
                             &json, &err);
    rc = feature_result(hc, fn, rc, json, &err);
    if (rc < 0)
        return rc;
    remember_application(env, hc->result);
    json_object *content = NULL;
    if (!json_object_object_get_ex(hc->result, "content", &content)) {
        json_object_put(hc->result);
        hc->result = NULL;
        snprintf(hc->error, sizeof(hc->error), "%s: no letter returned", fn);
        return HAWK_EPROTO;
    }
    json_object *text = json_object_get(content);
    json_object_put(hc->result);
    hc->result = text;
    return 0;
}

/* The dry-run tailored resume: written, not stored. */
static int tailor_by_chat(struct hk_lua_env *env, json_object *job,
                          int64_t job_id, struct hk_lua_hostcall *hc,
                          int64_t timeout_ms)
{
    const char *fn = "hawk.llm.tailor_resume";
    struct hk_dbconn *c = NULL;
    int rc = hk_db_acquire(env->app->db, &c);
    if (rc < 0)
        return rc;
    struct hk_plans_limit lim;
    rc = hk_plans_check(env->app->platform->plans, c, env->user_id,
                        HK_PLANS_CUSTOM_RESUME, 1, &lim, NULL);
    char *resume = rc == 0 ? resume_text(env, c) : NULL;
    char *desc = rc == 0 ? description(env, c, job, job_id, timeout_ms) : NULL;
    hk_db_release(env->app->db, c);
    if (rc == HAWK_EQUOTA)
        snprintf(hc->error, sizeof(hc->error),
                 "%s: plan '%.100s' does not include tailored resumes", fn,
                 lim.plan);
    if (rc == 0 && resume == NULL) {
        snprintf(hc->error, sizeof(hc->error),
                 "%s: you have no default resume with structured data; "
                 "upload one first",
                 fn);
        rc = HAWK_ENOTFOUND;
    }
    if (rc < 0) {
        hk_free(desc);
        hk_free(resume);
        return rc;
    }
    struct hk_buf prompt;
    hk_buf_init(&prompt, 128 * 1024);
    hk_buf_printf(&prompt, "Resume (JSON):\n%s\n\nJob:\n", resume);
    job_text(&prompt, job, desc);
    hk_free(desc);
    hk_free(resume);
    struct hk_llm_out out;
    rc = chat(env, "tailor",
              "Rewrite the resume to fit the job: reorder and rephrase, "
              "keep every employer, institution and date exactly as given, "
              "add nothing that is not in it. Answer with the resume as "
              "JSON.",
              hk_buf_str(&prompt), tailor_schema, "tailored_resume", 0, -1.0,
              timeout_ms, &out, hc, fn);
    hk_buf_release(&prompt);
    if (rc == 0) {
        hc->result = hk_lua_host_parse(out.content);
        if (hc->result == NULL) {
            snprintf(hc->error, sizeof(hc->error),
                     "%s: the model's answer is not valid JSON", fn);
            rc = HAWK_EPROTO;
        }
    }
    hk_llm_out_release(&out);
    return rc;
}

/* See lua/host.h. */
int hk_lua_host_llm_tailor(struct hk_lua_env *env, struct hk_dbconn *c,
                           struct hk_lua_hostcall *hc, int64_t timeout_ms)
{
    (void)c;
    const char *fn = "hawk.llm.tailor_resume";
    json_object *job = json_object_array_get_idx(hc->args, 0);
    int64_t job_id = 0;
    int rc = prepare_job(env, job, fn, hc, timeout_ms, &job_id);
    if (rc < 0)
        return rc;
    if (env->dry_run)
        return tailor_by_chat(env, job, job_id, hc, timeout_ms);
    char *json = NULL;
    struct hawk_error err;
    memset(&err, 0, sizeof(err));
    rc = hk_llm_tailor_resume(env->app, env->user_id, job_id, 0, env->cancel,
                              &json, &err);
    rc = feature_result(hc, fn, rc, json, &err);
    if (rc == 0)
        remember_application(env, hc->result);
    return rc;
}

/* See lua/host.h. */
int hk_lua_host_llm_ask(struct hk_lua_env *env, struct hk_dbconn *c,
                        struct hk_lua_hostcall *hc, int64_t timeout_ms)
{
    (void)c;
    const char *fn = "hawk.llm.ask";
    const char *prompt =
        json_object_get_string(json_object_array_get_idx(hc->args, 0));
    json_object *opts = json_object_array_get_idx(hc->args, 1);
    json_object *v = NULL;
    const char *system = NULL;
    const char *schema = NULL;
    int max_tokens = 0;
    double temperature = -1.0;
    if (json_object_object_get_ex(opts, "system", &v) &&
        json_object_is_type(v, json_type_string))
        system = json_object_get_string(v);
    if (json_object_object_get_ex(opts, "max_tokens", &v))
        max_tokens = json_object_get_int(v);
    if (json_object_object_get_ex(opts, "temperature", &v))
        temperature = json_object_get_double(v);
    if (json_object_object_get_ex(opts, "schema", &v) && v != NULL)
        schema = json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
    if (max_tokens < 0 || max_tokens > 16000 || temperature > 2.0) {
        snprintf(hc->error, sizeof(hc->error),
                 "%s: max_tokens must be 0-16000 and temperature at most 2",
                 fn);
        return HAWK_EINVAL;
    }
    struct hk_llm_out out;
    int rc = chat(env, "chat", system, prompt, schema,
                  schema != NULL ? "answer" : NULL, max_tokens, temperature,
                  timeout_ms, &out, hc, fn);
    if (rc == 0) {
        if (schema != NULL)
            hc->result = hk_lua_host_parse(out.content);
        else
            hc->result = json_object_new_string_len(out.content, (int)out.len);
    }
    hk_llm_out_release(&out);
    return rc;
}
