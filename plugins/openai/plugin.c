/*
 * plugins/openai/plugin.c - the descriptor of the `openai` llm plugin:
 * its options (parsed and type-checked by the host), init/fini, and the
 * health probe.  One instance drives one OpenAI-compatible server
 * (OpenAI, Azure-style gateways, Ollama, llama.cpp, vLLM); several
 * instances may coexist with different base URLs and keys.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "openai.h"

#define OAI_HEALTH_TIMEOUT_MS 5000
#define OAI_MAX_HEADERS 32

static const struct hawk_cfg_key oai_keys[] = {
    {"base_url", HAWK_CFG_STR, 0, "https://api.openai.com/v1",
     "server root; /chat/completions and /models are appended", 0, 0},
    {"api_key", HAWK_CFG_SECRET, 0, "",
     "API key sent as a Bearer token; use ${OPENAI_API_KEY}; required for "
     "api.openai.com, optional for a local server (Ollama, llama.cpp, vLLM)",
     0, 0},
    {"model", HAWK_CFG_STR, 0, "gpt-4o-mini",
     "model used when the caller does not name one", 0, 0},
    {"organization", HAWK_CFG_STR, 0, NULL,
     "sent as OpenAI-Organization when set", 0, 0},
    {"project", HAWK_CFG_STR, 0, NULL, "sent as OpenAI-Project when set", 0, 0},
    {"timeout", HAWK_CFG_DURATION, 0, "60s", "time limit of one HTTP attempt",
     1, 3600000},
    {"max_retries", HAWK_CFG_INT, 0, "2",
     "retries after a 408/409/429/5xx or a connection error", 0, 10},
    {"retry_base", HAWK_CFG_DURATION, 0, "500ms",
     "first back-off wait; doubles per retry", 1, 600000},
    {"retry_cap", HAWK_CFG_DURATION, 0, "8s", "longest back-off wait", 1,
     3600000},
    {"structured_output", HAWK_CFG_STR, 0, "json_schema",
     "json_schema, json_object or prompt (for servers without schemas)", 0, 0},
    {"prices", HAWK_CFG_STR_LIST, 0, NULL,
     "\"model:input_usd_per_1M:output_usd_per_1M\" entries", 0, 0},
    {"health_probe", HAWK_CFG_STR, 0, "models", "models (GET /models) or none",
     0, 0},
    {"extra_headers", HAWK_CFG_STR_LIST, 0, NULL,
     "\"Name: value\" headers added to every request", 0, 0},
    {"stream", HAWK_CFG_BOOL, 0, "false", "stream replies (server-sent events)",
     0, 0},
    {"max_tokens_field", HAWK_CFG_STR, 0, "max_completion_tokens",
     "max_completion_tokens, or max_tokens for older servers", 0, 0},
    {NULL, 0, 0, NULL, NULL, 0, 0}};

/* ---- config ----------------------------------------------------------- */

static int oai_cfg_fail(struct hawk_error *err, const char *key,
                        const char *why)
{
    HAWK_ERR_SET(err, HAWK_ECONFIG, false, 0, "option %s: %s", key, why);
    return HAWK_ECONFIG;
}

static bool oai_printable(const char *s)
{
    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;
        if (c < 32 || c == 127)
            return false;
    }
    return true;
}

static bool oai_header_name_ok(const char *s, size_t n)
{
    if (n == 0 || n > 64)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '-' || c == '_'))
            return false;
    }
    return true;
}

static void oai_add_header(struct hawk_instance *in, const char *name,
                           const char *value, bool secret)
{
    struct hawk_http_header *h = &in->headers[in->n_headers++];
    h->name = oai_xstrdup(name);
    h->value = oai_xstrdup(value);
    h->secret = secret;
}

/* Names that carry credentials: their values are marked secret. */
static bool oai_secret_header(const char *name)
{
    static const char *const words[] = {"auth",   "key",    "token",
                                        "secret", "cookie", NULL};
    for (size_t i = 0; words[i] != NULL; i++) {
        if (strcasestr(name, words[i]) != NULL)
            return true;
    }
    return false;
}

static int oai_extra_headers(struct hawk_instance *in,
                             const struct hawk_config *cfg,
                             struct hawk_error *err)
{
    const struct hawk_host_api *api = in->api;
    size_t n = 0;

