/*
 * plugins/openai/util.c - allocation, a bounded buffer, secret redaction
 * and the price table.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "openai.h"

/* The plugin cannot reach the host's allocator wrappers (it links only the
 * SDK), so it carries the same policy: abort on OOM for small internal
 * allocations; sizes from outside are bounded by oai_buf. */
static void oai_oom(void)
{
    static const char msg[] = "openai plugin: out of memory\n";
    fwrite(msg, 1, sizeof(msg) - 1, stderr);
    abort();
}

/* Returns n bytes; never NULL.  Caller frees with free(). */
void *oai_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (p == NULL)
        oai_oom();
    return p;
}

/* Returns zeroed memory; never NULL.  Caller frees with free(). */
void *oai_xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (p == NULL)
        oai_oom();
    return p;
}

/* Resizes p (which is invalid afterwards); never NULL. */
void *oai_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (q == NULL)
        oai_oom();
    return q;
}

/* Copies s (NULL gives NULL).  Caller frees with free(). */
char *oai_xstrdup(const char *s)
{
    if (s == NULL)
        return NULL;
    return oai_xstrndup(s, strlen(s));
}

/* Copies at most n bytes of s and terminates.  Caller frees with free(). */
char *oai_xstrndup(const char *s, size_t n)
{
    size_t len = strnlen(s, n);
    char *p = oai_xmalloc(len + 1);
    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

/* printf into a new string.  Caller frees with free(). */
char *oai_xasprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        oai_oom();
    char *p = oai_xmalloc((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

/* ---- bounded buffer -------------------------------------------------- */

/* max: content limit in bytes. */
void oai_buf_init(struct oai_buf *b, size_t max)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max;
}

/* Frees the memory; b may be reused after oai_buf_init(). */
void oai_buf_free(struct oai_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
}

/* Appends n bytes; 0 or HAWK_ETOOBIG (b unchanged). */
int oai_buf_add(struct oai_buf *b, const char *s, size_t n)
{
    if (n > b->max || b->len > b->max - n)
        return HAWK_ETOOBIG;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        b->data = oai_xrealloc(b->data, cap);
        b->cap = cap;
    }
    if (n > 0)
        memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

/* The content, "" when empty; borrowed until the next change. */
const char *oai_buf_str(const struct oai_buf *b)
{
    return b->data != NULL ? b->data : "";
}

/* ---- redaction -------------------------------------------------------- */

static bool oai_is_sep(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '"' ||
           c == '\'' || c == ',' || c == ';' || c == '(' || c == ')' ||
           c == '<' || c == '>' || c == '`';
}

/* True when the token shares a run of >= 6 bytes with the key. */
static bool oai_shares_key_fragment(const char *tok, size_t n, const char *key)
{
    size_t klen = key != NULL ? strlen(key) : 0;
    const size_t run = 6;

    if (klen < run || n < run)
        return false;
    for (size_t i = 0; i + run <= n; i++) {
        for (size_t j = 0; j + run <= klen; j++) {
            if (memcmp(tok + i, key + j, run) == 0)
                return true;
        }
    }
    return false;
}

static bool oai_looks_secret(const char *tok, size_t n, const char *key)
{
    if (n >= 3 && (memcmp(tok, "sk-", 3) == 0 || memcmp(tok, "sk_", 3) == 0))
        return true;
    /* Masked keys as servers echo them: "sk-ab****wxyz", "****1234". */
    if (n >= 4 && memchr(tok, '*', n) != NULL) {
        size_t stars = 0;
        for (size_t i = 0; i < n; i++)
            stars += tok[i] == '*';
        if (stars >= 3)
            return true;
    }
    return oai_shares_key_fragment(tok, n, key);
}

/* Copies src to dst replacing secret-looking tokens with "[redacted]".
 * dst always ends up terminated (possibly truncated). */
void oai_redact(const char *src, const char *key, char *dst, size_t dst_size)
{
    static const char mark[] = "[redacted]";
    size_t o = 0;

    if (dst_size == 0)
        return;
    for (const char *p = src; *p != '\0' && o + 1 < dst_size;) {
        if (oai_is_sep(*p)) {
            dst[o++] = *p++;
            continue;
        }
        size_t n = 0;
        while (p[n] != '\0' && !oai_is_sep(p[n]))
            n++;
        /* Keep a sentence's final period outside the token. */
        size_t tn = n;
        while (tn > 0 && (p[tn - 1] == '.' || p[tn - 1] == ':'))
            tn--;
        if (oai_looks_secret(p, tn, key)) {
            for (size_t i = 0; mark[i] != '\0' && o + 1 < dst_size; i++)
                dst[o++] = mark[i];
            for (size_t i = tn; i < n && o + 1 < dst_size; i++)
                dst[o++] = p[i];
        } else {
            for (size_t i = 0; i < n && o + 1 < dst_size; i++)
                dst[o++] = p[i];
        }
        p += n;
    }
    dst[o] = '\0';
}

/* ---- prices ----------------------------------------------------------- */

static int oai_parse_price_num(const char *s, double *out)
{
    char *end = NULL;
    if (*s == '\0')
        return HAWK_EINVAL;
    double v = strtod(s, &end);
    if (end == s || *end != '\0' || !(v >= 0.0) || v > 1e6)
        return HAWK_EINVAL;
    *out = v;
    return 0;
}

/* Parses "model:input_usd_per_1M:output_usd_per_1M".  The model name may
 * itself contain ':' (Ollama tags such as "llama3.1:8b"), so the two
 * prices are taken from the right. */
int oai_price_parse(const char *s, struct oai_price *p)
{
    const char *c2 = strrchr(s, ':');
    if (c2 == NULL || c2 == s)
        return HAWK_EINVAL;
    const char *c1 = c2 - 1;
    while (c1 > s && *c1 != ':')
        c1--;
    if (c1 == s)
        return HAWK_EINVAL;
    char *in_s = oai_xstrndup(c1 + 1, (size_t)(c2 - c1 - 1));
    double vin = 0, vout = 0;
    int rc = oai_parse_price_num(in_s, &vin);
    free(in_s);
    if (rc == 0)
        rc = oai_parse_price_num(c2 + 1, &vout);
    if (rc < 0)
        return rc;
    p->model = oai_xstrndup(s, (size_t)(c1 - s));
    p->input_per_1m = vin;
    p->output_per_1m = vout;
    return 0;
}

/* See openai.h. */
bool oai_cost(const struct hawk_instance *in, const char *model,
              int64_t prompt_tokens, int64_t completion_tokens, double *out)
{
    const struct oai_price *best = NULL;
    size_t best_len = 0;

    *out = 0.0;
    if (model == NULL)
        return false;
    for (size_t i = 0; i < in->n_prices; i++) {
        const struct oai_price *p = &in->prices[i];
        size_t n = strlen(p->model);
        if (strcmp(p->model, model) == 0) {
            best = p;
            break;
        }
        /* Dated snapshots: "gpt-4o-mini" prices "gpt-4o-mini-2024-07-18"
         * but "gpt-4o" does not price "gpt-4o-mini". */
        if (strncmp(p->model, model, n) == 0 && model[n] == '-' &&
            model[n + 1] >= '0' && model[n + 1] <= '9' && n > best_len) {
            best = p;
            best_len = n;
        }
    }
    if (best == NULL)
        return false;
    *out = ((double)prompt_tokens * best->input_per_1m +
            (double)completion_tokens * best->output_per_1m) /
           1e6;
    return true;
}
