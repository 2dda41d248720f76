/*
 * plugin/calls.c - the typed wrappers of plugin/calls.h: every call into a
 * plugin op goes through call_enter()/call_leave() here, so the checks,
 * the lock, timing, metrics, logging and error normalisation exist once.
 */
#include "plugin/calls.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "log/log.h"
#include "plugin/internal.h"
#include "plugin/metrics.h"
#include "util/buf.h"
#include "util/str.h"
#include "util/time.h"

/* Most metadata pairs of one object a plugin's list/head may report. */
#define CALLS_MAX_METADATA 64
/* Largest element size believed for a plugin's array: more is garbage. */
#define CALLS_MAX_ELEM_SIZE 4096

/* An op: its kind, its name, and where it sits in the kind's ops table
 * (end = the smallest table struct_size that holds it). */
struct op_info {
    uint32_t kind;
    const char *name;
    size_t offset;
    size_t end;
};

#define OPI(k, type, field)                                                    \
    {                                                                          \
        k, #field, offsetof(struct type, field),                               \
            HAWK_SIZE_TO(struct type, field)                                   \
    }

static const struct op_info op_table[HK_OP_COUNT_] = {
    [HK_OP_JOBBOARD_SEARCH] =
        OPI(HAWK_KIND_JOBBOARD, hawk_jobboard_ops, search),
    [HK_OP_JOBBOARD_FETCH] = OPI(HAWK_KIND_JOBBOARD, hawk_jobboard_ops, fetch),
    [HK_OP_JOBBOARD_APPLY] = OPI(HAWK_KIND_JOBBOARD, hawk_jobboard_ops, apply),
    [HK_OP_LLM_CHAT] = OPI(HAWK_KIND_LLM, hawk_llm_ops, chat),
    [HK_OP_PAYMENT_CREATE_CUSTOMER] =
        OPI(HAWK_KIND_PAYMENT, hawk_payment_ops, create_customer),
    [HK_OP_PAYMENT_CHECKOUT_SESSION] =
        OPI(HAWK_KIND_PAYMENT, hawk_payment_ops, checkout_session),
    [HK_OP_PAYMENT_PORTAL_SESSION] =
        OPI(HAWK_KIND_PAYMENT, hawk_payment_ops, portal_session),
    [HK_OP_PAYMENT_LIST_INVOICES] =
        OPI(HAWK_KIND_PAYMENT, hawk_payment_ops, list_invoices),
    [HK_OP_PAYMENT_VERIFY_WEBHOOK] =
        OPI(HAWK_KIND_PAYMENT, hawk_payment_ops, verify_webhook),
    [HK_OP_PAYMENT_FIND_CUSTOMER] =
        OPI(HAWK_KIND_PAYMENT, hawk_payment_ops, find_customer),
    [HK_OP_PAYMENT_GET_SUBSCRIPTION] =
        OPI(HAWK_KIND_PAYMENT, hawk_payment_ops, get_subscription),
    [HK_OP_PAYMENT_CANCEL_SUBSCRIPTION] =
        OPI(HAWK_KIND_PAYMENT, hawk_payment_ops, cancel_subscription),
    [HK_OP_PAYMENT_CANCEL_NOW] =
        OPI(HAWK_KIND_PAYMENT, hawk_payment_ops, cancel_now),
    [HK_OP_PAYMENT_CHANGE_PRICE] =
        OPI(HAWK_KIND_PAYMENT, hawk_payment_ops, change_price),
    [HK_OP_STORAGE_PUT] = OPI(HAWK_KIND_STORAGE, hawk_storage_ops, put),
    [HK_OP_STORAGE_GET] = OPI(HAWK_KIND_STORAGE, hawk_storage_ops, get),
    [HK_OP_STORAGE_LIST] = OPI(HAWK_KIND_STORAGE, hawk_storage_ops, list),
    [HK_OP_STORAGE_DEL] = OPI(HAWK_KIND_STORAGE, hawk_storage_ops, del),
    [HK_OP_STORAGE_HEAD] = OPI(HAWK_KIND_STORAGE, hawk_storage_ops, head),
    /* Not in an ops table: kind 0 means any kind (see op_fn). */
    [HK_OP_HEALTH] = {0, "health", 0, 0},
};

