/*
 * llm/llm.c - the one door to the llm plugins: instance choice, the
 * monthly budget, usage and cost per user and day, metrics.
 *
 * Usage is recorded after the call returns, whether it succeeded or not,
 * because a failed call (a reply that violated the schema twice, a
 * truncated reply) was still billed by the server.  The budget is checked
 * before the call, so one call may overshoot the budget by its own cost;
 * the next one is refused.
 */
#include "llm/llm.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "app/app.h"
#include "config/config.h"
#include "db/db.h"
#include "llm/llm_int.h"
#include "log/log.h"
#include "platform/platform.h"
#include "plugin/calls.h"
#include "plugin/metrics.h"
#include "plugin/plugins.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/str.h"

#define LLM_DEFAULT_TIMEOUT_MS 120000
#define LLM_MAX_CONTENT ((size_t)8 << 20)
/* A budget is used up once less than this is left. */
#define LLM_BUDGET_EPSILON 1e-6

static const char sql_usage_upsert[] =
    "INSERT INTO llm_usage (user_id, day, plugin, model, purpose, calls,"
    " failures, prompt_tokens, completion_tokens, cost_usd)"
    " VALUES ($1::bigint, (now() AT TIME ZONE 'UTC')::date, $2, $3, $4, 1,"
    " $5::int, $6::bigint, $7::bigint, $8::numeric)"
    " ON CONFLICT (user_id, day, plugin, model, purpose) DO UPDATE SET"
    " calls = llm_usage.calls + 1,"
    " failures = llm_usage.failures + EXCLUDED.failures,"
    " prompt_tokens = llm_usage.prompt_tokens + EXCLUDED.prompt_tokens,"
    " completion_tokens = llm_usage.completion_tokens"
    " + EXCLUDED.completion_tokens,"
    " cost_usd = llm_usage.cost_usd + EXCLUDED.cost_usd,"
    " updated_at = now()";

/* ---- text sink into an hk_buf ------------------------------------------ */

static int sink_write(struct hawk_text_sink *s, const char *data, size_t len)
{
    return hk_buf_append(s->opaque, data, len);
}

/* ---- budget ------------------------------------------------------------ */

/* See llm.h. */
int hk_llm_budget_check(struct hk_plans *pl, struct hk_dbconn *c,
                        int64_t user_id, struct hawk_error *err)
{
    struct hk_plans_limit lim;
    int rc = hk_plans_check(pl, c, user_id, HK_PLANS_LLM_BUDGET,
                            LLM_BUDGET_EPSILON, &lim, NULL);
    if (rc == HAWK_EQUOTA) {
        if (lim.trial_expired)
            HAWK_ERR_SET(err, HAWK_EQUOTA, false, 0,
                         "llm_budget_exhausted: your free trial has ended; "
                         "choose a plan to use the llm features again");
        else
            HAWK_ERR_SET(err, HAWK_EQUOTA, false, 0,
                         "llm_budget_exhausted: monthly llm budget spent "
                         "($%.2f of $%.2f on plan '%.60s'); upgrade your "
                         "plan or wait until next month",
                         lim.used, lim.value, lim.plan);
        return rc;
    }
    if (rc == HAWK_ENOTFOUND) {
        HAWK_ERR_SET(err, HAWK_ENOTFOUND, false, 0, "user not found");
        return rc;
    }
    if (rc < 0)
        HAWK_ERR_SET(err, rc, rc == HAWK_EUNAVAIL, 0,
                     "cannot check the llm budget: %s", hawk_strerror(rc));
    return rc;
}

/* ---- usage ------------------------------------------------------------- */

static void usage_record(struct hk_app *app, int64_t user_id,
                         const struct hk_llm_call *c, const char *plugin,
                         const struct hawk_llm_result *res, bool failed)
{
    struct hk_dbconn *conn = NULL;
    char uid[24], fail[4], pt[24], ct[24], cost[48];
    const char *model = res->model[0] ? res->model
                        : c->model    ? c->model
                                      : "default";

    if (app->db == NULL || user_id <= 0)
        return;
    snprintf(uid, sizeof(uid), "%lld", (long long)user_id);
    snprintf(fail, sizeof(fail), "%d", failed ? 1 : 0);
    snprintf(pt, sizeof(pt), "%lld", (long long)res->usage->prompt_tokens);
    snprintf(ct, sizeof(ct), "%lld", (long long)res->usage->completion_tokens);
    snprintf(cost, sizeof(cost), "%.6f",
             isfinite(res->usage->cost_usd) && res->usage->cost_usd > 0
                 ? res->usage->cost_usd
                 : 0.0);
    const char *params[] = {
        uid,  plugin, model, c->purpose ? c->purpose : "chat",
        fail, pt,     ct,    cost};
    int rc = hk_db_acquire(app->db, &conn);
    if (rc == 0)
        rc = hk_db_begin(conn);
    if (rc == 0)
        rc = hk_db_query(conn, sql_usage_upsert, 8, params, NULL);
    if (rc == 0 && res->usage->cost_usd > 0)
        rc = hk_plans_usage_add(app->platform->plans, conn, user_id, "llm_usd",
                                res->usage->cost_usd, NULL);
    if (rc == 0)
        rc = hk_db_commit(conn);
    if (rc < 0) {
        if (conn != NULL)
            (void)hk_db_rollback(conn);
        hk_log(HAWK_LOG_ERROR,
               "cannot record llm usage for user %lld (%s, $%.6f): %s",
               (long long)user_id, plugin, res->usage->cost_usd,
               hawk_strerror(rc));
    }
    if (conn != NULL)
        hk_db_release(app->db, conn);
}

