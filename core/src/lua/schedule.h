/*
 * lua/schedule.h - a workflow's scheduling rule: the `schedule = {...}`
 * table (cron, tz, jitter, max_per_day, quiet_hours) and/or a
 * `next_run(now)` function, validated, stored as JSON, and turned into
 * fire times.
 */
#ifndef HK_LUA_SCHEDULE_H
#define HK_LUA_SCHEDULE_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lua/lua.h"
#include "sched/cron.h"
#include "sched/tz.h"

struct hk_lua_pool;

/* Longest jitter accepted. */
#define HK_LUA_MAX_JITTER_S (6 * 3600)

struct hk_lua_schedule {
    bool has_cron;
    char cron[HK_CRON_EXPR_MAX + 1];
    struct hk_cron cronv;
    char tz[HK_TZ_NAME_MAX + 1]; /* "" means UTC */
    int64_t jitter_s;            /* 0: none */
    int max_per_day;             /* 0: no cap of the script's own */
    int quiet_start;             /* minute of day, -1: no quiet hours */
    int quiet_end;
    bool has_next_run; /* next_run(now) decides the times */
};

/* Validates the `schedule` JSON read by a CHECK run (NULL when the script
 * has none) plus whether it defines next_run.  Unknown fields, wrong
 * types, a bad cron line or time zone are errors with a message naming
 * the field ("schedule.cron: minute field '61' out of range 0-59").
 * Returns 0 or HAWK_EINVAL. */
int hk_lua_schedule_parse(json_object *sched, bool has_next_run,
                          struct hk_lua_schedule *out, char *err,
                          size_t errlen);

/* True when the workflow runs by itself (cron or next_run). */
bool hk_lua_schedule_active(const struct hk_lua_schedule *s);

/* The stored form (the fields above; caller json_object_put()s). */
json_object *hk_lua_schedule_to_json(const struct hk_lua_schedule *s);

/* Inverse of hk_lua_schedule_to_json for a stored schedule (trusted, but
 * still validated).  Returns 0 or HAWK_EINVAL. */
int hk_lua_schedule_from_json(json_object *j, struct hk_lua_schedule *out);

/* True when t falls inside the quiet hours (in the schedule's zone). */
bool hk_lua_schedule_is_quiet(const struct hk_lua_schedule *s, int64_t t);

/* The first time at or after t outside the quiet hours. */
int64_t hk_lua_schedule_unquiet(const struct hk_lua_schedule *s, int64_t t);

/* A random delay in [0, jitter_s]. */
int64_t hk_lua_schedule_jitter(const struct hk_lua_schedule *s);

/* The next n nominal fire times after `after` (epoch s; quiet hours
 * applied, jitter not).  For next_run schedules the script is run in
 * NEXT_RUN mode (source/chunkname/limits borrowed) once per time, in
 * pool's sandbox processes (NULL: in the calling thread).
 * Returns the number of times written (fewer when the rule stops firing)
 * or a negative HAWK_E* with err ("workflow:3: next_run must return a
 * time after now"). */
int hk_lua_schedule_next_times(const struct hk_lua_schedule *s,
                               const char *source, size_t source_len,
                               const char *chunkname,
                               const struct hk_lua_limits *lim,
                               struct hk_lua_pool *pool, int64_t after,
                               int64_t *out, int n, char *err, size_t errlen);

/* Formats t as ISO 8601 with the zone's offset ("2026-11-30T08:30:00+01:00")
 * into out (at least 32 bytes). */
void hk_lua_schedule_format(const struct hk_lua_schedule *s, int64_t t,
                            char *out, size_t outlen);

#endif