/* See calls.h. */
const char *hk_plugin_op_name(enum hk_plugin_op op)
{
    return (unsigned)op < HK_OP_COUNT_ ? op_table[op].name : "unknown";
}

/* Loaded means init() succeeded; the instance pointer it returned may
 * be NULL (a plugin without state). */
static bool loaded(const struct hk_plugin_entry *e)
{
    return e != NULL && e->status == HK_PLUGIN_LOADED && e->desc != NULL;
}

/* The op's function pointer, or NULL when the plugin's build has no such
 * op (its table is smaller) or left it unset.  The table's size comes
 * from the plugin: nothing past it is read. */
static const void *op_fn(const struct hk_plugin_entry *e, enum hk_plugin_op op)
{
    const struct op_info *oi = &op_table[op];
    if (op == HK_OP_HEALTH) {
        const void *fn = NULL;
        /* A function pointer read as bytes, as check.c reads ops. */
        memcpy(&fn, &e->desc->health, sizeof(fn));
        return fn;
    }
    size_t size;
    memcpy(&size, e->desc->ops, sizeof(size)); /* every table starts so */
    if (size < oi->end)
        return NULL;
    const void *fn;
    memcpy(&fn, (const char *)e->desc->ops + oi->offset, sizeof(fn));
    return fn;
}

/* See internal.h. */
void hk_plugin_calls_prepare(struct hk_plugin_entry *e)
{
    for (size_t op = 0; op < HK_OP_COUNT_; op++)
        snprintf(e->op_labels[op], sizeof(e->op_labels[op]),
                 "instance=\"%s\",op=\"%s\"", e->name, op_table[op].name);
}

/* See calls.h. */
bool hk_plugin_has_op(const struct hk_plugin_entry *e, enum hk_plugin_op op)
{
    if ((unsigned)op >= HK_OP_COUNT_ || !loaded(e))
        return false;
    if (op_table[op].kind != 0 && e->desc->kind != op_table[op].kind)
        return false;
    return op_fn(e, op) != NULL;
}

/* One call in progress. */
struct span {
    const struct hk_plugin_entry *e;
    enum hk_plugin_op op;
    int64_t t0_us;
    bool locked;
};

static void err_reset(struct hawk_error *err)
{
    memset(err, 0, sizeof(*err));
    err->struct_size = sizeof(*err);
}

/* Checks the instance and the op, then takes the lock.  Returns 0 with
 * *fn set, or a negative code with err filled (nothing to leave). */
static int call_enter(struct span *sp, const struct hk_plugin_entry *e,
                      enum hk_plugin_op op, struct hawk_error *err,
                      const void **fn)
{
    err_reset(err);
    *fn = NULL;
    memset(sp, 0, sizeof(*sp));
    const struct op_info *oi = &op_table[op];
    const char *kind = oi->kind != 0 ? hk_plugin_kind_name(oi->kind) : "";
    if (!loaded(e)) {
        if (e != NULL)
            HAWK_ERR_SET(err, HAWK_EUNAVAIL, false, 0,
                         "plugin instance '%.60s' is not loaded: %.150s",
                         e->name, e->reason[0] != '\0' ? e->reason : "unknown");
        else
            HAWK_ERR_SET(err, HAWK_EUNAVAIL, false, 0,
                         "no %s%splugin is loaded", kind, kind[0] ? " " : "");
        return HAWK_EUNAVAIL;
    }
    if (oi->kind != 0 && e->desc->kind != oi->kind) {
        HAWK_ERR_SET(err, HAWK_EINVAL, false, 0,
                     "plugin instance '%.60s' is a %s plugin, not a %s one",
                     e->name, hk_plugin_kind_name(e->desc->kind), kind);
        return HAWK_EINVAL;
    }
    *fn = op_fn(e, op);
    if (*fn == NULL) {
        HAWK_ERR_SET(err, HAWK_EUNSUPPORTED, false, 0,
                     "plugin instance '%.60s' (%.32s %.32s) has no '%s' "
                     "operation",
                     e->name, e->desc->name, e->desc->version, oi->name);
        return HAWK_EUNSUPPORTED;
    }
    sp->e = e;
    sp->op = op;
    if (e->lock_ != NULL) {
        pthread_mutex_lock(e->lock_);
        sp->locked = true;
    }
    sp->t0_us = hk_mono_us();
    return 0;
}

