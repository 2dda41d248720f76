/*
 * plugins/s3backup/xml.c - the little XML reading S3's answers need.
 *
 * S3 answers with flat, well-known documents (ListBucketResult,
 * InitiateMultipartUploadResult, CompleteMultipartUploadResult, Error)
 * whose leaf elements carry no attributes and no mixed content, so
 * finding an element by name and decoding the five predefined entities
 * plus numeric character references is all that is needed.  Every read
 * is bounded by the given end pointer; nothing is assumed terminated.
 */
#include <stdlib.h>
#include <string.h>

#include "s3.h"

/* memmem over [p, end). */
static const char *s3_find(const char *p, const char *end, const char *s)
{
    size_t n = strlen(s);
    if (p == NULL || p >= end || (size_t)(end - p) < n)
        return NULL;
    return memmem(p, (size_t)(end - p), s, n);
}

const char *s3_xml_find(const char *p, const char *end, const char *tag,
                        const char **inner, size_t *inner_len)
{
    char open[80], close[80];
    size_t tl = strlen(tag);
    if (tl + 4 > sizeof(open))
        return NULL;
    memcpy(open, "<", 1);
    memcpy(open + 1, tag, tl);
    open[tl + 1] = '\0';
    memcpy(close, "</", 2);
    memcpy(close + 2, tag, tl);
    memcpy(close + 2 + tl, ">", 2);

    const char *at = p;
    for (;;) {
        at = s3_find(at, end, open);
        if (at == NULL)
            return NULL;
        const char *after = at + tl + 1;
        /* "<Key>" or "<Key attr=..>", but not "<KeyCount>". */
        if (after < end && (*after == '>' || *after == ' ')) {
            const char *gt = memchr(after, '>', (size_t)(end - after));
            if (gt == NULL)
                return NULL;
            if (gt > after && gt[-1] == '/') { /* <Tag/>: empty */
                *inner = gt + 1;
                *inner_len = 0;
                return gt + 1;
            }
            const char *c = s3_find(gt + 1, end, close);
            if (c == NULL)
                return NULL;
            *inner = gt + 1;
            *inner_len = (size_t)(c - (gt + 1));
            return c + strlen(close);
        }
        at = after;
    }
}

/* Appends the UTF-8 encoding of code point cp. */
static void s3_utf8(struct s3_buf *b, unsigned long cp)
{
    char u[4];
    size_t n;
    if (cp < 0x80) {
        u[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        u[0] = (char)(0xC0 | (cp >> 6));
        u[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        u[0] = (char)(0xE0 | (cp >> 12));
        u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        u[0] = (char)(0xF0 | (cp >> 18));
        u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    s3_buf_add(b, u, n);
}

/* Decodes one entity at s (after '&', up to ';' before end); returns the
 * bytes consumed after '&', or 0 when it is not one. */
static size_t s3_entity(const char *s, const char *end, struct s3_buf *b)
{
    static const struct {
        const char *name;
        char c;
    } named[] = {{"amp;", '&'},
                 {"lt;", '<'},
                 {"gt;", '>'},
                 {"quot;", '"'},
                 {"apos;", '\''}};
    size_t left = (size_t)(end - s);
    for (size_t i = 0; i < sizeof(named) / sizeof(named[0]); i++) {
        size_t n = strlen(named[i].name);
        if (left >= n && memcmp(s, named[i].name, n) == 0) {
            s3_buf_add(b, &named[i].c, 1);
            return n;
        }
    }
    if (left >= 3 && s[0] == '#') {
        const char *semi = memchr(s, ';', left < 12 ? left : 12);
        if (semi == NULL)
            return 0;
        char num[12];
        size_t nl = (size_t)(semi - s - 1);
        if (nl == 0 || nl >= sizeof(num))
            return 0;
        memcpy(num, s + 1, nl);
        num[nl] = '\0';
        char *e = NULL;
        unsigned long cp = num[0] == 'x' || num[0] == 'X'
                               ? strtoul(num + 1, &e, 16)
                               : strtoul(num, &e, 10);
        if (e == NULL || *e != '\0' || cp == 0 || cp > 0x10FFFF)
            return 0;
        s3_utf8(b, cp);
        return (size_t)(semi - s) + 1;
    }
    return 0;
}

char *s3_xml_text(const char *p, const char *end, const char *tag, size_t max)
{
    const char *inner;
    size_t len;
    if (s3_xml_find(p, end, tag, &inner, &len) == NULL || len > max * 6)
        return NULL;
    struct s3_buf b;
    s3_buf_init(&b, max);
    const char *e = inner + len;
    for (const char *c = inner; c < e;) {
        if (*c == '&') {
            size_t used = s3_entity(c + 1, e, &b);
            if (used > 0) {
                c += 1 + used;
                continue;
            }
        }
        if (s3_buf_add(&b, c, 1) < 0) {
            s3_buf_free(&b);
            return NULL;
        }
        c++;
    }
    char *out = s3_xstrdup(s3_buf_str(&b));
    s3_buf_free(&b);
    return out;
}
