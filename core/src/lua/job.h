/*
 * lua/job.h - running stored workflows through the queue, and keeping
 * their automatic schedule in step with the script (internal to lua/).
 */
#ifndef HK_LUA_JOB_H
#define HK_LUA_JOB_H

#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>

#include "lua/lua.h"

struct hk_app;
struct hk_dbconn;
struct hk_lua_result;

#define HK_LUA_JOB_KIND "workflow_run"
#define HK_LUA_QUEUE "workflows"

/* The lua.* limits of app's config (defaults without one). */
void hk_lua_app_limits(const struct hk_app *app, struct hk_lua_limits *l);

/* Makes the workflow's automatic runs match its stored schedule and
 * enabled flag: upserts or deletes its cron schedule, cancels a pending
 * next_run() job and enqueues the next one after `after` (epoch s).
 * Runs in the caller's transaction when c is in one.  0 or a database
 * error. */
int hk_lua_schedule_sync(struct hk_app *app, struct hk_dbconn *c,
                         int64_t user_id, int64_t wf_id, int64_t after);

/* Removes a (deleted) workflow's schedule and pending job. */
int hk_lua_schedule_remove(struct hk_dbconn *c, int64_t user_id, int64_t wf_id,
                           int64_t next_job_id);

/* Runs the queued run run_id of user_id now, in this thread, and stores
 * its outcome.  echo (may be NULL) gets the log lines as they are
 * written; *out (may be NULL) the result (release with
 * hk_lua_result_clear).  Returns 0 when the run was executed (see
 * out->status), HAWK_ECONFLICT when it is not queued (already ran),
 * HAWK_ENOTFOUND, or a database error. */
int hk_lua_execute(struct hk_app *app, int64_t user_id, int64_t run_id,
                   const atomic_bool *cancel, FILE *echo,
                   struct hk_lua_result *out);

#endif
