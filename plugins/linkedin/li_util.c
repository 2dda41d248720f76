/*
 * plugins/linkedin/li_util.c - allocation, a bounded buffer, URL and
 * JSON text helpers.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "linkedin.h"

/* The plugin cannot reach the host's allocator (it links only the SDK),
 * so it keeps the host's policy: small internal allocations abort on
 * OOM; sizes from outside are bounded by li_buf. */
static void li_oom(void)
{
    static const char msg[] = "linkedin plugin: out of memory\n";
    size_t w = fwrite(msg, 1, sizeof(msg) - 1, stderr);
    (void)w;
    abort();
}

/* Never NULL.  Caller frees with free(). */
void *li_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (p == NULL)
        li_oom();
    return p;
}

/* Zeroed; never NULL.  Caller frees with free(). */
void *li_xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (p == NULL)
        li_oom();
    return p;
}

/* Resizes p (invalid afterwards); never NULL. */
void *li_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (q == NULL)
        li_oom();
    return q;
}

/* Copies s (NULL gives NULL).  Caller frees with free(). */
char *li_xstrdup(const char *s)
{
    return s != NULL ? li_xstrndup(s, strlen(s)) : NULL;
}

/* Copies at most n bytes of s.  Caller frees with free(). */
char *li_xstrndup(const char *s, size_t n)
{
    size_t len = strnlen(s, n);
    char *p = li_xmalloc(len + 1);
    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

/* printf into a new string.  Caller frees with free(). */
char *li_xasprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        li_oom();
    char *p = li_xmalloc((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

/* ---- bounded buffer ------------------------------------------------------ */

void li_buf_init(struct li_buf *b, size_t max)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max ? max : ((size_t)64 << 20);
}

void li_buf_free(struct li_buf *b)
{
    free(b->data);
    li_buf_init(b, b->max);
}

void li_buf_reset(struct li_buf *b)
{
    b->len = 0;
    if (b->data != NULL)
        b->data[0] = '\0';
}

/* Appends n bytes: 0, or HAWK_ETOOBIG past the limit (b unchanged). */
int li_buf_add(struct li_buf *b, const char *s, size_t n)
{
    if (n > b->max || b->len > b->max - n)
        return HAWK_ETOOBIG;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        b->data = li_xrealloc(b->data, cap);
        b->cap = cap;
    }
    if (n > 0)
        memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

int li_buf_puts(struct li_buf *b, const char *s)
{
    return li_buf_add(b, s, strlen(s));
}

int li_buf_printf(struct li_buf *b, const char *fmt, ...)
{
    char small[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof(small), fmt, ap);
    va_end(ap);
    if (n < 0)
        return HAWK_EINVAL;
    if ((size_t)n < sizeof(small))
        return li_buf_add(b, small, (size_t)n);
    char *big = li_xmalloc((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    int rc = li_buf_add(b, big, (size_t)n);
    free(big);
    return rc;
}

/* "" when empty; borrowed until the next change. */
const char *li_buf_str(const struct li_buf *b)
{
    return b->data != NULL ? b->data : "";
}

/* Appends s as a JSON string literal with quotes. */
int li_buf_json_str(struct li_buf *b, const char *s)
{
    int rc = li_buf_add(b, "\"", 1);
    for (const unsigned char *p = (const unsigned char *)s; rc == 0 && *p;
         p++) {
        char esc[8];
        switch (*p) {
        case '"':
            rc = li_buf_add(b, "\\\"", 2);
            break;
        case '\\':
            rc = li_buf_add(b, "\\\\", 2);
            break;
        case '\n':
            rc = li_buf_add(b, "\\n", 2);
            break;
        case '\r':
            rc = li_buf_add(b, "\\r", 2);
            break;
        case '\t':
            rc = li_buf_add(b, "\\t", 2);
            break;
        default:
            if (*p < 0x20) {
                snprintf(esc, sizeof(esc), "\\u%04x", *p);
                rc = li_buf_add(b, esc, 6);
            } else {
                rc = li_buf_add(b, (const char *)p, 1);
            }
        }
    }
    return rc == 0 ? li_buf_add(b, "\"", 1) : rc;
}

/* Appends s percent-encoded for a query value (RFC 3986 unreserved kept,
 * space as %20). */
int li_buf_urlenc(struct li_buf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    int rc = 0;
    for (const unsigned char *p = (const unsigned char *)s; rc == 0 && *p;
         p++) {
        unsigned char c = *p;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
            (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
            c == '~') {
            rc = li_buf_add(b, (const char *)p, 1);
        } else {
            char e[3] = {'%', hex[c >> 4], hex[c & 15]};
            rc = li_buf_add(b, e, 3);
        }
    }
    return rc;
}

/* ---- small string helpers ---------------------------------------------- */

/* Collapses runs of white space to one space and trims both ends, in
 * place.  Returns s. */
char *li_squash(char *s)
{
    char *w = s;
    bool space = false;
    for (const char *r = s; *r != '\0'; r++) {
        unsigned char c = (unsigned char)*r;
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
            c == '\v') {
            space = w != s;
            continue;
        }
        /* U+00A0 no-break space, common in LinkedIn markup. */
        if (c == 0xc2 && (unsigned char)r[1] == 0xa0) {
            space = w != s;
            r++;
            continue;
        }
        if (space)
            *w++ = ' ';
        space = false;
        *w++ = *r;
    }
    *w = '\0';
    return s;
}

/* ASCII lower-case copy of s into out (truncated to outlen). */
void li_lower(const char *s, char *out, size_t outlen)
{
    size_t i = 0;
    for (; s[i] != '\0' && i + 1 < outlen; i++)
        out[i] = (s[i] >= 'A' && s[i] <= 'Z') ? (char)(s[i] + 32) : s[i];
    out[i] = '\0';
}

/* Whether haystack contains needle, ASCII case-insensitively. */
bool li_icontains(const char *haystack, const char *needle)
{
    size_t n = strlen(needle);
    if (n == 0)
        return true;
    for (const char *p = haystack; *p != '\0'; p++) {
        size_t i = 0;
        while (i < n && p[i] != '\0') {
            char a = p[i], c = needle[i];
            a = (a >= 'A' && a <= 'Z') ? (char)(a + 32) : a;
            c = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
            if (a != c)
                break;
            i++;
        }
        if (i == n)
            return true;
    }
    return false;
}

/* Strict decimal integer of the whole string in [min, max]. */
int li_parse_int(const char *s, long long min, long long max, long long *out)
{
    if (s == NULL || *s == '\0')
        return HAWK_EINVAL;
    char *end = NULL;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (end == s || *end != '\0' || errno == ERANGE || v < min || v > max)
        return HAWK_EINVAL;
    *out = v;
    return 0;
}

/* Levenshtein distance of two short strings, capped at 255. */
size_t li_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 64 || lb > 64)
        return 255;
    size_t prev[65], cur[65];
    for (size_t j = 0; j <= lb; j++)
        prev[j] = j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
            size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
            cur[j] =
                sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
        }
        memcpy(prev, cur, sizeof(prev));
    }
    return prev[lb];
}

