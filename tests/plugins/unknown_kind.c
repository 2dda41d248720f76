/*
 * unknown_kind - fixture plugin: declares kind 99, which this host does not
 * know
 */
#include "fixture.h"

static const struct hawk_llm_ops ops = {
    .struct_size = sizeof(struct hawk_llm_ops),
    .chat = fx_chat_unsupported,
};

HAWK_PLUGIN_DEFINE = {
    HAWK_PLUGIN_HEADER, .name = "unknown_kind",
    .version = "0.0.1", .kind = (enum hawk_kind)99,
    .init = fx_init_ok, .fini = fx_fini,
    .ops = &ops,
};
