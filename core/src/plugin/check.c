/*
 * plugin/check.c - validating a plugin descriptor before any of its
 * function pointers is touched.  The fixed header (magic, ABI major, the
 * minor it needs, struct size) is read first; later fields only once the
 * size says they exist.
 */
#include <stdio.h>
#include <string.h>

#include "config/internal.h"
#include "plugin/plugins.h"

/* Largest ops table size believed: anything above is a corrupt value. */
#define OPS_SIZE_MAX 65536

/* Offset just past a mandatory op: the smallest table that has it. */
#define NEED(type, field) (offsetof(type, field) + sizeof(((type *)0)->field))

struct op_need {
    const char *name;
    size_t end;    /* NEED() of the op */
    size_t offset; /* offsetof the op */
};

static bool op_missing(const void *ops, const struct op_need *n)
{
    const void *fn;
    memcpy(&fn, (const char *)ops + n->offset, sizeof(fn));
    return fn == NULL;
}

#define OP(type, field)                                                        \
    {                                                                          \
#field, NEED(type, field), offsetof(type, field)                       \
    }

static const struct op_need jobboard_ops[] = {
    OP(struct hawk_jobboard_ops, search),
};
static const struct op_need llm_ops[] = {
    OP(struct hawk_llm_ops, chat),
};
static const struct op_need payment_ops[] = {
    OP(struct hawk_payment_ops, verify_webhook),
};
static const struct op_need storage_ops[] = {
    OP(struct hawk_storage_ops, put),
    OP(struct hawk_storage_ops, get),
    OP(struct hawk_storage_ops, list),
    OP(struct hawk_storage_ops, del),
};

static int check_ops(const struct hawk_plugin *d, char *reason,
                     size_t reasonlen)
{
    const struct op_need *need;
    size_t n;
    switch (d->kind) {
    case HAWK_KIND_JOBBOARD:
        need = jobboard_ops;
        n = sizeof(jobboard_ops) / sizeof(jobboard_ops[0]);
        break;
    case HAWK_KIND_LLM:
        need = llm_ops;
        n = sizeof(llm_ops) / sizeof(llm_ops[0]);
        break;
    case HAWK_KIND_PAYMENT:
        need = payment_ops;
        n = sizeof(payment_ops) / sizeof(payment_ops[0]);
        break;
    case HAWK_KIND_STORAGE:
        need = storage_ops;
        n = sizeof(storage_ops) / sizeof(storage_ops[0]);
        break;
    default:
        snprintf(reason, reasonlen, "unknown kind %d", (int)d->kind);
        return HAWK_EINVAL;
    }
    const char *kind = hk_plugin_kind_name(d->kind);
    size_t size;
    memcpy(&size, d->ops, sizeof(size)); /* every ops table starts so */
    size_t min = need[n - 1].end;
    for (size_t i = 0; i < n; i++)
        min = need[i].end > min ? need[i].end : min;
    if (size < min || size > OPS_SIZE_MAX) {
        snprintf(reason, reasonlen,
                 "%s ops table has an invalid struct_size %zu (expected at "
                 "least %zu)",
                 kind, size, min);
        return HAWK_EABI;
    }
    for (size_t i = 0; i < n; i++) {
        if (op_missing(d->ops, &need[i])) {
            snprintf(reason, reasonlen, "%s plugin lacks the mandatory op '%s'",
                     kind, need[i].name);
            return HAWK_EINVAL;
        }
    }
    return 0;
}

/* See plugins.h. */
int hk_plugin_check_desc(const struct hawk_plugin *d, char *reason,
                         size_t reasonlen)
{
    if (d->magic != HAWK_PLUGIN_MAGIC) {
        snprintf(reason, reasonlen,
                 "bad magic 0x%08x (expected 0x%08x): not a hawk plugin "
                 "descriptor",
                 d->magic, HAWK_PLUGIN_MAGIC);
        return HAWK_EABI;
    }
    if (d->abi_major != HAWK_ABI_MAJOR) {
        snprintf(reason, reasonlen,
                 "plugin built for ABI v%u; this hawk speaks v%d", d->abi_major,
                 HAWK_ABI_MAJOR);
        return HAWK_EABI;
    }
    if (d->min_host_minor > HAWK_ABI_MINOR) {
        snprintf(reason, reasonlen,
                 "needs host ABI %d.%u; this hawk speaks %d.%d: upgrade hawk",
                 HAWK_ABI_MAJOR, d->min_host_minor, HAWK_ABI_MAJOR,
                 HAWK_ABI_MINOR);
        return HAWK_EABI;
    }
    /* The 1.0 size, not sizeof(): a plugin built before fields were
     * appended to the descriptor must still load. */
    if (d->struct_size < HAWK_PLUGIN_SIZE_1_0) {
        snprintf(reason, reasonlen,
                 "descriptor is %zu bytes, smaller than the %zu of ABI v%d",
                 d->struct_size, (size_t)HAWK_PLUGIN_SIZE_1_0, HAWK_ABI_MAJOR);
        return HAWK_EABI;
    }
    if (d->build_sig == NULL || strcmp(d->build_sig, HAWK_BUILD_SIG) != 0) {
        snprintf(reason, reasonlen,
                 "build signature '%.64s' does not match this hawk's '%s': "
                 "rebuild the plugin against this hawk's plugin.h",
                 d->build_sig != NULL ? d->build_sig : "(none)",
                 HAWK_BUILD_SIG);
        return HAWK_EABI;
    }
    if (d->name == NULL || !hk_config_valid_name(d->name)) {
        snprintf(reason, reasonlen,
                 "invalid plugin name '%.40s': use 1-32 of a-z, 0-9, _ and -",
                 d->name != NULL ? d->name : "(none)");
        return HAWK_EINVAL;
    }
    if (d->version == NULL || d->version[0] == '\0') {
        snprintf(reason, reasonlen, "plugin '%s' has no version string",
                 d->name);
        return HAWK_EINVAL;
    }
    if ((int)d->kind < HAWK_KIND_JOBBOARD || (int)d->kind > HAWK_KIND_STORAGE) {
        snprintf(reason, reasonlen, "unknown kind %d", (int)d->kind);
        return HAWK_EINVAL;
    }
    if (d->config_keys != NULL && (d->config_key_size < HAWK_CFG_KEY_SIZE_1_0 ||
                                   d->config_key_size > OPS_SIZE_MAX)) {
        snprintf(reason, reasonlen,
                 "plugin '%s' declares config keys of %zu bytes each (at "
                 "least %zu): set config_key_size, or use HAWK_PLUGIN_HEADER",
                 d->name, d->config_key_size, (size_t)HAWK_CFG_KEY_SIZE_1_0);
        return HAWK_EABI;
    }
    if (d->init == NULL || d->fini == NULL || d->ops == NULL) {
        snprintf(reason, reasonlen, "plugin '%s' has no %s", d->name,
                 d->init == NULL   ? "init function"
                 : d->fini == NULL ? "fini function"
                                   : "ops table");
        return HAWK_EINVAL;
    }
    return check_ops(d, reason, reasonlen);
}
