/*
 * plugins/s3backup/plugin.c - the descriptor of the `s3backup` storage
 * plugin: its options (parsed and type-checked by the host), init/fini
 * and the health probe.  One instance is one bucket (and key prefix) on
 * one S3-compatible endpoint: AWS S3, MinIO, Ceph RGW, Garage, s3rver.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "s3.h"

static const struct hawk_cfg_key s3_keys[] = {
    {"endpoint", HAWK_CFG_STR, 0, "",
     "http(s)://host[:port] of an S3-compatible server; empty: AWS "
     "(https://s3.<region>.amazonaws.com)",
     0, 0},
    {"region", HAWK_CFG_STR, 0, "us-east-1", "signing region", 0, 0},
    {"bucket", HAWK_CFG_STR, HAWK_CFG_REQUIRED, NULL, "bucket name", 0, 0},
    {"prefix", HAWK_CFG_STR, 0, "",
     "key prefix every object goes under, e.g. \"hawk/prod/\"", 0, 0},
    {"force_path_style", HAWK_CFG_STR, 0, "auto",
     "true: http://endpoint/bucket/key; false: http://bucket.endpoint/key; "
     "auto: path style for custom endpoints, virtual-host for AWS",
     0, 0},
    {"access_key_id", HAWK_CFG_SECRET, HAWK_CFG_REQUIRED, NULL,
     "access key id; use ${AWS_ACCESS_KEY_ID}", 0, 0},
    {"secret_access_key", HAWK_CFG_SECRET, HAWK_CFG_REQUIRED, NULL,
     "secret access key; use ${AWS_SECRET_ACCESS_KEY}", 0, 0},
    {"session_token", HAWK_CFG_SECRET, 0, "",
     "temporary credentials' token (x-amz-security-token); use "
     "${AWS_SESSION_TOKEN}",
     0, 0},
    {"server_side_encryption", HAWK_CFG_STR, 0, "",
     "\"AES256\" or \"aws:kms\" (x-amz-server-side-encryption); empty: none", 0,
     0},
    {"sse_kms_key_id", HAWK_CFG_STR, 0, "",
     "KMS key for server_side_encryption = \"aws:kms\"", 0, 0},
    {"storage_class", HAWK_CFG_STR, 0, "",
     "x-amz-storage-class, e.g. STANDARD_IA or GLACIER_IR; empty: the "
     "bucket's default",
     0, 0},
    {"part_size", HAWK_CFG_SIZE, 0, "8MiB",
     "multipart part size (and the single-PUT limit); memory used per "
     "upload",
     5 << 20, 512 << 20},
    {"sign_payload", HAWK_CFG_BOOL, 0, "true",
     "send the SHA-256 of each body so the server checks it "
     "(false: UNSIGNED-PAYLOAD)",
     0, 0},
    {"max_retries", HAWK_CFG_INT, 0, "4",
     "retries of one request after a connection error, 5xx, 429 or "
     "SlowDown",
     0, 20},
    {"retry_base", HAWK_CFG_DURATION, 0, "500ms",
     "first back-off wait; doubles per retry", 1, 600000},
    {"retry_cap", HAWK_CFG_DURATION, 0, "20s", "longest back-off wait", 1,
     3600000},
    {"timeout", HAWK_CFG_DURATION, 0, "30s",
     "time limit of one small request (HEAD, DELETE, list)", 100, 3600000},
    {"transfer_timeout", HAWK_CFG_DURATION, 0, "10m",
     "time limit of one part upload or one download attempt", 1000, 86400000},
    {"list_page_size", HAWK_CFG_INT, 0, "1000",
     "keys asked for per ListObjectsV2 page", 1, 1000},
    {NULL, 0, 0, NULL, NULL, 0, 0}};

/* ---- config ----------------------------------------------------------- */

static int s3_cfg_fail(struct hawk_error *err, const char *key, const char *why)
{
    HAWK_ERR_SET(err, HAWK_ECONFIG, false, 0, "option %s: %s", key, why);
    return HAWK_ECONFIG;
}

