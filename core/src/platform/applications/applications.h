/*
 * platform/applications/applications.h - job applications: one per user
 * and job, with a status history, notes, form questions and answers, and
 * generated documents; the list with filters, the CSV export and the
 * statistics.
 *
 * The functions other modules call (workflows, the LLM features, the
 * submission task) take a connection the caller holds and run inside the
 * caller's transaction when one is open.  The API's operations borrow
 * their own.  Every operation is scoped by user_id.
 */
#ifndef HK_PLATFORM_APPLICATIONS_H
#define HK_PLATFORM_APPLICATIONS_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "platform/plans/plans.h"

struct hk_buf;
struct hk_db;
struct hk_dbconn;
struct hk_err;
struct hk_router;

struct hk_applications;

/* Creates the module on db and plans (both borrowed; db may be NULL: no
 * database).  Caller frees with hk_applications_free(). */
int hk_applications_new(struct hk_db *db, struct hk_plans *plans,
                        struct hk_applications **out, struct hk_err *err);
/* Accepts NULL. */
void hk_applications_free(struct hk_applications *am);

/* True for a status of application_statuses: the ones a user may set
 * (queued, applied, failed, skipped, needs_attention, viewed,
 * interviewing, offered, rejected, accepted, withdrawn) and the review
 * flow's (awaiting_review, approved) when `review` is true. */
bool hk_applications_status_known(const char *status, bool review);

/* ---- for other modules (on the caller's connection) ---- */

/* Records an application of user_id to job_id, unique per (user, job):
 * when one exists it is returned with *created = false and nothing
 * changes (safe to retry).  A new one needs the job to be linked to the
 * user (user_jobs) and counts against applications_per_day.  status NULL
 * means "queued"; search_term may be NULL; actor is what the status
 * history records ("user:7", "workflow:3"; NULL: "system"); limit (may be
 * NULL) is filled on HAWK_EQUOTA.  Returns 0; HAWK_ENOTFOUND (no such job
 * for this user); HAWK_EINVAL (bad search term); HAWK_EQUOTA (daily limit
 * reached; err as hk_plans_check() fills it); or a database error. */
int hk_applications_record(struct hk_applications *am, struct hk_dbconn *c,
                           int64_t user_id, int64_t job_id, const char *status,
                           const char *search_term, const char *actor,
                           int64_t *application_id, bool *created,
                           struct hk_plans_limit *limit, struct hk_err *err);

/* Moves an application to status (any status of application_statuses,
 * including awaiting_review and approved) and appends the change to its
 * history with note (may be NULL) and actor.  A status equal to the
 * current one changes nothing.  Returns 0, HAWK_ENOTFOUND (not this
 * user's), HAWK_EINVAL (unknown status) or a database error. */
int hk_applications_set_status(struct hk_applications *am, struct hk_dbconn *c,
                               int64_t user_id, int64_t application_id,
                               const char *status, const char *note,
                               const char *actor, struct hk_err *err);

/* Attaches a generated document (kind "cover_letter" or
 * "tailored_resume"; format "text", "markdown", "html" or "json"; NULL:
 * "text") to the user's application.  Returns 0 with *doc_id (may be
 * NULL), HAWK_ENOTFOUND, HAWK_EINVAL or a database error. */
int hk_applications_add_document(struct hk_applications *am,
                                 struct hk_dbconn *c, int64_t user_id,
                                 int64_t application_id, const char *kind,
                                 const char *content, const char *format,
                                 int64_t *doc_id, struct hk_err *err);

/* Records a form question and its answer (type NULL: "text"; answer may
 * be NULL; source e.g. "llm", "user", "cache", NULL: "llm").  Returns 0,
 * HAWK_ENOTFOUND, HAWK_EINVAL (text not UTF-8) or a database error. */
int hk_applications_add_question(struct hk_applications *am,
                                 struct hk_dbconn *c, int64_t user_id,
                                 int64_t application_id, const char *question,
                                 const char *type, const char *answer,
                                 const char *source, struct hk_err *err);

/* *applied tells whether the user has an application to a job at company
 * (case-insensitive) that was not skipped or failed. */
int hk_applications_applied_at(struct hk_applications *am, struct hk_dbconn *c,
                               int64_t user_id, const char *company,
                               bool *applied, struct hk_err *err);

/* ---- the API's operations ---- */

