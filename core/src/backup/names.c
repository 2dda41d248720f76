/*
 * backup/names.c - backup names carry their UTC start time:
 * "hawk-20261203T091500Z", with "-2", "-3", ... for a second backup
 * started in the same second.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "backup/backup_int.h"

void bk_name_for(int64_t ms, char *out, size_t n)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    snprintf(out, n, "hawk-%04d%02d%02dT%02d%02d%02dZ", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static bool bk_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
    }
    return true;
}

int64_t bk_name_time(const char *name)
{
    /* hawk-YYYYMMDDTHHMMSSZ[-N] */
    size_t len = strlen(name);
    if (len < 21 || strncmp(name, "hawk-", 5) != 0 || name[13] != 'T' ||
        name[20] != 'Z' || !bk_digits(name + 5, 8) || !bk_digits(name + 14, 6))
        return -1;
    if (len > 21 && (name[21] != '-' || len > 25 || len == 22 ||
                     !bk_digits(name + 22, len - 22)))
        return -1;
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    int v[6];
    const int off[6] = {5, 9, 11, 14, 16, 18};
    const int w[6] = {4, 2, 2, 2, 2, 2};
    for (int i = 0; i < 6; i++) {
        v[i] = 0;
        for (int k = 0; k < w[i]; k++)
            v[i] = v[i] * 10 + (name[off[i] + k] - '0');
    }
    if (v[1] < 1 || v[1] > 12 || v[2] < 1 || v[2] > 31 || v[3] > 23 ||
        v[4] > 59 || v[5] > 60 || v[0] < 1970)
        return -1;
    tm.tm_year = v[0] - 1900;
    tm.tm_mon = v[1] - 1;
    tm.tm_mday = v[2];
    tm.tm_hour = v[3];
    tm.tm_min = v[4];
    tm.tm_sec = v[5];
    return (int64_t)timegm(&tm);
}

bool bk_name_ok(const char *name)
{
    return name != NULL && strlen(name) <= HK_BACKUP_NAME_MAX &&
           bk_name_time(name) >= 0;
}

void bk_data_file(const char *name, bool encrypted, char *out, size_t n)
{
    snprintf(out, n, "%s.dump.zst%s", name, encrypted ? ".enc" : "");
}
