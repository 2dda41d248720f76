/*
 * good_llm - fixture llm plugin for the loader tests.
 *
 * Declares one option of every type (a required string, an int with a
 * range, a secret, a duration, ...).  chat() echoes the content of the
 * last "user" message; health() writes {"echo":true}.  Options that make
 * it misbehave on purpose:
 *   trace_file   append "<event> <label>" lines for init/start/stop/fini
 *   start_fail   start() fails with "start refused"
 *   health_fail  health() fails with "upstream down"
 *   log_secret   init() logs its api_key (the host must mask it)
 *   chat_sleep   chat() first sleeps this long through the host
 */
#include <hawk/plugin.h>
#include <stdio.h>
#include <string.h>

struct hawk_instance {
    const struct hawk_host_api *api;
    struct hawk_host *host;
    const struct hawk_config *cfg;
    char label[64];
    char trace[512];
    int64_t chat_sleep;
};

static void trace(struct hawk_instance *in, const char *event)
{
    if (in->trace[0] == '\0')
        return;
    FILE *f = fopen(in->trace, "a");
    if (f == NULL)
        return;
    fprintf(f, "%s %s\n", event, in->label);
    fclose(f);
}

static bool opt_bool(struct hawk_instance *in, const char *key)
{
    bool b = false;
    in->api->cfg_bool(in->cfg, key, &b);
    return b;
}

static int good_init(const struct hawk_host_api *api, struct hawk_host *host,
                     const struct hawk_config *cfg, struct hawk_instance **out,
                     struct hawk_error *err)
{
    const char *endpoint = NULL;
    if (api->cfg_str(cfg, "endpoint", &endpoint) < 0) {
        HAWK_ERR_SET(err, HAWK_EINVAL, false, 0, "endpoint is not set");
        return HAWK_EINVAL;
    }
    struct hawk_instance *in = api->alloc(sizeof(*in));
    if (in == NULL) {
        HAWK_ERR_SET(err, HAWK_ENOMEM, false, 0, "out of memory");
        return HAWK_ENOMEM;
    }
    memset(in, 0, sizeof(*in));
    in->api = api;
    in->host = host;
    in->cfg = cfg;
    const char *s = NULL;
    if (api->cfg_str(cfg, "label", &s) == 0)
        snprintf(in->label, sizeof(in->label), "%s", s);
    if (api->cfg_str(cfg, "trace_file", &s) == 0)
        snprintf(in->trace, sizeof(in->trace), "%s", s);
    api->cfg_int(cfg, "chat_sleep", &in->chat_sleep);
    if (opt_bool(in, "log_secret") && api->cfg_str(cfg, "api_key", &s) == 0)
        api->log(host, HAWK_LOG_INFO, "connecting with key %s", s);
    trace(in, "init");
    *out = in;
    return 0;
}

static int good_start(struct hawk_instance *in, struct hawk_error *err)
{
    if (opt_bool(in, "start_fail")) {
        HAWK_ERR_SET(err, HAWK_EUNAVAIL, true, 0, "start refused");
        return HAWK_EUNAVAIL;
    }
    trace(in, "start");
    return 0;
}

static void good_stop(struct hawk_instance *in)
{
    trace(in, "stop");
}

static void good_fini(struct hawk_instance *in)
{
    trace(in, "fini");
    in->api->free(in);
}

static int good_health(struct hawk_instance *in, struct hawk_call *call,
                       struct hawk_text_sink *detail, struct hawk_error *err)
{
    (void)call;
    if (opt_bool(in, "health_fail")) {
        HAWK_ERR_SET(err, HAWK_EUNAVAIL, true, 0, "upstream down");
        return HAWK_EUNAVAIL;
    }
    static const char body[] = "{\"echo\":true}";
    return detail->write(detail, body, sizeof(body) - 1);
}

