/*
 * plugins/stripe/form.c - application/x-www-form-urlencoded bodies as
 * Stripe reads them: nested objects as `a[b]=v`, arrays as `a[0]=v`,
 * booleans as `true`/`false`, an empty value to unset a metadata key.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stripe.h"

#define STP_FORM_MAX ((size_t)256 << 10)

void stp_form_init(struct stp_form *f)
{
    stp_buf_init(&f->buf, STP_FORM_MAX);
}

void stp_form_free(struct stp_form *f)
{
    stp_buf_free(&f->buf);
}

static bool stp_unreserved(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
           c == '~';
}

/* See stripe.h.  0 or HAWK_ETOOBIG. */
int stp_form_escape(struct stp_buf *b, const char *s, bool keep_brackets)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
        int rc;
        if (stp_unreserved(*p) || (keep_brackets && (*p == '[' || *p == ']')))
            rc = stp_buf_put(b, (const char *)p, 1);
        else {
            char enc[3] = {'%', hex[*p >> 4], hex[*p & 15]};
            rc = stp_buf_put(b, enc, 3);
        }
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* See stripe.h. */
int stp_form_add(struct stp_form *f, const char *key, const char *value)
{
    if (value == NULL)
        return 0;
    size_t mark = f->buf.len;
    /* A form may follow a path and its '?' (query strings of GETs). */
    bool first = f->buf.len == 0 || f->buf.p[f->buf.len - 1] == '?';
    int rc = first ? 0 : stp_buf_put(&f->buf, "&", 1);
    if (rc == 0)
        rc = stp_form_escape(&f->buf, key, true);
    if (rc == 0)
        rc = stp_buf_put(&f->buf, "=", 1);
    if (rc == 0)
        rc = stp_form_escape(&f->buf, value, false);
    if (rc < 0 && f->buf.p != NULL) {
        /* All or nothing: a half-written pair would change the request. */
        f->buf.len = mark;
        f->buf.p[mark] = '\0';
    }
    return rc;
}

int stp_form_addf(struct stp_form *f, const char *key, const char *fmt, ...)
{
    char v[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(v, sizeof(v), fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof(v))
        return HAWK_ETOOBIG;
    return stp_form_add(f, key, v);
}

int stp_form_add_bool(struct stp_form *f, const char *key, bool v)
{
    return stp_form_add(f, key, v ? "true" : "false");
}
