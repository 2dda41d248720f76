/*
 * sched/tz.h - IANA time zones read from the system tz database.
 *
 * Zones are parsed from TZif files (RFC 8536, version 2+ 64-bit data plus
 * the POSIX TZ footer rule that governs times after the last stored
 * transition) into one sorted table of UTC offsets.  No libc time zone
 * state is touched (no setenv("TZ")/tzset()), so every function here is
 * safe to call from any thread at any time.
 */
#ifndef HK_SCHED_TZ_H
#define HK_SCHED_TZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hk_tz;

/* Longest accepted zone name ("America/Argentina/ComodRivadavia" is 32). */
#define HK_TZ_NAME_MAX 64

/* Finds a zone by IANA name ("Europe/Berlin", "UTC"), loading it from
 * $TZDIR or /usr/share/zoneinfo on first use and caching it for the life
 * of the process.  *out is borrowed and stays valid until
 * hk_tz_cache_clear().  Returns 0, or HAWK_EINVAL with err filled ("unknown
 * time zone 'Mars/Base'") for a malformed or unknown name or a corrupt
 * file.  Thread-safe. */
int hk_tz_get(const char *name, const struct hk_tz **out, char *err,
              size_t errlen);

/* The zone's offset from UTC in seconds (east positive) at instant t. */
int32_t hk_tz_offset(const struct hk_tz *z, int64_t t);

/* First offset change strictly after t: true with *at set, false when the
 * offset never changes again. */
bool hk_tz_next_transition(const struct hk_tz *z, int64_t t, int64_t *at);

/* Last offset change at or before t: true with the instant and the
 * offsets before and after it, false when there is none. */
bool hk_tz_prev_transition(const struct hk_tz *z, int64_t t, int64_t *at,
                           int32_t *off_before, int32_t *off_after);

/* The zone's name; borrowed like the zone. */
const char *hk_tz_name(const struct hk_tz *z);

/* Parses TZif bytes into a new zone (not cached).  Caller frees with
 * hk_tz_free().  HAWK_EINVAL with err for malformed data. */
int hk_tz_parse_tzif(const unsigned char *data, size_t len, const char *name,
                     struct hk_tz **out, char *err, size_t errlen);

/* Builds a zone from a POSIX TZ string alone ("CET-1CEST,M3.5.0,M10.5.0/3").
 * Caller frees with hk_tz_free().  HAWK_EINVAL with err when malformed. */
int hk_tz_from_posix(const char *rule, const char *name, struct hk_tz **out,
                     char *err, size_t errlen);

/* Accepts NULL. */
void hk_tz_free(struct hk_tz *z);

/* Frees every cached zone; pointers from hk_tz_get() become invalid.  For
 * tests and orderly shutdown only: no other thread may be using a zone. */
void hk_tz_cache_clear(void);

/* Days since 1970-01-01 of a proleptic Gregorian date, and back. */
int64_t hk_days_from_civil(int64_t y, int m, int d);
void hk_civil_from_days(int64_t days, int64_t *y, int *m, int *d);

#endif
