/*
 * lua/schedule.c - validating a workflow's schedule and computing its
 * fire times (cron lines through sched/cron.c, next_run() through the
 * runner), with quiet hours and jitter.
 */
#include "lua/schedule.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "hawk/plugin.h"
#include "lua/pool.h"
#include "lua/runner.h"
#include "util/alloc.h"
#include "util/str.h"
#include "util/time.h"

/* Upper bound on cron fire times skipped for falling in quiet hours. */
#define MAX_QUIET_SKIPS 20000

static const char *const sched_fields[] = {
    "cron", "tz", "jitter", "max_per_day", "quiet_hours", NULL};

static int fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return HAWK_EINVAL;
}

/* "HH:MM" -> minute of day, or -1. */
static int parse_hhmm(const char *s)
{
    if (strlen(s) != 5 || s[2] != ':')
        return -1;
    for (int i = 0; i < 5; i++)
        if (i != 2 && (s[i] < '0' || s[i] > '9'))
            return -1;
    int h = (s[0] - '0') * 10 + (s[1] - '0');
    int m = (s[3] - '0') * 10 + (s[4] - '0');
    if (h > 23 || m > 59)
        return -1;
    return h * 60 + m;
}

static int check_unknown(json_object *sched, char *err, size_t errlen)
{
    json_object_object_foreach(sched, key, val)
    {
        (void)val;
        const char *best = NULL;
        unsigned best_d = 3;
        bool known = false;
        for (size_t i = 0; sched_fields[i] != NULL; i++) {
            if (strcmp(key, sched_fields[i]) == 0) {
                known = true;
                break;
            }
            unsigned d = hk_str_distance(key, sched_fields[i]);
            if (d < best_d) {
                best_d = d;
                best = sched_fields[i];
            }
        }
        if (!known) {
            if (best != NULL)
                return fail(err, errlen,
                            "schedule: unknown field '%s' (did you mean "
                            "'%s'?)",
                            key, best);
            return fail(err, errlen, "schedule: unknown field '%s'", key);
        }
    }
    return 0;
}

static int parse_jitter(json_object *v, int64_t *out, char *err, size_t errlen)
{
    int64_t s = 0;
    if (json_object_is_type(v, json_type_int)) {
        s = json_object_get_int64(v);
    } else if (json_object_is_type(v, json_type_string)) {
        int64_t ms = 0;
        if (hk_parse_duration_ms(json_object_get_string(v), &ms) < 0)
            return fail(err, errlen,
                        "schedule.jitter: '%s' is not a duration (use "
                        "\"15m\", \"2h\" or seconds)",
                        json_object_get_string(v));
        s = ms / 1000;
    } else {
        return fail(err, errlen,
                    "schedule.jitter must be a duration "
                    "string or a number of seconds");
    }
    if (s < 0 || s > HK_LUA_MAX_JITTER_S)
        return fail(err, errlen, "schedule.jitter must be between 0 and 6h");
    *out = s;
    return 0;
}

static int parse_quiet(json_object *v, struct hk_lua_schedule *out, char *err,
                       size_t errlen)
{
    if (!json_object_is_type(v, json_type_array) ||
        json_object_array_length(v) != 2)
        return fail(err, errlen,
                    "schedule.quiet_hours must be a list of "
                    "two times, e.g. {\"22:00\", \"07:00\"}");
    int t[2];
    for (size_t i = 0; i < 2; i++) {
        json_object *e = json_object_array_get_idx(v, i);
        t[i] = json_object_is_type(e, json_type_string)
                   ? parse_hhmm(json_object_get_string(e))
                   : -1;
        if (t[i] < 0)
            return fail(err, errlen,
                        "schedule.quiet_hours[%zu] must be a time \"HH:MM\"",
                        i + 1);
    }
    if (t[0] == t[1])
        return fail(err, errlen,
                    "schedule.quiet_hours: start and end are the same time");
    out->quiet_start = t[0];
    out->quiet_end = t[1];
    return 0;
}

