/*
 * sched/cron.h - 5-field cron expressions and their next fire time in an
 * IANA time zone.
 *
 * Syntax: "minute hour day-of-month month day-of-week", each field a list
 * of `*`, `N`, `A-B`, with an optional `/step`; months JAN-DEC and days
 * SUN-SAT by name (case-insensitive); day-of-week 0-7 (0 and 7 are
 * Sunday).  Macros: @yearly/@annually, @monthly, @weekly, @daily/@midnight,
 * @hourly.  When both day fields are restricted (neither starts with `*`),
 * a day matches if either does (classic cron).
 *
 * Daylight-saving rules (times are wall-clock times in the zone):
 *  - a wall time skipped by a spring-forward gap fires once, at the
 *    instant the gap ends (02:30 on a 02:00->03:00 day fires at 03:00);
 *  - a wall time repeated by a fall-back fires once, on its first pass;
 *  - expressions whose hour field is `*` (every hour) follow real time
 *    instead: they fire in both passes of a repeated hour and do not
 *    catch up a skipped one, so "every hour" stays one hour apart.
 */
#ifndef HK_SCHED_CRON_H
#define HK_SCHED_CRON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HK_CRON_EXPR_MAX 256

struct hk_tz;

struct hk_cron {
    uint64_t minutes; /* bit m: minute m (0-59) */
    uint32_t hours;   /* bit h: hour h (0-23) */
    uint32_t mdays;   /* bit d: day d of the month (1-31) */
    uint16_t months;  /* bit m: month m (1-12) */
    uint8_t wdays;    /* bit d: weekday d (0-6, Sunday 0) */
    bool mday_star;   /* day-of-month field started with '*' */
    bool wday_star;   /* day-of-week field started with '*' */
};

/* Parses expr into *out.  Returns 0, or HAWK_EINVAL with a message in err
 * naming the field: "expected 5 fields, got 4", "minute field '61' out of
 * range 0-59", "day-of-week field: unknown name 'FOO'". */
int hk_cron_parse(const char *expr, struct hk_cron *out, char *err,
                  size_t errlen);

/* The first fire time strictly after after_epoch_s, in seconds since the
 * epoch, for the zone named tz ("Europe/Berlin"; NULL or "" means UTC).
 * Returns 0, HAWK_EINVAL for an unknown zone, or HAWK_ENOTFOUND when the
 * expression never fires (e.g. "0 0 30 2 *").  Thread-safe. */
int hk_cron_next(const struct hk_cron *c, const char *tz, int64_t after_epoch_s,
                 int64_t *next_epoch_s);

/* Same with an already-loaded zone (borrowed). */
int hk_cron_next_tz(const struct hk_cron *c, const struct hk_tz *z,
                    int64_t after_epoch_s, int64_t *next_epoch_s);

/* Validates an expression and a zone name together, with a message for
 * the user ("unknown time zone 'X'" or the parse error). */
int hk_cron_validate(const char *expr, const char *tz, char *err,
                     size_t errlen);

#endif
