/*
 * apply/apply.h - sending applications through the job board plugins.
 *
 * A workflow's hawk.apply() (not a dry run, not held for review) and
 * POST /api/v1/job-applications/{id}/approve enqueue a queue job of kind
 * "application_submit" with payload {"application_id": N} for the
 * application's user.  Its handler, registered here, submits the
 * application through the jobboard plugin instance whose configured name
 * equals the job's board:
 *
 *   queued/approved --(plugin says "submitted")------------> applied
 *                   --(no plugin, board "manual", no apply)-> needs_attention
 *                   --(plugin answers anything else)-------> needs_attention
 *                   --(permanent plugin error, or the last
 *                      attempt of a retryable one)---------> failed
 *                   --(retryable plugin error)-------------> unchanged; the
 *                                                            queue retries
 *   any other status: nothing is sent (the job completes with a note).
 *
 * Every change is written to the application's status history with actor
 * "hawk"; the last error is kept in applications.error.  The application
 * row stays locked (SELECT ... FOR UPDATE) from the status check until
 * the outcome is committed, so two workers can never submit the same
 * application twice: the second waits, then finds it applied.  The daily
 * application quota was charged when the application was recorded; it is
 * not charged again here.
 *
 * The plugin receives its documents as files in a private directory
 * (mode 0700 under $TMPDIR, else /tmp) that is removed after the call:
 *   resume       the application's tailored resume (HTML) when one was
 *                generated, else the resume file of the application's
 *                resume, else of the default resume, else of the newest
 *                resume that has a file; none when the user has no file
 *   cover letter the newest cover letter generated for the application
 *                (also passed as text)
 * answers_json is {"<normalized question>": answer, ...} (answers are
 * JSON strings, numbers, or arrays of strings for multiple choice): the
 * answers stored on this application first, then the user's overrides,
 * then the cached answers.  profile_json is the personal_information
 * object of the default structured resume ({} when there is none).
 *
 * Queue: jobs run on queue "apply" (HK_APPLY_QUEUE), so an operator can
 * bound concurrent submissions across all nodes with
 * queue.concurrency = ["apply=N"], or run them on chosen nodes only with
 * queue.queues.  Each attempt may take HK_APPLY_TIMEOUT_MS; retryable
 * failures are retried HK_APPLY_MAX_ATTEMPTS times in all, with back-off
 * from one minute up to an hour.
 */
#ifndef HK_APPLY_H
#define HK_APPLY_H

#include <stdbool.h>
#include <stdint.h>

struct hk_app;
struct hk_db;
struct hk_dbconn;
struct hk_router;

#define HK_APPLY_KIND "application_submit"
#define HK_APPLY_QUEUE "apply"
#define HK_APPLY_TIMEOUT_MS (10 * 60 * 1000)
#define HK_APPLY_MAX_ATTEMPTS 5
/* Actor written in the status history. */
#define HK_APPLY_ACTOR "hawk"

/* Registers the "application_submit" job kind with the queue (not
 * startable through POST /api/v1/tasks).  Call once at start-up, before
 * any worker starts and in every process that enqueues submissions (the
 * producers enqueue only when the kind is registered).  app is borrowed
 * and unused: the handler takes the app from its job context.  Returns 0
 * or the queue's error. */
int hk_apply_register_kind(struct hk_app *app);

/* Registers POST and DELETE /api/v1/boards/{board}/pause, the user's
 * kill switch per board.  *db is read at each request (it is NULL until
 * the database is reached; the routes answer 503 then). */
void hk_apply_routes(struct hk_router *r, struct hk_db *const *db);

/* Whether user_id paused submissions to board.  0 or a database error. */
int hk_apply_paused(struct hk_dbconn *c, int64_t user_id, const char *board,
                    bool *paused);

#endif
