/*
 * abi10_llm - an LLM plugin written to ABI 1.0 exactly (see
 * abi10_board.c): it reads the host's messages at the element size the
 * host declares, checks the host's structs are at least their 1.0 size,
 * and writes only 1.0 fields of the host's result, usage and error.
 *
 * chat(req): writes "<n> messages, last: <content of the last>"; fills
 * usage with prompt_tokens = n, total_tokens = n, model "abi10", one
 * attempt.  A last message "fail" fails with HAWK_EUNAVAIL and an empty
 * message (the host supplies the text).  Thread-safe.
 */
#include <hawk/plugin.h>
#include <stdio.h>
#include <string.h>

static int l_init(const struct hawk_host_api *api, struct hawk_host *host,
                  const struct hawk_config *cfg, struct hawk_instance **out,
                  struct hawk_error *err)
{
    (void)api;
    (void)host;
    (void)cfg;
    (void)err;
    *out = NULL;
    return 0;
}

static void l_fini(struct hawk_instance *in)
{
    (void)in;
}

static int l_chat(struct hawk_instance *in, struct hawk_call *call,
                  const struct hawk_llm_req *req,
                  struct hawk_text_sink *content,
                  struct hawk_llm_result *result, struct hawk_error *err)
{
    (void)in;
    (void)call;
    if (req == NULL || req->struct_size < HAWK_LLM_REQ_SIZE_1_0 ||
        req->n_messages == 0 || req->message_size < HAWK_LLM_MESSAGE_SIZE_1_0 ||
        result == NULL || result->struct_size < HAWK_LLM_RESULT_SIZE_1_0 ||
        result->usage == NULL ||
        result->usage->struct_size < HAWK_LLM_USAGE_SIZE_1_0) {
        HAWK_ERR_SET(err, HAWK_EINVAL, false, 0, "a host struct is too small");
        return HAWK_EINVAL;
    }
    const struct hawk_llm_message *last =
        HAWK_AT(hawk_llm_message, req->messages, req->message_size,
                req->n_messages - 1);
    if (strcmp(last->content, "fail") == 0) {
        /* Only the code: the host fills the message. */
        err->code = HAWK_EUNAVAIL;
        err->retryable = true;
        return HAWK_EUNAVAIL;
    }
    char text[512];
    int n = snprintf(text, sizeof(text), "%zu messages, last: %s",
                     req->n_messages, last->content);
    result->usage->prompt_tokens = (int64_t)req->n_messages;
    result->usage->completion_tokens = 0;
    result->usage->total_tokens = (int64_t)req->n_messages;
    result->usage->cost_usd = 0;
    snprintf(result->model, sizeof(result->model), "abi10");
    result->finish_reason[0] = '\0';
    result->response_id[0] = '\0';
    result->attempts = 1;
    return content->write(content, text,
                          n < (int)sizeof(text) ? (size_t)n : sizeof(text) - 1);
}

static const struct hawk_llm_ops ops = {
    .struct_size = HAWK_LLM_OPS_SIZE_1_0,
    .chat = l_chat,
};

HAWK_PLUGIN_DEFINE = {
    .magic = HAWK_PLUGIN_MAGIC,
    .abi_major = HAWK_ABI_MAJOR,
    .min_host_minor = 0,
    .struct_size = HAWK_PLUGIN_SIZE_1_0,
    .build_sig = HAWK_BUILD_SIG,
    .name = "abi10_llm",
    .version = "1.0.0",
    .description = "llm built to ABI 1.0 sizes",
    .kind = HAWK_KIND_LLM,
    .flags = HAWK_PLUGIN_THREADSAFE,
    .init = l_init,
    .fini = l_fini,
    .ops = &ops,
};
