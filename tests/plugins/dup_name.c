/*
 * dup_name - fixture plugin: a different plugin whose descriptor name equals
 * good_llm's
 */
#include "fixture.h"

static const struct hawk_llm_ops ops = {
    .struct_size = sizeof(struct hawk_llm_ops),
    .chat = fx_chat_unsupported,
};

HAWK_PLUGIN_DEFINE = {
    HAWK_PLUGIN_HEADER,    .name = "good_llm", .version = "0.0.1",
    .kind = HAWK_KIND_LLM, .init = fx_init_ok, .fini = fx_fini,
    .ops = &ops,
};