    if (api->cfg_list_len(cfg, "extra_headers", &n) < 0)
        return 0;
    if (n > OAI_MAX_HEADERS - 6)
        return oai_cfg_fail(err, "extra_headers", "too many entries");
    for (size_t i = 0; i < n; i++) {
        const char *item = NULL;
        if (api->cfg_list_item(cfg, "extra_headers", i, &item) < 0 ||
            item == NULL)
            return oai_cfg_fail(err, "extra_headers", "unreadable entry");
        const char *colon = strchr(item, ':');
        if (colon == NULL ||
            !oai_header_name_ok(item, (size_t)(colon - item)) ||
            !oai_printable(item))
            return oai_cfg_fail(err, "extra_headers",
                                "entries must look like \"Name: value\"");
        char *name = oai_xstrndup(item, (size_t)(colon - item));
        const char *v = colon + 1;
        while (*v == ' ' || *v == '\t')
            v++;
        oai_add_header(in, name, v, oai_secret_header(name));
        free(name);
    }
    return 0;
}

static int oai_prices(struct hawk_instance *in, const struct hawk_config *cfg,
                      struct hawk_error *err)
{
    const struct hawk_host_api *api = in->api;
    size_t n = 0;

    if (api->cfg_list_len(cfg, "prices", &n) < 0 || n == 0)
        return 0;
    in->prices = oai_xcalloc(n, sizeof(*in->prices));
    for (size_t i = 0; i < n; i++) {
        const char *item = NULL;
        if (api->cfg_list_item(cfg, "prices", i, &item) < 0 || item == NULL ||
            oai_price_parse(item, &in->prices[in->n_prices]) < 0) {
            HAWK_ERR_SET(err, HAWK_ECONFIG, false, 0,
                         "option prices: entry %zu (\"%.60s\") must look like "
                         "\"model:input_usd_per_1M:output_usd_per_1M\"",
                         i + 1, item != NULL ? item : "");
            return HAWK_ECONFIG;
        }
        in->n_prices++;
    }
    /* With prices, budgets count cost: a default model without a price
     * would make every call look free. */
    double probe = 0;
    if (!oai_cost(in, in->model, 1, 1, &probe)) {
        HAWK_ERR_SET(err, HAWK_ECONFIG, false, 0,
                     "option model: '%.60s' has no entry in prices, so "
                     "budgets could not count its cost; add "
                     "\"%.60s:INPUT_USD_PER_1M:OUTPUT_USD_PER_1M\"",
                     in->model, in->model);
        return HAWK_ECONFIG;
    }
    return 0;
}

/* Splits base_url at its query (Azure-style gateways put api-version
 * there) and builds base/path?query. */
static char *oai_endpoint(const char *base, const char *path)
{
    const char *q = strchr(base, '?');
    size_t blen = q != NULL ? (size_t)(q - base) : strlen(base);
    while (blen > 0 && base[blen - 1] == '/')
        blen--;
    return oai_xasprintf("%.*s%s%s", (int)blen, base, path, q != NULL ? q : "");
}

static int oai_str_opt(struct hawk_instance *in, const struct hawk_config *cfg,
                       const char *key, const char **out)
{
    *out = NULL;
    int rc = in->api->cfg_str(cfg, key, out);
    if (rc == HAWK_ENOTFOUND) {
        *out = NULL;
        return 0;
    }
    return rc;
}

static int oai_int_opt(struct hawk_instance *in, const struct hawk_config *cfg,
                       const char *key, int64_t *out, struct hawk_error *err)
{
    if (in->api->cfg_int(cfg, key, out) < 0)
        return oai_cfg_fail(err, key, "missing or not a number");
    return 0;
}

static int oai_read_urls(struct hawk_instance *in,
                         const struct hawk_config *cfg, struct hawk_error *err)
{
    const char *base = NULL, *key = NULL, *model = NULL;

    if (oai_str_opt(in, cfg, "base_url", &base) < 0 || base == NULL ||
        (strncmp(base, "http://", 7) != 0 &&
         strncmp(base, "https://", 8) != 0) ||
        !oai_printable(base) || strchr(base, ' ') != NULL)
        return oai_cfg_fail(err, "base_url",
                            "must be an http:// or https:// URL");
    (void)oai_str_opt(in, cfg, "api_key", &key);
    if (key == NULL)
        key = "";
    /* OpenAI itself needs a key; a local OpenAI-compatible server
     * (Ollama, llama.cpp, vLLM without --api-key) needs none. */
    if (key[0] == '\0' && strstr(base, "://api.openai.com") != NULL)
        return oai_cfg_fail(err, "api_key",
                            "is required for api.openai.com (set api_key = "
                            "\"${OPENAI_API_KEY}\")");
    if (!oai_printable(key) || strlen(key) > 1024)
        return oai_cfg_fail(err, "api_key", "contains invalid characters");
    if (oai_str_opt(in, cfg, "model", &model) < 0 || model == NULL ||
        model[0] == '\0' || !oai_printable(model))
        return oai_cfg_fail(err, "model", "must be a model name");
    in->chat_url = oai_endpoint(base, "/chat/completions");
    in->models_url = oai_endpoint(base, "/models");
    in->api_key = oai_xstrdup(key);
    in->model = oai_xstrdup(model);
    return 0;
}

