/*
 * needs_minor - fixture plugin: needs host ABI minor 99 (a plugin newer than
 * the host)
 */
#include <hawk/plugin.h>
#include <stddef.h>

static int fx_init(const struct hawk_host_api *api, struct hawk_host *host,
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

static void fx_fini(struct hawk_instance *in)
{
    (void)in;
}

static int fx_chat(struct hawk_instance *in, struct hawk_call *call,
                   const struct hawk_llm_req *req,
                   struct hawk_text_sink *content,
                   struct hawk_llm_result *result, struct hawk_error *err)
{
    (void)in;
    (void)call;
    (void)req;
    (void)content;
    (void)result;
    (void)err;
    return HAWK_EUNSUPPORTED;
}

static const struct hawk_llm_ops ops = {
    .struct_size = sizeof(struct hawk_llm_ops),
    .chat = fx_chat,
};

HAWK_PLUGIN_DEFINE = {
    .magic = HAWK_PLUGIN_MAGIC,
    .abi_major = HAWK_ABI_MAJOR,
    .min_host_minor = 99,
    .struct_size = sizeof(struct hawk_plugin),
    .build_sig = HAWK_BUILD_SIG,
    .name = "needs_minor",
    .version = "0.0.1",
    .kind = HAWK_KIND_LLM,
    .init = fx_init,
    .fini = fx_fini,
    .ops = &ops,
};