static void metrics_record(const char *plugin, const char *purpose,
                           const struct hawk_llm_result *res, int rc)
{
    char labels[256];
    struct hk_buf l;

    hk_buf_init(&l, sizeof(labels) - 1);
    (void)hk_buf_puts(&l, "plugin=");
    (void)hk_buf_json_str(&l, plugin, strlen(plugin));
    (void)hk_buf_puts(&l, ",purpose=");
    (void)hk_buf_json_str(&l, purpose, strlen(purpose));
    hk_strlcpy(labels, hk_buf_str(&l), sizeof(labels));
    hk_buf_release(&l);

    char with_status[320];
    snprintf(with_status, sizeof(with_status), "%s,status=\"%s\"", labels,
             rc == 0 ? "ok" : hawk_err_name(rc));
    (void)hk_metrics_add("hawk_llm_calls_total", with_status, 1);
    (void)hk_metrics_add("hawk_llm_prompt_tokens_total", labels,
                         (double)res->usage->prompt_tokens);
    (void)hk_metrics_add("hawk_llm_completion_tokens_total", labels,
                         (double)res->usage->completion_tokens);
    if (res->usage->cost_usd > 0 && isfinite(res->usage->cost_usd))
        (void)hk_metrics_add("hawk_llm_cost_usd_total", labels,
                             res->usage->cost_usd);
    if (res->attempts > 1)
        (void)hk_metrics_add("hawk_llm_retries_total", labels,
                             (double)(res->attempts - 1));
}

/* ---- chat -------------------------------------------------------------- */

static const struct hk_plugin_entry *pick_instance(struct hk_app *app,
                                                   const char *name)
{
    if (app->plugins == NULL)
        return NULL;
    if (name == NULL && app->cfg != NULL) {
        const char *cfg_name = app->cfg->settings.llm.plugin;
        if (cfg_name != NULL && cfg_name[0] != '\0')
            name = cfg_name;
    }
    return hk_plugins_find(app->plugins, HAWK_KIND_LLM, name);
}

/* See llm.h. */
void hk_llm_out_release(struct hk_llm_out *o)
{
    if (o == NULL)
        return;
    hk_free(o->content);
    memset(o, 0, sizeof(*o));
}

/* Replaces a provider's error text with the short, stable message an
 * end user can act on ("llm_unavailable: ...", "llm_refused: ..."); the
 * provider's own text (account, key and quota details are for the
 * administrator) has gone to the log just before.  hawk's own checks of
 * the reply (a schema mismatch, a rejected answer) keep their text: they
 * tell the user what was wrong with the output. */
static void user_error(struct hawk_error *err)
{
    bool refused = err->code == HAWK_EPERM ||
                   strncmp(err->msg, "the model refused", 17) == 0;
    bool provider = err->http_status >= 400 || err->code == HAWK_EAUTH ||
                    err->code == HAWK_ERATELIMIT ||
                    err->code == HAWK_EUNAVAIL || err->code == HAWK_ETIMEDOUT ||
                    err->code == HAWK_EIO || err->code == HAWK_EQUOTA;
    if (refused) {
        snprintf(err->msg, sizeof(err->msg),
                 "llm_refused: the AI model declined this request; rephrase "
                 "it or write this part yourself");
        if (err->code != HAWK_EPERM)
            err->code = HAWK_EPERM;
    } else if (provider && err->code != HAWK_ECANCELED) {
        snprintf(err->msg, sizeof(err->msg),
                 "llm_unavailable: the AI service is not available right "
                 "now; try again later (administrators find the cause in "
                 "the server log)");
        /* The plugin's own quota is the provider account's, not the
         * user's plan: not a plan_limit. */
        if (err->code == HAWK_EQUOTA)
            err->code = HAWK_EUNAVAIL;
    }
}