/* Releases the lock and turns what the plugin returned into the
 * wrapper's result; counts and logs the call.  Returns the result. */
static int call_leave(struct span *sp, int rc, struct hawk_error *err)
{
    int64_t us = hk_mono_us() - sp->t0_us;
    const struct hk_plugin_entry *e = sp->e;
    if (sp->locked)
        pthread_mutex_unlock(e->lock_);
    /* A plugin's code outside the HAWK_E* range is a bug of the plugin;
     * the caller still gets a value it can map. */
    if (rc > 0 || (rc < 0 && rc <= HAWK_E_LAST_))
        rc = HAWK_EINTERNAL;
    if (rc == 0) {
        err_reset(err);
    } else {
        err->struct_size = sizeof(*err);
        err->code = rc;
        err->msg[sizeof(err->msg) - 1] = '\0';
        if (err->msg[0] == '\0')
            hk_strlcpy(err->msg, hawk_strerror(rc), sizeof(err->msg));
        hk_plugin_options_redact(e->options, err->msg, sizeof(err->msg));
    }
    const char *opname = op_table[sp->op].name;
    /* The labels were formatted at load; the counter's gets the status
     * appended.  Instance names are [a-z0-9_-]{1,32}, op names static. */
    const char *base = e->op_labels[sp->op];
    /* The histogram's _sum and _count are the time spent and the calls
     * made per op. */
    (void)hk_metrics_observe("hawk_plugin_call_duration_seconds", base,
                             (double)us / 1e6);
    char labels[sizeof(e->op_labels[0]) + 48];
    const char *st = rc == 0 ? "ok" : hawk_err_name(rc);
    size_t used = strlen(base), sl = strlen(st);
    if (used + sizeof(",status=\"\"") + sl <= sizeof(labels)) {
        memcpy(labels, base, used);
        memcpy(labels + used, ",status=\"", 9);
        memcpy(labels + used + 9, st, sl);
        memcpy(labels + used + 9 + sl, "\"", 2);
        (void)hk_metrics_add("hawk_plugin_calls_total", labels, 1);
    }
    int level = rc == 0 ? HAWK_LOG_DEBUG : HAWK_LOG_WARN;
    /* The line is built only when someone reads it: a call that went
     * well is logged at debug, which production usually leaves off. */
    if (hk_log_enabled(level)) {
        struct hk_buf f;
        hk_buf_init(&f, 1024);
        hk_buf_puts(&f, "{\"instance\":");
        hk_buf_json_str(&f, e->name, strlen(e->name));
        hk_buf_printf(&f, ",\"op\":\"%s\",\"us\":%lld,\"status\":\"%s\"",
                      opname, (long long)us,
                      rc == 0 ? "ok" : hawk_err_name(rc));
        if (rc < 0) {
            hk_buf_puts(&f, ",\"error\":");
            hk_buf_json_str(&f, err->msg, strlen(err->msg));
        }
        hk_buf_putc(&f, '}');
        hk_log_fields(level, rc == 0 ? "plugin call" : "plugin call failed",
                      hk_buf_str(&f));
        hk_buf_release(&f);
    }
    return rc;
}

/* ---- records coming back ---------------------------------------------- */

/* Stands between a plugin and the caller's job sink: a job is copied
 * into a host-sized, zeroed struct (its struct_size kept, so HAWK_HAS
 * stays truthful), so callers may read or copy the whole struct whatever
 * the plugin's build. */
