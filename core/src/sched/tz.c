/*
 * sched/tz.c - TZif (RFC 8536) and POSIX TZ rule parsing into a table of
 * UTC offsets.
 *
 * Why not localtime_r()/mktime() with setenv("TZ"): the TZ variable is
 * process-global, so switching it per computation races with every other
 * thread that formats a time (the logger, libpq, curl), and mktime()'s
 * answer for a wall time that does not exist or exists twice differs
 * between libcs.  Reading the zone files ourselves gives one immutable,
 * shareable table per zone and exact control over the DST edge cases.
 *
 * A zone is the offset before its first transition plus a sorted list of
 * (instant, offset after) pairs: the file's own transitions, then the
 * footer rule expanded year by year up to HK_TZ_RULE_LAST_YEAR.
 */
#include "sched/tz.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hawk/plugin.h"
#include "util/alloc.h"
#include "util/str.h"

/* The footer rule is expanded up to this year; later instants keep the
 * last offset.  Schedules are never computed that far ahead. */
#define HK_TZ_RULE_LAST_YEAR 2200
#define HK_TZ_MAX_FILE (1024 * 1024)
#define HK_TZ_MAX_COUNT 100000u

struct hk_tz {
    char name[HK_TZ_NAME_MAX + 1];
    int32_t initial_off;
    size_t n;
    int64_t *at;        /* transition instants, strictly increasing */
    int32_t *off;       /* offset in effect from at[i] on */
    struct hk_tz *next; /* cache chain */
};

static pthread_mutex_t tz_cache_mu = PTHREAD_MUTEX_INITIALIZER;
static struct hk_tz *tz_cache;

static void set_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    if (err == NULL || errlen == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* ---- civil calendar (H. Hinnant's algorithms) ---- */

/* Day number (days since 1970-01-01) of a proleptic Gregorian date. */
int64_t hk_days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t mp = (m + 9) % 12;
    int64_t doy = (153 * mp + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* The proleptic Gregorian date of a day number (days since 1970-01-01). */
void hk_civil_from_days(int64_t days, int64_t *y, int *m, int *d)
{
    days += 719468;
    int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    int64_t doe = days - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0)))
        q--;
    return q;
}