static int oai_read_modes(struct hawk_instance *in,
                          const struct hawk_config *cfg, struct hawk_error *err)
{
    const char *v = NULL;

    oai_str_opt(in, cfg, "structured_output", &v);
    if (v == NULL || strcmp(v, "json_schema") == 0)
        in->mode = OAI_MODE_JSON_SCHEMA;
    else if (strcmp(v, "json_object") == 0)
        in->mode = OAI_MODE_JSON_OBJECT;
    else if (strcmp(v, "prompt") == 0)
        in->mode = OAI_MODE_PROMPT;
    else
        return oai_cfg_fail(err, "structured_output",
                            "must be json_schema, json_object or prompt");
    v = NULL;
    oai_str_opt(in, cfg, "health_probe", &v);
    if (v == NULL || strcmp(v, "models") == 0)
        in->health_models = true;
    else if (strcmp(v, "none") != 0)
        return oai_cfg_fail(err, "health_probe", "must be models or none");
    v = NULL;
    oai_str_opt(in, cfg, "max_tokens_field", &v);
    if (v == NULL || strcmp(v, "max_completion_tokens") == 0)
        in->max_tokens_field = "max_completion_tokens";
    else if (strcmp(v, "max_tokens") == 0)
        in->max_tokens_field = "max_tokens";
    else
        return oai_cfg_fail(err, "max_tokens_field",
                            "must be max_completion_tokens or max_tokens");
    bool stream = false;
    if (in->api->cfg_bool(cfg, "stream", &stream) < 0)
        stream = false;
    in->stream = stream;
    return 0;
}

static int oai_read_numbers(struct hawk_instance *in,
                            const struct hawk_config *cfg,
                            struct hawk_error *err)
{
    int64_t v = 0;
    int rc = oai_int_opt(in, cfg, "timeout", &in->timeout_ms, err);
    if (rc == 0)
        rc = oai_int_opt(in, cfg, "retry_base", &in->retry_base_ms, err);
    if (rc == 0)
        rc = oai_int_opt(in, cfg, "retry_cap", &in->retry_cap_ms, err);
    if (rc == 0)
        rc = oai_int_opt(in, cfg, "max_retries", &v, err);
    if (rc < 0)
        return rc;
    if (in->timeout_ms <= 0 || in->timeout_ms > 3600000)
        return oai_cfg_fail(err, "timeout", "must be between 1ms and 1h");
    if (v < 0 || v > 10)
        return oai_cfg_fail(err, "max_retries", "must be between 0 and 10");
    if (in->retry_base_ms <= 0 || in->retry_cap_ms < in->retry_base_ms)
        return oai_cfg_fail(err, "retry_cap",
                            "must be positive and at least retry_base");
    in->max_retries = (int)v;
    return 0;
}

static int oai_build_headers(struct hawk_instance *in,
                             const struct hawk_config *cfg,
                             struct hawk_error *err)
{
    const char *org = NULL, *project = NULL;

    in->headers = oai_xcalloc(OAI_MAX_HEADERS, sizeof(*in->headers));
    if (in->api_key[0] != '\0') {
        char *auth = oai_xasprintf("Bearer %s", in->api_key);
        oai_add_header(in, "Authorization", auth, true);
        memset(auth, 0, strlen(auth));
        free(auth);
    }
    oai_add_header(in, "Content-Type", "application/json", false);
    oai_add_header(in, "Accept", "application/json", false);
    oai_str_opt(in, cfg, "organization", &org);
    oai_str_opt(in, cfg, "project", &project);
    if (org != NULL && org[0] != '\0') {
        if (!oai_printable(org))
            return oai_cfg_fail(err, "organization", "invalid characters");
        oai_add_header(in, "OpenAI-Organization", org, false);
    }
    if (project != NULL && project[0] != '\0') {
        if (!oai_printable(project))
            return oai_cfg_fail(err, "project", "invalid characters");
        oai_add_header(in, "OpenAI-Project", project, false);
    }
    return oai_extra_headers(in, cfg, err);
}

