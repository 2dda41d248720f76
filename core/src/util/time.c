/*
 * util/time.c - clocks and time formatting.
 */
#include "util/time.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hawk/plugin.h"

int64_t hk_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t hk_mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t hk_wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void hk_time_rfc3339(int64_t epoch_ms, char *out, size_t out_size)
{
    time_t secs = (time_t)(epoch_ms / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    snprintf(out, out_size, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
             tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
             tm.tm_min, tm.tm_sec, (int)(epoch_ms % 1000));
}

void hk_sleep_ms(int64_t ms)
{
    struct timespec ts = {.tv_sec = ms / 1000,
                          .tv_nsec = (long)(ms % 1000) * 1000000};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* Splits "123unit" into number and suffix; the number may not be empty. */
static int split_num(const char *s, double *num, const char **suffix)
{
    if (s == NULL || *s == '\0')
        return HAWK_EINVAL;
    char *end = NULL;
    errno = 0;
    double v = strtod(s, &end);
    if (errno != 0 || end == s || v < 0)
        return HAWK_EINVAL;
    while (*end == ' ')
        end++;
    *num = v;
    *suffix = end;
    return 0;
}

int hk_parse_duration_ms(const char *s, int64_t *out_ms)
{
    double v;
    const char *u;
    if (split_num(s, &v, &u) < 0)
        return HAWK_EINVAL;
    double mult;
    if (*u == '\0' || strcmp(u, "s") == 0)
        mult = 1000;
    else if (strcmp(u, "ms") == 0)
        mult = 1;
    else if (strcmp(u, "m") == 0 || strcmp(u, "min") == 0)
        mult = 60000;
    else if (strcmp(u, "h") == 0)
        mult = 3600000;
    else if (strcmp(u, "d") == 0)
        mult = 86400000;
    else
        return HAWK_EINVAL;
    double r = v * mult;
    if (r > 9.2e18)
        return HAWK_EINVAL;
    *out_ms = (int64_t)r;
    return 0;
}

int hk_parse_size(const char *s, int64_t *out)
{
    double v;
    const char *u;
    if (split_num(s, &v, &u) < 0)
        return HAWK_EINVAL;
    double mult;
    if (*u == '\0' || strcmp(u, "B") == 0)
        mult = 1;
    else if (strcmp(u, "k") == 0 || strcmp(u, "K") == 0 ||
             strcmp(u, "KiB") == 0 || strcmp(u, "kB") == 0)
        mult = 1024.0;
    else if (strcmp(u, "M") == 0 || strcmp(u, "MiB") == 0 ||
             strcmp(u, "MB") == 0)
        mult = 1024.0 * 1024;
    else if (strcmp(u, "G") == 0 || strcmp(u, "GiB") == 0 ||
             strcmp(u, "GB") == 0)
        mult = 1024.0 * 1024 * 1024;
    else
        return HAWK_EINVAL;
    double r = v * mult;
    if (r > 9.2e18)
        return HAWK_EINVAL;
    *out = (int64_t)r;
    return 0;
}

static int digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return HAWK_EINVAL;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

/* See time.h. */
int hk_parse_time(const char *s, int64_t *out)
{
    struct tm tm;
    int y, mo, d, h = 0, mi = 0, se = 0, off = 0;
    size_t n = strlen(s);
    memset(&tm, 0, sizeof(tm));
    if (n < 10 || s[4] != '-' || s[7] != '-' || digits(s, 4, &y) < 0 ||
        digits(s + 5, 2, &mo) < 0 || digits(s + 8, 2, &d) < 0)
        return HAWK_EINVAL;
    const char *p = s + 10;
    if (*p == 'T' || *p == 't' || *p == ' ') {
        if (strlen(p) < 9 || p[3] != ':' || p[6] != ':' ||
            digits(p + 1, 2, &h) < 0 || digits(p + 4, 2, &mi) < 0 ||
            digits(p + 7, 2, &se) < 0)
            return HAWK_EINVAL;
        p += 9;
        if (*p == '.') {
            p++;
            if (*p < '0' || *p > '9')
                return HAWK_EINVAL;
            while (*p >= '0' && *p <= '9')
                p++;
        }
        if (*p == 'Z' || *p == 'z') {
            p++;
        } else if (*p == '+' || *p == '-') {
            int oh, om;
            if (strlen(p) != 6 || p[3] != ':' || digits(p + 1, 2, &oh) < 0 ||
                digits(p + 4, 2, &om) < 0 || oh > 23 || om > 59)
                return HAWK_EINVAL;
            off = (oh * 60 + om) * 60 * (*p == '-' ? -1 : 1);
            p += 6;
        } else {
            return HAWK_EINVAL;
        }
    }
    if (*p != '\0' || y < 1900 || y > 9999 || mo < 1 || mo > 12 || d < 1 ||
        d > 31 || h > 23 || mi > 59 || se > 60)
        return HAWK_EINVAL;
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = se;
    time_t t = timegm(&tm);
    /* timegm normalizes 2025-02-31 into March: refuse such dates. */
    struct tm back;
    gmtime_r(&t, &back);
    if (back.tm_mday != d || back.tm_mon != mo - 1)
        return HAWK_EINVAL;
    *out = (int64_t)t - off;
    return 0;
}