static bool is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int month_days(int64_t y, int m)
{
    static const int md[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : md[m - 1];
}

/* ---- the transition table ---- */

/* Appends a transition unless it changes nothing; keeps `at` increasing. */
static void tz_push(struct hk_tz *z, size_t *cap, int64_t at, int32_t off)
{
    int32_t cur = z->n > 0 ? z->off[z->n - 1] : z->initial_off;
    if (off == cur)
        return;
    if (z->n > 0 && at <= z->at[z->n - 1]) {
        /* Two changes at one instant: the later one wins. */
        z->off[z->n - 1] = off;
        int32_t prev = z->n > 1 ? z->off[z->n - 2] : z->initial_off;
        if (prev == off)
            z->n--;
        return;
    }
    if (z->n == *cap) {
        *cap = *cap ? *cap * 2 : 64;
        z->at = hk_realloc(z->at, *cap * sizeof(*z->at));
        z->off = hk_realloc(z->off, *cap * sizeof(*z->off));
    }
    z->at[z->n] = at;
    z->off[z->n] = off;
    z->n++;
}

/* ---- POSIX TZ rules ("CET-1CEST,M3.5.0,M10.5.0/3") ---- */

enum rule_kind { RULE_JULIAN1 = 1, RULE_JULIAN0, RULE_MWD };

struct tz_rule {
    enum rule_kind kind;
    int day;      /* J: 1..365; n: 0..365 */
    int month;    /* M: 1..12 */
    int week;     /* M: 1..5 */
    int wday;     /* M: 0..6, Sunday 0 */
    int32_t time; /* seconds after local midnight, may be negative */
};

struct tz_posix {
    int32_t std_off; /* east positive */
    int32_t dst_off;
    bool has_dst;
    struct tz_rule start, end;
};

static bool parse_num(const char **p, int min, int max, int *out)
{
    const char *s = *p;
    int v = 0;
    int digits = 0;
    while (*s >= '0' && *s <= '9' && digits < 4) {
        v = v * 10 + (*s - '0');
        s++;
        digits++;
    }
    if (digits == 0 || v < min || v > max)
        return false;
    *p = s;
    *out = v;
    return true;
}

static bool parse_abbr(const char **p)
{
    const char *s = *p;
    if (*s == '<') {
        s++;
        const char *b = s;
        while (*s != '\0' && *s != '>')
            s++;
        if (*s != '>' || s - b < 1)
            return false;
        *p = s + 1;
        return true;
    }
    const char *b = s;
    while ((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z'))
        s++;
    if (s - b < 3)
        return false;
    *p = s;
    return true;
}

/* [+-]hh[:mm[:ss]] into seconds (sign as written). */
static bool parse_hms(const char **p, int max_hours, int32_t *out)
{
    const char *s = *p;
    int sign = 1;
    if (*s == '+' || *s == '-') {
        sign = *s == '-' ? -1 : 1;
        s++;
    }
    int h = 0, m = 0, sec = 0;
    if (!parse_num(&s, 0, max_hours, &h))
        return false;
    if (*s == ':') {
        s++;
        if (!parse_num(&s, 0, 59, &m))
            return false;
        if (*s == ':') {
            s++;
            if (!parse_num(&s, 0, 59, &sec))
                return false;
        }
    }
    *out = sign * (h * 3600 + m * 60 + sec);
    *p = s;
    return true;
}

static bool parse_rule(const char **p, struct tz_rule *r)
{
    const char *s = *p;
    memset(r, 0, sizeof(*r));
    if (*s == 'J') {
        s++;
        r->kind = RULE_JULIAN1;
        if (!parse_num(&s, 1, 365, &r->day))
            return false;
    } else if (*s == 'M') {
        s++;
        r->kind = RULE_MWD;
        if (!parse_num(&s, 1, 12, &r->month) || *s++ != '.' ||
            !parse_num(&s, 1, 5, &r->week) || *s++ != '.' ||
            !parse_num(&s, 0, 6, &r->wday))
            return false;
    } else {
        r->kind = RULE_JULIAN0;
        if (!parse_num(&s, 0, 365, &r->day))
            return false;
    }
    r->time = 2 * 3600;
    if (*s == '/') {
        s++;
        if (!parse_hms(&s, 167, &r->time))
            return false;
    }
    *p = s;
    return true;
}

static bool parse_posix(const char *s, struct tz_posix *tz)
{
    memset(tz, 0, sizeof(*tz));
    int32_t v;
    if (!parse_abbr(&s) || !parse_hms(&s, 24, &v))
        return false;
    tz->std_off = -v;
    if (*s == '\0')
        return true;
    if (!parse_abbr(&s))
        return false;
    tz->has_dst = true;
    tz->dst_off = tz->std_off + 3600;
    if (*s != ',' && *s != '\0') {
        if (!parse_hms(&s, 24, &v))
            return false;
        tz->dst_off = -v;
    }
    if (*s == '\0') {
        /* No rule given: POSIX leaves it to the implementation; use the
         * current US rule like glibc does. */
        s = ",M3.2.0,M11.1.0";
    }
    if (*s++ != ',' || !parse_rule(&s, &tz->start) || *s++ != ',' ||
        !parse_rule(&s, &tz->end))
        return false;
    return *s == '\0';
}

/* UTC instant of a rule's moment in year y, given the offset in effect
 * just before it. */
static int64_t rule_instant(const struct tz_rule *r, int64_t y, int32_t off)
{
    int64_t day;
    if (r->kind == RULE_JULIAN1) {
        day = hk_days_from_civil(y, 1, 1) + r->day - 1;
        if (is_leap(y) && r->day >= 60)
            day++;
    } else if (r->kind == RULE_JULIAN0) {
        day = hk_days_from_civil(y, 1, 1) + r->day;
    } else {
        int64_t first = hk_days_from_civil(y, r->month, 1);
        int wd1 = (int)(((first + 4) % 7 + 7) % 7);
        int d = 1 + (r->wday - wd1 + 7) % 7 + (r->week - 1) * 7;
        while (d > month_days(y, r->month))
            d -= 7;
        day = first + d - 1;
    }
    return day * 86400 + r->time - off;
}

struct gen_tr {
    int64_t at;
    int32_t off;
    int order; /* ties: the end of DST before the start */
};

static int gen_cmp(const void *a, const void *b)
{
    const struct gen_tr *x = a, *y = b;
    if (x->at != y->at)
        return x->at < y->at ? -1 : 1;
    return x->order - y->order;
}

/* Expands the rule for the years after the last stored transition. */
static void tz_expand_rule(struct hk_tz *z, size_t *cap,
                           const struct tz_posix *p)
{
    if (!p->has_dst) {
        /* Stored transitions already end on the fixed offset. */
        if (z->n == 0)
            z->initial_off = p->std_off;
        return;
    }
    int64_t last = z->n > 0 ? z->at[z->n - 1] : INT64_MIN;
    int64_t y0 = 1970;
    if (z->n > 0) {
        int64_t yy;
        int mm, dd;
        hk_civil_from_days(floor_div(last, 86400), &yy, &mm, &dd);
        y0 = yy;
    }
    size_t ng = (size_t)(HK_TZ_RULE_LAST_YEAR - y0 + 1) * 2;
    struct gen_tr *g = hk_calloc(ng, sizeof(*g));
    size_t k = 0;
    for (int64_t y = y0; y <= HK_TZ_RULE_LAST_YEAR; y++) {
        g[k++] = (struct gen_tr){rule_instant(&p->start, y, p->std_off),
                                 p->dst_off, 1};
        g[k++] = (struct gen_tr){rule_instant(&p->end, y, p->dst_off),
                                 p->std_off, 0};
    }
    qsort(g, k, sizeof(*g), gen_cmp);
    for (size_t i = 0; i < k; i++) {
        if (g[i].at > last)
            tz_push(z, cap, g[i].at, g[i].off);
    }
    hk_free(g);
}

/* A zone from a POSIX TZ string; caller frees with hk_tz_free().  0 or
 * HAWK_EINVAL with err. */
int hk_tz_from_posix(const char *rule, const char *name, struct hk_tz **out,
                     char *err, size_t errlen)
{
    struct tz_posix p;
    if (rule == NULL || !parse_posix(rule, &p)) {
        set_err(err, errlen, "invalid time zone rule '%s'", rule ? rule : "");
        return HAWK_EINVAL;
    }
    struct hk_tz *z = hk_calloc(1, sizeof(*z));
    hk_strlcpy(z->name, name ? name : rule, sizeof(z->name));
    z->initial_off = p.std_off;
    size_t cap = 0;
    tz_expand_rule(z, &cap, &p);
    *out = z;
    return 0;
}

/* ---- TZif ---- */

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
           (uint32_t)p[3];
}

static int64_t be64(const unsigned char *p)
{
    return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

struct tzif_hdr {
    char version;
    uint32_t isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt;
};

static bool read_hdr(const unsigned char *d, size_t len, struct tzif_hdr *h)
{
    if (len < 44 || memcmp(d, "TZif", 4) != 0)
        return false;
    h->version = (char)d[4];
    h->isutcnt = be32(d + 20);
    h->isstdcnt = be32(d + 24);
    h->leapcnt = be32(d + 28);
    h->timecnt = be32(d + 32);
    h->typecnt = be32(d + 36);
    h->charcnt = be32(d + 40);
    return h->isutcnt < HK_TZ_MAX_COUNT && h->isstdcnt < HK_TZ_MAX_COUNT &&
           h->leapcnt < HK_TZ_MAX_COUNT && h->timecnt < HK_TZ_MAX_COUNT &&
           h->typecnt < HK_TZ_MAX_COUNT && h->charcnt < HK_TZ_MAX_COUNT &&
           h->typecnt >= 1;
}

static size_t block_size(const struct tzif_hdr *h, size_t tsize)
{
    return h->timecnt * tsize + h->timecnt + h->typecnt * 6 + h->charcnt +
           h->leapcnt * (tsize + 4) + h->isstdcnt + h->isutcnt;
}

/* A zone from TZif bytes (borrowed); caller frees with hk_tz_free().
 * 0 or HAWK_EINVAL with err. */
int hk_tz_parse_tzif(const unsigned char *data, size_t len, const char *name,
                     struct hk_tz **out, char *err, size_t errlen)
{
    struct tzif_hdr h;
    if (!read_hdr(data, len, &h)) {
        set_err(err, errlen, "time zone file for '%s' is not TZif data", name);
        return HAWK_EINVAL;
    }
    size_t tsize = 4;
    const unsigned char *p = data + 44;
    size_t left = len - 44;
    if (h.version >= '2') {
        /* Skip the 32-bit block: the 64-bit one follows it. */
        size_t skip = block_size(&h, 4);
        if (skip > left || !read_hdr(p + skip, left - skip, &h)) {
            set_err(err, errlen, "time zone file for '%s' is truncated", name);
            return HAWK_EINVAL;
        }
        p += skip + 44;
        left -= skip + 44;
        tsize = 8;
    }
    size_t need = block_size(&h, tsize);
    if (need > left) {
        set_err(err, errlen, "time zone file for '%s' is truncated", name);
        return HAWK_EINVAL;
    }
    const unsigned char *times = p;
    const unsigned char *idx = times + h.timecnt * tsize;
    const unsigned char *types = idx + h.timecnt;

    struct hk_tz *z = hk_calloc(1, sizeof(*z));
    hk_strlcpy(z->name, name, sizeof(z->name));
    z->initial_off = (int32_t)be32(types);
    size_t cap = 0;
    int64_t prev = INT64_MIN;
    for (uint32_t i = 0; i < h.timecnt; i++) {
        int64_t at = tsize == 8 ? be64(times + (size_t)i * 8)
                                : (int32_t)be32(times + (size_t)i * 4);
        unsigned ti = idx[i];
        if (ti >= h.typecnt || at <= prev) {
            hk_tz_free(z);
            set_err(err, errlen, "time zone file for '%s' is corrupt", name);
            return HAWK_EINVAL;
        }
        prev = at;
        int32_t off = (int32_t)be32(types + ti * 6);
        if (off < -25 * 3600 || off > 26 * 3600) {
            hk_tz_free(z);
            set_err(err, errlen, "time zone file for '%s' is corrupt", name);
            return HAWK_EINVAL;
        }
        tz_push(z, &cap, at, off);
    }
    if (tsize == 8) {
        /* Footer: "\n<POSIX TZ>\n"; empty means no rule. */
        const unsigned char *f = p + need;
        size_t flen = left - need;
        if (flen >= 2 && f[0] == '\n') {
            const unsigned char *nl = memchr(f + 1, '\n', flen - 1);
            size_t rl = nl ? (size_t)(nl - f - 1) : 0;
            if (rl > 0 && rl < 128) {
                char rule[128];
                memcpy(rule, f + 1, rl);
                rule[rl] = '\0';
                struct tz_posix pr;
                if (!parse_posix(rule, &pr)) {
                    hk_tz_free(z);
                    set_err(err, errlen,
                            "time zone file for '%s' has an invalid rule",
                            name);
                    return HAWK_EINVAL;
                }
                if (h.timecnt == 0)
                    z->initial_off = pr.std_off;
                tz_expand_rule(z, &cap, &pr);
            }
        }
    }
    *out = z;
    return 0;
}

/* Frees a zone not obtained from the cache; accepts NULL. */
void hk_tz_free(struct hk_tz *z)
{
    if (z == NULL)
        return;
    hk_free(z->at);
    hk_free(z->off);
    hk_free(z);
}

/* ---- lookups ---- */

/* Index of the last transition at or before t, or -1. */
static long last_at_or_before(const struct hk_tz *z, int64_t t)
{
    long lo = 0, hi = (long)z->n - 1, ans = -1;
    while (lo <= hi) {
        long mid = lo + (hi - lo) / 2;
        if (z->at[mid] <= t) {
            ans = mid;
            lo = mid + 1;
        } else {
            hi = mid - 1;
        }
    }
    return ans;
}

/* UTC offset in seconds at instant t. */
int32_t hk_tz_offset(const struct hk_tz *z, int64_t t)
{
    long i = last_at_or_before(z, t);
    return i < 0 ? z->initial_off : z->off[i];
}

/* First offset change after t: true with *at. */
bool hk_tz_next_transition(const struct hk_tz *z, int64_t t, int64_t *at)
{
    long i = last_at_or_before(z, t) + 1;
    if ((size_t)i >= z->n)
        return false;
    *at = z->at[i];
    return true;
}

/* Last offset change at or before t, with the offsets around it. */
bool hk_tz_prev_transition(const struct hk_tz *z, int64_t t, int64_t *at,
                           int32_t *off_before, int32_t *off_after)
{
    long i = last_at_or_before(z, t);
    if (i < 0)
        return false;
    *at = z->at[i];
    *off_before = i > 0 ? z->off[i - 1] : z->initial_off;
    *off_after = z->off[i];
    return true;
}

/* The zone's name, borrowed like the zone. */
const char *hk_tz_name(const struct hk_tz *z)
{
    return z->name;
}

/* ---- loading and the cache ---- */

/* Names are relative paths under the zoneinfo directory: letters, digits
 * and "/_+-", no empty or dot-led components (so no "..", no absolute
 * path). */
static bool valid_name(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > HK_TZ_NAME_MAX)
        return false;
    bool comp_start = true;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                  (c >= '0' && c <= '9') || c == '_' || c == '+' || c == '-' ||
                  c == '/';
        if (!ok)
            return false;
        if (comp_start && (c == '/' || c == '.' || c == '-'))
            return false;
        comp_start = c == '/';
    }
    return !comp_start;
}

static int load_file(const char *path, unsigned char **data, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return HAWK_ENOTFOUND;
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= 0 ||
        st.st_size > HK_TZ_MAX_FILE) {
        close(fd);
        return HAWK_ENOTFOUND;
    }
    size_t n = (size_t)st.st_size;
    unsigned char *buf = hk_malloc(n);
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, buf + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    if (got != n) {
        hk_free(buf);
        return HAWK_EIO;
    }
    *data = buf;
    *len = n;
    return 0;
}

