/*
 * plugins/s3backup/put.c - uploads: one PUT for small objects, multipart
 * for large ones, with memory bounded by one part.
 *
 * The body is pulled from the host's reader into a buffer of part_size
 * bytes.  When the reader ends before the buffer is full the object goes
 * up in a single PUT.  Otherwise the buffer becomes part 1 of a multipart
 * upload and the buffer is refilled for each following part, so at most
 * one part is ever in memory whatever the object's size.  Each part is
 * retried on its own (the bytes are still in the buffer); when a part or
 * the completion finally fails the upload is aborted so no parts are left
 * billed on the server (a server without AbortMultipartUpload only gets a
 * warning in the log).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "s3.h"

#define S3_MAX_PUT_HEADERS 40

/* Headers shared by PUT and CreateMultipartUpload: metadata, content
 * type, encryption, storage class.  Strings are owned by *owned. */
struct s3_obj_headers {
    struct hawk_http_header h[S3_MAX_PUT_HEADERS];
    size_t n;
    char *owned[S3_MAX_PUT_HEADERS];
    size_t n_owned;
};

static void s3_oh_free(struct s3_obj_headers *oh)
{
    for (size_t i = 0; i < oh->n_owned; i++)
        free(oh->owned[i]);
}

static bool s3_meta_name_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 128)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
              c == '_'))
            return false;
    }
    return true;
}

static bool s3_meta_value_ok(const char *s)
{
    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;
        if (c < 32 || c >= 127)
            return false;
    }
    return true;
}

static int s3_obj_headers(const struct hawk_instance *in,
                          const struct hawk_kv *metadata, size_t n_md,
                          size_t kv_size, struct s3_obj_headers *oh,
                          struct hawk_error *err)
{
    size_t meta_bytes = 0;
    memset(oh, 0, sizeof(*oh));
    if (n_md > 0 && (metadata == NULL || kv_size < HAWK_KV_SIZE_1_0)) {
        HAWK_ERR_SET(err, HAWK_EINVAL, false, 0,
                     "s3 put: invalid metadata array (kv_size %zu)", kv_size);
        return HAWK_EINVAL;
    }
    if (n_md > S3_MAX_PUT_HEADERS - 6) {
        HAWK_ERR_SET(err, HAWK_ETOOBIG, false, 0,
                     "s3 put: %zu metadata entries, at most %d", n_md,
                     S3_MAX_PUT_HEADERS - 6);
        return HAWK_ETOOBIG;
    }
    oh->h[oh->n++] = (struct hawk_http_header){
        "Content-Type", "application/octet-stream", false};
    for (size_t i = 0; i < n_md; i++) {
        /* The host's elements, at its build's size. */
        const struct hawk_kv *md = HAWK_AT(hawk_kv, metadata, kv_size, i);
        if (md->key == NULL || md->value == NULL || !s3_meta_name_ok(md->key) ||
            !s3_meta_value_ok(md->value)) {
            HAWK_ERR_SET(err, HAWK_EINVAL, false, 0,
                         "s3 put: metadata '%.40s' must be a [a-z0-9_-] name "
                         "with a printable ASCII value",
                         md->key != NULL ? md->key : "(null)");
            return HAWK_EINVAL;
        }
        meta_bytes += strlen(md->key) + strlen(md->value);
        char *name = s3_xasprintf("x-amz-meta-%s", md->key);
        oh->owned[oh->n_owned++] = name;
        oh->h[oh->n++] = (struct hawk_http_header){name, md->value, false};
    }
    if (meta_bytes > S3_MAX_META_BYTES) {
        HAWK_ERR_SET(err, HAWK_ETOOBIG, false, 0,
                     "s3 put: metadata is %zu bytes, S3 allows %d", meta_bytes,
                     S3_MAX_META_BYTES);
        return HAWK_ETOOBIG;
    }
    if (in->sse != NULL) {
        oh->h[oh->n++] = (struct hawk_http_header){
            "x-amz-server-side-encryption", in->sse, false};
        if (in->sse_kms_key_id != NULL)
            oh->h[oh->n++] = (struct hawk_http_header){
                "x-amz-server-side-encryption-aws-kms-key-id",
                in->sse_kms_key_id, false};
    }
    if (in->storage_class != NULL)
        oh->h[oh->n++] = (struct hawk_http_header){"x-amz-storage-class",
                                                   in->storage_class, false};
    return 0;
}

