/*
 * unknown_kind - fixture plugin: declares kind 99, which this host does not
 * know
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
    HAWK_PLUGIN_HEADER,
    .name = "unknown_kind",
    .version = "0.0.1",
    .kind = (enum hawk_kind)99,
    .init = fx_init,
    .fini = fx_fini,
    .ops = &ops,
};
