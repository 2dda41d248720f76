/*
 * needs_minor - fixture plugin: needs host ABI minor 99 (a plugin newer than
 * the host)
 */
#include "fixture.h"

static const struct hawk_llm_ops ops = {
    .struct_size = sizeof(struct hawk_llm_ops),
    .chat = fx_chat_unsupported,
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
    .init = fx_init_ok,
    .fini = fx_fini,
    .ops = &ops,
};
