/*
 * sched/cron.c - cron expression parsing and next-fire computation.
 *
 * The search runs in "naive local minutes" (minutes since 1970-01-01 00:00
 * of the zone's wall clock, as if it had no offset changes) between two
 * offset transitions, where wall time and UTC differ by a constant.  At a
 * transition the gap or overlap rules from cron.h are applied and the
 * search continues on the other side.
 */
#include "sched/cron.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "hawk/plugin.h"
#include "sched/tz.h"
#include "util/str.h"

#define ALL_HOURS 0xFFFFFFu
/* How far ahead to look for a matching day (covers Feb 29 on a given
 * weekday and every leap-year cycle). */
#define SEARCH_DAYS (366 * 30)

struct field_def {
    const char *name;
    int min, max;
    const char *const *names; /* index 0 = value `min` */
    int n_names;
};

static const char *const month_names[] = {"JAN", "FEB", "MAR", "APR",
                                          "MAY", "JUN", "JUL", "AUG",
                                          "SEP", "OCT", "NOV", "DEC"};
static const char *const day_names[] = {"SUN", "MON", "TUE", "WED",
                                        "THU", "FRI", "SAT"};

static const struct field_def fields[5] = {
    {"minute", 0, 59, NULL, 0},          {"hour", 0, 23, NULL, 0},
    {"day-of-month", 1, 31, NULL, 0},    {"month", 1, 12, month_names, 12},
    {"day-of-week", 0, 7, day_names, 7},
};

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

/* One value: a number or (for month/day-of-week) a name. */
static int parse_value(const struct field_def *f, const char *s, size_t n,
                       int *out, char *err, size_t errlen)
{
    char tok[32];
    if (n == 0) {
        set_err(err, errlen, "%s field has an empty value", f->name);
        return HAWK_EINVAL;
    }
    if (n >= sizeof(tok)) {
        set_err(err, errlen, "%s field value is too long", f->name);
        return HAWK_EINVAL;
    }
    memcpy(tok, s, n);
    tok[n] = '\0';
    if ((tok[0] >= 'A' && tok[0] <= 'Z') || (tok[0] >= 'a' && tok[0] <= 'z')) {
        for (int i = 0; i < f->n_names; i++) {
            if (hk_str_ieq(tok, f->names[i])) {
                *out = f->min + i;
                return 0;
            }
        }
        if (f->n_names > 0)
            set_err(err, errlen, "%s field: unknown name '%s'", f->name, tok);
        else
            set_err(err, errlen, "%s field '%s' is not a number", f->name, tok);
        return HAWK_EINVAL;
    }
    int64_t v;
    if (hk_parse_i64(tok, 0, 9999, &v) < 0) {
        set_err(err, errlen, "%s field '%s' is not a number", f->name, tok);
        return HAWK_EINVAL;
    }
    if (v < f->min || v > f->max) {
        set_err(err, errlen, "%s field '%s' out of range %d-%d", f->name, tok,
                f->min, f->max);
        return HAWK_EINVAL;
    }
    *out = (int)v;
    return 0;
}

/* One list element: "*", "N", "A-B", each with an optional "/step". */
static int parse_element(const struct field_def *f, const char *s, size_t n,
                         uint64_t *bits, char *err, size_t errlen)
{
    const char *slash = memchr(s, '/', n);
    size_t base_len = slash ? (size_t)(slash - s) : n;
    int lo, hi, step = 1;
    int rc;
    if (slash != NULL) {
        const char *st = slash + 1;
        size_t sl = n - base_len - 1;
        char tok[16];
        int64_t v;
        if (sl == 0 || sl >= sizeof(tok)) {
            set_err(err, errlen, "%s field has an invalid step", f->name);
            return HAWK_EINVAL;
        }
        memcpy(tok, st, sl);
        tok[sl] = '\0';
        if (hk_parse_i64(tok, 1, f->max - f->min + 1, &v) < 0) {
            set_err(err, errlen, "%s field step '%s' out of range 1-%d",
                    f->name, tok, f->max - f->min + 1);
            return HAWK_EINVAL;
        }
        step = (int)v;
    }
    if (base_len == 1 && s[0] == '*') {
        lo = f->min;
        hi = f->max;
        if (f->max == 7) /* day-of-week: 7 is Sunday again */
            hi = 6;
    } else {
        const char *dash = memchr(s, '-', base_len);
        if (dash != NULL) {
            rc = parse_value(f, s, (size_t)(dash - s), &lo, err, errlen);
            if (rc < 0)
                return rc;
            rc = parse_value(f, dash + 1, base_len - (size_t)(dash - s) - 1,
                             &hi, err, errlen);
            if (rc < 0)
                return rc;
            if (lo > hi) {
                set_err(err, errlen, "%s field range '%.*s' is backwards",
                        f->name, (int)base_len, s);
                return HAWK_EINVAL;
            }
        } else {
            rc = parse_value(f, s, base_len, &lo, err, errlen);
            if (rc < 0)
                return rc;
            /* "5/15" means from 5 to the end in steps of 15. */
            hi = slash != NULL ? f->max : lo;
        }
    }
    for (int v = lo; v <= hi; v += step) {
        int b = (f->max == 7 && v == 7) ? 0 : v;
        *bits |= (uint64_t)1 << b;
    }
    return 0;
}

