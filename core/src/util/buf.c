/*
 * util/buf.c - bounded growable buffer.
 */
#include "util/buf.h"

#include <stdio.h>
#include <string.h>

#include "hawk/plugin.h"
#include "util/alloc.h"

#define HK_BUF_DEFAULT_MAX ((size_t)64 << 20)

void hk_buf_init(struct hk_buf *b, size_t max)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max ? max : HK_BUF_DEFAULT_MAX;
    b->err = 0;
}

void hk_buf_release(struct hk_buf *b)
{
    hk_free(b->data);
    hk_buf_init(b, b->max);
}

void hk_buf_reset(struct hk_buf *b)
{
    b->len = 0;
    b->err = 0;
    if (b->data != NULL)
        b->data[0] = '\0';
}

int hk_buf_error(const struct hk_buf *b)
{
    return b->err;
}

/* Ensures room for n more content bytes plus the terminator. */
static int buf_grow(struct hk_buf *b, size_t n)
{
    if (n > b->max || b->len > b->max - n) {
        if (b->err == 0)
            b->err = HAWK_ETOOBIG;
        return HAWK_ETOOBIG;
    }
    size_t need = b->len + n + 1;
    if (need <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap = cap > ((size_t)-1) / 2 ? need : cap * 2;
    char *p = hk_try_realloc(b->data, cap);
    if (p == NULL) {
        if (b->err == 0)
            b->err = HAWK_ENOMEM;
        return HAWK_ENOMEM;
    }
    b->data = p;
    b->cap = cap;
    return 0;
}

int hk_buf_append(struct hk_buf *b, const void *data, size_t n)
{
    int rc = buf_grow(b, n);
    if (rc < 0)
        return rc;
    if (n > 0)
        memcpy(b->data + b->len, data, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

int hk_buf_puts(struct hk_buf *b, const char *s)
{
    return hk_buf_append(b, s, strlen(s));
}

int hk_buf_putc(struct hk_buf *b, char c)
{
    return hk_buf_append(b, &c, 1);
}

int hk_buf_vprintf(struct hk_buf *b, const char *fmt, va_list ap)
{
    va_list cp;
    va_copy(cp, ap);
    int n = vsnprintf(NULL, 0, fmt, cp);
    va_end(cp);
    if (n < 0)
        return HAWK_EINVAL;
    int rc = buf_grow(b, (size_t)n);
    if (rc < 0)
        return rc;
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
    return 0;
}

int hk_buf_printf(struct hk_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = hk_buf_vprintf(b, fmt, ap);
    va_end(ap);
    return rc;
}

int hk_buf_json_str(struct hk_buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    int rc = hk_buf_putc(b, '"');
    for (size_t i = 0; rc == 0 && i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '"':
            rc = hk_buf_append(b, "\\\"", 2);
            break;
        case '\\':
            rc = hk_buf_append(b, "\\\\", 2);
            break;
        case '\n':
            rc = hk_buf_append(b, "\\n", 2);
            break;
        case '\r':
            rc = hk_buf_append(b, "\\r", 2);
            break;
        case '\t':
            rc = hk_buf_append(b, "\\t", 2);
            break;
        default:
            if (c < 0x20) {
                char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
                rc = hk_buf_append(b, esc, 6);
            } else {
                rc = hk_buf_putc(b, (char)c);
            }
        }
    }
    if (rc == 0)
        rc = hk_buf_putc(b, '"');
    return rc;
}

const char *hk_buf_str(const struct hk_buf *b)
{
    return b->data ? b->data : "";
}

char *hk_buf_steal(struct hk_buf *b, size_t *len)
{
    char *p = b->data;
    if (p == NULL)
        p = hk_strdup("");
    if (len != NULL)
        *len = b->len;
    hk_buf_init(b, b->max);
    return p;
}
