/*
 * bad_major_rawexport - fixture plugin: built for ABI v2: exports
 * hawk_plugin_v2 only (linked with rawexport.map, which exports every
 * hawk_plugin_v* symbol)
 */
#include "fixture.h"

static const struct hawk_llm_ops ops = {
    .struct_size = sizeof(struct hawk_llm_ops),
    .chat = fx_chat_unsupported,
};

HAWK_EXPORT const struct hawk_plugin hawk_plugin_v2 = {
    .magic = HAWK_PLUGIN_MAGIC,
    .abi_major = 2,
    .min_host_minor = 0,
    .struct_size = sizeof(struct hawk_plugin),
    .build_sig = HAWK_BUILD_SIG,
    .name = "bad_major",
    .version = "0.0.1",
    .kind = HAWK_KIND_LLM,
    .init = fx_init_ok,
    .fini = fx_fini,
    .ops = &ops,
};