/* Fills buf (cap bytes) from the reader until full or the end; *eof set
 * when the reader said so. */
static int s3_fill(struct hawk_reader *r, char *buf, size_t cap, size_t *len,
                   bool *eof, struct hawk_error *err)
{
    *len = 0;
    *eof = false;
    while (*len < cap) {
        size_t got = 0;
        int rc = r->read(r, buf + *len, cap - *len, &got);
        if (rc < 0) {
            HAWK_ERR_SET(err, rc, false, 0,
                         "s3 put: reading the body failed: %s",
                         hawk_strerror(rc));
            return rc;
        }
        if (got == 0) {
            *eof = true;
            return 0;
        }
        *len += got;
    }
    return 0;
}

static int s3_put_single(struct hawk_instance *in, struct hawk_call *call,
                         const char *key, const char *buf, size_t len,
                         const struct s3_obj_headers *oh,
                         struct hawk_error *err)
{
    struct hawk_http_header h[S3_MAX_PUT_HEADERS + 1];
    char md5[25];
    memcpy(h, oh->h, oh->n * sizeof(h[0]));
    s3_md5_b64(buf, len, md5);
    h[oh->n] = (struct hawk_http_header){"Content-MD5", md5, false};
    struct s3_req r = {.method = "PUT",
                       .key = key,
                       .headers = h,
                       .n_headers = oh->n + 1,
                       .body = buf,
                       .body_len = len,
                       .timeout_ms = in->part_timeout_ms,
                       .what = "PUT"};
    struct hawk_http_resp resp;
    int rc = s3_call(in, call, &r, &resp, err);
    if (rc == 0)
        in->api->http_response_free(&resp);
    return rc;
}

/* Multipart state: the upload id and the ETag of every part so far. */
struct s3_mpu {
    char *upload_id;
    char **etags;
    size_t n_parts;
    size_t cap;
};

static void s3_mpu_free(struct s3_mpu *m)
{
    for (size_t i = 0; i < m->n_parts; i++)
        free(m->etags[i]);
    free(m->etags);
    free(m->upload_id);
}

static int s3_mpu_create(struct hawk_instance *in, struct hawk_call *call,
                         const char *key, const struct s3_obj_headers *oh,
                         struct s3_mpu *m, struct hawk_error *err)
{
    const struct s3_param p[] = {{"uploads", NULL}};
    struct s3_req r = {.method = "POST",
                       .key = key,
                       .params = p,
                       .n_params = 1,
                       .headers = oh->h,
                       .n_headers = oh->n,
                       .body = "",
                       .body_len = 0,
                       .what = "create multipart upload"};
    struct hawk_http_resp resp;
    int rc = s3_call(in, call, &r, &resp, err);
    if (rc < 0)
        return rc;
    m->upload_id =
        s3_xml_text(resp.body, resp.body + resp.body_len, "UploadId", 1024);
    in->api->http_response_free(&resp);
    if (m->upload_id == NULL || m->upload_id[0] == '\0') {
        HAWK_ERR_SET(err, HAWK_EPROTO, false, 0,
                     "s3 create multipart upload %s/%s: no UploadId in the "
                     "answer",
                     in->bucket, key);
        return HAWK_EPROTO;
    }
    return 0;
}