struct job_gate {
    struct hawk_job_sink base;
    struct hawk_job_sink *to;
    const struct hk_plugin_entry *e;
};

static int job_gate_emit(struct hawk_job_sink *s, const struct hawk_job *job)
{
    struct job_gate *g = s->opaque;
    if (job == NULL || job->struct_size < HAWK_JOB_SIZE_1_0) {
        hk_log(HAWK_LOG_WARN,
               "plugin instance '%s' emitted a job of %zu bytes (at least %zu "
               "needed): dropped",
               g->e->name, job != NULL ? job->struct_size : 0,
               (size_t)HAWK_JOB_SIZE_1_0);
        return 0;
    }
    struct hawk_job copy;
    memset(&copy, 0, sizeof(copy));
    size_t n =
        job->struct_size < sizeof(copy) ? job->struct_size : sizeof(copy);
    memcpy(&copy, job, n);
    copy.struct_size = n;
    return g->to->emit(g->to, &copy);
}

static void job_gate_init(struct job_gate *g, struct hawk_job_sink *to,
                          const struct hk_plugin_entry *e)
{
    g->base.opaque = g;
    g->base.emit = job_gate_emit;
    g->to = to;
    g->e = e;
}

/* The same for storage objects; metadata arrays are re-laid at this
 * build's element size too. */
struct object_gate {
    struct hawk_object_sink base;
    struct hawk_object_sink *to;
    const struct hk_plugin_entry *e;
};

static int object_gate_emit(struct hawk_object_sink *s,
                            const struct hawk_object_info *o)
{
    struct object_gate *g = s->opaque;
    const char *why = NULL;
    if (o == NULL || o->struct_size < HAWK_OBJECT_INFO_SIZE_1_0)
        why = "smaller than the 1.0 hawk_object_info";
    else if (o->n_metadata > CALLS_MAX_METADATA)
        why = "more metadata pairs than 64";
    else if (o->n_metadata > 0 &&
             (o->metadata == NULL || o->metadata_size < HAWK_KV_SIZE_1_0 ||
              o->metadata_size > CALLS_MAX_ELEM_SIZE))
        why = "an invalid metadata array (set metadata_size to "
              "sizeof(struct hawk_kv))";
    if (why != NULL) {
        hk_log(HAWK_LOG_WARN,
               "plugin instance '%s' reported an object with %s: dropped",
               g->e->name, why);
        return 0;
    }
    struct hawk_object_info copy;
    memset(&copy, 0, sizeof(copy));
    size_t n = o->struct_size < sizeof(copy) ? o->struct_size : sizeof(copy);
    memcpy(&copy, o, n);
    copy.struct_size = n;
    struct hawk_kv kv[CALLS_MAX_METADATA];
    for (size_t i = 0; i < o->n_metadata; i++) {
        memset(&kv[i], 0, sizeof(kv[i]));
        size_t k =
            o->metadata_size < sizeof(kv[i]) ? o->metadata_size : sizeof(kv[i]);
        memcpy(&kv[i], HAWK_AT(hawk_kv, o->metadata, o->metadata_size, i), k);
    }
    copy.metadata = o->n_metadata > 0 ? kv : NULL;
    copy.metadata_size = sizeof(struct hawk_kv);
    return g->to->emit(g->to, &copy);
}

static void object_gate_init(struct object_gate *g, struct hawk_object_sink *to,
                             const struct hk_plugin_entry *e)
{
    g->base.opaque = g;
    g->base.emit = object_gate_emit;
    g->to = to;
    g->e = e;
}

/* ---- jobboard ---------------------------------------------------------- */

typedef int (*search_fn)(struct hawk_instance *, struct hawk_call *,
                         const struct hawk_job_query *, struct hawk_job_sink *,
                         struct hawk_error *);
typedef int (*fetch_fn)(struct hawk_instance *, struct hawk_call *,
                        const char *, struct hawk_job_sink *,
                        struct hawk_error *);