/* See linkedin.h. */
char *li_question_key(const char *text)
{
    struct li_buf b;
    li_buf_init(&b, 0);
    bool space = false;
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        unsigned char c = *p;
        bool word = c >= 0x80 || (c >= '0' && c <= '9') ||
                    (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        if (!word) {
            space = b.len > 0;
            continue;
        }
        if (space)
            (void)li_buf_add(&b, " ", 1);
        space = false;
        char l = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
        (void)li_buf_add(&b, &l, 1);
    }
    char *out = li_xstrdup(li_buf_str(&b));
    li_buf_free(&b);
    return out;
}

/* See linkedin.h. */
void li_undouble(char *s)
{
    size_t n = strlen(s);
    if (n >= 3 && n % 2 == 1 && s[n / 2] == ' ' &&
        strncmp(s, s + n / 2 + 1, n / 2) == 0)
        s[n / 2] = '\0';
    else if (n >= 2 && n % 2 == 0 && strncmp(s, s + n / 2, n / 2) == 0)
        s[n / 2] = '\0';
}

/* See linkedin.h. */
int li_xpath_literal(const char *s, struct li_buf *out)
{
    if (strchr(s, '\'') == NULL)
        return li_buf_printf(out, "'%s'", s);
    if (strchr(s, '"') == NULL)
        return li_buf_printf(out, "\"%s\"", s);
    /* Both quotes: concat('it', "'", 's ...'). */
    int rc = li_buf_puts(out, "concat(");
    const char *p = s;
    while (rc == 0 && *p != '\0') {
        size_t n = strcspn(p, "'");
        if (n > 0) {
            rc = li_buf_puts(out, "'");
            if (rc == 0)
                rc = li_buf_add(out, p, n);
            if (rc == 0)
                rc = li_buf_puts(out, "',");
            p += n;
        }
        if (rc == 0 && *p == '\'') {
            rc = li_buf_puts(out, "\"'\",");
            p++;
        }
    }
    if (rc == 0)
        rc = li_buf_puts(out, "'')");
    return rc;
}
