/*
 * platform/jobs/jobs.h - job postings: stored once per board and external
 * id, linked to the users they were found for, with each user's fit
 * score; the search pipeline's upsert and link, and the API's list,
 * detail, manual entry and hiding.
 *
 * Jobs are shared between users (one row per board + external id); what a
 * user sees is what user_jobs links to them.  Manual jobs get an external
 * id prefixed with the user's id, so one user can never overwrite a
 * posting another user sees.
 */
#ifndef HK_PLATFORM_JOBS_H
#define HK_PLATFORM_JOBS_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

struct hawk_job;
struct hk_db;
struct hk_dbconn;
struct hk_err;
struct hk_router;

struct hk_jobs;

/* Creates the module on db (borrowed; may be NULL: no database).  Caller
 * frees with hk_jobs_free(). */
int hk_jobs_new(struct hk_db *db, struct hk_jobs **out, struct hk_err *err);
/* Accepts NULL. */
void hk_jobs_free(struct hk_jobs *jb);

/* Inserts or refreshes a posting, unique per (board, external_id); fields
 * the board did not send (NULL description, -1 applicants) keep their
 * stored values.  job is borrowed.  Runs on c (the caller's transaction
 * when one is open).  Returns 0 with *job_id, HAWK_EINVAL for a job
 * without board, external_id or title or with text that is not UTF-8 or
 * too long, or a database error. */
int hk_jobs_upsert(struct hk_jobs *jb, struct hk_dbconn *c,
                   const struct hawk_job *job, int64_t *job_id,
                   struct hk_err *err);

/* Records that job_id was found for user_id (idempotent; search_term may
 * be NULL).  Returns 0, HAWK_EINVAL for a search term over 200 bytes or
 * not UTF-8, or a database error. */
int hk_jobs_link(struct hk_jobs *jb, struct hk_dbconn *c, int64_t user_id,
                 int64_t job_id, const char *search_term, struct hk_err *err);

/* Stores the user's fit score (0-100) for a job with reasons and missing
 * skills as JSON array texts (NULL: "[]").  Returns 0, HAWK_EINVAL for a
 * score out of range or text that is not a JSON array, or a database
 * error. */
int hk_jobs_score_set(struct hk_jobs *jb, struct hk_dbconn *c, int64_t user_id,
                      int64_t job_id, double score, const char *reasons_json,
                      const char *missing_skills_json, struct hk_err *err);

/* ---- the API's operations (each borrows its own connection) ---- */

enum hk_jobs_sort {
    HK_JOBS_SORT_FOUND = 0, /* newest found first */
    HK_JOBS_SORT_SCORE,     /* best score first, unscored last */
    HK_JOBS_SORT_POSTED     /* newest posted first, undated last */
};

/* What the list shows; NULL strings and -1 mean "any". */
struct hk_jobs_filter {
    const char *board;     /* exact */
    const char *company;   /* substring, case-insensitive */
    const char *min_score; /* decimal text, 0..100 */
    const char *text;      /* full-text search (websearch syntax) */
    int applied;           /* 1: applied to, 0: not applied to, -1: any */
    enum hk_jobs_sort sort;
};

/* One page (from 1) of the user's jobs: *items new, *total matching. */
int hk_jobs_list(struct hk_jobs *jb, int64_t user_id,
                 const struct hk_jobs_filter *f, int64_t page, int64_t per_page,
                 json_object **items, int64_t *total, struct hk_err *err);
/* One of the user's jobs with its description; HAWK_ENOTFOUND. */
int hk_jobs_get(struct hk_jobs *jb, int64_t user_id, int64_t id,
                json_object **out, struct hk_err *err);
/* Hides a job from the user (the posting stays for other users and for
 * applications); HAWK_ENOTFOUND when the user has no such job. */
int hk_jobs_hide(struct hk_jobs *jb, int64_t user_id, int64_t id,
                 struct hk_err *err);
/* Stores a job the user found elsewhere (board "manual") from a request
 * body (checked here) and links it to the user; *out is the job as
 * hk_jobs_get() gives it. */
int hk_jobs_create(struct hk_jobs *jb, int64_t user_id, json_object *body,
                   json_object **out, struct hk_err *err);

/* Registers /api/v1/jobs and /api/v1/jobs/{id} on r; jb must outlive r
 * (routes.c). */
void hk_jobs_routes(struct hk_router *r, struct hk_jobs *jb);

#endif
