/*
 * llm/llm.h - host features built on the `llm` plugin kind, so any LLM
 * plugin serves them: one chat entry point that picks the instance,
 * enforces the user's monthly LLM budget, records usage and cost per user
 * and day and counts metrics; job fit scores; cover letters; tailored
 * resumes; answers to application questions; the prompt templates under
 * etc/prompts/; the /api/v1 routes and queue tasks; `hawk llm chat`.
 *
 * Every function taking a user_id scopes what it reads and writes by it.
 */
#ifndef HK_LLM_H
#define HK_LLM_H

#include <json-c/json.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hawk/plugin.h"

struct hk_app;
struct hk_plans;
struct hk_router;
struct hk_dbconn;

/* ---------------------------------------------------------------------
 * Start-up (llm.c, prompts.c)
 * ------------------------------------------------------------------ */

/* Loads every prompt template (etc/prompts/NAME.txt) and the resume HTML
 * template (etc/templates/resume.html).  Directories: llm.prompts_dir /
 * llm.templates_dir when set, else prompts/ and templates/ beside the
 * config file, else the source tree's etc/.  A missing, empty, oversized,
 * non-UTF-8 template, one with an unknown or unterminated {{placeholder}},
 * or one missing a placeholder it must use is an error naming the file.
 * Call once after the config is loaded and before serving.  Returns 0 or
 * HAWK_ECONFIG with err filled. */
int hk_llm_init(struct hk_app *app, char *err, size_t errlen);
/* Frees the templates.  Safe to call without init. */
void hk_llm_shutdown(void);

/* ---------------------------------------------------------------------
 * Chat (llm.c)
 * ------------------------------------------------------------------ */

struct hk_llm_call {
    const char *purpose; /* "chat", "score", "cover_letter", "tailor",
                             "answer": the usage rows' purpose */
    const char *plugin;  /* instance name; NULL: first llm instance */
    const char *model;   /* NULL: the instance's default */
    const struct hawk_llm_message *messages;
    size_t n_messages;
    const char *json_schema; /* NULL: free text */
    const char *schema_name;
    double temperature;        /* < 0: server default */
    int max_tokens;            /* 0: server default */
    int64_t timeout_ms;        /* whole call incl. retries; 0: 120 s */
    const atomic_bool *cancel; /* may be NULL */
};

struct hk_llm_out {
    char *content; /* caller releases with hk_llm_out_release() */
    size_t len;
    struct hawk_llm_result result; /* result.usage points at usage */
    struct hawk_llm_usage usage;
    char plugin[64]; /* instance that answered */
};

/*
 * One chat completion on behalf of user_id (0: a system call: no budget,
 * no usage rows).  For a user, the plan's llm_monthly_budget_usd is
 * checked first (HAWK_EQUOTA with a message saying what was spent when
 * it is used up) and the call's tokens and cost are recorded afterwards,
 * also when the call failed after the server billed tokens.  With a
 * schema, out->content is a JSON document valid for it.  Returns 0 or a
 * negative HAWK_E* with err filled (HAWK_EUNAVAIL when no llm plugin is
 * loaded).  out is always initialised.  Thread-safe.
 */
int hk_llm_chat(struct hk_app *app, int64_t user_id,
                const struct hk_llm_call *c, struct hk_llm_out *out,
                struct hawk_error *err);
void hk_llm_out_release(struct hk_llm_out *o);

/* Checks the user's monthly budget without calling anything: 0, or
 * HAWK_EQUOTA with err explaining, or a database error. */
int hk_llm_budget_check(struct hk_plans *pl, struct hk_dbconn *c,
                        int64_t user_id, struct hawk_error *err);

/* ---------------------------------------------------------------------
 * Features (score.c, cover_letter.c, tailor.c, answers.c)
 * ------------------------------------------------------------------ */

/* The job fit score: {"score": 0-10, "reasons": [...], "missing_skills":
 * [...]}, stored in job_scores for (user_id, job_id) as score x 10 (the
 * jobs API's 0-100 scale).  *result_json
 * (caller hk_free()s; may be NULL) gets that object plus "job_id".
 * Errors: HAWK_ENOTFOUND (no such job for the user), HAWK_EINVAL (empty
 * resume or a job without description; err says which), HAWK_EQUOTA,
 * and the plugin's errors. */
int hk_llm_score_job(struct hk_app *app, int64_t user_id, int64_t job_id,
                     const atomic_bool *cancel, char **result_json,
                     struct hawk_error *err);