static int s3_mpu_part(struct hawk_instance *in, struct hawk_call *call,
                       const char *key, struct s3_mpu *m, const char *buf,
                       size_t len, struct hawk_error *err)
{
    char num[16], what[48], md5[25];
    size_t n = m->n_parts + 1;
    if (n > S3_MAX_PARTS) {
        HAWK_ERR_SET(err, HAWK_ETOOBIG, false, 0,
                     "s3 put %s/%s: more than %d parts of %zu bytes; raise "
                     "part_size",
                     in->bucket, key, S3_MAX_PARTS, in->part_size);
        return HAWK_ETOOBIG;
    }
    snprintf(num, sizeof(num), "%zu", n);
    snprintf(what, sizeof(what), "upload part %zu", n);
    s3_md5_b64(buf, len, md5);
    const struct hawk_http_header h[] = {{"Content-MD5", md5, false}};
    const struct s3_param p[] = {{"partNumber", num},
                                 {"uploadId", m->upload_id}};
    struct s3_req r = {.method = "PUT",
                       .key = key,
                       .params = p,
                       .n_params = 2,
                       .headers = h,
                       .n_headers = 1,
                       .body = buf,
                       .body_len = len,
                       .timeout_ms = in->part_timeout_ms,
                       .what = what};
    struct hawk_http_resp resp;
    int rc = s3_call(in, call, &r, &resp, err);
    if (rc < 0)
        return rc;
    const char *etag = s3_header(&resp, "etag");
    if (etag == NULL || etag[0] == '\0') {
        in->api->http_response_free(&resp);
        HAWK_ERR_SET(err, HAWK_EPROTO, false, 0,
                     "s3 %s %s/%s: no ETag in the answer", what, in->bucket,
                     key);
        return HAWK_EPROTO;
    }
    if (m->n_parts == m->cap) {
        m->cap = m->cap ? m->cap * 2 : 64;
        char **e = realloc(m->etags, m->cap * sizeof(*e));
        if (e == NULL) {
            in->api->http_response_free(&resp);
            HAWK_ERR_SET(err, HAWK_ENOMEM, false, 0, "out of memory");
            return HAWK_ENOMEM;
        }
        m->etags = e;
    }
    m->etags[m->n_parts++] = s3_xstrdup(etag);
    in->api->http_response_free(&resp);
    return 0;
}

static int s3_mpu_complete(struct hawk_instance *in, struct hawk_call *call,
                           const char *key, struct s3_mpu *m,
                           struct hawk_error *err)
{
    struct s3_buf x;
    s3_buf_init(&x, (size_t)S3_MAX_PARTS * 160 + 256);
    s3_buf_add(&x, "<CompleteMultipartUpload>", 25);
    for (size_t i = 0; i < m->n_parts; i++) {
        /* ETags are quoted hex (or hex-N): nothing to escape but '&'
         * and '<', which S3 never sends; refuse them rather than guess. */
        if (strpbrk(m->etags[i], "<>&") != NULL) {
            s3_buf_free(&x);
            HAWK_ERR_SET(err, HAWK_EPROTO, false, 0,
                         "s3 upload part %zu: unexpected ETag", i + 1);
            return HAWK_EPROTO;
        }
        s3_buf_addf(&x,
                    "<Part><PartNumber>%zu</PartNumber><ETag>%s</ETag></Part>",
                    i + 1, m->etags[i]);
    }
    s3_buf_add(&x, "</CompleteMultipartUpload>", 26);
    const struct s3_param p[] = {{"uploadId", m->upload_id}};
    const struct hawk_http_header h[] = {
        {"Content-Type", "application/xml", false}};
    struct s3_req r = {.method = "POST",
                       .key = key,
                       .params = p,
                       .n_params = 1,
                       .headers = h,
                       .n_headers = 1,
                       .body = s3_buf_str(&x),
                       .body_len = x.len,
                       .timeout_ms = in->part_timeout_ms,
                       .what = "complete multipart upload"};
    struct hawk_http_resp resp;
    int rc = s3_call(in, call, &r, &resp, err);
    s3_buf_free(&x);
    if (rc < 0)
        return rc;
    /* S3 may answer 200 and still report an error in the body. */
    const char *end = resp.body + resp.body_len;
    const char *inner;
    size_t ilen;
    if (s3_xml_find(resp.body, end, "Error", &inner, &ilen) != NULL) {
        resp.status = 500;
        rc = s3_http_error(in, "complete multipart upload", key, &resp, err);
    }
    in->api->http_response_free(&resp);
    return rc;
}

