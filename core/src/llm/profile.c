/*
 * llm/profile.c - facts computed from the structured resume, without the
 * LLM and always the same: months of experience (in total or in the
 * dated positions that mention a skill), notice periods in days, the
 * first amount of a salary text.  slots.c turns them into answers.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "llm/llm.h"
#include "llm/llm_int.h"
#include "llm/qrules.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/str.h"

#define MAX_INTERVALS 64

/* ---- small helpers -------------------------------------------------------- */

/* See llm_int.h. */
const char *hk_llm_resume_str(json_object *o, const char *k1, const char *k2)
{
    json_object *v = NULL;
    if (!json_object_object_get_ex(o, k1, &v))
        return NULL;
    if (k2 != NULL && !json_object_object_get_ex(v, k2, &v))
        return NULL;
    if (!json_object_is_type(v, json_type_string) &&
        !json_object_is_type(v, json_type_int) &&
        !json_object_is_type(v, json_type_double))
        return NULL;
    const char *s = json_object_get_string(v);
    return s != NULL && s[0] != '\0' ? s : NULL;
}

static int month_index(int year, int month)
{
    return year * 12 + (month - 1);
}

static int now_months(int64_t now_s)
{
    time_t t = (time_t)now_s;
    struct tm tm;
    gmtime_r(&t, &tm);
    return month_index(tm.tm_year + 1900, tm.tm_mon + 1);
}

/* ---- periods --------------------------------------------------------------- */

static int month_name(const char *s)
{
    static const char *const names[] = {"jan", "feb", "mar", "apr",
                                        "may", "jun", "jul", "aug",
                                        "sep", "oct", "nov", "dec"};
    for (int i = 0; i < 12; i++) {
        if (strncasecmp(s, names[i], 3) == 0)
            return i + 1;
    }
    return 0;
}

/* One side of a period: "03/2019", "03.2019", "2019-03", "2019-03-15"
 * (JSON Resume), "2019/03", "Mar 2019", "March 2019", "2019", "present"
 * (also German, French and Spanish words for it).  is_end picks December
 * for a bare year. */
static int parse_point(const char *s, size_t n, bool is_end, int now, int *out)
{
    char buf[40];
    while (n > 0 && isspace((unsigned char)*s)) {
        s++;
        n--;
    }
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        n--;
    if (n == 0 || n >= sizeof(buf))
        return -1;
    memcpy(buf, s, n);
    buf[n] = '\0';
    if (strcasecmp(buf, "present") == 0 || strcasecmp(buf, "current") == 0 ||
        strcasecmp(buf, "now") == 0 || strcasecmp(buf, "today") == 0 ||
        strcasecmp(buf, "ongoing") == 0 || strcasecmp(buf, "heute") == 0 ||
        strcasecmp(buf, "aktuell") == 0 || strcasecmp(buf, "actuel") == 0 ||
        strcasecmp(buf, "actualidad") == 0 ||
        strcasecmp(buf, "presente") == 0) {
        *out = now;
        return 0;
    }
    int a = 0, b = 0, d = 0;
    char tail = 0;
    char word[16];
    if (sscanf(buf, "%d-%d-%d%c", &a, &b, &d, &tail) == 3 && a >= 1900 &&
        a <= 2100 && b >= 1 && b <= 12 && d >= 1 && d <= 31) {
        *out = month_index(a, b);
        return 0;
    }
    if ((sscanf(buf, "%d/%d%c", &a, &b, &tail) == 2 ||
         sscanf(buf, "%d.%d%c", &a, &b, &tail) == 2) &&
        a >= 1 && a <= 12 && b >= 1900 && b <= 2100) {
        *out = month_index(b, a);
        return 0;
    }
    if (sscanf(buf, "%d/%d%c", &a, &b, &tail) == 2 && a >= 1900 && a <= 2100 &&
        b >= 1 && b <= 12) {
        *out = month_index(a, b);
        return 0;
    }
    if (sscanf(buf, "%d-%d%c", &a, &b, &tail) == 2 && a >= 1900 && a <= 2100 &&
        b >= 1 && b <= 12) {
        *out = month_index(a, b);
        return 0;
    }
    if (sscanf(buf, "%15s %d%c", word, &b, &tail) == 2 && month_name(word) &&
        b >= 1900 && b <= 2100) {
        *out = month_index(b, month_name(word));
        return 0;
    }
    if (sscanf(buf, "%d%c", &a, &tail) == 1 && a >= 1900 && a <= 2100) {
        *out = month_index(a, is_end ? 12 : 1);
        return 0;
    }
    return -1;
}

