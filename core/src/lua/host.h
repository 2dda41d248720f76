/*
 * lua/host.h - the in-process host: answers a run's host calls with the
 * database, the plugins, the platform and the LLM features, always as
 * the run's user (identity lives here, never in the script).
 */
#ifndef HK_LUA_HOST_H
#define HK_LUA_HOST_H

#include <json-c/json.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "lua/runner.h"

struct hk_app;
struct hk_dbconn;
struct hk_jobconfigs_filter;

/* Queue job kind that submits an approved or queued application, when a
 * module registers it. */
#define HK_LUA_SUBMIT_KIND "application_submit"

struct hk_lua_env {
    struct hk_app *app;
    int64_t user_id;
    int64_t workflow_id; /* 0: a file run from the CLI */
    bool dry_run;
    bool review_default;       /* the user's review_before_submit */
    int max_per_day;           /* the script's own cap; 0: none */
    int64_t applied_before;    /* by this workflow today, before this run */
    int64_t applied_now;       /* by this run (dry-run included) */
    int64_t state_max;         /* lua.state_max */
    const atomic_bool *cancel; /* may be NULL */
    FILE *echo;                /* CLI: log lines are printed here */
    /* Applications this run's hawk.llm.cover_letter / tailor_resume
     * created (awaiting_review) for hawk.apply to take over. */
    int64_t prepared[64];
    size_t n_prepared;
    struct hk_jobconfigs_filter *filters;
    char actor[40]; /* "workflow:12" or "workflow:cli" */
    /* Dry runs: hawk.state.set writes here, never to the database;
     * hawk.state.get reads here first.  key -> value (JSON null: deleted).
     * Owned; NULL until the first write. */
    json_object *scratch;
    int64_t scratch_bytes;
};

/* Prepares env for a run of user_id (reads review_before_submit and,
 * for a stored workflow, today's applications).  Returns 0 or a database
 * error.  Release with hk_lua_env_release(). */
int hk_lua_env_init(struct hk_lua_env *env, struct hk_app *app, int64_t user_id,
                    int64_t workflow_id, bool dry_run, int max_per_day);
void hk_lua_env_release(struct hk_lua_env *env);

/* The hk_lua_host for env (env borrowed for the run). */
struct hk_lua_host hk_lua_env_host(struct hk_lua_env *env);

/* ---- shared by host_*.c ---- */

typedef int (*hk_lua_host_fn)(struct hk_lua_env *env, struct hk_dbconn *c,
                              struct hk_lua_hostcall *hc, int64_t timeout_ms);

/* Host calls about jobs and applications (host_jobs.c). */
int hk_lua_host_search(struct hk_lua_env *env, struct hk_dbconn *c,
                       struct hk_lua_hostcall *hc, int64_t timeout_ms);
int hk_lua_host_description(struct hk_lua_env *env, struct hk_dbconn *c,
                            struct hk_lua_hostcall *hc, int64_t timeout_ms);
int hk_lua_host_applied(struct hk_lua_env *env, struct hk_dbconn *c,
                        struct hk_lua_hostcall *hc, int64_t timeout_ms);
int hk_lua_host_applied_company(struct hk_lua_env *env, struct hk_dbconn *c,
                                struct hk_lua_hostcall *hc, int64_t timeout_ms);
int hk_lua_host_applications(struct hk_lua_env *env, struct hk_dbconn *c,
                             struct hk_lua_hostcall *hc, int64_t timeout_ms);
int hk_lua_host_blacklisted(struct hk_lua_env *env, struct hk_dbconn *c,
                            struct hk_lua_hostcall *hc, int64_t timeout_ms);
int hk_lua_host_apply(struct hk_lua_env *env, struct hk_dbconn *c,
                      struct hk_lua_hostcall *hc, int64_t timeout_ms);

/* LLM host calls (host_llm.c). */
int hk_lua_host_llm_score(struct hk_lua_env *env, struct hk_dbconn *c,
                          struct hk_lua_hostcall *hc, int64_t timeout_ms);
int hk_lua_host_llm_letter(struct hk_lua_env *env, struct hk_dbconn *c,
                           struct hk_lua_hostcall *hc, int64_t timeout_ms);
int hk_lua_host_llm_tailor(struct hk_lua_env *env, struct hk_dbconn *c,
                           struct hk_lua_hostcall *hc, int64_t timeout_ms);
int hk_lua_host_llm_ask(struct hk_lua_env *env, struct hk_dbconn *c,
                        struct hk_lua_hostcall *hc, int64_t timeout_ms);

/* The database id of a job the user found through hawk.search, from a job
 * table's board and id.  HAWK_ENOTFOUND (with hc->error) otherwise. */
int hk_lua_host_job_id(struct hk_lua_env *env, struct hk_dbconn *c,
                       json_object *job, const char *fn,
                       struct hk_lua_hostcall *hc, int64_t *job_id);

/* Submits (or hands to the submission queue) an application that may
 * go out: enqueues HK_LUA_SUBMIT_KIND when that kind is registered.
 * *queued tells whether it was.  Returns 0 or a queue/database error. */
int hk_lua_submit_application(struct hk_dbconn *c, int64_t user_id,
                              int64_t application_id, bool *queued);

/* Remembers / checks an application prepared by this run's LLM calls. */
void hk_lua_env_prepared_add(struct hk_lua_env *env, int64_t app_id);
bool hk_lua_env_prepared_has(const struct hk_lua_env *env, int64_t app_id);

/* Parses a JSON text from the database or a plugin (NULL on failure). */
json_object *hk_lua_host_parse(const char *text);

#endif
