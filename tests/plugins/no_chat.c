/*
 * no_chat - fixture plugin: an llm plugin without the mandatory chat op
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

static const struct hawk_llm_ops ops = {
    .struct_size = sizeof(struct hawk_llm_ops),
    .chat = NULL,
};

HAWK_PLUGIN_DEFINE = {
    HAWK_PLUGIN_HEADER,
    .name = "no_chat",
    .version = "0.0.1",
    .kind = HAWK_KIND_LLM,
    .init = fx_init,
    .fini = fx_fini,
    .ops = &ops,
};
