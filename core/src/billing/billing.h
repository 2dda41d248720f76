/*
 * billing/billing.h - subscriptions paid through the payment plugin.
 *
 * A user picks a plan and is sent to the provider's hosted checkout; the
 * provider tells hawk what happened through signed webhook events, and
 * each event is stored by its id before it is applied, in the same
 * transaction that changes the user's plan, status, period and provider
 * ids, so a repeated delivery is acknowledged without being applied twice
 * and quotas (platform/plans/, which reads the subscription row on every
 * check) follow at once.  Events may arrive in any order: the newest
 * subscription state wins by the provider's own timestamps, never by
 * arrival.  Every change of plan or status is written to
 * subscription_history; mails about it go through the queue in the same
 * transaction.
 *
 * Nothing here knows Stripe: the plugin hands over provider-neutral JSON
 * (plugins/stripe/normalize.c).
 */
#ifndef HK_BILLING_H
#define HK_BILLING_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hk_db;
struct hk_err;
struct hk_plugins;
struct hk_router;
struct hk_config;

/* What the module needs (strings borrowed for the life of the module). */
struct hk_billing_cfg {
    const char *public_url;  /* where users reach hawk: "https://hawk.example"
                               (checkout return and mail links) */
    const char *plugin;      /* payment plugin instance; NULL or "": the
                               first payment plugin loaded */
    size_t webhook_max_body; /* largest webhook body read */
};

struct hk_billing;

/* Reads billing.* from a loaded config (strings borrowed from it). */
void hk_billing_cfg_from_config(const struct hk_config *c,
                                struct hk_billing_cfg *cfg);

/* Creates the module on db and plugins (both borrowed, may be NULL: then
 * operations that need them fail with HAWK_EUNAVAIL and a message saying
 * what to configure).  Caller frees with hk_billing_free(). */
int hk_billing_new(const struct hk_billing_cfg *cfg, struct hk_db *db,
                   const struct hk_plugins *plugins, struct hk_billing **out,
                   struct hk_err *err);
/* Accepts NULL. */
void hk_billing_free(struct hk_billing *b);

/* ---- webhooks (webhook.c, events.c) ---- */

/* What became of one event. */
struct hk_billing_outcome {
    char event_id[256];
    char type[64];   /* neutral type: "subscription.updated" */
    char status[16]; /* applied, ignored, stale, unmatched, failed */
    bool duplicate;  /* seen before: acknowledged, not applied again */
    int64_t user_id; /* 0 when none matched */
};

/* Verifies a delivery (signature header over the exact raw body at
 * now_s) through the payment plugin, then stores and applies its event.
 * Returns 0 (out filled; a duplicate or an event hawk cannot match is
 * still 0), HAWK_EINVAL (signature refused, reason "invalid_signature",
 * or a signed body that is not an event: nothing stored, err says why),
 * HAWK_ETOOBIG,
 * HAWK_EUNAVAIL (no payment plugin, or the database is down: the sender
 * should retry). */
int hk_billing_webhook(struct hk_billing *b, const char *body, size_t len,
                       const char *signature, int64_t now_s,
                       struct hk_billing_outcome *out, struct hk_err *err);

/* Stores and applies one verified, provider-neutral event
 * {"id","type","provider_type","created","object":{...}} (text, len
 * bytes).  For hk_billing_webhook() and benchmarks. */
int hk_billing_apply_event(struct hk_billing *b, const char *event, size_t len,
                           struct hk_billing_outcome *out, struct hk_err *err);

/* ---- the user's side (account.c); each *out is a new object ---- */

/* A hosted checkout for plan_id: {"url","session_id"}.  HAWK_ENOTFOUND
 * for an unknown plan, HAWK_EINVAL for one that is archived, free or has
 * no provider price, HAWK_ECONFLICT when the user already pays for a
 * plan (change it instead). */
int hk_billing_checkout(struct hk_billing *b, int64_t user_id, int64_t plan_id,
                        json_object **out, struct hk_err *err);
/* The provider's billing portal: {"url"}.  HAWK_ENOTFOUND before the
 * first checkout. */
int hk_billing_portal(struct hk_billing *b, int64_t user_id, json_object **out,
                      struct hk_err *err);
/* Invoices, newest first: {"items":[...],"has_more"}; starting_after is
 * the last id of the previous page or NULL. */
int hk_billing_invoices(struct hk_billing *b, int64_t user_id, int limit,
                        const char *starting_after, json_object **out,
                        struct hk_err *err);
/* The user's subscription as hawk holds it, with its recent history. */
int hk_billing_subscription(struct hk_billing *b, int64_t user_id,
                            json_object **out, struct hk_err *err);
/* Cancel at the end of the paid period (resume false), or undo that
 * (resume true).  HAWK_ENOTFOUND without a paid subscription. */
int hk_billing_cancel(struct hk_billing *b, int64_t user_id, bool resume,
                      json_object **out, struct hk_err *err);
/* Moves a paid subscription to plan_id (proration as the plugin is
 * configured); the new plan applies at once. */
int hk_billing_change_plan(struct hk_billing *b, int64_t user_id,
                           int64_t plan_id, json_object **out,
                           struct hk_err *err);

/* Registers /api/v1/billing/...; b must outlive r (routes.c). */
void hk_billing_routes(struct hk_router *r, struct hk_billing *b);

#endif
