/*
 * plugin/metrics.c - counters and gauges rendered as Prometheus text.
 *
 * Counters and gauges: a flat array under one mutex (the series count is
 * bounded and updates are rare next to the work they count, an LLM call).
 * Histograms: an open-addressing hash table, so the HTTP server can
 * observe every request without scanning.
 */
#include "plugin/metrics.h"

#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hawk/plugin.h"
#include "util/alloc.h"
#include "util/buf.h"

#define NAME_MAX_LEN 200
#define LABELS_MAX_LEN 1024

struct series {
    char *name;
    char *labels; /* "" when none */
    double value;
    bool gauge;
};

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static struct series *g_series;
static size_t g_n, g_cap;

/* Upper bounds in seconds; +Inf is implied. */
static const double g_bounds[HK_METRICS_BUCKETS] = {
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
    0.5,   1,      2.5,   5,    10,    60,   300};

struct hist {
    char *name; /* NULL: free slot */
    char *labels;
    uint64_t hash;
    uint64_t counts[HK_METRICS_BUCKETS + 1]; /* per bucket, last is +Inf */
    double sum;
};

#define HIST_SLOTS (HK_METRICS_MAX_HISTOGRAMS * 2)
static struct hist *g_hist; /* HIST_SLOTS entries, allocated on first use */
static size_t g_n_hist;

/* Help texts of the core's own metrics (plugins' get a generic line). */
static const struct {
    const char *name, *help;
} g_help[] = {
    {"hawk_http_request_duration_seconds",
     "HTTP request latency by method, route template and status."},
    {"hawk_queue_job_duration_seconds",
     "Queue job run time by kind and outcome."},
    {"hawk_queue_jobs", "Queue jobs by kind and state (at scrape time)."},
    {"hawk_lua_sandbox_started_total",
     "Workflow sandbox processes started (hawk-sandbox)."},
    {"hawk_lua_sandbox_stopped_total",
     "Workflow runs whose sandbox process was stopped or died, by reason."},
    {"hawk_lua_sandbox_busy", "Workflow sandbox processes running a job."},
    {"hawk_queue_workers", "Queue worker threads of this process."},
    {"hawk_queue_workers_busy",
     "Queue worker threads running a job (utilization = busy / workers)."},
    {"hawk_scheduler_lag_seconds",
     "Delay between a schedule's due time and its enqueue, last firing."},
    {"hawk_plugin_calls_total", "Plugin calls by plugin, operation, status."},
    {"hawk_plugin_call_seconds_total", "Time spent in plugin calls."},
    {"hawk_plugin_call_duration_seconds", "Plugin call latency by plugin."},
    {"hawk_llm_calls_total", "LLM calls by plugin, model and status."},
    {"hawk_llm_prompt_tokens_total", "LLM prompt tokens."},
    {"hawk_llm_completion_tokens_total", "LLM completion tokens."},
    {"hawk_llm_cost_usd_total", "LLM cost in US dollars."},
    {"hawk_llm_retries_total", "LLM call retries."},
    {"hawk_applications", "Applications by status and board (at scrape)."},
    {"hawk_application_submissions_total", "Application submissions."},
    {"hawk_alerts_sent_total", "Alert mails queued, by level."},
    {"hawk_alerts_suppressed_total",
     "Alerts not mailed: duplicates within the window or over the rate."},
};

const char *hk_metrics_help(const char *name)
{
    for (size_t i = 0; i < sizeof(g_help) / sizeof(g_help[0]); i++)
        if (strcmp(g_help[i].name, name) == 0)
            return g_help[i].help;
    return "Counted by a hawk module or plugin (see its documentation).";
}

static bool valid_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > NAME_MAX_LEN)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                  c == '_' || c == ':' || (i > 0 && c >= '0' && c <= '9');
        if (!ok)
            return false;
    }
    return true;
}

/* k="v"(,k="v")* with Prometheus escapes in values. */
static bool valid_labels(const char *s)
{
    if (strlen(s) > LABELS_MAX_LEN)
        return false;
    const char *p = s;
    while (*p != '\0') {
        const char *k = p;
        while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
               *p == '_' || (p > k && *p >= '0' && *p <= '9'))
            p++;
        if (p == k || p[0] != '=' || p[1] != '"')
            return false;
        p += 2;
        while (*p != '"') {
            if (*p == '\0' || *p == '\n')
                return false;
            if (*p == '\\') {
                if (p[1] != '\\' && p[1] != '"' && p[1] != 'n')
                    return false;
                p++;
            }
            p++;
        }
        p++;
        if (*p == ',')
            p++;
        else if (*p != '\0')
            return false;
    }
    return true;
}

