/*
 * init_fail - fixture llm plugin whose init() always fails with
 * HAWK_EINVAL and the message "missing endpoint".
 */
#include "fixture.h"

#include <stdio.h>

static int fx_init(const struct hawk_host_api *api, struct hawk_host *host,
                   const struct hawk_config *cfg, struct hawk_instance **out,
                   struct hawk_error *err)
{
    (void)api;
    (void)host;
    (void)cfg;
    *out = NULL;
    HAWK_ERR_SET(err, HAWK_EINVAL, false, 0, "missing endpoint");
    return HAWK_EINVAL;
}

static const struct hawk_llm_ops ops = {
    .struct_size = sizeof(struct hawk_llm_ops),
    .chat = fx_chat_unsupported,
};

HAWK_PLUGIN_DEFINE = {
    HAWK_PLUGIN_HEADER,    .name = "init_fail", .version = "0.0.1",
    .kind = HAWK_KIND_LLM, .init = fx_init,     .fini = fx_fini,
    .ops = &ops,
};
