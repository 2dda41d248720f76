/*
 * llm/llm_int.h - private to core/src/llm: prompt templates, the resume
 * HTML renderer, shared lookups of jobs and resumes, JSON helpers.
 */
#ifndef HK_LLM_INT_H
#define HK_LLM_INT_H

#include <json-c/json.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hawk/plugin.h"
#include "http/http.h"

struct hk_app;
struct hk_platform;
struct hk_dbconn;
struct hk_buf;

/* ---- prompts.c ---- */
enum hk_prompt_id {
    HK_PROMPT_SCORE_SYSTEM = 0,
    HK_PROMPT_SCORE_USER,
    HK_PROMPT_LETTER_SYSTEM,
    HK_PROMPT_LETTER_USER,
    HK_PROMPT_TAILOR_SYSTEM,
    HK_PROMPT_TAILOR_USER,
    HK_PROMPT_ANSWER_SYSTEM,
    HK_PROMPT_ANSWER_USER,
    HK_PROMPT_COUNT
};

struct hk_prompt_var {
    const char *name;
    const char *value; /* NULL renders as "" */
};

/* Loads the templates from dir.  0 or HAWK_ECONFIG with err naming the
 * file and the problem. */
int hk_prompts_load(const char *dir, char *err, size_t errlen);
void hk_prompts_free(void);
bool hk_prompts_loaded(void);
/* Renders template id with vars substituted for {{name}}; a system
 * prompt ends with hk_llm_fence_rule().  Caller hk_free()s.  NULL when the templates are not loaded. */
char *hk_prompt_render(enum hk_prompt_id id, const struct hk_prompt_var *vars,
                       size_t n);
/* Checks one template text (exposed for tests): 0 or HAWK_EINVAL with
 * why filled. */
int hk_prompt_check(enum hk_prompt_id id, const char *text, char *why,
                    size_t why_size);

/* ---- render.c: a small mustache subset for the resume template ----
 * {{path.to.value}} (HTML-escaped), {{{path}}} (raw), {{#section}} ...
 * {{/section}} (arrays iterate, objects push a context, other truthy
 * values render once), {{^section}} ... {{/section}} (when empty/false),
 * {{.}} (the current item), {{! comment }}, and {{#name?}} ... {{/name?}}
 * (rendered once when name is non-empty, no iteration). */
int hk_tpl_check(const char *tpl, char *why, size_t why_size);
/* Renders tpl against data into out.  0, HAWK_EINVAL (malformed template:
 * why filled) or HAWK_ETOOBIG. */
int hk_tpl_render(const char *tpl, json_object *data, struct hk_buf *out,
                  char *why, size_t why_size);

/* The resume HTML template loaded at start-up (NULL before init). */
const char *hk_llm_resume_template(void);
int hk_llm_templates_load(const char *dir, char *err, size_t errlen);
void hk_llm_templates_free(void);
/* True when path names a directory. */
bool hk_llm_is_dir(const char *path);

/* ---- data.c: jobs and resumes as the features need them ---- */
struct hk_llm_job {
    int64_t id;
    char *title;
    char *company;
    char *location;
    char *description; /* NULL when the board gave none */
    char *url;
};

/* Loads a job the user can see (linked through user_jobs or an
 * application).  Returns 0, HAWK_ENOTFOUND, or a database error. */
int hk_llm_job_load(struct hk_dbconn *c, int64_t user_id, int64_t job_id,
                    struct hk_llm_job *out);
void hk_llm_job_release(struct hk_llm_job *j);

/* The user's default structured resume, parsed.  Returns 0 with *out
 * (json_object_put), HAWK_ENOTFOUND when there is none or it is empty
 * (err says how to fix), or a database error. */
int hk_llm_resume_load(struct hk_platform *pf, struct hk_dbconn *c,
                       int64_t user_id, json_object **out,
                       struct hawk_error *err);

/* The user's application for the job; when none exists and create is
 * set, records one (awaiting_review).  Returns 0 with *app_id,
 * HAWK_ENOTFOUND, HAWK_EQUOTA, or a database error. */
int hk_llm_application_for(struct hk_platform *pf, struct hk_dbconn *c,
                           int64_t user_id, int64_t job_id, int64_t wanted,
                           bool create, int64_t *app_id,
                           struct hawk_error *err);

/* The resume as compact JSON for a prompt, without what the model does
 * not need and should not see: contact details, date of birth,
 * self-identification, work authorization, salary.  Serialising writes
 * into the json-c objects, so resume must not be shared with another
 * thread during the call.  Caller hk_free()s. */
