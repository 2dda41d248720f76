/*
 * util/assert.h - invariants checked in debug and sanitizer builds, and
 * file-local helpers that unit tests may call.
 *
 * HK_ASSERT(cond) states what a comment used to ("caller holds w->mu",
 * "the entry is loaded"): in Debug, Asan and Tsan builds (HAWK_DEBUG) a
 * false condition logs the expression, file, line and function and
 * aborts; in release builds it compiles to nothing, so cond must have no
 * side effects.  Assertions guard programming errors only; input from
 * outside is checked with errors, never asserted.
 *
 * HK_STATIC marks a helper that is static in production but visible to
 * the unit tests when the tree is built with them (HAWK_TEST_SEAMS,
 * set when BUILD_TESTING is on).  Declare it for the tests in the
 * module's internal header inside #ifdef HAWK_TEST_SEAMS.
 */
#ifndef HK_UTIL_ASSERT_H
#define HK_UTIL_ASSERT_H

#include <pthread.h>
#include <stdbool.h>

#ifdef HAWK_DEBUG
#define HK_ASSERT(cond)                                                        \
    ((cond) ? (void)0 : hk_assert_fail(#cond, __FILE__, __LINE__, __func__))
#else
#define HK_ASSERT(cond) ((void)0)
#endif

/* Asserts that someone holds mu (a non-recursive mutex): the debug check
 * behind "caller holds ...".  It cannot tell which thread holds it. */
#define HK_ASSERT_LOCKED(mu) HK_ASSERT(hk_mutex_is_locked(mu))

#ifdef HAWK_TEST_SEAMS
#define HK_STATIC
#else
#define HK_STATIC static
#endif

/* Logs the failed assertion and aborts; never returns. */
_Noreturn void hk_assert_fail(const char *expr, const char *file, int line,
                              const char *func);

/* True when mu is locked (by any thread).  Debug checks only: it briefly
 * takes the mutex when it is free. */
bool hk_mutex_is_locked(pthread_mutex_t *mu);

#endif
