/*
 * plugin/calls.h - the one door into a plugin's operations.
 *
 * Core code never touches an ops table: it calls one of these typed
 * wrappers with the instance it found (hk_plugins_find()).  Each wrapper
 *  - checks that the instance is loaded, of the right kind, and that its
 *    ops table is new enough to hold the op (by the struct_size the
 *    plugin's build declared) and the op is set: HAWK_EUNAVAIL /
 *    HAWK_EUNSUPPORTED otherwise, with err saying which;
 *  - serialises the call on the instance's lock unless the plugin
 *    declared HAWK_PLUGIN_THREADSAFE;
 *  - checks every record the plugin hands back through a sink (a job, an
 *    object) against its 1.0 size before the caller's sink sees it;
 *  - times and counts the call (hawk_plugin_calls_total{instance,op,
 *    status} and the histogram hawk_plugin_call_duration_seconds{instance,
 *    op}, whose _sum is the time spent) and logs it
 *    ("plugin call" at debug, "plugin call failed" at warn);
 *  - normalises the outcome: 0, or a negative HAWK_E* that is also
 *    err->code, with a non-empty, NUL-terminated err->msg from which the
 *    instance's secret option values are removed.
 *
 * Common to every wrapper: `e` is borrowed (NULL gives HAWK_EUNAVAIL);
 * `call` is the caller's call context (hk_call_init()); `err` is
 * caller-owned and always reset first (its struct_size is set).  Inputs
 * are borrowed for the call; sinks are called on the calling thread.
 * Thread-safe: concurrent calls into one instance are serialised here
 * when the plugin needs it.
 */
#ifndef HK_PLUGIN_CALLS_H
#define HK_PLUGIN_CALLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hawk/plugin.h"

struct hk_plugin_entry;

/* Every operation of every kind, for hk_plugin_has_op(). */
enum hk_plugin_op {
    HK_OP_JOBBOARD_SEARCH,
    HK_OP_JOBBOARD_FETCH,
    HK_OP_JOBBOARD_APPLY,
    HK_OP_LLM_CHAT,
    HK_OP_PAYMENT_CREATE_CUSTOMER,
    HK_OP_PAYMENT_CHECKOUT_SESSION,
    HK_OP_PAYMENT_PORTAL_SESSION,
    HK_OP_PAYMENT_LIST_INVOICES,
    HK_OP_PAYMENT_VERIFY_WEBHOOK,
    HK_OP_PAYMENT_FIND_CUSTOMER,
    HK_OP_PAYMENT_GET_SUBSCRIPTION,
    HK_OP_PAYMENT_CANCEL_SUBSCRIPTION,
    HK_OP_PAYMENT_CANCEL_NOW,
    HK_OP_PAYMENT_CHANGE_PRICE,
    HK_OP_STORAGE_PUT,
    HK_OP_STORAGE_GET,
    HK_OP_STORAGE_LIST,
    HK_OP_STORAGE_DEL,
    HK_OP_STORAGE_HEAD,
    HK_OP_HEALTH, /* the descriptor's optional health() */
    HK_OP_COUNT_
};

/* True when e is loaded, of the op's kind, and has the op (its table is
 * large enough and the pointer is set).  Never calls the plugin. */
bool hk_plugin_has_op(const struct hk_plugin_entry *e, enum hk_plugin_op op);

/* The op's name as metrics and logs show it ("search", "chat"); static. */
const char *hk_plugin_op_name(enum hk_plugin_op op);

/* ---- jobboard ---------------------------------------------------------- */

/* Jobs go to out one by one; a job smaller than the 1.0 hawk_job is
 * dropped with a warning instead of reaching out. */
int hk_plugin_jobboard_search(const struct hk_plugin_entry *e,
                              struct hawk_call *call,
                              const struct hawk_job_query *q,
                              struct hawk_job_sink *out,
                              struct hawk_error *err);
int hk_plugin_jobboard_fetch(const struct hk_plugin_entry *e,
                             struct hawk_call *call, const char *external_id,
                             struct hawk_job_sink *out, struct hawk_error *err);
int hk_plugin_jobboard_apply(const struct hk_plugin_entry *e,
                             struct hawk_call *call,
                             const struct hawk_apply_req *req,
                             struct hawk_text_sink *result_json,
                             struct hawk_error *err);

/* ---- llm --------------------------------------------------------------- */

/* result is caller-owned with struct_size set and result->usage pointing
 * at a caller-owned hawk_llm_usage with struct_size set (filled also when
 * the call fails after being billed). */