static int good_chat(struct hawk_instance *in, struct hawk_call *call,
                     const struct hawk_llm_req *req,
                     struct hawk_text_sink *content,
                     struct hawk_llm_result *result, struct hawk_error *err)
{
    if (in->chat_sleep > 0) {
        int rc = in->api->sleep_ms(call, in->chat_sleep);
        if (rc < 0) {
            HAWK_ERR_SET(err, rc, false, 0, "interrupted while waiting");
            return rc;
        }
    }
    const char *last = NULL;
    for (size_t i = 0; i < req->n_messages; i++) {
        if (strcmp(
                HAWK_AT(hawk_llm_message, req->messages, req->message_size, i)
                    ->role,
                "user") == 0)
            last =
                HAWK_AT(hawk_llm_message, req->messages, req->message_size, i)
                    ->content;
    }
    if (last == NULL) {
        HAWK_ERR_SET(err, HAWK_EINVAL, false, 0, "no user message");
        return HAWK_EINVAL;
    }
    int rc = content->write(content, last, strlen(last));
    if (rc < 0)
        return rc;
    const char *model = req->model;
    if (model == NULL &&
        in->api->cfg_list_item(in->cfg, "models", 0, &model) < 0)
        model = "echo";
    if (result != NULL) {
        result->usage->prompt_tokens = (int64_t)strlen(last);
        result->usage->completion_tokens = (int64_t)strlen(last);
        result->usage->total_tokens = 2 * (int64_t)strlen(last);
        snprintf(result->model, sizeof(result->model), "%s", model);
        snprintf(result->finish_reason, sizeof(result->finish_reason), "stop");
        result->attempts = 1;
    }
    in->api->metric_add(in->host, "good_llm_chats_total", NULL, 1);
    return 0;
}

static const struct hawk_llm_ops ops = {
    .struct_size = sizeof(struct hawk_llm_ops),
    .chat = good_chat,
};

static const struct hawk_cfg_key keys[] = {
    {"endpoint", HAWK_CFG_STR, HAWK_CFG_REQUIRED, NULL,
     "base URL of the model server", 0, 0},
    {"max_retries", HAWK_CFG_INT, 0, "3", "retries per call", 0, 10},
    {"api_key", HAWK_CFG_SECRET, 0, NULL, "bearer token", 0, 0},
    {"timeout", HAWK_CFG_DURATION, 0, "30s", "per-request limit", 1000, 600000},
    {"max_body", HAWK_CFG_SIZE, 0, "1MiB", "largest reply", 0, 0},
    {"temperature", HAWK_CFG_DOUBLE, 0, "0.5", "sampling temperature", 0, 0},
    {"verbose", HAWK_CFG_BOOL, 0, "false", "log more", 0, 0},
    {"models", HAWK_CFG_STR_LIST, 0, "echo-1,echo-2", "model names", 0, 0},
    {"label", HAWK_CFG_STR, 0, "good", "name used in trace lines", 0, 0},
    {"trace_file", HAWK_CFG_STR, 0, NULL, "lifecycle trace file", 0, 0},
    {"start_fail", HAWK_CFG_BOOL, 0, "false", "fail start()", 0, 0},
    {"health_fail", HAWK_CFG_BOOL, 0, "false", "fail health()", 0, 0},
    {"log_secret", HAWK_CFG_BOOL, 0, "false", "log the api_key", 0, 0},
    {"chat_sleep", HAWK_CFG_DURATION, 0, "0", "sleep before replying", 0, 0},
    {NULL, 0, 0, NULL, NULL, 0, 0},
};

HAWK_PLUGIN_DEFINE = {
    HAWK_PLUGIN_HEADER,    .name = "good_llm",
    .version = "1.2.3",    .description = "echoing llm for tests",
    .kind = HAWK_KIND_LLM, .flags = 0,
    .config_keys = keys,   .init = good_init,
    .start = good_start,   .health = good_health,
    .stop = good_stop,     .fini = good_fini,
    .ops = &ops,
};
