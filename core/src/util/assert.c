/*
 * util/assert.c - the failure path of HK_ASSERT (see assert.h).
 */
#include "util/assert.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

/* Writes one JSON log line to stderr (the logger itself may be what
 * broke) and aborts, so a core dump or the sanitizer shows the stack. */
_Noreturn void hk_assert_fail(const char *expr, const char *file, int line,
                              const char *func)
{
    fprintf(stderr,
            "{\"level\":\"crit\",\"msg\":\"assertion failed\","
            "\"expr\":\"%s\",\"file\":\"%s\",\"line\":%d,\"func\":\"%s\"}\n",
            expr, file, line, func);
    fflush(stderr);
    abort();
}

/* See assert.h. */
bool hk_mutex_is_locked(pthread_mutex_t *mu)
{
    int rc = pthread_mutex_trylock(mu);
    if (rc == 0) {
        pthread_mutex_unlock(mu);
        return false;
    }
    return rc == EBUSY;
}