typedef int (*apply_fn)(struct hawk_instance *, struct hawk_call *,
                        const struct hawk_apply_req *, struct hawk_text_sink *,
                        struct hawk_error *);

/* Function and data pointers are the same size on every platform hawk
 * builds for (POSIX requires it for dlsym); the op is copied out of its
 * byte form with memcpy rather than cast. */
#define AS_FN(p, out)                                                          \
    do {                                                                       \
        memcpy(&(out), &(p), sizeof(out));                                     \
    } while (0)

/* See calls.h. */
int hk_plugin_jobboard_search(const struct hk_plugin_entry *e,
                              struct hawk_call *call,
                              const struct hawk_job_query *q,
                              struct hawk_job_sink *out, struct hawk_error *err)
{
    struct span sp;
    const void *p;
    int rc = call_enter(&sp, e, HK_OP_JOBBOARD_SEARCH, err, &p);
    if (rc < 0)
        return rc;
    search_fn fn;
    AS_FN(p, fn);
    struct job_gate g;
    job_gate_init(&g, out, e);
    rc = fn(e->instance, call, q, &g.base, err);
    return call_leave(&sp, rc, err);
}

/* See calls.h. */
int hk_plugin_jobboard_fetch(const struct hk_plugin_entry *e,
                             struct hawk_call *call, const char *external_id,
                             struct hawk_job_sink *out, struct hawk_error *err)
{
    struct span sp;
    const void *p;
    int rc = call_enter(&sp, e, HK_OP_JOBBOARD_FETCH, err, &p);
    if (rc < 0)
        return rc;
    fetch_fn fn;
    AS_FN(p, fn);
    struct job_gate g;
    job_gate_init(&g, out, e);
    rc = fn(e->instance, call, external_id, &g.base, err);
    return call_leave(&sp, rc, err);
}

/* See calls.h. */
int hk_plugin_jobboard_apply(const struct hk_plugin_entry *e,
                             struct hawk_call *call,
                             const struct hawk_apply_req *req,
                             struct hawk_text_sink *result_json,
                             struct hawk_error *err)
{
    struct span sp;
    const void *p;
    int rc = call_enter(&sp, e, HK_OP_JOBBOARD_APPLY, err, &p);
    if (rc < 0)
        return rc;
    apply_fn fn;
    AS_FN(p, fn);
    rc = fn(e->instance, call, req, result_json, err);
    return call_leave(&sp, rc, err);
}

/* ---- llm --------------------------------------------------------------- */

typedef int (*chat_fn)(struct hawk_instance *, struct hawk_call *,
                       const struct hawk_llm_req *, struct hawk_text_sink *,
                       struct hawk_llm_result *, struct hawk_error *);

/* See calls.h. */
int hk_plugin_llm_chat(const struct hk_plugin_entry *e, struct hawk_call *call,
                       const struct hawk_llm_req *req,
                       struct hawk_text_sink *content,
                       struct hawk_llm_result *result, struct hawk_error *err)
{
    struct span sp;
    const void *p;
    int rc = call_enter(&sp, e, HK_OP_LLM_CHAT, err, &p);
    if (rc < 0)
        return rc;
    chat_fn fn;
    AS_FN(p, fn);
    rc = fn(e->instance, call, req, content, result, err);
    return call_leave(&sp, rc, err);
}

/* ---- payment ----------------------------------------------------------- */

typedef int (*customer_fn)(struct hawk_instance *, struct hawk_call *,
                           const char *, const char *, struct hawk_text_sink *,
                           struct hawk_error *);
typedef int (*checkout_fn)(struct hawk_instance *, struct hawk_call *,
                           const struct hawk_checkout_req *,
                           struct hawk_text_sink *, struct hawk_error *);
typedef int (*portal_fn)(struct hawk_instance *, struct hawk_call *,
                         const char *, const char *, struct hawk_text_sink *,
                         struct hawk_error *);
typedef int (*invoices_fn)(struct hawk_instance *, struct hawk_call *,
                           const char *, int, const char *,
                           struct hawk_text_sink *, struct hawk_error *);