/* A string option; "" counts as unset (*out NULL). */
static int s3_opt(struct hawk_instance *in, const struct hawk_config *cfg,
                  const char *key, const char **out)
{
    *out = NULL;
    int rc = in->api->cfg_str(cfg, key, out);
    if (rc == HAWK_ENOTFOUND || (rc == 0 && (*out == NULL || **out == '\0'))) {
        *out = NULL;
        return 0;
    }
    return rc;
}

static bool s3_printable(const char *s)
{
    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;
        if (c <= 32 || c >= 127)
            return false;
    }
    return true;
}

/* Splits the endpoint into scheme://host[:port] and an optional path. */
static int s3_read_endpoint(struct hawk_instance *in,
                            const struct hawk_config *cfg, const char *region,
                            bool *custom, struct hawk_error *err)
{
    const char *ep = NULL;
    if (s3_opt(in, cfg, "endpoint", &ep) < 0)
        return s3_cfg_fail(err, "endpoint", "unreadable");
    *custom = ep != NULL;
    if (ep == NULL) {
        in->scheme_host = s3_xasprintf("https://s3.%s.amazonaws.com", region);
        in->base_path = s3_xstrdup("");
        return 0;
    }
    size_t skip = strncmp(ep, "http://", 7) == 0    ? 7
                  : strncmp(ep, "https://", 8) == 0 ? 8
                                                    : 0;
    if (skip == 0 || !s3_printable(ep) || ep[skip] == '\0' || ep[skip] == '/' ||
        strchr(ep, '?') != NULL || strchr(ep, '@') != NULL)
        return s3_cfg_fail(err, "endpoint",
                           "must look like http://host:port or "
                           "https://host (no credentials, no query)");
    const char *slash = strchr(ep + skip, '/');
    size_t hl = slash != NULL ? (size_t)(slash - ep) : strlen(ep);
    in->scheme_host = s3_xstrndup(ep, hl);
    const char *path = slash != NULL ? slash : "";
    size_t pl = strlen(path);
    while (pl > 0 && path[pl - 1] == '/')
        pl--;
    in->base_path = s3_xstrndup(path, pl);
    return 0;
}

static int s3_read_addressing(struct hawk_instance *in,
                              const struct hawk_config *cfg, bool custom,
                              struct hawk_error *err)
{
    const char *ps = NULL;
    if (s3_opt(in, cfg, "force_path_style", &ps) < 0)
        return s3_cfg_fail(err, "force_path_style", "unreadable");
    if (ps == NULL || strcmp(ps, "auto") == 0)
        in->path_style = custom;
    else if (strcmp(ps, "true") == 0)
        in->path_style = true;
    else if (strcmp(ps, "false") == 0)
        in->path_style = false;
    else
        return s3_cfg_fail(err, "force_path_style",
                           "must be \"true\", \"false\" or \"auto\"");
    /* Dotted bucket names break TLS host matching in virtual-host style. */
    if (!in->path_style && strchr(in->bucket, '.') != NULL &&
        strncmp(in->scheme_host, "https://", 8) == 0)
        return s3_cfg_fail(err, "force_path_style",
                           "a bucket name with dots needs path style over "
                           "https: set force_path_style = \"true\"");
    return 0;
}

static int s3_read_prefix(struct hawk_instance *in,
                          const struct hawk_config *cfg, struct hawk_error *err)
{
    const char *p = NULL;
    if (s3_opt(in, cfg, "prefix", &p) < 0)
        return s3_cfg_fail(err, "prefix", "unreadable");
    if (p == NULL) {
        in->prefix = s3_xstrdup("");
        return 0;
    }
    while (*p == '/')
        p++;
    size_t n = strlen(p);
    if (n == 0) {
        in->prefix = s3_xstrdup("");
        return 0;
    }
    in->prefix = p[n - 1] == '/' ? s3_xstrdup(p) : s3_xasprintf("%s/", p);
    if (!s3_key_ok(in->prefix) || strlen(in->prefix) > 512)
        return s3_cfg_fail(err, "prefix",
                           "must be printable, without \".\" or \"..\" "
                           "segments, at most 512 bytes");
    return 0;
}