char *hk_llm_resume_prompt_text(json_object *resume);

/* s cut to at most max bytes on a UTF-8 boundary.  Caller hk_free()s. */
char *hk_llm_clip(const char *s, size_t max);

/* Job and resume for a feature, with the errors a user can act on:
 * HAWK_ENOTFOUND (no such job for the user, or no resume), HAWK_EINVAL
 * (a job without description, an empty resume), or a database error.
 * On success release job with hk_llm_job_release and json_object_put
 * the resume. */
int hk_llm_inputs_load(struct hk_platform *pf, struct hk_dbconn *c,
                       int64_t user_id, int64_t job_id, struct hk_llm_job *job,
                       json_object **resume, struct hawk_error *err);

/* Longest job description put into a prompt, in bytes. */
#define HK_LLM_MAX_JOB_TEXT 12000

/* The job's text as it goes into a prompt: each field fenced as
 * untrusted data (fence.c).  Release with hk_llm_job_text_release. */
struct hk_llm_job_text {
    char *title, *company, *location, *description;
};

/* Fills the five common prompt variables (resume, job_title,
 * job_company, job_location, job_description); the job's fields are
 * fenced into *t, which the vars point at (release t after rendering). */
void hk_llm_job_vars(const struct hk_llm_job *job, const char *resume_text,
                     struct hk_llm_job_text *t, struct hk_prompt_var vars[5]);
void hk_llm_job_text_release(struct hk_llm_job_text *t);

/* ---- fence.c: third-party text as data ---- */
/* The paragraph every system prompt ends with: <untrusted-data> blocks
 * are data, never instructions.  Static. */
const char *hk_llm_fence_rule(void);
/* A random block id (16 hex digits and a NUL) for one prompt. */
void hk_llm_fence_id(char out[17]);
/* text wrapped in an <untrusted-data id source> block, escaped so it
 * cannot hold a marker ('<', '>', '&' as entities; control bytes
 * dropped; newlines kept only when multiline).  "" for NULL or empty
 * text.  Caller hk_free()s. */
char *hk_llm_fence(const char *id, const char *source, const char *text,
                   bool multiline);

/* The tailored-resume check: 0 when every employer, institution, degree
 * and date of `reply` (and every year in its text) exists in `input`,
 * else HAWK_EINVAL with the first invention described in why. */
int hk_llm_tailor_check(json_object *input, json_object *reply, char *why,
                        size_t why_size);

/* ---- profile.c: answers the profile already holds ---- */
struct hk_llm_question;

/* Months covered by a period such as "01/2019 - 03/2021", "Mar 2019 -
 * Present", "2019 - 2021" (now_s for "present").  0 or -1 unparseable. */
int hk_llm_period_months(const char *period, int64_t now_s, int *start,
                         int *end);
/* Months of experience (overlaps counted once) in entries mentioning
 * skill, or in all entries when skill is NULL. */
int hk_llm_experience_months(json_object *resume, const char *skill,
                             int64_t now_s);
/* Days of a notice period ("2 weeks", "1 month", "immediately"); -1. */
int hk_llm_notice_days(const char *s);
/* A text member o.k1 (or o.k1.k2), numbers as text; NULL when absent or
 * empty.  Borrowed from o. */
const char *hk_llm_resume_str(json_object *o, const char *k1, const char *k2);
/* Appends every skill name of the resume (skills and each position's
 * skills_acquired), one per line, to names. */
void hk_llm_profile_skills(json_object *resume, struct hk_buf *names);
/* First amount in a salary text: "80000 - 100000", "$80k-100k",
 * "80,000".  -1 when none. */
double hk_llm_first_amount(const char *s);

/* ---- slots.c: answers to classified questions from the profile ---- */
struct hk_qslot;

enum hk_llm_slot_status {
    HK_LLM_SLOT_MODEL = 0,  /* not a profile fact: the answer bank or LLM */
    HK_LLM_SLOT_ANSWER = 1, /* *answer is the profile's answer */
    HK_LLM_SLOT_REVIEW = 2  /* a profile fact the resume does not hold:
                               the user must answer (why says what) */
};

/* Answers question q, classified as slot, from the resume: the answer in
 * the shape q's type wants (*answer, caller puts), or REVIEW with why
 * naming the missing fact, or MODEL for slots that are not profile facts
 * (free text, motivation, ...).  Never guesses: a skill in no dated
 * position, a region the resume says nothing about, a degree it does not
 * list are REVIEW. */