/* See lua/schedule.h. */
int hk_lua_schedule_parse(json_object *sched, bool has_next_run,
                          struct hk_lua_schedule *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    out->quiet_start = -1;
    out->quiet_end = -1;
    out->has_next_run = has_next_run;
    if (sched == NULL)
        return 0;
    if (!json_object_is_type(sched, json_type_object))
        return fail(err, errlen, "schedule must be a table of fields");
    int rc = check_unknown(sched, err, errlen);
    if (rc < 0)
        return rc;
    json_object *v = NULL;
    if (json_object_object_get_ex(sched, "tz", &v)) {
        if (!json_object_is_type(v, json_type_string))
            return fail(err, errlen,
                        "schedule.tz must be a time zone name "
                        "such as \"Europe/Berlin\"");
        const struct hk_tz *z = NULL;
        char zerr[160];
        if (hk_tz_get(json_object_get_string(v), &z, zerr, sizeof(zerr)) < 0)
            return fail(err, errlen, "schedule.tz: %s", zerr);
        hk_strlcpy(out->tz, json_object_get_string(v), sizeof(out->tz));
    }
    if (json_object_object_get_ex(sched, "cron", &v)) {
        if (!json_object_is_type(v, json_type_string))
            return fail(err, errlen,
                        "schedule.cron must be a cron line such "
                        "as \"30 8 * * 1-5\"");
        char cerr[160];
        const char *expr = json_object_get_string(v);
        if (strlen(expr) > HK_CRON_EXPR_MAX ||
            hk_cron_parse(expr, &out->cronv, cerr, sizeof(cerr)) < 0)
            return fail(err, errlen, "schedule.cron: %s",
                        strlen(expr) > HK_CRON_EXPR_MAX ? "too long" : cerr);
        hk_strlcpy(out->cron, expr, sizeof(out->cron));
        out->has_cron = true;
        int64_t probe = 0;
        if (hk_cron_next(&out->cronv, out->tz, hk_wall_ms() / 1000, &probe) ==
            HAWK_ENOTFOUND)
            return fail(err, errlen, "schedule.cron: '%s' never fires", expr);
    }
    if (json_object_object_get_ex(sched, "jitter", &v)) {
        rc = parse_jitter(v, &out->jitter_s, err, errlen);
        if (rc < 0)
            return rc;
    }
    if (json_object_object_get_ex(sched, "max_per_day", &v)) {
        int64_t n = json_object_get_int64(v);
        if (!json_object_is_type(v, json_type_int) || n < 1 || n > 1000)
            return fail(err, errlen,
                        "schedule.max_per_day must be an integer from 1 to "
                        "1000");
        out->max_per_day = (int)n;
    }
    if (json_object_object_get_ex(sched, "quiet_hours", &v)) {
        rc = parse_quiet(v, out, err, errlen);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* See lua/schedule.h. */
bool hk_lua_schedule_active(const struct hk_lua_schedule *s)
{
    return s->has_cron || s->has_next_run;
}

/* See lua/schedule.h. */
json_object *hk_lua_schedule_to_json(const struct hk_lua_schedule *s)
{
    json_object *j = json_object_new_object();
    if (s->has_cron)
        json_object_object_add(j, "cron", json_object_new_string(s->cron));
    if (s->tz[0] != '\0')
        json_object_object_add(j, "tz", json_object_new_string(s->tz));
    if (s->jitter_s > 0)
        json_object_object_add(j, "jitter", json_object_new_int64(s->jitter_s));
    if (s->max_per_day > 0)
        json_object_object_add(j, "max_per_day",
                               json_object_new_int(s->max_per_day));
    if (s->quiet_start >= 0) {
        char a[32], b[32];
        snprintf(a, sizeof(a), "%02d:%02d", s->quiet_start / 60,
                 s->quiet_start % 60);
        snprintf(b, sizeof(b), "%02d:%02d", s->quiet_end / 60,
                 s->quiet_end % 60);
        json_object *q = json_object_new_array();
        json_object_array_add(q, json_object_new_string(a));
        json_object_array_add(q, json_object_new_string(b));
        json_object_object_add(j, "quiet_hours", q);
    }
    json_object_object_add(j, "next_run_function",
                           json_object_new_boolean(s->has_next_run));
    return j;
}

/* See lua/schedule.h. */
int hk_lua_schedule_from_json(json_object *j, struct hk_lua_schedule *out)
{
    char err[256];
    json_object *copy = NULL;
    bool nr = false;
    json_object *v = NULL;
    if (j == NULL || !json_object_is_type(j, json_type_object))
        return hk_lua_schedule_parse(NULL, false, out, err, sizeof(err));
    if (json_object_object_get_ex(j, "next_run_function", &v))
        nr = json_object_get_boolean(v);
    if (json_object_deep_copy(j, &copy, NULL) != 0)
        return HAWK_EINVAL;
    json_object_object_del(copy, "next_run_function");
    int rc = hk_lua_schedule_parse(copy, nr, out, err, sizeof(err));
    json_object_put(copy);
    return rc;
}

static const struct hk_tz *zone(const struct hk_lua_schedule *s)
{
    const struct hk_tz *z = NULL;
    char err[128];
    if (hk_tz_get(s->tz[0] != '\0' ? s->tz : "UTC", &z, err, sizeof(err)) < 0)
        return NULL;
    return z;
}

static int64_t local_seconds(const struct hk_lua_schedule *s, int64_t t)
{
    const struct hk_tz *z = zone(s);
    return t + (z != NULL ? hk_tz_offset(z, t) : 0);
}

static int minute_of_day(const struct hk_lua_schedule *s, int64_t t)
{
    int64_t l = local_seconds(s, t);
    int64_t d = ((l % 86400) + 86400) % 86400;
    return (int)(d / 60);
}

/* See lua/schedule.h. */
bool hk_lua_schedule_is_quiet(const struct hk_lua_schedule *s, int64_t t)
{
    if (s->quiet_start < 0)
        return false;
    int m = minute_of_day(s, t);
    if (s->quiet_start < s->quiet_end)
        return m >= s->quiet_start && m < s->quiet_end;
    return m >= s->quiet_start || m < s->quiet_end;
}

/* See lua/schedule.h. */
int64_t hk_lua_schedule_unquiet(const struct hk_lua_schedule *s, int64_t t)
{
    if (!hk_lua_schedule_is_quiet(s, t))
        return t;
    int m = minute_of_day(s, t);
    int64_t into_minute = ((local_seconds(s, t) % 60) + 60) % 60;
    int64_t c =
        t - into_minute + (int64_t)((s->quiet_end - m + 1440) % 1440) * 60;
    /* Offset changes inside the window can leave c an hour off. */
    for (int i = 0; i < 1440 && hk_lua_schedule_is_quiet(s, c); i++)
        c += 60;
    return c;
}

/* See lua/schedule.h. */
int64_t hk_lua_schedule_jitter(const struct hk_lua_schedule *s)
{
    if (s->jitter_s <= 0)
        return 0;
    uint64_t r = 0;
    if (hk_random_bytes(&r, sizeof(r)) < 0)
        return 0;
    return (int64_t)(r % (uint64_t)(s->jitter_s + 1));
}

static int next_by_script(const struct hk_lua_schedule *s, const char *source,
                          size_t source_len, const char *chunkname,
                          const struct hk_lua_limits *lim,
                          struct hk_lua_pool *pool, int64_t after,
                          int64_t *next, bool *none, char *err, size_t errlen)
{
    (void)s;
    struct hk_lua_job job = {.mode = HK_LUA_MODE_NEXT_RUN,
                             .source = source,
                             .source_len = source_len,
                             .chunkname = chunkname,
                             .limits = *lim,
                             .now = after};
    struct hk_lua_result res;
    int rc = hk_lua_exec(pool, &job, NULL, &res);
    if (rc == 0 && res.status != HK_LUA_OK) {
        hk_strlcpy(err, res.error, errlen);
        rc = HAWK_EINVAL;
    } else if (rc == 0 && res.next_run_set && res.next_run <= after) {
        fail(err, errlen, "%s: next_run must return a time after now",
             chunkname);
        rc = HAWK_EINVAL;
    } else if (rc == 0) {
        *none = !res.next_run_set;
        *next = res.next_run;
    } else {
        hk_strlcpy(err, "cannot run next_run()", errlen);
    }
    hk_lua_result_clear(&res);
    return rc;
}

/* See lua/schedule.h. */
int hk_lua_schedule_next_times(const struct hk_lua_schedule *s,
                               const char *source, size_t source_len,
                               const char *chunkname,
                               const struct hk_lua_limits *lim,
                               struct hk_lua_pool *pool, int64_t after,
                               int64_t *out, int n, char *err, size_t errlen)
{
    int got = 0;
    int64_t t = after;
    int skips = 0;
    while (got < n) {
        int64_t nx = 0;
        if (s->has_next_run) {
            bool none = false;
            int rc = next_by_script(s, source, source_len, chunkname, lim, pool,
                                    t, &nx, &none, err, errlen);
            if (rc < 0)
                return rc;
            if (none)
                break;
            nx = hk_lua_schedule_unquiet(s, nx);
        } else if (s->has_cron) {
            int rc = hk_cron_next(&s->cronv, s->tz, t, &nx);
            if (rc == HAWK_ENOTFOUND)
                break;
            if (rc < 0)
                return fail(err, errlen,
                            "schedule.cron: cannot compute the "
                            "next time");
            if (hk_lua_schedule_is_quiet(s, nx)) {
                if (++skips > MAX_QUIET_SKIPS)
                    break;
                t = nx;
                continue;
            }
        } else {
            break;
        }
        out[got++] = nx;
        t = nx;
    }
    return got;
}

/* See lua/schedule.h. */
void hk_lua_schedule_format(const struct hk_lua_schedule *s, int64_t t,
                            char *out, size_t outlen)
{
    const struct hk_tz *z = zone(s);
    int32_t off = z != NULL ? hk_tz_offset(z, t) : 0;
    int64_t l = t + off;
    int64_t days = l >= 0 ? l / 86400 : -((-l + 86399) / 86400);
    int64_t secs = l - days * 86400;
    int64_t y;
    int m, d;
    hk_civil_from_days(days, &y, &m, &d);
    int aoff = off < 0 ? -off : off;
    snprintf(out, outlen, "%04lld-%02d-%02dT%02d:%02d:%02d%c%02d:%02d",
             (long long)y, m, d, (int)(secs / 3600), (int)(secs / 60 % 60),
             (int)(secs % 60), off < 0 ? '-' : '+', aoff / 3600,
             aoff / 60 % 60);
}