static int parse_field(int idx, const char *s, size_t n, uint64_t *bits,
                       char *err, size_t errlen)
{
    const struct field_def *f = &fields[idx];
    *bits = 0;
    size_t i = 0;
    while (i <= n) {
        size_t j = i;
        while (j < n && s[j] != ',')
            j++;
        int rc = parse_element(f, s + i, j - i, bits, err, errlen);
        if (rc < 0)
            return rc;
        i = j + 1;
    }
    return 0;
}

struct cron_macro {
    const char *name;
    const char *expr;
};

static const struct cron_macro macros[] = {
    {"@yearly", "0 0 1 1 *"},  {"@annually", "0 0 1 1 *"},
    {"@monthly", "0 0 1 * *"}, {"@weekly", "0 0 * * 0"},
    {"@daily", "0 0 * * *"},   {"@midnight", "0 0 * * *"},
    {"@hourly", "0 * * * *"},
};

static bool is_space(char c)
{
    return c == ' ' || c == '\t';
}

/* Parses a cron expression or @macro; errors name the field.  0 or
 * HAWK_EINVAL with err. */
int hk_cron_parse(const char *expr, struct hk_cron *out, char *err,
                  size_t errlen)
{
    if (expr == NULL) {
        set_err(err, errlen, "cron expression is missing");
        return HAWK_EINVAL;
    }
    size_t len = strlen(expr);
    if (len > HK_CRON_EXPR_MAX) {
        set_err(err, errlen,
                "cron expression is too long (at most %d characters)",
                HK_CRON_EXPR_MAX);
        return HAWK_EINVAL;
    }
    while (is_space(*expr))
        expr++;
    len = strlen(expr);
    while (len > 0 && is_space(expr[len - 1]))
        len--;
    if (len > 0 && expr[0] == '@') {
        for (size_t i = 0; i < sizeof(macros) / sizeof(macros[0]); i++) {
            if (strlen(macros[i].name) == len &&
                strncmp(expr, macros[i].name, len) == 0)
                return hk_cron_parse(macros[i].expr, out, err, errlen);
        }
        set_err(err, errlen,
                "unknown macro '%.*s' (use @yearly, @monthly, @weekly, "
                "@daily or @hourly)",
                (int)len, expr);
        return HAWK_EINVAL;
    }
    const char *start[6];
    size_t flen[6];
    int nf = 0;
    size_t i = 0;
    while (i < len) {
        while (i < len && is_space(expr[i]))
            i++;
        if (i >= len)
            break;
        size_t b = i;
        while (i < len && !is_space(expr[i]))
            i++;
        if (nf < 6) {
            start[nf] = expr + b;
            flen[nf] = i - b;
        }
        nf++;
    }
    if (nf != 5) {
        set_err(err, errlen, "expected 5 fields, got %d", nf);
        return HAWK_EINVAL;
    }
    uint64_t bits[5];
    for (int k = 0; k < 5; k++) {
        int rc = parse_field(k, start[k], flen[k], &bits[k], err, errlen);
        if (rc < 0)
            return rc;
    }
    memset(out, 0, sizeof(*out));
    out->minutes = bits[0];
    out->hours = (uint32_t)bits[1];
    out->mdays = (uint32_t)bits[2];
    out->months = (uint16_t)bits[3];
    out->wdays = (uint8_t)bits[4];
    out->mday_star = start[2][0] == '*';
    out->wday_star = start[4][0] == '*';
    return 0;
}

/* ---- matching in naive local minutes ---- */

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0)))
        q--;
    return q;
}

static bool day_matches(const struct hk_cron *c, int64_t days, int mday)
{
    int wday = (int)(((days + 4) % 7 + 7) % 7); /* 1970-01-01: Thursday */
    bool dm = (c->mdays >> mday) & 1u;
    bool wm = (c->wdays >> wday) & 1u;
    if (c->mday_star || c->wday_star)
        return dm && wm;
    return dm || wm;
}