typedef int (*webhook_fn)(struct hawk_instance *, struct hawk_call *,
                          const char *, size_t, const char *, int64_t,
                          struct hawk_text_sink *, struct hawk_error *);

/* See calls.h. */
int hk_plugin_payment_create_customer(const struct hk_plugin_entry *e,
                                      struct hawk_call *call, const char *email,
                                      const char *user_ref,
                                      struct hawk_text_sink *out_json,
                                      struct hawk_error *err)
{
    struct span sp;
    const void *p;
    int rc = call_enter(&sp, e, HK_OP_PAYMENT_CREATE_CUSTOMER, err, &p);
    if (rc < 0)
        return rc;
    customer_fn fn;
    AS_FN(p, fn);
    rc = fn(e->instance, call, email, user_ref, out_json, err);
    return call_leave(&sp, rc, err);
}

/* See calls.h. */
int hk_plugin_payment_checkout_session(const struct hk_plugin_entry *e,
                                       struct hawk_call *call,
                                       const struct hawk_checkout_req *req,
                                       struct hawk_text_sink *out_json,
                                       struct hawk_error *err)
{
    struct span sp;
    const void *p;
    int rc = call_enter(&sp, e, HK_OP_PAYMENT_CHECKOUT_SESSION, err, &p);
    if (rc < 0)
        return rc;
    checkout_fn fn;
    AS_FN(p, fn);
    rc = fn(e->instance, call, req, out_json, err);
    return call_leave(&sp, rc, err);
}

/* See calls.h. */
int hk_plugin_payment_portal_session(const struct hk_plugin_entry *e,
                                     struct hawk_call *call,
                                     const char *customer_id,
                                     const char *return_url,
                                     struct hawk_text_sink *out_json,
                                     struct hawk_error *err)
{
    struct span sp;
    const void *p;
    int rc = call_enter(&sp, e, HK_OP_PAYMENT_PORTAL_SESSION, err, &p);
    if (rc < 0)
        return rc;
    portal_fn fn;
    AS_FN(p, fn);
    rc = fn(e->instance, call, customer_id, return_url, out_json, err);
    return call_leave(&sp, rc, err);
}

/* See calls.h. */
int hk_plugin_payment_list_invoices(const struct hk_plugin_entry *e,
                                    struct hawk_call *call,
                                    const char *customer_id, int limit,
                                    const char *starting_after,
                                    struct hawk_text_sink *out_json,
                                    struct hawk_error *err)
{
    struct span sp;
    const void *p;
    int rc = call_enter(&sp, e, HK_OP_PAYMENT_LIST_INVOICES, err, &p);
    if (rc < 0)
        return rc;
    invoices_fn fn;
    AS_FN(p, fn);
    rc = fn(e->instance, call, customer_id, limit, starting_after, out_json,
            err);
    return call_leave(&sp, rc, err);
}

/* See calls.h. */
int hk_plugin_payment_verify_webhook(
    const struct hk_plugin_entry *e, struct hawk_call *call, const char *body,
    size_t body_len, const char *signature_header, int64_t now_s,
    struct hawk_text_sink *event_json, struct hawk_error *err)
{
    struct span sp;
    const void *p;
    int rc = call_enter(&sp, e, HK_OP_PAYMENT_VERIFY_WEBHOOK, err, &p);
    if (rc < 0)
        return rc;
    webhook_fn fn;
    AS_FN(p, fn);
    rc = fn(e->instance, call, body, body_len, signature_header, now_s,
            event_json, err);
    return call_leave(&sp, rc, err);
}

typedef int (*sub_fn)(struct hawk_instance *, struct hawk_call *, const char *,
                      struct hawk_text_sink *, struct hawk_error *);
typedef int (*cancel_fn)(struct hawk_instance *, struct hawk_call *,
                         const char *, bool, const char *,
                         struct hawk_text_sink *, struct hawk_error *);
typedef int (*price_fn)(struct hawk_instance *, struct hawk_call *,
                        const char *, const char *, const char *, const char *,
                        struct hawk_text_sink *, struct hawk_error *);

