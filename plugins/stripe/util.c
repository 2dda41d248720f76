/*
 * plugins/stripe/util.c - memory, a bounded text buffer, sinks and
 * secret redaction for the Stripe plugin.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stripe.h"

/* The plugin links only the SDK, so it carries the host's OOM policy
 * itself: small internal allocations abort with a message. */
static void stp_oom(void)
{
    static const char msg[] = "stripe plugin: out of memory\n";
    fwrite(msg, 1, sizeof(msg) - 1, stderr);
    abort();
}

/* Zeroed n bytes; never NULL.  Caller frees with free(). */
void *stp_alloc(size_t n)
{
    void *p = calloc(1, n ? n : 1);
    if (p == NULL)
        stp_oom();
    return p;
}

/* Copy of s (NULL gives NULL).  Caller frees with free(). */
char *stp_dup(const char *s)
{
    return s != NULL ? stp_dupn(s, strlen(s)) : NULL;
}

/* Copy of at most n bytes of s, terminated.  Caller frees with free(). */
char *stp_dupn(const char *s, size_t n)
{
    size_t len = strnlen(s, n);
    char *p = stp_alloc(len + 1);
    memcpy(p, s, len);
    return p;
}

/* printf into a new string.  Caller frees with free(). */
char *stp_fmt(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        stp_oom();
    char *p = stp_alloc((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

/* Overwrites a secret before freeing it, so it does not linger in freed
 * heap pages.  Accepts NULL. */
void stp_free_secret(char *s)
{
    if (s == NULL)
        return;
    volatile char *v = s;
    while (*v != '\0')
        *v++ = '\0';
    free(s);
}

/* ---- bounded buffer ---------------------------------------------------- */

void stp_buf_init(struct stp_buf *b, size_t max)
{
    memset(b, 0, sizeof(*b));
    b->max = max;
}

void stp_buf_free(struct stp_buf *b)
{
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}

/* Appends n bytes: 0, or HAWK_ETOOBIG past the cap (b unchanged). */
int stp_buf_put(struct stp_buf *b, const char *s, size_t n)
{
    if (n > b->max || b->len > b->max - n)
        return HAWK_ETOOBIG;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 128;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (p == NULL)
            stp_oom();
        b->p = p;
        b->cap = cap;
    }
    if (n > 0)
        memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
    return 0;
}

int stp_buf_puts(struct stp_buf *b, const char *s)
{
    return stp_buf_put(b, s, strlen(s));
}

/* The text, "" when empty; borrowed until the next change. */
const char *stp_buf_str(const struct stp_buf *b)
{
    return b->p != NULL ? b->p : "";
}

static int stp_collect_write(struct hawk_text_sink *s, const char *data,
                             size_t len)
{
    struct stp_collect *c = (struct stp_collect *)s;
    return stp_buf_put(&c->buf, data, len);
}

/* The sink is the first member, so the sink pointer is the collector.
 * Free with stp_buf_free(&c->buf). */
void stp_collect_init(struct stp_collect *c, size_t max)
{
    c->sink.opaque = c;
    c->sink.write = stp_collect_write;
    stp_buf_init(&c->buf, max);
}

/* Writes o as compact JSON; 0 or the sink's error.  A NULL sink takes
 * nothing (callers that only want the return code). */
int stp_emit_json(struct hawk_text_sink *out, json_object *o)
{
    if (out == NULL || out->write == NULL)
        return 0;
    size_t n = 0;
    const char *s = json_object_to_json_string_length(
        o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &n);
    if (s == NULL)
        return HAWK_ENOMEM;
    return out->write(out, s, n);
}

/* ---- redaction --------------------------------------------------------- */

static bool stp_sep(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '"' ||
           c == '\'' || c == ',' || c == ';' || c == '(' || c == ')' ||
           c == '<' || c == '>' || c == '`' || c == '=' || c == ':';
}

/* True when tok[0..n) shares 8 consecutive bytes with secret. */
static bool stp_shares(const char *tok, size_t n, const char *secret)
{
    const size_t run = 8;
    size_t sl = secret != NULL ? strlen(secret) : 0;
    if (sl < run || n < run)
        return false;
    for (size_t i = 0; i + run <= n; i++) {
        for (size_t j = 0; j + run <= sl; j++) {
            if (tok[i] == secret[j] && memcmp(tok + i, secret + j, run) == 0)
                return true;
        }
    }
    return false;
}

static bool stp_secret_token(const struct hawk_instance *in, const char *tok,
                             size_t n)
{
    static const char *const prefixes[] = {"sk_", "rk_", "whsec_", NULL};
    for (size_t i = 0; prefixes[i] != NULL; i++) {
        size_t pl = strlen(prefixes[i]);
        if (n > pl && memcmp(tok, prefixes[i], pl) == 0)
            return true;
    }
    size_t stars = 0;
    for (size_t i = 0; i < n; i++)
        stars += tok[i] == '*';
    if (stars >= 4)
        return true;
    if (in == NULL)
        return false;
    if (stp_shares(tok, n, in->secret_key))
        return true;
    for (size_t i = 0; i < in->n_wh_secrets; i++) {
        if (stp_shares(tok, n, in->wh_secrets[i]))
            return true;
    }
    return false;
}

/* See stripe.h.  dst always ends up terminated (possibly truncated). */
void stp_redact(const struct hawk_instance *in, const char *src, char *dst,
                size_t dst_size)
{
    static const char mark[] = "[redacted]";
    size_t o = 0;

    if (dst_size == 0)
        return;
    for (const char *p = src; *p != '\0' && o + 1 < dst_size;) {
        if (stp_sep(*p)) {
            dst[o++] = *p++;
            continue;
        }
        size_t n = 0;
        while (p[n] != '\0' && !stp_sep(p[n]))
            n++;
        size_t tn = n;
        while (tn > 0 && p[tn - 1] == '.')
            tn--;
        const char *from = p;
        size_t len = n;
        if (stp_secret_token(in, p, tn)) {
            from = mark;
            len = sizeof(mark) - 1;
        }
        for (size_t i = 0; i < len && o + 1 < dst_size; i++)
            dst[o++] = from[i];
        if (from == mark) {
            for (size_t i = tn; i < n && o + 1 < dst_size; i++)
                dst[o++] = p[i];
        }
        p += n;
    }
    dst[o] = '\0';
}