static void s3_mpu_abort(struct hawk_instance *in, struct hawk_call *call,
                         const char *key, struct s3_mpu *m)
{
    struct hawk_error aerr;
    memset(&aerr, 0, sizeof(aerr));
    const struct s3_param p[] = {{"uploadId", m->upload_id}};
    struct s3_req r = {.method = "DELETE",
                       .key = key,
                       .params = p,
                       .n_params = 1,
                       .what = "abort multipart upload"};
    struct hawk_http_resp resp;
    int rc = s3_send(in, call, &r, &resp, &aerr);
    if (rc == 0 && resp.status >= 200 && resp.status < 300) {
        in->api->log(in->host, HAWK_LOG_INFO,
                     "s3: aborted multipart upload of %s/%s", in->bucket, key);
    } else {
        if (rc == 0)
            s3_http_error(in, "abort multipart upload", key, &resp, &aerr);
        in->api->log(in->host, HAWK_LOG_WARN,
                     "s3: cannot abort the multipart upload of %s/%s (%s); "
                     "the server may keep its parts until a lifecycle rule "
                     "removes them",
                     in->bucket, key, aerr.msg);
    }
    in->api->http_response_free(&resp);
}

int s3_put(struct hawk_instance *in, struct hawk_call *call, const char *key,
           struct hawk_reader *body, int64_t size,
           const struct hawk_kv *metadata, size_t n_metadata, size_t kv_size,
           struct hawk_error *err)
{
    struct s3_obj_headers oh;
    struct s3_mpu m;
    char *full = NULL;
    char *buf = NULL;
    int rc;

    (void)size; /* a hint only: the reader decides where the body ends */
    memset(&m, 0, sizeof(m));
    if (!s3_key_ok(key) || body == NULL || body->read == NULL) {
        HAWK_ERR_SET(err, HAWK_EINVAL, false, 0, "s3 put: invalid key '%.80s'",
                     key != NULL ? key : "(null)");
        return HAWK_EINVAL;
    }
    rc = s3_obj_headers(in, metadata, n_metadata, kv_size, &oh, err);
    if (rc < 0)
        goto out;
    full = s3_full_key(in, key);
    buf = malloc(in->part_size);
    if (buf == NULL) {
        HAWK_ERR_SET(err, HAWK_ENOMEM, false, 0,
                     "s3 put: cannot allocate a %zu byte part buffer",
                     in->part_size);
        rc = HAWK_ENOMEM;
        goto out;
    }
    size_t len = 0;
    bool eof = false;
    rc = s3_fill(body, buf, in->part_size, &len, &eof, err);
    if (rc < 0)
        goto out;
    if (eof) {
        rc = s3_put_single(in, call, full, buf, len, &oh, err);
        goto out;
    }

    rc = s3_mpu_create(in, call, full, &oh, &m, err);
    if (rc < 0)
        goto out;
    for (;;) {
        rc = s3_mpu_part(in, call, full, &m, buf, len, err);
        if (rc < 0)
            break;
        rc = s3_fill(body, buf, in->part_size, &len, &eof, err);
        if (rc < 0 || len == 0)
            break;
    }
    if (rc == 0)
        rc = s3_mpu_complete(in, call, full, &m, err);
    if (rc < 0)
        s3_mpu_abort(in, call, full, &m);
    else
        in->api->metric_add(in->host, "hawk_s3_multipart_uploads_total", NULL,
                            1);

out:
    s3_mpu_free(&m);
    free(buf);
    free(full);
    s3_oh_free(&oh);
    return rc;
}