static int update(const char *name, const char *labels, double value,
                  bool gauge)
{
    if (labels == NULL)
        labels = "";
    if (name == NULL || !valid_name(name) || !valid_labels(labels) ||
        isnan(value) || (!gauge && value < 0))
        return HAWK_EINVAL;
    int rc = 0;
    pthread_mutex_lock(&g_lock);
    struct series *hit = NULL;
    for (size_t i = 0; i < g_n; i++) {
        struct series *s = &g_series[i];
        if (strcmp(s->name, name) != 0)
            continue;
        if (s->gauge != gauge) {
            rc = HAWK_EINVAL;
            goto out;
        }
        if (strcmp(s->labels, labels) == 0) {
            hit = s;
            break;
        }
    }
    if (hit == NULL) {
        if (g_n >= HK_METRICS_MAX_SERIES) {
            rc = HAWK_ETOOBIG;
            goto out;
        }
        if (g_n == g_cap) {
            g_cap = g_cap ? g_cap * 2 : 32;
            g_series = hk_realloc(g_series, g_cap * sizeof(*g_series));
        }
        hit = &g_series[g_n++];
        hit->name = hk_strdup(name);
        hit->labels = hk_strdup(labels);
        hit->value = 0;
        hit->gauge = gauge;
    }
    if (gauge)
        hit->value = value;
    else
        hit->value += value;
out:
    pthread_mutex_unlock(&g_lock);
    return rc;
}

/* See metrics.h. */
int hk_metrics_add(const char *name, const char *labels, double value)
{
    return update(name, labels, value, false);
}

/* See metrics.h. */
int hk_metrics_set(const char *name, const char *labels, double value)
{
    return update(name, labels, value, true);
}