static int s3_read_encryption(struct hawk_instance *in,
                              const struct hawk_config *cfg,
                              struct hawk_error *err)
{
    const char *sse = NULL, *kms = NULL, *sc = NULL;
    if (s3_opt(in, cfg, "server_side_encryption", &sse) < 0 ||
        s3_opt(in, cfg, "sse_kms_key_id", &kms) < 0 ||
        s3_opt(in, cfg, "storage_class", &sc) < 0)
        return s3_cfg_fail(err, "server_side_encryption", "unreadable");
    if (sse != NULL && strcmp(sse, "AES256") != 0 &&
        strcmp(sse, "aws:kms") != 0 && strcmp(sse, "aws:kms:dsse") != 0)
        return s3_cfg_fail(err, "server_side_encryption",
                           "must be \"AES256\", \"aws:kms\" or "
                           "\"aws:kms:dsse\"");
    if (kms != NULL && (sse == NULL || strncmp(sse, "aws:kms", 7) != 0))
        return s3_cfg_fail(err, "sse_kms_key_id",
                           "needs server_side_encryption = \"aws:kms\"");
    if ((kms != NULL && !s3_printable(kms)) ||
        (sc != NULL && !s3_printable(sc)))
        return s3_cfg_fail(err, sc != NULL ? "storage_class" : "sse_kms_key_id",
                           "must be printable ASCII without spaces");
    in->sse = s3_xstrdup(sse);
    in->sse_kms_key_id = s3_xstrdup(kms);
    in->storage_class = s3_xstrdup(sc);
    return 0;
}

static int s3_read_credentials(struct hawk_instance *in,
                               const struct hawk_config *cfg,
                               struct hawk_error *err)
{
    const char *id = NULL, *secret = NULL, *token = NULL;
    if (s3_opt(in, cfg, "access_key_id", &id) < 0 || id == NULL)
        return s3_cfg_fail(err, "access_key_id",
                           "is empty: set it (e.g. \"${AWS_ACCESS_KEY_ID}\")");
    if (s3_opt(in, cfg, "secret_access_key", &secret) < 0 || secret == NULL)
        return s3_cfg_fail(
            err, "secret_access_key",
            "is empty: set it (e.g. \"${AWS_SECRET_ACCESS_KEY}\")");
    if (!s3_printable(id) || strchr(id, ':') != NULL || !s3_printable(secret))
        return s3_cfg_fail(err, "access_key_id",
                           "credentials must be printable ASCII without "
                           "spaces (and the key id without ':')");
    if (s3_opt(in, cfg, "session_token", &token) < 0)
        return s3_cfg_fail(err, "session_token", "unreadable");
    in->userpwd = s3_xasprintf("%s:%s", id, secret);
    in->session_token = s3_xstrdup(token);
    return 0;
}

static int s3_read_numbers(struct hawk_instance *in,
                           const struct hawk_config *cfg,
                           struct hawk_error *err)
{
    const struct hawk_host_api *api = in->api;
    int64_t part = 0, retries = 0, page = 0;
    bool sign = true;
    if (api->cfg_int(cfg, "part_size", &part) < 0 ||
        api->cfg_int(cfg, "max_retries", &retries) < 0 ||
        api->cfg_int(cfg, "retry_base", &in->retry_base_ms) < 0 ||
        api->cfg_int(cfg, "retry_cap", &in->retry_cap_ms) < 0 ||
        api->cfg_int(cfg, "timeout", &in->timeout_ms) < 0 ||
        api->cfg_int(cfg, "transfer_timeout", &in->part_timeout_ms) < 0 ||
        api->cfg_int(cfg, "list_page_size", &page) < 0 ||
        api->cfg_bool(cfg, "sign_payload", &sign) < 0)
        return s3_cfg_fail(err, "part_size", "numbers unreadable");
    in->part_size = (size_t)part;
    in->max_retries = (int)retries;
    in->list_page = (int)page;
    in->sign_payload = sign;
    if (in->retry_cap_ms < in->retry_base_ms)
        return s3_cfg_fail(err, "retry_cap", "must not be below retry_base");
    return 0;
}

static void s3_fini(struct hawk_instance *in)
{
    if (in == NULL)
        return;
    free(in->scheme_host);
    free(in->base_path);
    free(in->bucket);
    free(in->prefix);
    free(in->sigv4);
    if (in->userpwd != NULL) {
        /* The secret does not linger in freed memory. */
        volatile char *p = in->userpwd;
        while (*p != '\0')
            *p++ = '\0';
        free(in->userpwd);
    }
    free(in->session_token);
    free(in->sse);
    free(in->sse_kms_key_id);
    free(in->storage_class);
    free(in);
}

