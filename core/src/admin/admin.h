/*
 * admin/admin.h - what administrators see and change: users (search,
 * detail, disable and enable, promote and demote), business metrics, and
 * the audit log every change of theirs is written to (who, what, to
 * whom, when, before and after), in the same transaction as the change.
 */
#ifndef HK_ADMIN_H
#define HK_ADMIN_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

struct hk_db;
struct hk_err;
struct hk_router;

struct hk_admin_cfg {
    int64_t trial_days; /* plans.trial_days: when a trial has ended */
};

struct hk_admin;

/* db borrowed (may be NULL: operations answer HAWK_EUNAVAIL).  Caller
 * frees with hk_admin_free(). */
int hk_admin_new(const struct hk_admin_cfg *cfg, struct hk_db *db,
                 struct hk_admin **out, struct hk_err *err);
/* Accepts NULL. */
void hk_admin_free(struct hk_admin *a);

/* Who is acting, for the audit log (borrowed). */
struct hk_admin_actor {
    int64_t admin_id;
    const char *request_id;
};

/* ---- users (users.c); *out new objects ---- */

/* A page of users (page from 1), newest first; q (may be NULL) matches
 * email, username or name, case-insensitively.  *total counts matches. */
int hk_admin_users_list(struct hk_admin *a, const char *q, int64_t page,
                        int64_t per_page, json_object **items, int64_t *total,
                        struct hk_err *err);
/* One user with plan, subscription, usage counts and last login. */
int hk_admin_user_get(struct hk_admin *a, int64_t user_id, json_object **out,
                      struct hk_err *err);

enum hk_admin_change {
    HK_ADMIN_DISABLE = 1, /* also revokes every refresh token */
    HK_ADMIN_ENABLE,
    HK_ADMIN_PROMOTE,
    HK_ADMIN_DEMOTE
};

/* Applies one change and audits it.  HAWK_ENOTFOUND for no such user;
 * HAWK_ECONFLICT (reason "last_admin") for demoting or disabling the last
 * active administrator, or for an administrator disabling or demoting
 * themselves.  A change that changes nothing is not audited. */
int hk_admin_user_change(struct hk_admin *a, const struct hk_admin_actor *who,
                         int64_t user_id, enum hk_admin_change what,
                         json_object **out, struct hk_err *err);

/* ---- audit (audit.c) ---- */

/* A page of the audit log, newest first; user_id > 0 keeps the rows about
 * that user. */
int hk_admin_audit_list(struct hk_admin *a, int64_t user_id, int64_t page,
                        int64_t per_page, json_object **items, int64_t *total,
                        struct hk_err *err);

/* ---- metrics (metrics.c) ---- */

/* Business and operations figures: subscriptions by plan, MRR and ARR,
 * new subscriptions, churn, signups and revenue per month (the last 12),
 * trial-to-paid conversion, queue depth, LLM spend per day (last 30). */
int hk_admin_metrics(struct hk_admin *a, json_object **out, struct hk_err *err);

/* Registers /api/v1/admin/users..., /metrics, /audit (routes.c). */
void hk_admin_routes(struct hk_router *r, struct hk_admin *a);

#endif
