/*
 * fixture.h - the callbacks shared by the error-path fixture plugins
 * (bad_magic, needs_minor, bad_major_rawexport, dup_name, unknown_kind,
 * init_fail, no_chat).  Those fixtures exist to be rejected or to fail at
 * load time, so their callbacks do nothing; what each one tests lives in its
 * own descriptor.
 *
 * Header only: tests/CMakeLists.txt builds every .c file in tests/plugins as a
 * plugin of its own.  The helpers are static inline so a fixture that does
 * not use one gets no unused-function warning, and so nothing here is
 * exported (the version script exports only the descriptor anyway).
 */
#ifndef HAWK_TEST_PLUGIN_FIXTURE_H
#define HAWK_TEST_PLUGIN_FIXTURE_H

#include <hawk/plugin.h>
#include <stddef.h>

/* init() that succeeds with no instance state. */
static inline int fx_init_ok(const struct hawk_host_api *api,
                             struct hawk_host *host,
                             const struct hawk_config *cfg,
                             struct hawk_instance **out, struct hawk_error *err)
{
    (void)api;
    (void)host;
    (void)cfg;
    (void)err;
    *out = NULL;
    return 0;
}

/* fini() with nothing to release. */
static inline void fx_fini(struct hawk_instance *in)
{
    (void)in;
}

/* chat() for fixtures that are never expected to serve a request. */
static inline int fx_chat_unsupported(struct hawk_instance *in,
                                      struct hawk_call *call,
                                      const struct hawk_llm_req *req,
                                      struct hawk_text_sink *content,
                                      struct hawk_llm_result *result,
                                      struct hawk_error *err)
{
    (void)in;
    (void)call;
    (void)req;
    (void)content;
    (void)result;
    (void)err;
    return HAWK_EUNSUPPORTED;
}

#endif /* HAWK_TEST_PLUGIN_FIXTURE_H */
