/*
 * no_chat - fixture plugin: an llm plugin without the mandatory chat op
 */
#include "fixture.h"

static const struct hawk_llm_ops ops = {
    .struct_size = sizeof(struct hawk_llm_ops),
    .chat = NULL,
};

HAWK_PLUGIN_DEFINE = {
    HAWK_PLUGIN_HEADER,    .name = "no_chat",  .version = "0.0.1",
    .kind = HAWK_KIND_LLM, .init = fx_init_ok, .fini = fx_fini,
    .ops = &ops,
};
