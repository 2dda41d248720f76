/*
 * plugin/metrics.c - counters and gauges rendered as Prometheus text.
 *
 * A flat array under one mutex: the series count is bounded and updates
 * are rare next to the work they count (an HTTP request, an LLM call).
 */
#include "plugin/metrics.h"

#include <math.h>
#include <pthread.h>
#include <stdbool.h>
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
            rc = hk_buf_printf(out, "# TYPE %s %s\n", s->name,
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
    pthread_mutex_unlock(&g_lock);
}