/* See llm.h. */
int hk_llm_chat(struct hk_app *app, int64_t user_id,
                const struct hk_llm_call *c, struct hk_llm_out *out,
                struct hawk_error *err)
{
    struct hawk_error tmp;
    if (err == NULL)
        err = &tmp;
    memset(err, 0, sizeof(*err));
    memset(out, 0, sizeof(*out));
    out->result.struct_size = sizeof(out->result);
    out->usage.struct_size = sizeof(out->usage);
    out->result.usage = &out->usage;

    const struct hk_plugin_entry *e = pick_instance(app, c->plugin);
    if (e == NULL) {
        if (c->plugin != NULL)
            HAWK_ERR_SET(err, HAWK_EUNAVAIL, false, 0,
                         "llm plugin instance '%.60s' is not loaded",
                         c->plugin);
        else
            HAWK_ERR_SET(err, HAWK_EUNAVAIL, false, 0,
                         "no llm plugin is loaded; add one (e.g. openai) to "
                         "the plugins list");
        return HAWK_EUNAVAIL;
    }
    const char *name = hk_plugin_entry_name(e);
    hk_strlcpy(out->plugin, name, sizeof(out->plugin));

    if (user_id > 0 && app->db != NULL) {
        struct hk_dbconn *conn = NULL;
        int rc = hk_db_acquire(app->db, &conn);
        if (rc < 0) {
            HAWK_ERR_SET(err, rc, true, 0, "database unavailable: %s",
                         hawk_strerror(rc));
            return rc;
        }
        rc = hk_llm_budget_check(app->platform->plans, conn, user_id, err);
        hk_db_release(app->db, conn);
        if (rc < 0)
            return rc;
    }

    struct hawk_llm_req req;
    memset(&req, 0, sizeof(req));
    req.struct_size = sizeof(req);
    req.model = c->model;
    req.messages = c->messages;
    req.n_messages = c->n_messages;
    req.message_size = sizeof(struct hawk_llm_message);
    req.temperature = c->temperature;
    req.max_tokens = c->max_tokens;
    req.json_schema = c->json_schema;
    req.schema_name = c->schema_name;

    struct hk_buf content;
    hk_buf_init(&content, LLM_MAX_CONTENT);
    struct hawk_text_sink sink = {&content, sink_write};
    struct hawk_call call;
    hk_call_init(&call, user_id, NULL,
                 c->timeout_ms > 0 ? c->timeout_ms : LLM_DEFAULT_TIMEOUT_MS,
                 c->cancel);
    int64_t t0 = hk_plugin_mono_ms();
    int rc = hk_plugin_llm_chat(e, &call, &req, &sink, &out->result, err);

    const char *purpose = c->purpose != NULL ? c->purpose : "chat";
    bool billed = out->usage.total_tokens > 0 || out->usage.cost_usd > 0;
    if (rc == 0 || billed)
        usage_record(app, user_id, c, name, &out->result, rc < 0);
    metrics_record(name, purpose, &out->result, rc);

    struct hk_buf fields;
    hk_buf_init(&fields, 0);
    (void)hk_buf_printf(
        &fields,
        "{\"plugin\":\"%s\",\"purpose\":\"%s\",\"ms\":%lld,"
        "\"attempts\":%d,\"prompt_tokens\":%lld,"
        "\"completion_tokens\":%lld,\"cost_usd\":%.6f,\"status\":\"%s\"",
        name, purpose, (long long)(hk_plugin_mono_ms() - t0),
        out->result.attempts, (long long)out->usage.prompt_tokens,
        (long long)out->usage.completion_tokens, out->usage.cost_usd,
        rc == 0 ? "ok" : hawk_err_name(rc));
    if (rc < 0) {
        /* The provider's full text (the plugin redacted the key) is for
         * the administrator: the log, never the end user. */
        (void)hk_buf_printf(&fields,
                            ",\"http_status\":%d,\"error\":", err->http_status);
        (void)hk_buf_json_str(&fields, err->msg, strlen(err->msg));
    }
    (void)hk_buf_putc(&fields, '}');
    hk_log_fields(rc == 0 ? HAWK_LOG_INFO : HAWK_LOG_WARN,
                  rc == 0 ? "llm call" : "llm call failed",
                  hk_buf_str(&fields));
    hk_buf_release(&fields);

    if (rc < 0) {
        /* An end user's call; system calls (hawk llm chat, user 0) are
         * the administrator's and keep the provider's text. */
        if (user_id > 0)
            user_error(err);
        hk_buf_release(&content);
        return rc < 0 && err->code < 0 ? err->code : rc;
    }
    out->content = hk_buf_steal(&content, &out->len);
    if (out->content == NULL)
        out->content = hk_strdup("");
    return 0;
}
