/*
 * util/time.h - clocks and time formatting.
 */
#ifndef HK_UTIL_TIME_H
#define HK_UTIL_TIME_H

#include <stddef.h>
#include <stdint.h>

/* Monotonic milliseconds / microseconds (for durations and deadlines). */
int64_t hk_mono_ms(void);
int64_t hk_mono_us(void);
/* Wall clock, unix epoch milliseconds. */
int64_t hk_wall_ms(void);
/* Formats epoch ms as RFC 3339 UTC with milliseconds
 * ("2026-11-29T11:07:13.123Z"); out needs 25 bytes. */
void hk_time_rfc3339(int64_t epoch_ms, char *out, size_t out_size);
/* Sleeps ms milliseconds (restarts on EINTR). */
void hk_sleep_ms(int64_t ms);
/* Parses "1500ms", "30s", "5m", "2h", "1d" or a bare number of seconds
 * into milliseconds: 0 or HAWK_EINVAL. */
int hk_parse_duration_ms(const char *s, int64_t *out_ms);
/* Parses "10MiB", "512k", "1M", "2G" or a bare number of bytes. */
int hk_parse_size(const char *s, int64_t *out);

/* Parses "YYYY-MM-DD" or an RFC 3339 date-time ("2025-01-31T10:00:00Z",
 * optional fraction, "Z" or "+hh:mm") into unix seconds; dates that do
 * not exist (2025-02-31) are refused.  0 or HAWK_EINVAL. */
int hk_parse_time(const char *s, int64_t *out);

#endif
