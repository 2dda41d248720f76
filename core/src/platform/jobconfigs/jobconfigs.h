/*
 * platform/jobconfigs/jobconfigs.h - job search configurations: where
 * and what to search, and the filters that decide which jobs to skip
 * (filters.h); CRUD, a filter preview against a sample job, and the
 * configuration a workflow run should use.
 *
 * name, is_active and is_default are columns; every other setting is
 * checked by the tables in schema.c and kept in one jsonb column, so a new
 * setting needs no migration.  At most one default per user (partial
 * unique index); the first configuration becomes the default.
 */
#ifndef HK_PLATFORM_JOBCONFIGS_H
#define HK_PLATFORM_JOBCONFIGS_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#include "platform/applications/applications.h"
#include "platform/plans/plans.h"

struct hk_db;
struct hk_dbconn;
struct hk_err;
struct hk_router;

struct hk_jobconfigs;

/* Creates the module on db, plans (the job_configs limit) and
 * applications (apply_once_at_company in the preview); all borrowed, db
 * may be NULL.  Caller frees with hk_jobconfigs_free(). */
int hk_jobconfigs_new(struct hk_db *db, struct hk_plans *plans,
                      struct hk_applications *applications,
                      struct hk_jobconfigs **out, struct hk_err *err);
/* Accepts NULL. */
void hk_jobconfigs_free(struct hk_jobconfigs *jc);

/* The configuration a run should use: the default one when active, else
 * the most recently created active one, as the same JSON object the API
 * returns (id, name, is_active, is_default and every setting), on the
 * caller's connection.  Returns 0 with *json_out (caller frees with
 * hk_free), HAWK_ENOTFOUND when the user has no active configuration, or a
 * database error. */
int hk_jobconfigs_active(struct hk_jobconfigs *jc, struct hk_dbconn *c,
                         int64_t user_id, char **json_out, struct hk_err *err);

/* ---- the API's operations (each borrows its own connection) ---- */

/* One page (from 1), newest first: *items new, *total the count. */
int hk_jobconfigs_list(struct hk_jobconfigs *jc, int64_t user_id, int64_t page,
                       int64_t per_page, json_object **items, int64_t *total,
                       struct hk_err *err);
/* Creates one from a request body (checked here; counts against the
 * job_configs limit). */
int hk_jobconfigs_create(struct hk_jobconfigs *jc, int64_t user_id,
                         json_object *body, json_object **out,
                         struct hk_err *err);
int hk_jobconfigs_get(struct hk_jobconfigs *jc, int64_t user_id, int64_t id,
                      json_object **out, struct hk_err *err);
/* Members of body replace the stored ones. */
int hk_jobconfigs_update(struct hk_jobconfigs *jc, int64_t user_id, int64_t id,
                         json_object *body, json_object **out,
                         struct hk_err *err);
int hk_jobconfigs_delete(struct hk_jobconfigs *jc, int64_t user_id, int64_t id,
                         struct hk_err *err);
/* Which rule, if any, would skip the sample job of a body {title,
 * company, location, description, workplace, applicants}: *out is
 * {would_apply, rule, entry, reason}.  Changes nothing. */
int hk_jobconfigs_preview(struct hk_jobconfigs *jc, int64_t user_id, int64_t id,
                          json_object *body, json_object **out,
                          struct hk_err *err);

/* Registers /api/v1/job-configs and below on r; jc must outlive r
 * (routes.c). */
void hk_jobconfigs_routes(struct hk_router *r, struct hk_jobconfigs *jc);

#endif