/* See llm_int.h. */
int hk_llm_period_months(const char *period, int64_t now_s, int *start,
                         int *end)
{
    static const char *const seps[] = {" - ", " – ", " — ", " to ", " bis ",
                                       "–",   "—",   " -",  "- ",   NULL};
    int now = now_months(now_s);
    const char *sep = NULL;
    size_t sep_len = 0;

    if (period == NULL)
        return -1;
    for (size_t i = 0; seps[i] != NULL && sep == NULL; i++) {
        sep = strstr(period, seps[i]);
        sep_len = strlen(seps[i]);
    }
    if (sep == NULL) {
        /* "2019-2021" has no spaces; "2019-03" is a single month. */
        const char *dash = strchr(period, '-');
        int a = 0, b = 0;
        char tail = 0;
        if (dash != NULL && sscanf(period, "%d-%d%c", &a, &b, &tail) == 2 &&
            a >= 1900 && b >= 1900) {
            sep = dash;
            sep_len = 1;
        }
    }
    if (sep == NULL)
        return -1;
    if (parse_point(period, (size_t)(sep - period), false, now, start) < 0 ||
        parse_point(sep + sep_len, strlen(sep + sep_len), true, now, end) < 0 ||
        *end < *start)
        return -1;
    return 0;
}

static int cmp_int2(const void *a, const void *b)
{
    const int *x = a, *y = b;
    return x[0] < y[0] ? -1 : x[0] > y[0];
}

/* Text of one experience entry that a skill may be mentioned in. */
static void entry_text(json_object *e, struct hk_buf *b)
{
    json_object_object_foreach(e, k, v)
    {
        if (strcmp(k, "company") == 0 || strcmp(k, "employment_period") == 0 ||
            strcmp(k, "location") == 0)
            continue;
        (void)hk_buf_puts(b, hk_llm_json(v));
        (void)hk_buf_putc(b, ' ');
    }
}

/* See llm_int.h. */
int hk_llm_experience_months(json_object *resume, const char *skill,
                             int64_t now_s)
{
    json_object *list = NULL;
    int iv[MAX_INTERVALS][2];
    size_t n = 0;

    if (!json_object_object_get_ex(resume, "experience_details", &list) ||
        !json_object_is_type(list, json_type_array))
        return 0;
    /* Whole words of normalized text: "Java" is not "JavaScript", "C" is
     * not "C++". */
    char *want = skill != NULL ? hk_qrules_normalize(skill) : NULL;
    for (size_t i = 0; i < json_object_array_length(list) && n < MAX_INTERVALS;
         i++) {
        json_object *e = json_object_array_get_idx(list, i);
        if (want != NULL) {
            struct hk_buf b;
            hk_buf_init(&b, 0);
            entry_text(e, &b);
            char *text = hk_qrules_normalize(hk_buf_str(&b));
            bool hit = hk_qrules_has_phrase(text, want);
            hk_free(text);
            hk_buf_release(&b);
            if (!hit)
                continue;
        }
        int s = 0, en = 0;
        if (hk_llm_period_months(
                hk_llm_resume_str(e, "employment_period", NULL), now_s, &s,
                &en) == 0) {
            iv[n][0] = s;
            iv[n][1] = en;
            n++;
        }
    }
    /* Overlapping jobs count once. */
    qsort(iv, n, sizeof(iv[0]), cmp_int2);
    int total = 0, cur_s = -1, cur_e = -1;
    for (size_t i = 0; i < n; i++) {
        if (cur_s < 0 || iv[i][0] > cur_e + 1) {
            if (cur_s >= 0)
                total += cur_e - cur_s + 1;
            cur_s = iv[i][0];
            cur_e = iv[i][1];
        } else if (iv[i][1] > cur_e) {
            cur_e = iv[i][1];
        }
    }
    if (cur_s >= 0)
        total += cur_e - cur_s + 1;
    hk_free(want);
    return total;
}