/* See calls.h. */
int hk_plugin_payment_find_customer(const struct hk_plugin_entry *e,
                                    struct hawk_call *call, const char *email,
                                    const char *user_ref,
                                    struct hawk_text_sink *out_json,
                                    struct hawk_error *err)
{
    struct span sp;
    const void *p;
    int rc = call_enter(&sp, e, HK_OP_PAYMENT_FIND_CUSTOMER, err, &p);
    if (rc < 0)
        return rc;
    customer_fn fn;
    AS_FN(p, fn);
    rc = fn(e->instance, call, email, user_ref, out_json, err);
    return call_leave(&sp, rc, err);
}

/* get_subscription and cancel_now share a signature. */
static int subscription_call(const struct hk_plugin_entry *e,
                             enum hk_plugin_op op, struct hawk_call *call,
                             const char *subscription_id,
                             struct hawk_text_sink *out_json,
                             struct hawk_error *err)
{
    struct span sp;
    const void *p;
    int rc = call_enter(&sp, e, op, err, &p);
    if (rc < 0)
        return rc;
    sub_fn fn;
    AS_FN(p, fn);
    rc = fn(e->instance, call, subscription_id, out_json, err);
    return call_leave(&sp, rc, err);
}

/* See calls.h. */
int hk_plugin_payment_get_subscription(const struct hk_plugin_entry *e,
                                       struct hawk_call *call,
                                       const char *subscription_id,
                                       struct hawk_text_sink *out_json,
                                       struct hawk_error *err)
{
    return subscription_call(e, HK_OP_PAYMENT_GET_SUBSCRIPTION, call,
                             subscription_id, out_json, err);
}

/* See calls.h. */
int hk_plugin_payment_cancel_now(const struct hk_plugin_entry *e,
                                 struct hawk_call *call,
                                 const char *subscription_id,
                                 struct hawk_text_sink *out_json,
                                 struct hawk_error *err)
{
    return subscription_call(e, HK_OP_PAYMENT_CANCEL_NOW, call, subscription_id,
                             out_json, err);
}

/* See calls.h. */
int hk_plugin_payment_cancel_subscription(const struct hk_plugin_entry *e,
                                          struct hawk_call *call,
                                          const char *subscription_id,
                                          bool at_period_end,
                                          const char *idempotency_key,
                                          struct hawk_text_sink *out_json,
                                          struct hawk_error *err)
{
    struct span sp;
    const void *p;
    int rc = call_enter(&sp, e, HK_OP_PAYMENT_CANCEL_SUBSCRIPTION, err, &p);
    if (rc < 0)
        return rc;
    cancel_fn fn;
    AS_FN(p, fn);
    rc = fn(e->instance, call, subscription_id, at_period_end, idempotency_key,
            out_json, err);
    return call_leave(&sp, rc, err);
}

/* See calls.h. */
int hk_plugin_payment_change_price(const struct hk_plugin_entry *e,
                                   struct hawk_call *call,
                                   const char *subscription_id,
                                   const char *price_id, const char *proration,
                                   const char *idempotency_key,
                                   struct hawk_text_sink *out_json,
                                   struct hawk_error *err)
{
    struct span sp;
    const void *p;
    int rc = call_enter(&sp, e, HK_OP_PAYMENT_CHANGE_PRICE, err, &p);
    if (rc < 0)
        return rc;
    price_fn fn;
    AS_FN(p, fn);
    rc = fn(e->instance, call, subscription_id, price_id, proration,
            idempotency_key, out_json, err);
    return call_leave(&sp, rc, err);
}

/* ---- storage ----------------------------------------------------------- */

typedef int (*put_fn)(struct hawk_instance *, struct hawk_call *, const char *,
                      struct hawk_reader *, int64_t, const struct hawk_kv *,
                      size_t, size_t, struct hawk_error *);
typedef int (*get_fn)(struct hawk_instance *, struct hawk_call *, const char *,
                      struct hawk_text_sink *, struct hawk_error *);