static int tz_load(const char *name, struct hk_tz **out, char *err,
                   size_t errlen)
{
    const char *dir = getenv("TZDIR");
    if (dir == NULL || *dir == '\0')
        dir = "/usr/share/zoneinfo";
    char path[512];
    int n = snprintf(path, sizeof(path), "%s/%s", dir, name);
    if (n < 0 || (size_t)n >= sizeof(path)) {
        set_err(err, errlen, "unknown time zone '%s'", name);
        return HAWK_EINVAL;
    }
    unsigned char *data = NULL;
    size_t len = 0;
    int rc = load_file(path, &data, &len);
    if (rc < 0) {
        if (strcmp(name, "UTC") == 0 || strcmp(name, "Etc/UTC") == 0) {
            /* Works even where the tz database is not installed. */
            return hk_tz_from_posix("UTC0", name, out, err, errlen);
        }
        set_err(err, errlen, "unknown time zone '%s'", name);
        return HAWK_EINVAL;
    }
    rc = hk_tz_parse_tzif(data, len, name, out, err, errlen);
    hk_free(data);
    return rc;
}

/* A cached zone by IANA name, loaded on first use: 0 or HAWK_EINVAL with
 * err.  Thread-safe; *out valid until hk_tz_cache_clear(). */
int hk_tz_get(const char *name, const struct hk_tz **out, char *err,
              size_t errlen)
{
    if (name == NULL || !valid_name(name)) {
        set_err(err, errlen, "unknown time zone '%s'", name ? name : "");
        return HAWK_EINVAL;
    }
    pthread_mutex_lock(&tz_cache_mu);
    for (struct hk_tz *z = tz_cache; z != NULL; z = z->next) {
        if (strcmp(z->name, name) == 0) {
            pthread_mutex_unlock(&tz_cache_mu);
            *out = z;
            return 0;
        }
    }
    pthread_mutex_unlock(&tz_cache_mu);

    /* Parse outside the lock; a racing loader of the same zone loses and
     * frees its copy. */
    struct hk_tz *z = NULL;
    int rc = tz_load(name, &z, err, errlen);
    if (rc < 0)
        return rc;
    pthread_mutex_lock(&tz_cache_mu);
    for (struct hk_tz *c = tz_cache; c != NULL; c = c->next) {
        if (strcmp(c->name, name) == 0) {
            pthread_mutex_unlock(&tz_cache_mu);
            hk_tz_free(z);
            *out = c;
            return 0;
        }
    }
    z->next = tz_cache;
    tz_cache = z;
    pthread_mutex_unlock(&tz_cache_mu);
    *out = z;
    return 0;
}

/* Frees every cached zone (tests, shutdown; no zone may be in use). */
void hk_tz_cache_clear(void)
{
    pthread_mutex_lock(&tz_cache_mu);
    struct hk_tz *z = tz_cache;
    tz_cache = NULL;
    pthread_mutex_unlock(&tz_cache_mu);
    while (z != NULL) {
        struct hk_tz *next = z->next;
        hk_tz_free(z);
        z = next;
    }
}
