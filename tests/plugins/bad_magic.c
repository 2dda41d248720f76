/*
 * bad_magic - fixture plugin: its descriptor carries a wrong magic number,
 * as a random data symbol of that name would
 */
#include "fixture.h"

static const struct hawk_llm_ops ops = {
    .struct_size = sizeof(struct hawk_llm_ops),
    .chat = fx_chat_unsupported,
};

HAWK_PLUGIN_DEFINE = {
    .magic = 0xdeadbeefu,
    .abi_major = HAWK_ABI_MAJOR,
    .min_host_minor = 0,
    .struct_size = sizeof(struct hawk_plugin),
    .build_sig = HAWK_BUILD_SIG,
    .name = "bad_magic",
    .version = "0.0.1",
    .kind = HAWK_KIND_LLM,
    .init = fx_init_ok,
    .fini = fx_fini,
    .ops = &ops,
};
