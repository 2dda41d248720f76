/*
 * util/alloc.c - allocation wrappers with the abort-on-OOM policy.
 */
#include "util/alloc.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void hk_oom(size_t n)
{
    fprintf(stderr,
            "{\"level\":\"crit\",\"msg\":\"out of memory allocating "
            "%zu bytes\"}\n",
            n);
    abort();
}

void *hk_malloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (p == NULL)
        hk_oom(n);
    return p;
}

void *hk_calloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (p == NULL)
        hk_oom(n * size);
    return p;
}

void *hk_realloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (q == NULL)
        hk_oom(n);
    return q;
}

char *hk_strdup(const char *s)
{
    size_t n = strlen(s);
    char *p = hk_malloc(n + 1);
    memcpy(p, s, n + 1);
    return p;
}

char *hk_strndup(const char *s, size_t n)
{
    size_t len = 0;
    while (len < n && s[len] != '\0')
        len++;
    char *p = hk_malloc(len + 1);
    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

char *hk_asprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        n = 0;
    char *p = hk_malloc((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

#ifdef HAWK_TEST_SEAMS
/* Allocation-failure injection (see alloc.h): which fallible allocation
 * fails (0: none) and how many were made since it was armed. */
static _Atomic long g_fail_nth;
static _Atomic long g_fallible;

void hk_alloc_fail_nth(long n)
{
    atomic_store(&g_fallible, 0);
    atomic_store(&g_fail_nth, n > 0 ? n : 0);
}

long hk_alloc_fallible_count(void)
{
    return atomic_load(&g_fallible);
}

/* Counts one fallible allocation; true when it is the one to fail. */
static bool inject_failure(void)
{
    long nth = atomic_load(&g_fail_nth);
    long k = atomic_fetch_add(&g_fallible, 1) + 1;
    return nth > 0 && k == nth;
}
#else
static bool inject_failure(void)
{
    return false;
}
#endif

void *hk_try_malloc(size_t n)
{
    if (inject_failure())
        return NULL;
    return malloc(n ? n : 1);
}

void *hk_try_realloc(void *p, size_t n)
{
    if (inject_failure())
        return NULL;
    return realloc(p, n ? n : 1);
}

void hk_free(void *p)
{
    free(p);
}

void hk_free_secret(char *s)
{
    if (s == NULL)
        return;
    volatile char *v = s;
    while (*v != '\0')
        *v++ = '\0';
    free(s);
}