enum hk_applications_sort {
    HK_APPLICATIONS_SORT_CREATED = 0,
    HK_APPLICATIONS_SORT_UPDATED,
    HK_APPLICATIONS_SORT_COMPANY,
    HK_APPLICATIONS_SORT_STATUS
};

/* What the list and the export show; NULL and false mean "any". */
struct hk_applications_filter {
    const char *statuses;    /* comma-separated, each known (checked by the
                                caller with hk_applications_status_known) */
    const char *company;     /* substring, case-insensitive */
    const char *search_term; /* exact */
    bool has_from;
    int64_t from; /* created at or after (unix seconds) */
    bool has_to;
    int64_t to;        /* created at or before (unix seconds) ... */
    bool to_exclusive; /* ... or before, for the end of a bare date */
    enum hk_applications_sort sort;
    bool asc; /* else newest / highest first */
};

/* Appends one page (from 1) of the user's applications to out as a JSON
 * array (written straight, without a json-c tree: the list is the
 * hottest answer) and sets *total to the matching count. */
int hk_applications_list(struct hk_applications *am, int64_t user_id,
                         const struct hk_applications_filter *f, int64_t page,
                         int64_t per_page, struct hk_buf *out, int64_t *total,
                         struct hk_err *err);

/* The export's columns, in order. */
#define HK_APPLICATIONS_EXPORT_COLS 12
extern const char
    *const hk_applications_export_columns[HK_APPLICATIONS_EXPORT_COLS];

/* Calls row(arg, vals, lens) for every application the filter selects
 * (at most 100000, in the filter's order), with the export's columns
 * (vals[i] NULL for SQL NULL).  A row() that fails stops the export with
 * its code (err then says nothing more). */
int hk_applications_export(struct hk_applications *am, int64_t user_id,
                           const struct hk_applications_filter *f,
                           int (*row)(void *arg, const char *const *vals,
                                      const int *lens),
                           void *arg, struct hk_err *err);

/* The user's statistics as JSON text built by PostgreSQL, appended to
 * out: total, by_status, top_companies, top_search_terms, per_day (the
 * last 30 UTC days), sent, responded, response_rate. */
int hk_applications_stats(struct hk_applications *am, int64_t user_id,
                          struct hk_buf *out, struct hk_err *err);

/* Records an application from a request body {job_id, status,
 * search_term} by user_id; *created false when it existed (the first is
 * returned).  *out is the application as the list shows it. */
int hk_applications_create(struct hk_applications *am, int64_t user_id,
                           json_object *body, json_object **out, bool *created,
                           struct hk_err *err);
/* The screenshot (PNG bytes) or page HTML of capture capture_id of the
 * user's application id (what a job board's browser showed when a
 * submission stopped), appended to out.  HAWK_ENOTFOUND when the user has
 * no such application or capture, or the capture lacks that part. */
int hk_applications_capture(struct hk_applications *am, int64_t user_id,
                            int64_t id, int64_t capture_id, bool screenshot,
                            struct hk_buf *out, struct hk_err *err);

/* One application with its job's details, history, questions, documents
 * and notes; HAWK_ENOTFOUND. */
int hk_applications_get(struct hk_applications *am, int64_t user_id, int64_t id,
                        json_object **out, struct hk_err *err);
int hk_applications_delete(struct hk_applications *am, int64_t user_id,
                           int64_t id, struct hk_err *err);
/* Sets the status from a body {status, note}; *out as the list shows it. */
int hk_applications_update_status(struct hk_applications *am, int64_t user_id,
                                  int64_t id, json_object *body,
                                  json_object **out, struct hk_err *err);
/* Notes: add from a body {content}, list a page, delete one. */
int hk_applications_note_add(struct hk_applications *am, int64_t user_id,
                             int64_t id, json_object *body, json_object **out,
                             struct hk_err *err);
int hk_applications_notes(struct hk_applications *am, int64_t user_id,
                          int64_t id, int64_t page, int64_t per_page,
                          json_object **items, int64_t *total,
                          struct hk_err *err);
int hk_applications_note_delete(struct hk_applications *am, int64_t user_id,
                                int64_t id, int64_t note_id,
                                struct hk_err *err);

/* Registers /api/v1/job-applications and below on r; am must outlive r
 * (routes.c). */
void hk_applications_routes(struct hk_router *r, struct hk_applications *am);

#endif