static int s3_init(const struct hawk_host_api *api, struct hawk_host *host,
                   const struct hawk_config *cfg, struct hawk_instance **out,
                   struct hawk_error *err)
{
    struct hawk_instance *in = s3_xcalloc(1, sizeof(*in));
    const char *region = NULL, *bucket = NULL;
    bool custom = false;
    int rc;

    in->api = api;
    in->host = host;
    if (s3_opt(in, cfg, "region", &region) < 0 || region == NULL ||
        !s3_printable(region) || strchr(region, ':') != NULL ||
        strlen(region) > 64) {
        rc = s3_cfg_fail(err, "region", "must be a region name (us-east-1)");
        goto fail;
    }
    if (s3_opt(in, cfg, "bucket", &bucket) < 0 || !s3_bucket_ok(bucket)) {
        rc = s3_cfg_fail(err, "bucket",
                         "must be 3-63 characters of a-z, 0-9, '.' and '-'");
        goto fail;
    }
    in->bucket = s3_xstrdup(bucket);
    in->sigv4 = s3_xasprintf("aws:amz:%s:s3", region);
    rc = s3_read_endpoint(in, cfg, region, &custom, err);
    if (rc == 0)
        rc = s3_read_addressing(in, cfg, custom, err);
    if (rc == 0)
        rc = s3_read_prefix(in, cfg, err);
    if (rc == 0)
        rc = s3_read_encryption(in, cfg, err);
    if (rc == 0)
        rc = s3_read_credentials(in, cfg, err);
    if (rc == 0)
        rc = s3_read_numbers(in, cfg, err);
    if (rc < 0)
        goto fail;
    *out = in;
    return 0;
fail:
    s3_fini(in);
    return rc;
}

/* Health: one ListObjectsV2 of at most one key under the prefix proves
 * the endpoint answers, the credentials sign and the bucket exists. */
static int s3_health(struct hawk_instance *in, struct hawk_call *call,
                     struct hawk_text_sink *detail, struct hawk_error *err)
{
    const struct s3_param p[] = {
        {"list-type", "2"}, {"max-keys", "1"}, {"prefix", in->prefix}};
    struct s3_req r = {.method = "GET",
                       .key = NULL,
                       .params = p,
                       .n_params = in->prefix[0] != '\0' ? 3 : 2,
                       .what = "health check"};
    struct hawk_http_resp resp;
    int rc = s3_send(in, call, &r, &resp, err);
    if (rc == 0 && (resp.status < 200 || resp.status >= 300))
        rc = s3_http_error(in, "health check", NULL, &resp, err);
    double ms = resp.total_ms;
    in->api->http_response_free(&resp);
    if (rc < 0)
        return rc;
    char line[512];
    int n =
        snprintf(line, sizeof(line),
                 "{\"bucket\":\"%s\",\"prefix\":\"%s\",\"path_style\":%s,"
                 "\"latency_ms\":%.1f}",
                 in->bucket, in->prefix, in->path_style ? "true" : "false", ms);
    if (n > 0 && (size_t)n < sizeof(line) &&
        strpbrk(in->prefix, "\"\\") == NULL)
        return detail->write(detail, line, (size_t)n);
    return 0;
}

static const struct hawk_storage_ops s3_ops = {
    .struct_size = sizeof(struct hawk_storage_ops),
    .put = s3_put,
    .get = s3_get,
    .list = s3_list,
    .del = s3_del,
    .head = s3_head,
};

HAWK_PLUGIN_DEFINE = {
    HAWK_PLUGIN_HEADER,
    .name = "s3backup",
    .version = "1.0.0",
    .description = "S3-compatible object storage (AWS S3, MinIO, Ceph, ...) "
                   "with SigV4, multipart uploads and listing",
    .kind = HAWK_KIND_STORAGE,
    .flags = HAWK_PLUGIN_THREADSAFE,
    .config_keys = s3_keys,
    .init = s3_init,
    .health = s3_health,
    .fini = s3_fini,
    .ops = &s3_ops,
};
