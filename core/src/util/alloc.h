/*
 * util/alloc.h - the only allocation functions core code uses.
 *
 * OOM policy: small internal allocations abort with a message (hk_malloc
 * and friends never return NULL).  Allocations whose size comes from
 * outside (request bodies, HTTP responses, files, LLM output) go through
 * hk_try_malloc/hk_try_realloc, which return NULL, and through bounded
 * buffers (util/buf.h) that fail with HAWK_ETOOBIG.
 */
#ifndef HK_UTIL_ALLOC_H
#define HK_UTIL_ALLOC_H

#include <stddef.h>

/* Caller frees with hk_free().  Never returns NULL (aborts on OOM). */
void *hk_malloc(size_t n);
void *hk_calloc(size_t n, size_t size);
void *hk_realloc(void *p, size_t n);
char *hk_strdup(const char *s);
char *hk_strndup(const char *s, size_t n);
/* printf into a new string; caller frees with hk_free(). */
char *hk_asprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* May return NULL; for sizes controlled from outside. */
void *hk_try_malloc(size_t n);
void *hk_try_realloc(void *p, size_t n);

/* Accepts NULL. */
void hk_free(void *p);

#ifdef HAWK_TEST_SEAMS
/* Allocation-failure injection for torture tests (trees built with the
 * tests only).  Arms the failure of the n-th fallible allocation
 * (hk_try_malloc/hk_try_realloc, so every bounded buffer) from now on;
 * the ones before and after it succeed.  n <= 0 disarms.  Either way the
 * count restarts.  The aborting allocators (hk_malloc...) are never
 * failed: by the OOM policy above they cannot return NULL. */
void hk_alloc_fail_nth(long n);
/* Fallible allocations made since the last hk_alloc_fail_nth(). */
long hk_alloc_fallible_count(void);
#endif

/* Frees a secret after overwriting it. Accepts NULL. */
void hk_free_secret(char *s);

#endif
