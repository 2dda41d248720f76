/*
 * platform/plans/plans.h - plans, the user's effective plan, quota checks
 * and metered usage.
 *
 * A plan's limits live in its `features` JSON.  A negative number means
 * unlimited; a missing key means the feature is not included.  A user
 * without a subscription row is on the Free Trial plan from the moment
 * the account was created until cfg.trial_days later; after that the
 * metered limits (applications per day, LLM budget, custom resumes) drop
 * to zero until a plan is chosen, while counts of things the user keeps
 * (resumes, configurations) stay as they were.
 *
 * Checks take a connection the caller holds (they run inside the caller's
 * transaction, after hk_plans_lock() when the caller is about to add what
 * it counts); the API operations borrow their own.
 */
#ifndef HK_PLATFORM_PLANS_H
#define HK_PLATFORM_PLANS_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

struct hk_db;
struct hk_dbconn;
struct hk_err;
struct hk_router;

/* Limit names (features of a plan). */
#define HK_PLANS_APPLICATIONS_PER_DAY "applications_per_day"
#define HK_PLANS_RESUMES "resumes"
#define HK_PLANS_JOB_CONFIGS "job_configs"
#define HK_PLANS_CUSTOM_RESUME "custom_resume"
#define HK_PLANS_WORKFLOWS "workflows"
#define HK_PLANS_MIN_SCHEDULE_INTERVAL "min_schedule_interval_minutes"
#define HK_PLANS_LLM_BUDGET "llm_monthly_budget_usd"
/* Workflow runs of one user at once (read by the queue's claim, migration
 * 0060; default 1). */
#define HK_PLANS_WORKFLOW_CONCURRENCY "workflow_concurrency"

struct hk_plans_cfg {
    int64_t trial_days; /* plans.trial_days */
};

struct hk_plans;

/* The outcome of a check, filled whether it passed or not. */
struct hk_plans_limit {
    char name[48];      /* the limit's name */
    char plan[104];     /* the plan's name */
    double value;       /* the plan's value (booleans: 0 or 1) */
    double used;        /* current usage (for a minimum: the value asked) */
    bool is_bool;       /* a feature flag rather than a number */
    bool is_minimum;    /* value is a floor (schedule interval) */
    bool trial_expired; /* the Free Trial is over and no plan was chosen */
};

/* What a quota-checked insert serialises on (hk_plans_lock). */
enum hk_plans_lock_kind {
    HK_PLANS_LOCK_RESUMES = 1,
    HK_PLANS_LOCK_JOB_CONFIGS = 2,
    HK_PLANS_LOCK_APPLICATIONS = 3
};

/* Creates the module on db (borrowed; may be NULL, then every operation
 * that needs the database fails with HAWK_EUNAVAIL).  cfg is copied.
 * Caller frees with hk_plans_free(). */
int hk_plans_new(const struct hk_plans_cfg *cfg, struct hk_db *db,
                 struct hk_plans **out, struct hk_err *err);
/* Accepts NULL. */
void hk_plans_free(struct hk_plans *pl);

/* Checks that user_id may use `adding` more of `limit` now.  Usage is
 * counted here for applications_per_day (applications created since
 * 00:00 UTC, skipped ones not counted), resumes, job_configs and
 * llm_monthly_budget_usd (usage_counters, this month); feature flags
 * (custom_resume) pass when enabled; for min_schedule_interval_minutes
 * `adding` is the interval asked for.  Other limits (workflows) count 0
 * here: use hk_plans_check_used().  out (may be NULL) says why.  Returns
 * 0 when allowed; HAWK_EQUOTA when not, with err's reason "plan_limit",
 * a message in the user's words and detail members "limit", "value",
 * "used" and "plan"; HAWK_EINVAL for an unknown limit name;
 * HAWK_ENOTFOUND for an unknown user; or a database error. */
int hk_plans_check(struct hk_plans *pl, struct hk_dbconn *c, int64_t user_id,
                   const char *limit, double adding, struct hk_plans_limit *out,
                   struct hk_err *err);

/* The same with the current usage supplied by the caller (a module that
 * owns the rows being counted). */
int hk_plans_check_used(struct hk_plans *pl, struct hk_dbconn *c,
                        int64_t user_id, const char *limit, double used,
                        double adding, struct hk_plans_limit *out,
                        struct hk_err *err);

/* Takes a transaction-scoped advisory lock serialising one user's
 * quota-checked inserts of one kind, so two concurrent requests cannot
 * both pass the same limit.  c must be inside a transaction.  Returns 0 or
 * a database error. */
int hk_plans_lock(struct hk_plans *pl, struct hk_dbconn *c,
                  enum hk_plans_lock_kind kind, int64_t user_id,
                  struct hk_err *err);

/* Adds amount (finite) to the user's metered counter `name` for the
 * current month (e.g. "llm_usd").  Returns 0, HAWK_EINVAL or a database
 * error. */
int hk_plans_usage_add(struct hk_plans *pl, struct hk_dbconn *c,
                       int64_t user_id, const char *name, double amount,
                       struct hk_err *err);

/* ---- the API's operations (each borrows its own connection) ---- */

/* Active plans for the pricing page, without their Stripe price ids:
 * *items is a new array. */
int hk_plans_list_active(struct hk_plans *pl, json_object **items,
                         struct hk_err *err);
/* Every plan, a page at a time (page from 1): *items new, *total the
 * number of plans. */
int hk_plans_list(struct hk_plans *pl, int64_t page, int64_t per_page,
                  json_object **items, int64_t *total, struct hk_err *err);
/* Creates a plan from a request body (checked here); *out is the new
 * plan.  HAWK_EINVAL naming the field, HAWK_ECONFLICT for a name already
 * taken, or a database error. */
int hk_plans_create(struct hk_plans *pl, json_object *body, json_object **out,
                    struct hk_err *err);
/* Members of body replace the stored ones; features are merged key by
 * key.  HAWK_ENOTFOUND for no such plan, else as hk_plans_create(). */
int hk_plans_update(struct hk_plans *pl, int64_t id, json_object *body,
                    json_object **out, struct hk_err *err);
/* Moves user_id to the plan a body {plan_id, status} names (support,
 * comped accounts); *out is {user_id, plan_id, status}.  HAWK_ENOTFOUND
 * when the user or the plan does not exist. */
int hk_plans_assign(struct hk_plans *pl, int64_t user_id, json_object *body,
                    json_object **out, struct hk_err *err);
/* The user's plan and every limit with its usage (GET /user/usage). */
int hk_plans_usage(struct hk_plans *pl, int64_t user_id, json_object **out,
                   struct hk_err *err);

/* Registers /api/v1/plans, /api/v1/user/usage, /api/v1/admin/plans and
 * /api/v1/admin/users/{id}/plan on r; pl must outlive r (routes.c). */
void hk_plans_routes(struct hk_router *r, struct hk_plans *pl);

#endif
