/*
 * lua/workflows.h - database access for workflows, their runs (with the
 * run log) and the per-user hawk.state store.  Every function is scoped by
 * user_id; another user's row is HAWK_ENOTFOUND.  Reads meant for the API
 * return the resource as JSON text built by PostgreSQL.
 */
#ifndef HK_LUA_WORKFLOWS_H
#define HK_LUA_WORKFLOWS_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db/db.h"

struct hk_lua_result;

/* A workflow as the runner needs it. */
struct hk_workflow {
    int64_t id;
    int64_t user_id;
    char *name;   /* owned */
    char *source; /* owned */
    size_t source_len;
    bool enabled;
    json_object *schedule; /* owned */
    int64_t next_job_id;   /* 0 when none */
};

/* Frees what w owns. */
void hk_workflow_release(struct hk_workflow *w);

/* Number of workflows of the user. */
int hk_wf_count(struct hk_dbconn *c, int64_t user_id, int64_t *n);

/* Inserts a workflow.  schedule_json is the stored schedule text.
 * Returns 0 with *id, HAWK_ECONFLICT for a duplicate name, or a database
 * error. */
int hk_wf_insert(struct hk_dbconn *c, int64_t user_id, const char *name,
                 const char *source, bool enabled, const char *schedule_json,
                 int64_t *id);

/* Updates the given fields (NULL / enabled < 0: unchanged).  Returns 0,
 * HAWK_ENOTFOUND, HAWK_ECONFLICT (name taken) or a database error. */
int hk_wf_update(struct hk_dbconn *c, int64_t user_id, int64_t id,
                 const char *name, const char *source, int enabled,
                 const char *schedule_json);

/* Deletes a workflow (and its runs); *next_job_id (may be NULL) gets its
 * scheduled queue job so the caller can cancel it.  0 or
 * HAWK_ENOTFOUND. */
int hk_wf_delete(struct hk_dbconn *c, int64_t user_id, int64_t id,
                 int64_t *next_job_id);

/* Loads a workflow into *out (release with hk_workflow_release).  0 or
 * HAWK_ENOTFOUND. */
int hk_wf_load(struct hk_dbconn *c, int64_t user_id, int64_t id,
               struct hk_workflow *out);

/* Records the queue job holding the next scheduled run (0: none) and its
 * time (epoch s, 0: none). */
int hk_wf_set_next(struct hk_dbconn *c, int64_t user_id, int64_t id,
                   int64_t next_job_id, int64_t next_run_at);

/* The workflow as API JSON text (caller hk_free()s).  with_source adds
 * the script.  0 or HAWK_ENOTFOUND. */
int hk_wf_get_json(struct hk_dbconn *c, int64_t user_id, int64_t id,
                   bool with_source, char **json);

/* One page of the user's workflows (newest first) as a JSON array text,
 * plus the total count. */
int hk_wf_list_json(struct hk_dbconn *c, int64_t user_id, int64_t page,
                    int64_t per_page, char **json, int64_t *total);

/* ---- runs ---- */

/* Adds a queued run.  trigger: "manual" or "schedule". */
int hk_wf_run_insert(struct hk_dbconn *c, int64_t user_id, int64_t workflow_id,
                     const char *trigger, bool dry_run, int64_t *run_id);

/* Links the run to the queue job that will execute it. */
int hk_wf_run_set_job(struct hk_dbconn *c, int64_t user_id, int64_t run_id,
                      int64_t job_id);

/* Marks a queued run running; *workflow_id and *dry_run are read back.
 * HAWK_ENOTFOUND when it is gone, HAWK_ECONFLICT when it is not queued
 * (already ran: a retried queue job must not run it twice). */
int hk_wf_run_start(struct hk_dbconn *c, int64_t user_id, int64_t run_id,
                    int64_t *workflow_id, bool *dry_run);

/* Stores the outcome of a run (status succeeded/failed/cancelled) and
 * bumps the workflow's last_run_at. */
int hk_wf_run_finish(struct hk_dbconn *c, int64_t user_id, int64_t run_id,
                     const struct hk_lua_result *res);

/* Marks a run failed with a message (it could not start). */
int hk_wf_run_fail(struct hk_dbconn *c, int64_t user_id, int64_t run_id,
                   const char *error);

/* The run (with log, error and traceback) as JSON text.  0 or
 * HAWK_ENOTFOUND (also when it belongs to another workflow). */
int hk_wf_run_get_json(struct hk_dbconn *c, int64_t user_id,
                       int64_t workflow_id, int64_t run_id, char **json);

/* One page of a workflow's runs (newest first, without logs). */
int hk_wf_runs_list_json(struct hk_dbconn *c, int64_t user_id,
                         int64_t workflow_id, int64_t page, int64_t per_page,
                         char **json, int64_t *total);

/* Applications made today (UTC) by the workflow's finished runs that
 * were not dry runs. */
int hk_wf_applied_today(struct hk_dbconn *c, int64_t user_id,
                        int64_t workflow_id, int64_t *n);

/* ---- hawk.state ---- */

/* The value stored under key as JSON text (*json NULL when none; caller
 * hk_free()s). */
int hk_wf_state_get(struct hk_dbconn *c, int64_t user_id, const char *key,
                    char **json);

/* Stores value_json under key (NULL deletes it) if the user's total
 * (keys plus value texts) stays within max_bytes.  Returns 0, HAWK_EQUOTA
 * with *would_use set, or a database error.  Runs in its own
 * transaction. */
int hk_wf_state_set(struct hk_dbconn *c, int64_t user_id, const char *key,
                    const char *value_json, int64_t max_bytes,
                    int64_t *would_use);

#endif