/* ---- skills named in a question ------------------------------------------ */

static void add_skill(struct hk_buf *names, const char *s)
{
    if (s == NULL || s[0] == '\0' || strlen(s) > 60 || strchr(s, '\n'))
        return;
    (void)hk_buf_puts(names, s);
    (void)hk_buf_putc(names, '\n');
}

/* Newline-separated skill names from the resume. */
/* See llm_int.h. */
void hk_llm_profile_skills(json_object *resume, struct hk_buf *names)
{
    json_object *list = NULL;
    if (json_object_object_get_ex(resume, "skills", &list) &&
        json_object_is_type(list, json_type_array)) {
        for (size_t i = 0; i < json_object_array_length(list); i++) {
            json_object *s = json_object_array_get_idx(list, i);
            if (json_object_is_type(s, json_type_string))
                add_skill(names, json_object_get_string(s));
            else
                add_skill(names, hk_llm_resume_str(s, "name", NULL));
        }
    }
    if (json_object_object_get_ex(resume, "experience_details", &list) &&
        json_object_is_type(list, json_type_array)) {
        for (size_t i = 0; i < json_object_array_length(list); i++) {
            json_object *sk = NULL;
            if (!json_object_object_get_ex(json_object_array_get_idx(list, i),
                                           "skills_acquired", &sk) ||
                !json_object_is_type(sk, json_type_array))
                continue;
            for (size_t j = 0; j < json_object_array_length(sk); j++)
                add_skill(names, json_object_get_string(
                                     json_object_array_get_idx(sk, j)));
        }
    }
}

/* ---- availability and salary --------------------------------------------- */

/* See llm_int.h. */
int hk_llm_notice_days(const char *s)
{
    if (s == NULL)
        return -1;
    char low[80];
    hk_strlcpy(low, s, sizeof(low));
    hk_str_lower(low);
    if (strstr(low, "immediate") || strstr(low, "none") ||
        strstr(low, "asap") || strcmp(low, "0") == 0)
        return 0;
    double n = 0;
    const char *p = low;
    while (*p != '\0' && !isdigit((unsigned char)*p))
        p++;
    if (*p == '\0') {
        /* "one month", "two weeks" */
        static const char *const words[] = {"one",  "two", "three", "four",
                                            "five", "six", NULL};
        for (int i = 0; words[i] != NULL; i++) {
            if (strstr(low, words[i]) != NULL)
                n = i + 1;
        }
        if (n == 0)
            return -1;
    } else {
        n = strtod(p, NULL);
    }
    if (strstr(low, "month"))
        return (int)(n * 30);
    if (strstr(low, "week"))
        return (int)(n * 7);
    if (strstr(low, "day"))
        return (int)n;
    return -1;
}

/* See llm_int.h. */
double hk_llm_first_amount(const char *s)
{
    const char *p = s;
    while (*p != '\0' && !isdigit((unsigned char)*p))
        p++;
    if (*p == '\0')
        return -1;
    char digits[32];
    size_t n = 0;
    for (; *p != '\0' && n + 1 < sizeof(digits); p++) {
        if (isdigit((unsigned char)*p) || *p == '.')
            digits[n++] = *p;
        else if (*p != ',')
            break;
    }
    digits[n] = '\0';
    double v = strtod(digits, NULL);
    if (*p == 'k' || *p == 'K')
        v *= 1000;
    return v;
}
