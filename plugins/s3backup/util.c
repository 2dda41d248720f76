/*
 * plugins/s3backup/util.c - allocation, a bounded buffer, hashes and the
 * two date formats S3 answers with.
 */
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "s3.h"

/* The plugin cannot reach the host's allocator wrappers (it links only the
 * SDK), so it carries the same policy: abort on OOM for small internal
 * allocations; sizes from outside are bounded by s3_buf. */
static void s3_oom(void)
{
    static const char msg[] = "s3backup plugin: out of memory\n";
    fwrite(msg, 1, sizeof(msg) - 1, stderr);
    abort();
}

/* Returns n bytes; never NULL.  Caller frees with free(). */
void *s3_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (p == NULL)
        s3_oom();
    return p;
}

/* Returns zeroed memory; never NULL.  Caller frees with free(). */
void *s3_xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (p == NULL)
        s3_oom();
    return p;
}

/* Copies s (NULL gives NULL).  Caller frees with free(). */
char *s3_xstrdup(const char *s)
{
    if (s == NULL)
        return NULL;
    return s3_xstrndup(s, strlen(s));
}

/* Copies at most n bytes of s and terminates.  Caller frees with free(). */
char *s3_xstrndup(const char *s, size_t n)
{
    size_t len = strnlen(s, n);
    char *p = s3_xmalloc(len + 1);
    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

/* printf into a new string.  Caller frees with free(). */
char *s3_xasprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        s3_oom();
    char *p = s3_xmalloc((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

/* ---- bounded buffer --------------------------------------------------- */

void s3_buf_init(struct s3_buf *b, size_t max)
{
    memset(b, 0, sizeof(*b));
    b->max = max;
}

void s3_buf_free(struct s3_buf *b)
{
    free(b->data);
    memset(b, 0, sizeof(*b));
}

/* Appends n bytes; HAWK_ETOOBIG (buffer unchanged) past the cap. */
int s3_buf_add(struct s3_buf *b, const char *s, size_t n)
{
    if (n > b->max || b->len > b->max - n)
        return HAWK_ETOOBIG;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *p = realloc(b->data, cap);
        if (p == NULL)
            s3_oom();
        b->data = p;
        b->cap = cap;
    }
    if (n > 0)
        memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

/* Appends printf output; HAWK_ETOOBIG past the cap. */
int s3_buf_addf(struct s3_buf *b, const char *fmt, ...)
{
    char small[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof(small), fmt, ap);
    va_end(ap);
    if (n < 0)
        return HAWK_EINVAL;
    if ((size_t)n < sizeof(small))
        return s3_buf_add(b, small, (size_t)n);
    char *big = s3_xmalloc((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    int rc = s3_buf_add(b, big, (size_t)n);
    free(big);
    return rc;
}

/* The text so far; "" for an empty buffer.  Borrowed. */
const char *s3_buf_str(const struct s3_buf *b)
{
    return b->data != NULL ? b->data : "";
}

/* ---- hashes ----------------------------------------------------------- */

static void s3_digest(const EVP_MD *md, const void *data, size_t len,
                      unsigned char *out, unsigned int *out_len)
{
    if (EVP_Digest(data, len, out, out_len, md, NULL) != 1)
        s3_oom(); /* only fails on allocation failure */
}

void s3_sha256_hex(const void *data, size_t len, char out[65])
{
    static const char hex[] = "0123456789abcdef";
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    s3_digest(EVP_sha256(), data, len, d, &n);
    for (unsigned int i = 0; i < 32; i++) {
        out[2 * i] = hex[d[i] >> 4];
        out[2 * i + 1] = hex[d[i] & 15];
    }
    out[64] = '\0';
}

void s3_md5_b64(const void *data, size_t len, char out[25])
{
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    s3_digest(EVP_md5(), data, len, d, &n);
    EVP_EncodeBlock((unsigned char *)out, d, 16);
    out[24] = '\0';
}

/* ---- dates ------------------------------------------------------------ */

static int s3_month(const char *m)
{
    static const char *const names[] = {"Jan", "Feb", "Mar", "Apr",
                                        "May", "Jun", "Jul", "Aug",
                                        "Sep", "Oct", "Nov", "Dec"};
    for (int i = 0; i < 12; i++) {
        if (strncmp(m, names[i], 3) == 0)
            return i;
    }
    return -1;
}

int64_t s3_parse_time(const char *s)
{
    struct tm tm;
    int y, mo, d, h, mi, sec;
    char mon[4];

    if (s == NULL)
        return -1;
    memset(&tm, 0, sizeof(tm));
    if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d", &y, &mo, &d, &h, &mi, &sec) == 6) {
        tm.tm_mon = mo - 1;
    } else if (sscanf(s, "%*3s, %2d %3s %4d %2d:%2d:%2d", &d, mon, &y, &h, &mi,
                      &sec) == 6) {
        mon[3] = '\0';
        tm.tm_mon = s3_month(mon);
    } else {
        return -1;
    }
    if (tm.tm_mon < 0 || tm.tm_mon > 11 || d < 1 || d > 31 || h > 23 ||
        mi > 59 || sec > 60 || y < 1970)
        return -1;
    tm.tm_year = y - 1900;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = sec;
    return (int64_t)timegm(&tm);
}
