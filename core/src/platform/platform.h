/*
 * platform/platform.h - the job platform: resumes, job search
 * configurations, jobs, applications, statistics, plans and quotas.
 *
 * hk_platform_routes() registers the /api/v1 routes.  The functions below
 * are what other modules (workflows, the search pipeline, the LLM module,
 * billing) call; each takes a connection the caller has acquired from the
 * pool and may run inside the caller's transaction.  Every function that
 * touches a user's data is scoped by user_id.
 */
#ifndef HK_PLATFORM_H
#define HK_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hk_router;
struct hk_dbconn;
struct hk_resp;
struct hawk_job;

/* Registers every platform route on r.  Reads uploads.max_resume_size
 * from hk_app_current->cfg when set (the upload route's body limit), so
 * call it after the configuration is loaded. */
void hk_platform_routes(struct hk_router *r);

/* ---------------------------------------------------------------------
 * Plans and quotas (plans.c)
 * ------------------------------------------------------------------ */

/* Limit names (features of a plan). */
#define HK_LIMIT_APPLICATIONS_PER_DAY "applications_per_day"
#define HK_LIMIT_RESUMES "resumes"
#define HK_LIMIT_JOB_CONFIGS "job_configs"
#define HK_LIMIT_CUSTOM_RESUME "custom_resume"
#define HK_LIMIT_WORKFLOWS "workflows"
#define HK_LIMIT_MIN_SCHEDULE_INTERVAL "min_schedule_interval_minutes"
#define HK_LIMIT_LLM_BUDGET "llm_monthly_budget_usd"

/* The outcome of a check, filled whether it passed or not. */
struct hk_plan_limit {
    char name[48];      /* the limit's name */
    char plan[104];     /* the plan's name */
    double value;       /* the plan's value (booleans: 0 or 1) */
    double used;        /* current usage (for a minimum: the value asked) */
    bool is_bool;       /* a feature flag rather than a number */
    bool is_minimum;    /* value is a floor (schedule interval) */
    bool trial_expired; /* the Free Trial is over and no plan was chosen */
};

/* Checks that user_id may use `adding` more of `limit` now.  Usage is
 * counted here for applications_per_day (applications created since
 * 00:00 UTC, skipped ones not counted), resumes, job_configs and
 * llm_monthly_budget_usd (usage_counters, this month); feature flags
 * (custom_resume) pass when enabled; for
 * min_schedule_interval_minutes `adding` is the interval asked for.
 * Other limits (workflows) count 0 here: use hk_plan_check_used().
 * Returns 0 when allowed, HAWK_EQUOTA when not (out says why; answer with
 * hk_plan_limit_resp()), HAWK_EINVAL for an unknown limit name,
 * HAWK_ENOTFOUND for an unknown user, or a database error. */
int hk_plan_check(struct hk_dbconn *c, int64_t user_id, const char *limit,
                  double adding, struct hk_plan_limit *out);

/* The same with the current usage supplied by the caller (a module that
 * owns the rows being counted). */
int hk_plan_check_used(struct hk_dbconn *c, int64_t user_id, const char *limit,
                       double used, double adding, struct hk_plan_limit *out);

/* Adds amount to the user's metered counter `name` for the current month
 * (e.g. "llm_usd").  Returns 0 or a database error. */
int hk_usage_add(struct hk_dbconn *c, int64_t user_id, const char *name,
                 double amount);

/* Fills resp with 403 {"error":{"code":"plan_limit","message":...,
 * "limit":name,"value":v,"used":u}}. */
void hk_plan_limit_resp(struct hk_resp *resp, const struct hk_plan_limit *l);

/* ---------------------------------------------------------------------
 * Jobs (jobs.c)
 * ------------------------------------------------------------------ */

/* Inserts or refreshes a posting, unique per (board, external_id); fields
 * the board did not send (NULL description, -1 applicants) keep their
 * stored values.  job is borrowed.  Returns 0 with *job_id, HAWK_EINVAL
 * for a job without board, external_id or title, or a database error. */