static void oai_fini(struct hawk_instance *in)
{
    if (in == NULL)
        return;
    for (size_t i = 0; i < in->n_headers; i++) {
        char *v = (char *)in->headers[i].value;
        if (in->headers[i].secret)
            memset(v, 0, strlen(v));
        free((char *)in->headers[i].name);
        free(v);
    }
    free(in->headers);
    oai_schema_cache_free(in);
    pthread_mutex_destroy(&in->schema_lock);
    for (size_t i = 0; i < in->n_prices; i++)
        free(in->prices[i].model);
    free(in->prices);
    if (in->api_key != NULL)
        memset(in->api_key, 0, strlen(in->api_key));
    free(in->api_key);
    free(in->chat_url);
    free(in->models_url);
    free(in->model);
    free(in);
}

static int oai_init(const struct hawk_host_api *api, struct hawk_host *host,
                    const struct hawk_config *cfg, struct hawk_instance **out,
                    struct hawk_error *err)
{
    *out = NULL;
    if (api == NULL || api->abi_major != HAWK_ABI_MAJOR ||
        !HAWK_API_HAS(api, metric_add)) {
        HAWK_ERR_SET(err, HAWK_EABI, false, 0,
                     "host API table is too old for the openai plugin");
        return HAWK_EABI;
    }
    struct hawk_instance *in = oai_xcalloc(1, sizeof(*in));
    pthread_mutex_init(&in->schema_lock, NULL);
    in->api = api;
    in->host = host;
    int rc = oai_read_urls(in, cfg, err);
    if (rc == 0)
        rc = oai_read_modes(in, cfg, err);
    if (rc == 0)
        rc = oai_read_numbers(in, cfg, err);
    if (rc == 0)
        rc = oai_prices(in, cfg, err);
    if (rc == 0)
        rc = oai_build_headers(in, cfg, err);
    if (rc < 0) {
        oai_fini(in);
        return rc;
    }
    *out = in;
    return 0;
}

/* ---- health ----------------------------------------------------------- */

static int oai_sink_printf(struct hawk_text_sink *s, const char *fmt, ...)
    HAWK_PRINTF(2, 3);

static int oai_sink_printf(struct hawk_text_sink *s, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (n < 0)
        return HAWK_EINTERNAL;
    return s->write(s, buf,
                    (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

static int oai_health(struct hawk_instance *in, struct hawk_call *call,
                      struct hawk_text_sink *detail, struct hawk_error *err)
{
    struct hawk_http_req req;
    struct hawk_http_resp resp;

    if (!in->health_models)
        return oai_sink_printf(detail, "{\"probe\":\"none\"}");
    memset(&req, 0, sizeof(req));
    req.struct_size = sizeof(req);
    req.method = "GET";
    req.url = in->models_url;
    req.headers = in->headers;
    req.n_headers = in->n_headers;
    req.header_size = sizeof(struct hawk_http_header);
    req.timeout_ms = OAI_HEALTH_TIMEOUT_MS;
    req.max_response_bytes = (size_t)4 << 20;
    int rc = in->api->http_request(call, &req, &resp, err);
    if (rc < 0) {
        in->api->http_response_free(&resp);
        return rc;
    }
    if (resp.status < 200 || resp.status > 299) {
        rc = oai_http_error(in, &resp, err);
        in->api->http_response_free(&resp);
        return rc;
    }
    size_t models = 0;
    json_object *root = json_tokener_parse(resp.body), *data = NULL;
    if (root != NULL && json_object_object_get_ex(root, "data", &data) &&
        json_object_is_type(data, json_type_array))
        models = json_object_array_length(data);
    json_object_put(root);
    rc = oai_sink_printf(detail,
                         "{\"probe\":\"models\",\"models\":%zu,\"ms\":%.1f}",
                         models, resp.total_ms);
    in->api->http_response_free(&resp);
    return rc;
}

/* ---- descriptor ------------------------------------------------------- */

static const struct hawk_llm_ops oai_ops = {
    .struct_size = sizeof(struct hawk_llm_ops),
    .chat = oai_chat,
};

HAWK_PLUGIN_DEFINE = {
    HAWK_PLUGIN_HEADER,
    .name = "openai",
    .version = "1.0.0",
    .description = "OpenAI and OpenAI-compatible chat completion servers",
    .kind = HAWK_KIND_LLM,
    .flags = HAWK_PLUGIN_THREADSAFE,
    .config_keys = oai_keys,
    .init = oai_init,
    .start = NULL,
    .health = oai_health,
    .stop = NULL,
    .fini = oai_fini,
    .ops = &oai_ops,
};
