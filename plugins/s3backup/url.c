/*
 * plugins/s3backup/url.c - object URLs and canonical query strings.
 *
 * libcurl 7.88 signs the query string as it is in the URL, so it must
 * already be in SigV4's canonical form: parameters sorted by name (byte
 * order), names and values RFC 3986-encoded, and subresources without a
 * value written with "=" ("uploads=").  The key's path is encoded the way
 * S3 canonicalises it (every byte but the unreserved ones and '/').
 */
#include <stdlib.h>
#include <string.h>

#include "s3.h"

static bool s3_unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
           c == '~';
}

int s3_encode(struct s3_buf *b, const char *s, size_t n, bool keep_slash)
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        int rc;
        if (s3_unreserved(c) || (keep_slash && c == '/')) {
            rc = s3_buf_add(b, (const char *)&s[i], 1);
        } else {
            char e[3] = {'%', hex[c >> 4], hex[c & 15]};
            rc = s3_buf_add(b, e, 3);
        }
        if (rc < 0)
            return rc;
    }
    return 0;
}

bool s3_key_ok(const char *key)
{
    size_t n = key != NULL ? strlen(key) : 0;
    if (n == 0 || n > S3_MAX_KEY || key[0] == '/')
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)key[i];
        if (c < 32 || c == 127)
            return false;
    }
    /* "." and ".." segments are normalised away by some HTTP stacks and
     * would then sign a different path than the one sent. */
    const char *seg = key;
    for (;;) {
        const char *slash = strchr(seg, '/');
        size_t len = slash != NULL ? (size_t)(slash - seg) : strlen(seg);
        if ((len == 1 && seg[0] == '.') ||
            (len == 2 && seg[0] == '.' && seg[1] == '.'))
            return false;
        if (slash == NULL)
            break;
        seg = slash + 1;
    }
    return true;
}

bool s3_bucket_ok(const char *b)
{
    size_t n = b != NULL ? strlen(b) : 0;
    if (n < 3 || n > 63)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = b[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
              c == '-'))
            return false;
    }
    return b[0] != '.' && b[0] != '-' && b[n - 1] != '.' && b[n - 1] != '-';
}

static int s3_param_cmp(const void *a, const void *b)
{
    const struct s3_param *x = a, *y = b;
    return strcmp(x->name, y->name);
}

char *s3_url(const struct hawk_instance *in, const char *key,
             const struct s3_param *params, size_t n_params)
{
    struct s3_buf b;
    s3_buf_init(&b, (size_t)64 << 10);

    if (in->path_style) {
        s3_buf_addf(&b, "%s%s/%s", in->scheme_host, in->base_path, in->bucket);
    } else {
        /* Virtual-host style: the bucket becomes the first host label. */
        const char *sep = strstr(in->scheme_host, "://");
        size_t scheme_len = sep != NULL ? (size_t)(sep - in->scheme_host) : 0;
        s3_buf_addf(&b, "%.*s://%s.%s%s", (int)scheme_len, in->scheme_host,
                    in->bucket, sep != NULL ? sep + 3 : in->scheme_host,
                    in->base_path);
    }
    if (key != NULL) {
        s3_buf_add(&b, "/", 1);
        s3_encode(&b, key, strlen(key), true);
    } else if (!in->path_style) {
        s3_buf_add(&b, "/", 1);
    }
    if (n_params > 0) {
        struct s3_param *sorted = s3_xcalloc(n_params, sizeof(*sorted));
        memcpy(sorted, params, n_params * sizeof(*sorted));
        qsort(sorted, n_params, sizeof(*sorted), s3_param_cmp);
        for (size_t i = 0; i < n_params; i++) {
            s3_buf_add(&b, i == 0 ? "?" : "&", 1);
            s3_encode(&b, sorted[i].name, strlen(sorted[i].name), false);
            s3_buf_add(&b, "=", 1);
            if (sorted[i].value != NULL)
                s3_encode(&b, sorted[i].value, strlen(sorted[i].value), false);
        }
        free(sorted);
    }
    char *url = s3_xstrdup(s3_buf_str(&b));
    s3_buf_free(&b);
    return url;
}

char *s3_full_key(const struct hawk_instance *in, const char *key)
{
    return s3_xasprintf("%s%s", in->prefix, key != NULL ? key : "");
}