/* First naive minute >= from and < limit that matches: true with *out. */
static bool next_match(const struct hk_cron *c, int64_t from, int64_t limit,
                       int64_t *out)
{
    int64_t nm = from;
    while (nm < limit) {
        int64_t days = floor_div(nm, 1440);
        int mod = (int)(nm - days * 1440);
        int64_t y;
        int mon, mday;
        hk_civil_from_days(days, &y, &mon, &mday);
        if (!((c->months >> mon) & 1u)) {
            nm = hk_days_from_civil(mon == 12 ? y + 1 : y,
                                    mon == 12 ? 1 : mon + 1, 1) *
                 1440;
            continue;
        }
        if (!day_matches(c, days, mday)) {
            nm = (days + 1) * 1440;
            continue;
        }
        int h = mod / 60, mi = mod % 60;
        if (!((c->hours >> h) & 1u)) {
            nm = days * 1440 + (int64_t)(h + 1) * 60;
            continue;
        }
        int m = mi;
        while (m < 60 && !((c->minutes >> m) & 1u))
            m++;
        if (m == 60) {
            nm = days * 1440 + (int64_t)(h + 1) * 60;
            continue;
        }
        nm = days * 1440 + (int64_t)h * 60 + m;
        if (nm >= limit)
            return false;
        *out = nm;
        return true;
    }
    return false;
}

/* Next fire time after `after` in zone z (borrowed), applying the DST
 * rules of cron.h.  0 or HAWK_ENOTFOUND. */
int hk_cron_next_tz(const struct hk_cron *c, const struct hk_tz *z,
                    int64_t after, int64_t *next)
{
    bool hour_restricted = (c->hours & ALL_HOURS) != ALL_HOURS;
    int64_t t = floor_div(after, 60) * 60 + 60;
    int64_t limit = floor_div(after, 60) + (int64_t)SEARCH_DAYS * 1440;
    /* High-water mark of naive wall minutes already passed: a restricted
     * expression never fires twice for one wall time. */
    int64_t hwm = INT64_MIN;
    if (hour_restricted) {
        hwm = floor_div(after + hk_tz_offset(z, after), 60);
        int64_t tp;
        int32_t ob, oa;
        if (hk_tz_prev_transition(z, after, &tp, &ob, &oa) && oa < ob) {
            int64_t before_end = floor_div(tp - 1 + ob, 60);
            if (before_end > hwm)
                hwm = before_end;
        }
    }
    for (int iter = 0; iter < 100000; iter++) {
        int32_t off = hk_tz_offset(z, t);
        int64_t tr;
        if (!hk_tz_next_transition(z, t, &tr))
            tr = INT64_MAX;
        int64_t L = floor_div(t + off, 60);
        int64_t from = L;
        if (hour_restricted && hwm != INT64_MIN && hwm + 1 > from)
            from = hwm + 1;
        int64_t M;
        if (!next_match(c, from, limit, &M))
            return HAWK_ENOTFOUND;
        int64_t cand = t + (M - L) * 60;
        if (cand < tr) {
            *next = cand;
            return 0;
        }
        int32_t off2 = hk_tz_offset(z, tr);
        int64_t Lb = floor_div(tr + off, 60);  /* wall time reached */
        int64_t La = floor_div(tr + off2, 60); /* wall time after */
        if (off2 > off && hour_restricted) {
            /* Spring forward: wall minutes [Lb, La) never happen. */
            int64_t s = Lb;
            if (hwm != INT64_MIN && hwm + 1 > s)
                s = hwm + 1;
            int64_t g;
            if (s < La && next_match(c, s, La, &g)) {
                *next = tr;
                return 0;
            }
        } else if (off2 < off && hour_restricted) {
            /* Fall back: wall minutes up to Lb-1 come around again. */
            if (Lb - 1 > hwm)
                hwm = Lb - 1;
        }
        t = tr;
    }
    return HAWK_ENOTFOUND;
}

/* Next fire time in the zone named tz: 0, HAWK_EINVAL (zone) or
 * HAWK_ENOTFOUND (never fires). */
int hk_cron_next(const struct hk_cron *c, const char *tz, int64_t after,
                 int64_t *next)
{
    const struct hk_tz *z;
    int rc = hk_tz_get(tz && *tz ? tz : "UTC", &z, NULL, 0);
    if (rc < 0)
        return rc;
    return hk_cron_next_tz(c, z, after, next);
}

/* Checks an expression and a zone name together: 0 or HAWK_EINVAL with
 * err for the user. */
int hk_cron_validate(const char *expr, const char *tz, char *err, size_t errlen)
{
    struct hk_cron c;
    int rc = hk_cron_parse(expr, &c, err, errlen);
    if (rc < 0)
        return rc;
    const struct hk_tz *z;
    return hk_tz_get(tz && *tz ? tz : "UTC", &z, err, errlen);
}