/* FNV-1a over name, NUL, labels. */
static uint64_t hist_hash(const char *name, const char *labels)
{
    uint64_t h = 1469598103934665603ull;
    for (const char *p = name; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ull;
    h = (h ^ 0xffu) * 1099511628211ull;
    for (const char *p = labels; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ull;
    return h;
}

/* See metrics.h. */
int hk_metrics_observe(const char *name, const char *labels, double seconds)
{
    if (labels == NULL)
        labels = "";
    if (name == NULL || !valid_name(name) || !valid_labels(labels) ||
        isnan(seconds) || seconds < 0)
        return HAWK_EINVAL;
    uint64_t h = hist_hash(name, labels);
    int rc = 0;
    pthread_mutex_lock(&g_lock);
    if (g_hist == NULL)
        g_hist = hk_calloc(HIST_SLOTS, sizeof(*g_hist));
    size_t i = (size_t)(h % HIST_SLOTS);
    struct hist *e = NULL;
    for (size_t probe = 0; probe < HIST_SLOTS; probe++) {
        struct hist *t = &g_hist[(i + probe) % HIST_SLOTS];
        if (t->name == NULL) {
            if (g_n_hist >= HK_METRICS_MAX_HISTOGRAMS) {
                rc = HAWK_ETOOBIG;
                goto out;
            }
            t->name = hk_strdup(name);
            t->labels = hk_strdup(labels);
            t->hash = h;
            g_n_hist++;
            e = t;
            break;
        }
        if (t->hash == h && strcmp(t->name, name) == 0 &&
            strcmp(t->labels, labels) == 0) {
            e = t;
            break;
        }
    }
    if (e == NULL) {
        rc = HAWK_ETOOBIG;
        goto out;
    }
    size_t b = 0;
    while (b < HK_METRICS_BUCKETS && seconds > g_bounds[b])
        b++;
    e->counts[b]++;
    e->sum += seconds;
out:
    pthread_mutex_unlock(&g_lock);
    return rc;
}

static int cmp_hist(const void *a, const void *b)
{
    const struct hist *x = *(const struct hist *const *)a;
    const struct hist *y = *(const struct hist *const *)b;
    int c = strcmp(x->name, y->name);
    return c != 0 ? c : strcmp(x->labels, y->labels);
}

/* Renders the histograms (called with g_lock held). */
static int render_hist(struct hk_buf *out)
{
    if (g_n_hist == 0)
        return 0;
    const struct hist **v = hk_calloc(g_n_hist, sizeof(*v));
    size_t n = 0;
    for (size_t i = 0; i < HIST_SLOTS; i++)
        if (g_hist[i].name != NULL)
            v[n++] = &g_hist[i];
    qsort(v, n, sizeof(*v), cmp_hist);
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        const struct hist *e = v[i];
        const char *sep = e->labels[0] != '\0' ? "," : "";
        if (i == 0 || strcmp(v[i - 1]->name, e->name) != 0)
            rc = hk_buf_printf(out, "# HELP %s %s\n# TYPE %s histogram\n",
                               e->name, hk_metrics_help(e->name), e->name);
        uint64_t cum = 0;
        for (size_t b = 0; b <= HK_METRICS_BUCKETS && rc == 0; b++) {
            cum += e->counts[b];
            if (b < HK_METRICS_BUCKETS)
                rc = hk_buf_printf(out, "%s_bucket{%s%sle=\"%g\"} %llu\n",
                                   e->name, e->labels, sep, g_bounds[b],
                                   (unsigned long long)cum);
            else
                rc = hk_buf_printf(out, "%s_bucket{%s%sle=\"+Inf\"} %llu\n",
                                   e->name, e->labels, sep,
                                   (unsigned long long)cum);
        }
        if (rc == 0)
            rc =
                e->labels[0] != '\0'
                    ? hk_buf_printf(out, "%s_sum{%s} %.9g\n%s_count{%s} %llu\n",
                                    e->name, e->labels, e->sum, e->name,
                                    e->labels, (unsigned long long)cum)
                    : hk_buf_printf(out, "%s_sum %.9g\n%s_count %llu\n",
                                    e->name, e->sum, e->name,
                                    (unsigned long long)cum);
    }
    hk_free(v);
    return rc;
}

static int cmp_series(const void *a, const void *b)
{
    const struct series *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c != 0 ? c : strcmp(x->labels, y->labels);
}

static int put_value(struct hk_buf *out, double v)
{
    if (isinf(v))
        return hk_buf_puts(out, v > 0 ? "+Inf" : "-Inf");
    if (v == floor(v) && fabs(v) < 1e15)
        return hk_buf_printf(out, "%.0f", v);
    return hk_buf_printf(out, "%.17g", v);
}

/* See metrics.h. */
void hk_metrics_render(struct hk_buf *out)
{
    pthread_mutex_lock(&g_lock);
    size_t n = g_n;
    struct series *copy = hk_calloc(n + 1, sizeof(*copy));
    if (n > 0)
        memcpy(copy, g_series, n * sizeof(*copy));
    qsort(copy, n, sizeof(*copy), cmp_series);
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        const struct series *s = &copy[i];
        if (i == 0 || strcmp(copy[i - 1].name, s->name) != 0)
            rc = hk_buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", s->name,
                               hk_metrics_help(s->name), s->name,
                               s->gauge ? "gauge" : "counter");
        if (rc == 0)
            rc = s->labels[0] != '\0'
                     ? hk_buf_printf(out, "%s{%s} ", s->name, s->labels)
                     : hk_buf_printf(out, "%s ", s->name);
        if (rc == 0)
            rc = put_value(out, s->value);
        if (rc == 0)
            rc = hk_buf_putc(out, '\n');
    }
    if (rc == 0)
        rc = render_hist(out);
    /* Strings stay owned by g_series: render under the lock. */
    pthread_mutex_unlock(&g_lock);
    hk_free(copy);
}

/* See metrics.h. */
void hk_metrics_reset(void)
{
    pthread_mutex_lock(&g_lock);
    for (size_t i = 0; i < g_n; i++) {
        hk_free(g_series[i].name);
        hk_free(g_series[i].labels);
    }
    hk_free(g_series);
    g_series = NULL;
    g_n = g_cap = 0;
    if (g_hist != NULL) {
        for (size_t i = 0; i < HIST_SLOTS; i++) {
            hk_free(g_hist[i].name);
            hk_free(g_hist[i].labels);
        }
        hk_free(g_hist);
        g_hist = NULL;
    }
    g_n_hist = 0;
    pthread_mutex_unlock(&g_lock);
}
