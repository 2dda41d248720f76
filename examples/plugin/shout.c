/*
 * shout.c - an out-of-tree hawk plugin: an "llm" that answers with the
 * last user message in capitals.  It shows the whole contract in one
 * page: include only <hawk/plugin.h>, declare the options, keep state in
 * an instance, use the host's allocator and log, export one descriptor.
 *
 * Build against an installed hawk (see README.md beside this file):
 *   make                       # uses pkg-config hawk-plugin
 *   hawk plugins list          # with plugin_dir or HAWK_PLUGIN_PATH here
 */
#include <hawk/plugin.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>

struct hawk_instance {
    const struct hawk_host_api *api;
    struct hawk_host *host;
    char suffix[64]; /* appended to every answer (option "suffix") */
};

/* Allocates the instance with the host's allocator; freed in fini. */
static int shout_init(const struct hawk_host_api *api, struct hawk_host *host,
                      const struct hawk_config *cfg, struct hawk_instance **out,
                      struct hawk_error *err)
{
    struct hawk_instance *in = api->alloc(sizeof(*in));
    if (in == NULL) {
        HAWK_ERR_SET(err, HAWK_ENOMEM, false, 0, "out of memory");
        return HAWK_ENOMEM;
    }
    memset(in, 0, sizeof(*in));
    in->api = api;
    in->host = host;
    const char *s = NULL;
    if (api->cfg_str(cfg, "suffix", &s) == 0 && s != NULL)
        snprintf(in->suffix, sizeof(in->suffix), "%s", s);
    api->log(host, HAWK_LOG_INFO, "shout ready (suffix '%s')", in->suffix);
    *out = in;
    return 0;
}

static void shout_fini(struct hawk_instance *in)
{
    in->api->free(in);
}

/* Writes the last user message upper-cased, then the suffix, to the
 * host's sink: no memory changes owner across the boundary. */
static int shout_chat(struct hawk_instance *in, struct hawk_call *call,
                      const struct hawk_llm_req *req,
                      struct hawk_text_sink *content,
                      struct hawk_llm_result *result, struct hawk_error *err)
{
    (void)call;
    const char *last = NULL;
    /* The host's messages, stepped by the element size it declared. */
    for (size_t i = 0; i < req->n_messages; i++) {
        const struct hawk_llm_message *m =
            HAWK_AT(hawk_llm_message, req->messages, req->message_size, i);
        if (strcmp(m->role, "user") == 0)
            last = m->content;
    }
    if (last == NULL) {
        HAWK_ERR_SET(err, HAWK_EINVAL, false, 0, "no user message");
        return HAWK_EINVAL;
    }
    char chunk[256];
    size_t n = 0, len = strlen(last);
    for (size_t i = 0; i < len; i++) {
        chunk[n++] = (char)toupper((unsigned char)last[i]);
        if (n == sizeof(chunk) || i + 1 == len) {
            int rc = content->write(content, chunk, n);
            if (rc < 0)
                return rc;
            n = 0;
        }
    }
    int rc = content->write(content, in->suffix, strlen(in->suffix));
    if (rc < 0)
        return rc;
    if (result != NULL) {
        result->usage->prompt_tokens = (int64_t)len;
        result->usage->completion_tokens = (int64_t)len;
        result->usage->total_tokens = 2 * (int64_t)len;
        snprintf(result->model, sizeof(result->model), "shout-1");
        snprintf(result->finish_reason, sizeof(result->finish_reason), "stop");
        result->attempts = 1;
    }
    return 0;
}

static const struct hawk_llm_ops ops = {
    .struct_size = sizeof(struct hawk_llm_ops),
    .chat = shout_chat,
};

static const struct hawk_cfg_key keys[] = {
    {"suffix", HAWK_CFG_STR, 0, "!", "text appended to every answer", 0, 0},
    {NULL, 0, 0, NULL, NULL, 0, 0},
};

HAWK_PLUGIN_DEFINE = {
    HAWK_PLUGIN_HEADER,
    .name = "shout",
    .version = "1.0.0",
    .description = "answers in capitals (example plugin)",
    .kind = HAWK_KIND_LLM,
    .flags = HAWK_PLUGIN_THREADSAFE,
    .config_keys = keys,
    .init = shout_init,
    .fini = shout_fini,
    .ops = &ops,
};