int hk_plugin_llm_chat(const struct hk_plugin_entry *e, struct hawk_call *call,
                       const struct hawk_llm_req *req,
                       struct hawk_text_sink *content,
                       struct hawk_llm_result *result, struct hawk_error *err);

/* ---- payment ----------------------------------------------------------- */

int hk_plugin_payment_create_customer(const struct hk_plugin_entry *e,
                                      struct hawk_call *call, const char *email,
                                      const char *user_ref,
                                      struct hawk_text_sink *out_json,
                                      struct hawk_error *err);
int hk_plugin_payment_checkout_session(const struct hk_plugin_entry *e,
                                       struct hawk_call *call,
                                       const struct hawk_checkout_req *req,
                                       struct hawk_text_sink *out_json,
                                       struct hawk_error *err);
int hk_plugin_payment_portal_session(const struct hk_plugin_entry *e,
                                     struct hawk_call *call,
                                     const char *customer_id,
                                     const char *return_url,
                                     struct hawk_text_sink *out_json,
                                     struct hawk_error *err);
int hk_plugin_payment_list_invoices(const struct hk_plugin_entry *e,
                                    struct hawk_call *call,
                                    const char *customer_id, int limit,
                                    const char *starting_after,
                                    struct hawk_text_sink *out_json,
                                    struct hawk_error *err);
int hk_plugin_payment_verify_webhook(
    const struct hk_plugin_entry *e, struct hawk_call *call, const char *body,
    size_t body_len, const char *signature_header, int64_t now_s,
    struct hawk_text_sink *event_json, struct hawk_error *err);

/* The optional payment ops appended after verify_webhook:
 * HAWK_EUNSUPPORTED when the plugin's table predates them or leaves them
 * unset (test first with hk_plugin_has_op()). */
int hk_plugin_payment_find_customer(const struct hk_plugin_entry *e,
                                    struct hawk_call *call, const char *email,
                                    const char *user_ref,
                                    struct hawk_text_sink *out_json,
                                    struct hawk_error *err);
int hk_plugin_payment_get_subscription(const struct hk_plugin_entry *e,
                                       struct hawk_call *call,
                                       const char *subscription_id,
                                       struct hawk_text_sink *out_json,
                                       struct hawk_error *err);
int hk_plugin_payment_cancel_subscription(const struct hk_plugin_entry *e,
                                          struct hawk_call *call,
                                          const char *subscription_id,
                                          bool at_period_end,
                                          const char *idempotency_key,
                                          struct hawk_text_sink *out_json,
                                          struct hawk_error *err);
int hk_plugin_payment_cancel_now(const struct hk_plugin_entry *e,
                                 struct hawk_call *call,
                                 const char *subscription_id,
                                 struct hawk_text_sink *out_json,
                                 struct hawk_error *err);
int hk_plugin_payment_change_price(const struct hk_plugin_entry *e,
                                   struct hawk_call *call,
                                   const char *subscription_id,
                                   const char *price_id, const char *proration,
                                   const char *idempotency_key,
                                   struct hawk_text_sink *out_json,
                                   struct hawk_error *err);

/* ---- storage ----------------------------------------------------------- */

/* metadata: n plain hawk_kv elements of this build (the wrapper passes
 * their size to the plugin). */
int hk_plugin_storage_put(const struct hk_plugin_entry *e,
                          struct hawk_call *call, const char *key,
                          struct hawk_reader *body, int64_t size,
                          const struct hawk_kv *metadata, size_t n_metadata,
                          struct hawk_error *err);
int hk_plugin_storage_get(const struct hk_plugin_entry *e,
                          struct hawk_call *call, const char *key,
                          struct hawk_text_sink *body, struct hawk_error *err);
/* Objects smaller than the 1.0 hawk_object_info are dropped with a
 * warning; out sees each other one. */
int hk_plugin_storage_list(const struct hk_plugin_entry *e,
                           struct hawk_call *call, const char *prefix,
                           struct hawk_object_sink *out,
                           struct hawk_error *err);
int hk_plugin_storage_del(const struct hk_plugin_entry *e,
                          struct hawk_call *call, const char *key,
                          struct hawk_error *err);
int hk_plugin_storage_head(const struct hk_plugin_entry *e,
                           struct hawk_call *call, const char *key,
                           struct hawk_object_sink *out,
                           struct hawk_error *err);

/* ---- any kind ---------------------------------------------------------- */

/* The descriptor's health(); HAWK_EUNSUPPORTED when it has none. */
int hk_plugin_health_call(const struct hk_plugin_entry *e,
                          struct hawk_call *call,
                          struct hawk_text_sink *detail_json,
                          struct hawk_error *err);

#endif
