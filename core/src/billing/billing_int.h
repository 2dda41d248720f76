/*
 * billing/billing_int.h - what the files of billing/ share.
 */
#ifndef HK_BILLING_INT_H
#define HK_BILLING_INT_H

#include <json-c/json.h>
#include <libpq-fe.h>

#include "billing/billing.h"
#include "plugin/calls.h"
#include "plugin/plugins.h"
#include "util/buf.h"

struct hk_dbconn;

struct hk_billing {
    char *public_url; /* owned, no trailing slash */
    char *plugin;     /* owned; NULL: the first payment plugin */
    size_t webhook_max_body;
    struct hk_db *db;                 /* borrowed, may be NULL */
    const struct hk_plugins *plugins; /* borrowed, may be NULL */
};

/* One payment plugin operation in progress (billing.c).  Lives on the
 * caller's stack between bl_call_begin() and bl_call_end(); the op itself
 * goes through plugin/calls.h (which checks the op exists and takes the
 * instance lock). */
struct bl_call {
    const struct hk_plugin_entry *e;
    struct hawk_call call;
    struct hawk_error perr;
    struct hawk_text_sink sink; /* collects the op's JSON into out */
    struct hk_buf out;
    const char *what; /* "start a checkout", for messages */
};

/* Finds the payment plugin for one call of `what` on behalf of user_id.
 * 0, or HAWK_EUNAVAIL with err saying what to configure.  On 0,
 * bl_call_end() must follow. */
int bl_call_begin(const struct hk_billing *b, int64_t user_id, const char *what,
                  struct bl_call *bc, struct hk_err *err);
/* When rc (the op's result) is 0 parses what the op wrote into *out (new
 * object, may be NULL to discard), else maps the plugin's error into err
 * for the user: a declined card is reason "payment_declined" (402), a
 * refused key, a missing op or an unreachable provider is
 * "payment_unavailable" (503), a provider rate limit 429.  Returns 0 or
 * the mapped code. */
int bl_call_end(struct bl_call *bc, int rc, json_object **out,
                struct hk_err *err);

/* Member helpers: borrowed string (NULL when absent or not a string) and
 * int64 (dflt when absent or not a number). */
const char *bl_str(json_object *o, const char *key);
int64_t bl_i64(json_object *o, const char *key, int64_t dflt);
bool bl_bool(json_object *o, const char *key);

/* ---- state.c: one subscription state, inside the caller's transaction */

/* The subscription state to write for a user (from an event or from the
 * provider's answer to a user's request).  Strings borrowed. */
struct bl_sub_state {
    const char *sub_id;
    const char *customer;
    const char *status;
    const char *price;
    int64_t period_start, period_end; /* unix seconds, 0: unknown */
    int64_t trial_end, canceled_at, ended_at;
    bool cancel_at_period_end;
    int64_t state_at; /* provider time of this state; 0: the provider's
                         answer to a request just made (newest) */
};

/* Fills st from a neutral subscription object (borrowed). */
void bl_sub_state_from(json_object *sub, int64_t state_at,
                       struct bl_sub_state *st);

/* Writes st for user_id on c (inside a transaction): the plan from the
 * price, history and mail when plan or status changed.  source:
 * "webhook", "user", "admin".  *status_out (16 bytes) gets "applied",
 * "stale" or "failed" (with *note, a static or err message).  0, or a
 * database error. */
int bl_apply_sub_state(struct hk_billing *b, struct hk_dbconn *c,
                       int64_t user_id, const struct bl_sub_state *st,
                       const char *source, const char *event_id,
                       char *status_out, char *note, size_t note_len,
                       struct hk_err *err);

#endif