struct hk_llm_letter_opts {
    const char *tone;       /* NULL: "professional"; at most 40 bytes */
    const char *language;   /* NULL: the job posting's language */
    int max_words;          /* 0: 250; else 50-1000 */
    const char *extra;      /* extra instructions, NULL; at most 1000 bytes */
    int64_t application_id; /* 0: the user's application for the job,
                               created (awaiting_review) when none */
};

/* Checks letter options: 0 or HAWK_EINVAL with err naming the field. */
int hk_llm_letter_opts_check(const struct hk_llm_letter_opts *o,
                             struct hawk_error *err);

/* Writes a cover letter and stores it as a generated document of the
 * application in one transaction (nothing is stored on failure).
 * *result_json (may be NULL): {"job_id","application_id","document_id",
 * "content","language"}. */
int hk_llm_cover_letter(struct hk_app *app, int64_t user_id, int64_t job_id,
                        const struct hk_llm_letter_opts *o,
                        const atomic_bool *cancel, char **result_json,
                        struct hawk_error *err);

/* Rewrites the structured resume for the job, checks that every
 * employer, institution and date in the output exists in the input
 * (asks once more when not, then fails), renders it to HTML from the
 * resume template, and stores both (kinds tailored_resume, formats json
 * and html) on the application in one transaction.  Gated by the plan's
 * custom_resume feature (HAWK_EQUOTA).  *result_json (may be NULL):
 * {"job_id","application_id","document_id","html_document_id"}. */
int hk_llm_tailor_resume(struct hk_app *app, int64_t user_id, int64_t job_id,
                         int64_t application_id, const atomic_bool *cancel,
                         char **result_json, struct hawk_error *err);

/* A question on an application form. */
struct hk_llm_question {
    const char *text;
    const char *type;           /* text, textarea, number, single_choice,
                                multiple_choice, yes_no, date */
    const char *const *options; /* choices; NULL for other types */
    size_t n_options;
    int64_t job_id; /* 0: no job context */
};

/* Answers a question for user_id.  The question is classified into a
 * typed slot by the rule table (llm/qrules.h).  A saved override wins;
 * then, for a slot that is a profile fact (years with a skill, notice
 * period, start date, salary, work authorization, sponsorship, degree,
 * language, contact fields), the answer computed from the profile, or
 * "needs_review" when the resume lacks the fact; then a cached answer;
 * only then the LLM, with the computed facts in its context, which must
 * say whether the profile supports its answer (unsupported is
 * "needs_review"; an answer that contradicts the facts or does not fit
 * the type is rejected).  *answer_json (caller hk_free()s):
 * {"question","key","type","slot","answer","source":"override|cache|
 * profile|llm|needs_review","reason" (needs_review: the missing fact),
 * "facts_used" (llm)}; answer is null for needs_review, which is never
 * cached.  Errors: HAWK_EINVAL (empty question, unknown type, choices
 * without options; err names the problem), HAWK_EQUOTA, plugin errors. */
int hk_llm_answer(struct hk_app *app, int64_t user_id,
                  const struct hk_llm_question *q, const atomic_bool *cancel,
                  char **answer_json, struct hawk_error *err);

/* Normalizes a question for the cache key: lower-case, punctuation and
 * required-field marks dropped, white space collapsed.  Caller hk_free()s. */
char *hk_llm_question_key(const char *text);

/* ---------------------------------------------------------------------
 * HTTP and queue (routes.c, tasks.c)
 * ------------------------------------------------------------------ */

/* Registers POST /api/v1/jobs/{id}/score|cover-letter|tailored-resume,
 * GET /api/v1/usage/llm and GET/PUT /api/v1/answers. */
void hk_llm_routes(struct hk_router *r);

/* Registers the queue task kinds llm_score, llm_cover_letter and
 * llm_tailor_resume with app->queue.  Returns 0 or the queue's error. */
int hk_llm_register_tasks(struct hk_app *app);

/* ---------------------------------------------------------------------
 * CLI (cli.c)
 * ------------------------------------------------------------------ */

/* `hawk llm chat --prompt TEXT [--system TEXT] [--schema FILE]
 * [--plugin NAME] [--model M] [--max-tokens N] [--temperature T]
 * [--timeout DUR] [--json]`: loads the plugins (unless app->plugins is
 * set), calls chat() once and prints the content (with --json one JSON
 * object with content and usage) on stdout.  argv[0] is "chat" (a
 * leading "llm" is skipped).  Returns the exit code: 0, 1 failed, 2
 * usage. */
int hk_llm_cli(struct hk_app *app, int argc, char **argv);

#endif
