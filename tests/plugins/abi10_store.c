/*
 * abi10_store - a storage plugin written to ABI 1.0 exactly (see
 * abi10_board.c).  It keeps the last put() in memory.
 *
 * put(key, metadata): reads the host's metadata at the element size the
 *   host declares and remembers "k=v;" pairs and the body.
 * get(key): writes the body.  list/head: report one object, `key`, of the
 *   remembered size, with the remembered metadata as two pairs laid out at
 *   this build's (1.0) hawk_kv size in an exact-size buffer, the object
 *   itself declaring HAWK_OBJECT_INFO_SIZE_1_0.  del: forgets.  Not thread-safe.
 */
#include <hawk/plugin.h>
#include <stdio.h>
#include <string.h>

struct hawk_instance {
    const struct hawk_host_api *api;
    char key[128];
    char meta[256];
    char body[256];
    size_t len;
};

static int s_init(const struct hawk_host_api *api, struct hawk_host *host,
                  const struct hawk_config *cfg, struct hawk_instance **out,
                  struct hawk_error *err)
{
    (void)host;
    (void)cfg;
    (void)err;
    struct hawk_instance *in = api->alloc(sizeof(*in));
    if (in == NULL)
        return HAWK_ENOMEM;
    memset(in, 0, sizeof(*in));
    in->api = api;
    *out = in;
    return 0;
}

static void s_fini(struct hawk_instance *in)
{
    in->api->free(in);
}

static int s_put(struct hawk_instance *in, struct hawk_call *call,
                 const char *key, struct hawk_reader *body, int64_t size,
                 const struct hawk_kv *metadata, size_t n_metadata,
                 size_t kv_size, struct hawk_error *err)
{
    (void)call;
    (void)size;
    if (n_metadata > 0 && kv_size < HAWK_KV_SIZE_1_0) {
        HAWK_ERR_SET(err, HAWK_EINVAL, false, 0, "kv_size too small");
        return HAWK_EINVAL;
    }
    snprintf(in->key, sizeof(in->key), "%s", key);
    in->meta[0] = '\0';
    for (size_t i = 0; i < n_metadata; i++) {
        const struct hawk_kv *kv = HAWK_AT(hawk_kv, metadata, kv_size, i);
        size_t used = strlen(in->meta);
        snprintf(in->meta + used, sizeof(in->meta) - used, "%s=%s;", kv->key,
                 kv->value);
    }
    in->len = 0;
    for (;;) {
        size_t got = 0;
        int rc = body->read(body, in->body + in->len,
                            sizeof(in->body) - 1 - in->len, &got);
        if (rc < 0)
            return rc;
        if (got == 0)
            break;
        in->len += got;
    }
    in->body[in->len] = '\0';
    return 0;
}

static int s_get(struct hawk_instance *in, struct hawk_call *call,
                 const char *key, struct hawk_text_sink *body,
                 struct hawk_error *err)
{
    (void)call;
    if (strcmp(key, in->key) != 0) {
        HAWK_ERR_SET(err, HAWK_ENOTFOUND, false, 404, "no object '%.60s'", key);
        return HAWK_ENOTFOUND;
    }
    return body->write(body, in->body, in->len);
}

static int s_report(struct hawk_instance *in, struct hawk_object_sink *out)
{
    unsigned char *md = in->api->alloc(2 * sizeof(struct hawk_kv));
    unsigned char *info = in->api->alloc(HAWK_OBJECT_INFO_SIZE_1_0);
    int rc = HAWK_ENOMEM;
    if (md != NULL && info != NULL) {
        struct hawk_kv kv[2] = {{"plugin", "abi10"}, {"stored", in->meta}};
        memcpy(md, kv, sizeof(kv));
        struct hawk_object_info o;
        memset(&o, 0, sizeof(o));
        o.struct_size = HAWK_OBJECT_INFO_SIZE_1_0;
        o.key = in->key;
        o.size = (int64_t)in->len;
        o.etag = "\"abi10\"";
        o.metadata = (const struct hawk_kv *)(const void *)md;
        o.n_metadata = 2;
        o.metadata_size = sizeof(struct hawk_kv);
        memcpy(info, &o, HAWK_OBJECT_INFO_SIZE_1_0);
        rc = out->emit(out, (const struct hawk_object_info *)(void *)info);
    }
    in->api->free(md);
    in->api->free(info);
    return rc;
}

static int s_list(struct hawk_instance *in, struct hawk_call *call,
                  const char *prefix, struct hawk_object_sink *out,
                  struct hawk_error *err)
{
    (void)call;
    (void)prefix;
    (void)err;
    return in->key[0] != '\0' ? s_report(in, out) : 0;
}

static int s_del(struct hawk_instance *in, struct hawk_call *call,
                 const char *key, struct hawk_error *err)
{
    (void)call;
    (void)key;
    (void)err;
    in->key[0] = '\0';
    return 0;
}

static const struct hawk_storage_ops ops = {
    .struct_size = HAWK_STORAGE_OPS_SIZE_1_0,
    .put = s_put,
    .get = s_get,
    .list = s_list,
    .del = s_del,
    .head = s_list,
};

HAWK_PLUGIN_DEFINE = {
    .magic = HAWK_PLUGIN_MAGIC,
    .abi_major = HAWK_ABI_MAJOR,
    .min_host_minor = 0,
    .struct_size = HAWK_PLUGIN_SIZE_1_0,
    .build_sig = HAWK_BUILD_SIG,
    .name = "abi10_store",
    .version = "1.0.0",
    .description = "storage built to ABI 1.0 sizes",
    .kind = HAWK_KIND_STORAGE,
    .init = s_init,
    .fini = s_fini,
    .ops = &ops,
};