enum hk_llm_slot_status hk_llm_slot_answer(json_object *resume,
                                           const struct hk_llm_question *q,
                                           const struct hk_qslot *slot,
                                           int64_t now_s, json_object **answer,
                                           char *why, size_t why_size);
/* Facts for the LLM's context, one "- ..." line each.  Caller hk_free()s. */
char *hk_llm_profile_facts(json_object *resume, const struct hk_qslot *slot,
                           int64_t now_s);
/* 0, or HAWK_EINVAL with why when answer (from the LLM) contradicts the
 * profile: a yes/no the profile answers otherwise, more years than the
 * resume shows. */
int hk_llm_profile_contradiction(json_object *resume,
                                 const struct hk_llm_question *q,
                                 const struct hk_qslot *slot,
                                 json_object *answer, int64_t now_s, char *why,
                                 size_t why_size);

/* ---- answers.c ---- */
/* Checks a question: 0 or HAWK_EINVAL with err naming the problem. */
int hk_llm_question_check(const struct hk_llm_question *q,
                          struct hawk_error *err);
/* The answer in the canonical shape for q (an option's exact text, a
 * number, "Yes"/"No", YYYY-MM-DD, an array of options), or NULL with why
 * when it does not fit.  Caller puts. */
json_object *hk_llm_answer_fit(const struct hk_llm_question *q,
                               json_object *answer, char *why, size_t why_size);

/* ---- routes.c: helpers shared by the route files ---- */
/* A pool connection, or NULL with resp filled (503). */
struct hk_dbconn *hk_llm_acquire(struct hk_req *req, struct hk_resp *resp);
/* Maps a feature error to a response (404, 422, 403 plan_limit, 503). */
void hk_llm_err_resp(struct hk_resp *resp, const struct hawk_error *err);
/* An llm plugin is loaded; else false with resp filled (503). */
bool hk_llm_available(struct hk_req *req, struct hk_resp *resp);
/* The user's llm budget is not spent; else false with resp filled. */
bool hk_llm_budget_ok(struct hk_platform *pf, struct hk_dbconn *c,
                      int64_t user_id, struct hk_resp *resp);
/* Enqueues a task for the request's user and answers 202 {task_id, kind,
 * existing, status_url} (or the enqueue's error). */
void hk_llm_enqueue(struct hk_req *req, struct hk_resp *resp,
                    struct hk_dbconn *c, const char *kind, json_object *payload,
                    const char *unique_key);
typedef void (*hk_llm_add_route_fn)(struct hk_router *r, const char *method,
                                    const char *pattern, hk_handler_fn fn);
/* routes_answers.c: registers the /api/v1/answers routes with add. */
void hk_llm_answer_routes(struct hk_router *r, hk_llm_add_route_fn add);

/* score.c: renders the scoring prompts for job and resume and asks the
 * llm with the score schema (no database access).  out released by the
 * caller with hk_llm_out_release. */
struct hk_llm_out;
int hk_llm_score_ask(struct hk_app *app, int64_t user_id,
                     const struct hk_llm_job *job, json_object *resume,
                     const atomic_bool *cancel, struct hk_llm_out *out,
                     struct hawk_error *err);

/* llm.timeout from the config (120 s without one). */
int64_t hk_llm_timeout_ms(const struct hk_app *app);

/* Fills err for a database failure. */
void hk_llm_db_error(struct hawk_error *err, int rc, const char *what);

/* Compact JSON text of o (borrowed until o changes). */
const char *hk_llm_json(json_object *o);

/* ---- letter_check.c ---- */
/* Checks a cover letter against the resume and the posting: appends one
 * "- ..." line per violation (a placeholder, another language than
 * language, a degree or more years than the resume shows, a name in
 * neither the resume nor the posting) to out and returns how many (0:
 * the letter may be sent). */
int hk_llm_letter_check(json_object *resume, const struct hk_llm_job *job,
                        const char *letter, const char *language, int64_t now_s,
                        struct hk_buf *out);

/* ---- lang.c ---- */
/* The language text is written in ("German"), by libexttextcat's models;
 * NULL when the text is too short, the verdict is unsure or names a
 * language hawk has no name for.  Static.  Thread-safe. */
const char *hk_llm_language_of(const char *text);
/* hk_llm_language_of, English when it gives none. */
const char *hk_llm_detect_language(const char *text);
/* Frees the classifier (hk_llm_shutdown). */
void hk_llm_language_shutdown(void);

#endif