int hk_jobs_upsert(struct hk_dbconn *c, const struct hawk_job *job,
                   int64_t *job_id);

/* Records that job_id was found for user_id (idempotent; search_term may
 * be NULL).  Returns 0 or a database error. */
int hk_user_jobs_link(struct hk_dbconn *c, int64_t user_id, int64_t job_id,
                      const char *search_term);

/* Stores the user's fit score (0-100) for a job with reasons and missing
 * skills as JSON array texts (NULL: "[]").  Returns 0, HAWK_EINVAL for a
 * score out of range or invalid JSON, or a database error. */
int hk_jobs_score_set(struct hk_dbconn *c, int64_t user_id, int64_t job_id,
                      double score, const char *reasons_json,
                      const char *missing_skills_json);

/* ---------------------------------------------------------------------
 * Applications (applications.c)
 * ------------------------------------------------------------------ */

/* Records an application of user_id to job_id, unique per (user, job):
 * when one exists it is returned with *created = false and nothing
 * changes (safe to retry).  A new one needs the job to be linked to the
 * user (user_jobs) and counts against applications_per_day.  status NULL
 * means "queued"; search_term may be NULL.  Returns 0; HAWK_ENOTFOUND
 * (no such job for this user); HAWK_EINVAL (unknown status); HAWK_EQUOTA
 * (daily limit reached); or a database error.  Runs in the caller's
 * transaction when one is open, else in its own. */
int hk_app_record(struct hk_dbconn *c, int64_t user_id, int64_t job_id,
                  const char *status, const char *search_term,
                  int64_t *application_id, bool *created);

/* The same, naming the actor recorded in the status history ("user:7",
 * "workflow:3") and filling *limit (may be NULL) on HAWK_EQUOTA. */
int hk_app_record_ex(struct hk_dbconn *c, int64_t user_id, int64_t job_id,
                     const char *status, const char *search_term,
                     const char *actor, int64_t *application_id, bool *created,
                     struct hk_plan_limit *limit);

/* Moves an application to status (any status of application_statuses,
 * including awaiting_review and approved) and appends the change to its
 * history with note (may be NULL) and actor.  A status equal to the
 * current one changes nothing.  Returns 0, HAWK_ENOTFOUND (not this
 * user's), HAWK_EINVAL (unknown status) or a database error. */
int hk_app_set_status(struct hk_dbconn *c, int64_t user_id,
                      int64_t application_id, const char *status,
                      const char *note, const char *actor);

/* Attaches a generated document (kind "cover_letter" or
 * "tailored_resume"; format "text", "markdown", "html" or "json") to the
 * user's application.  Returns 0 with *doc_id (may be NULL),
 * HAWK_ENOTFOUND, HAWK_EINVAL or a database error. */
int hk_app_add_document(struct hk_dbconn *c, int64_t user_id,
                        int64_t application_id, const char *kind,
                        const char *content, const char *format,
                        int64_t *doc_id);

/* Records a form question and its answer (answer may be NULL; source e.g.
 * "llm", "user", "cache").  Returns 0, HAWK_ENOTFOUND or a database
 * error. */
int hk_app_add_question(struct hk_dbconn *c, int64_t user_id,
                        int64_t application_id, const char *question,
                        const char *type, const char *answer,
                        const char *source);

/* ---------------------------------------------------------------------
 * Resumes and job search configurations
 * ------------------------------------------------------------------ */

/* The user's default resume's structured JSON text.  Returns 0 with
 * *json_out (caller frees with hk_free), HAWK_ENOTFOUND when the user has
 * no default resume or it has no structured data, or a database error. */
int hk_resume_default_structured(struct hk_dbconn *c, int64_t user_id,
                                 char **json_out);

/* The configuration a run should use: the default one when active, else
 * the most recently created active one, as the same JSON object the API
 * returns (id, name, is_active, is_default and every setting).  Returns 0
 * with *json_out (caller frees with hk_free), HAWK_ENOTFOUND when the user
 * has no active configuration, or a database error. */
int hk_jobconfig_active(struct hk_dbconn *c, int64_t user_id, char **json_out);

#endif
