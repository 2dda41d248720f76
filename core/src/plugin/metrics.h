/*
 * plugin/metrics.h - a small in-process metrics registry (counters and
 * gauges keyed by name + label text) rendered in the Prometheus text
 * exposition format for GET /metrics.  Used by the core directly and by
 * plugins through the host API's metric_add (which adds an
 * instance="<name>" label in front of the plugin's own labels).
 *
 * Every function is thread-safe.  Names follow Prometheus rules
 * ([a-zA-Z_:][a-zA-Z0-9_:]*); labels are the text between the braces,
 * `k="v",k2="v2"` with \\, \" and \n escapes in values, or NULL/"" for
 * none.  The registry holds at most HK_METRICS_MAX_SERIES series so a
 * label with unbounded values cannot grow memory without limit.
 */
#ifndef HK_PLUGIN_METRICS_H
#define HK_PLUGIN_METRICS_H

struct hk_buf;

#define HK_METRICS_MAX_SERIES 10000

/* Adds value (>= 0) to the counter name{labels}, creating it at 0.
 * Returns 0, HAWK_EINVAL (bad name/labels, negative value, or the name is
 * already a gauge) or HAWK_ETOOBIG (series limit reached). */
int hk_metrics_add(const char *name, const char *labels, double value);

/* Sets the gauge name{labels}.  Same return codes (a counter name is
 * HAWK_EINVAL). */
int hk_metrics_set(const char *name, const char *labels, double value);

/* Records one observation (seconds) in the histogram name{labels}, with
 * the buckets 1 ms .. 5 min (HK_METRICS_BUCKETS).  The name has no
 * suffix: rendering adds _bucket{le=...}, _sum and _count.  At most
 * HK_METRICS_MAX_HISTOGRAMS label sets; a lookup hashes instead of
 * scanning, so it is cheap enough for every HTTP request.  Same return
 * codes as hk_metrics_add. */
int hk_metrics_observe(const char *name, const char *labels, double seconds);
#define HK_METRICS_BUCKETS 15
#define HK_METRICS_MAX_HISTOGRAMS 2048

/* Appends every series, grouped by name with "# HELP" and "# TYPE" lines
 * and sorted, to out.  Output stops early only when out's own limit is
 * hit. */
void hk_metrics_render(struct hk_buf *out);

/* The help text rendered for a metric name (known core names have their
 * own; others a generic line).  Borrowed, static. */
const char *hk_metrics_help(const char *name);

/* Drops every series (tests, and process exit so no memory is left). */
void hk_metrics_reset(void);

#endif