typedef int (*list_fn)(struct hawk_instance *, struct hawk_call *, const char *,
                       struct hawk_object_sink *, struct hawk_error *);
typedef int (*del_fn)(struct hawk_instance *, struct hawk_call *, const char *,
                      struct hawk_error *);

/* See calls.h. */
int hk_plugin_storage_put(const struct hk_plugin_entry *e,
                          struct hawk_call *call, const char *key,
                          struct hawk_reader *body, int64_t size,
                          const struct hawk_kv *metadata, size_t n_metadata,
                          struct hawk_error *err)
{
    struct span sp;
    const void *p;
    int rc = call_enter(&sp, e, HK_OP_STORAGE_PUT, err, &p);
    if (rc < 0)
        return rc;
    put_fn fn;
    AS_FN(p, fn);
    rc = fn(e->instance, call, key, body, size, metadata, n_metadata,
            sizeof(struct hawk_kv), err);
    return call_leave(&sp, rc, err);
}

/* See calls.h. */
int hk_plugin_storage_get(const struct hk_plugin_entry *e,
                          struct hawk_call *call, const char *key,
                          struct hawk_text_sink *body, struct hawk_error *err)
{
    struct span sp;
    const void *p;
    int rc = call_enter(&sp, e, HK_OP_STORAGE_GET, err, &p);
    if (rc < 0)
        return rc;
    get_fn fn;
    AS_FN(p, fn);
    rc = fn(e->instance, call, key, body, err);
    return call_leave(&sp, rc, err);
}

/* list and head share a signature. */
static int objects_call(const struct hk_plugin_entry *e, enum hk_plugin_op op,
                        struct hawk_call *call, const char *arg,
                        struct hawk_object_sink *out, struct hawk_error *err)
{
    struct span sp;
    const void *p;
    int rc = call_enter(&sp, e, op, err, &p);
    if (rc < 0)
        return rc;
    list_fn fn;
    AS_FN(p, fn);
    struct object_gate g;
    object_gate_init(&g, out, e);
    rc = fn(e->instance, call, arg, &g.base, err);
    return call_leave(&sp, rc, err);
}

/* See calls.h. */
int hk_plugin_storage_list(const struct hk_plugin_entry *e,
                           struct hawk_call *call, const char *prefix,
                           struct hawk_object_sink *out, struct hawk_error *err)
{
    return objects_call(e, HK_OP_STORAGE_LIST, call, prefix, out, err);
}

/* See calls.h. */
int hk_plugin_storage_head(const struct hk_plugin_entry *e,
                           struct hawk_call *call, const char *key,
                           struct hawk_object_sink *out, struct hawk_error *err)
{
    return objects_call(e, HK_OP_STORAGE_HEAD, call, key, out, err);
}

/* See calls.h. */
int hk_plugin_storage_del(const struct hk_plugin_entry *e,
                          struct hawk_call *call, const char *key,
                          struct hawk_error *err)
{
    struct span sp;
    const void *p;
    int rc = call_enter(&sp, e, HK_OP_STORAGE_DEL, err, &p);
    if (rc < 0)
        return rc;
    del_fn fn;
    AS_FN(p, fn);
    rc = fn(e->instance, call, key, err);
    return call_leave(&sp, rc, err);
}

/* ---- any kind ---------------------------------------------------------- */

typedef int (*health_fn)(struct hawk_instance *, struct hawk_call *,
                         struct hawk_text_sink *, struct hawk_error *);

/* See calls.h. */
int hk_plugin_health_call(const struct hk_plugin_entry *e,
                          struct hawk_call *call,
                          struct hawk_text_sink *detail_json,
                          struct hawk_error *err)
{
    struct span sp;
    const void *p;
    int rc = call_enter(&sp, e, HK_OP_HEALTH, err, &p);
    if (rc < 0)
        return rc;
    health_fn fn;
    AS_FN(p, fn);
    rc = fn(e->instance, call, detail_json, err);
    return call_leave(&sp, rc, err);
}
