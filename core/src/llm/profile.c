/*
 * llm/profile.c - answers to application questions that the profile
 * already holds, computed without the LLM and always the same: years of
 * experience (in total or with a named skill, from experience_details
 * periods), notice period and start date (availability), salary
 * expectation, work authorization and sponsorship (legal_authorization),
 * contact fields.  The same facts go into the LLM's context for the
 * questions it does get, and its answers are checked against them.
 *
 * Questions are recognised by keywords in their normalized text (see
 * hk_llm_question_key): forms phrase the same question in many ways, and
 * a question not recognised here still gets an answer from the LLM.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "llm/llm.h"
#include "llm/llm_int.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/str.h"

#define MAX_INTERVALS 64

/* ---- small helpers -------------------------------------------------------- */

static bool has(const char *key, const char *word)
{
    return strstr(key, word) != NULL;
}

/* Word-bounded, case-insensitive search of needle in hay. */
static bool has_word(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    if (n == 0)
        return false;
    for (const char *p = hay; *p != '\0'; p++) {
        if (strncasecmp(p, needle, n) != 0)
            continue;
        bool left = p == hay || !isalnum((unsigned char)p[-1]);
        bool right = !isalnum((unsigned char)p[n]);
        if (left && right)
            return true;
    }
    return false;
}

static const char *str_at(json_object *o, const char *k1, const char *k2)
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

/* One side of a period: "03/2019", "2019-03", "Mar 2019", "March 2019",
 * "2019", "present".  is_end picks December for a bare year. */
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
        strcasecmp(buf, "ongoing") == 0) {
        *out = now;
        return 0;
    }
    int a = 0, b = 0;
    char tail = 0;
    char word[16];
    if (sscanf(buf, "%d/%d%c", &a, &b, &tail) == 2 && a >= 1 && a <= 12 &&
        b >= 1900 && b <= 2100) {
        *out = month_index(b, a);
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
    static const char *const seps[] = {" - ", " – ", " — ", " to ", "–",
                                       "—",   " -",  "- ",  NULL};
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
    for (size_t i = 0; i < json_object_array_length(list) && n < MAX_INTERVALS;
         i++) {
        json_object *e = json_object_array_get_idx(list, i);
        if (skill != NULL) {
            struct hk_buf b;
            hk_buf_init(&b, 0);
            entry_text(e, &b);
            bool hit = has_word(hk_buf_str(&b), skill);
            hk_buf_release(&b);
            if (!hit)
                continue;
        }
        int s = 0, en = 0;
        if (hk_llm_period_months(str_at(e, "employment_period", NULL), now_s,
                                 &s, &en) == 0) {
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
static void profile_skills(json_object *resume, struct hk_buf *names)
{
    json_object *list = NULL;
    if (json_object_object_get_ex(resume, "skills", &list) &&
        json_object_is_type(list, json_type_array)) {
        for (size_t i = 0; i < json_object_array_length(list); i++) {
            json_object *s = json_object_array_get_idx(list, i);
            if (json_object_is_type(s, json_type_string))
                add_skill(names, json_object_get_string(s));
            else
                add_skill(names, str_at(s, "name", NULL));
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

/* The longest profile skill named in the question, copied to out. */
static bool skill_in_question(json_object *resume, const char *question,
                              char *out, size_t outlen)
{
    struct hk_buf names;
    hk_buf_init(&names, 0);
    profile_skills(resume, &names);
    size_t best = 0;
    const char *p = hk_buf_str(&names);
    while (*p != '\0') {
        const char *nl = strchr(p, '\n');
        size_t n = (size_t)(nl - p);
        char name[64];
        if (n < sizeof(name)) {
            memcpy(name, p, n);
            name[n] = '\0';
            if (n > best && has_word(question, name)) {
                best = n;
                hk_strlcpy(out, name, outlen);
            }
        }
        p = nl + 1;
    }
    hk_buf_release(&names);
    return best > 0;
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
    if (has(low, "immediate") || has(low, "none") || has(low, "asap") ||
        strcmp(low, "0") == 0)
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
            if (has_word(low, words[i]))
                n = i + 1;
        }
        if (n == 0)
            return -1;
    } else {
        n = strtod(p, NULL);
    }
    if (has(low, "month"))
        return (int)(n * 30);
    if (has(low, "week"))
        return (int)(n * 7);
    if (has(low, "day"))
        return (int)n;
    return -1;
}

/* First amount in a salary text: "80000 - 100000", "$80k-100k",
 * "80,000".  -1 when none. */
static double first_amount(const char *s)
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

/* ---- work authorization ---------------------------------------------------- */

struct region {
    const char *key; /* us, eu, uk, canada */
    const char *words[8];
};

static const struct region regions[] = {
    {"us", {"united states", "u s", "usa", "us", "america", NULL}},
    {"eu", {"european union", "eu", "europe", NULL}},
    {"uk", {"united kingdom", "uk", "britain", "england", NULL}},
    {"canada", {"canada", NULL}},
};

static const char *question_region(const char *key)
{
    for (size_t r = 0; r < sizeof(regions) / sizeof(regions[0]); r++) {
        for (size_t w = 0; regions[r].words[w] != NULL; w++) {
            if (has_word(key, regions[r].words[w]))
                return regions[r].key;
        }
    }
    return NULL;
}

/* A legal_authorization flag: 1 yes, 0 no, -1 unknown. */
static int flag(json_object *resume, const char *name)
{
    json_object *la = NULL, *v = NULL;
    if (!json_object_object_get_ex(resume, "legal_authorization", &la) ||
        !json_object_object_get_ex(la, name, &v))
        return -1;
    if (json_object_is_type(v, json_type_boolean))
        return json_object_get_boolean(v) ? 1 : 0;
    if (!json_object_is_type(v, json_type_string))
        return -1;
    const char *s = json_object_get_string(v);
    if (strcasecmp(s, "yes") == 0 || strcasecmp(s, "true") == 0)
        return 1;
    if (strcasecmp(s, "no") == 0 || strcasecmp(s, "false") == 0)
        return 0;
    return -1;
}

enum auth_kind { AUTH_NONE = 0, AUTH_WORK, AUTH_SPONSOR, AUTH_VISA };

static enum auth_kind auth_kind(const char *key)
{
    if (has(key, "sponsor"))
        return AUTH_SPONSOR;
    if (has(key, "visa"))
        return AUTH_VISA;
    if (has(key, "authorized to work") || has(key, "authorised to work") ||
        has(key, "legally allowed") || has(key, "right to work") ||
        has(key, "eligible to work") || has(key, "work authorization") ||
        has(key, "work authorisation") || has(key, "legally authorized") ||
        has(key, "work permit"))
        return AUTH_WORK;
    return AUTH_NONE;
}

/* The flag for kind in region: 1/0, or -1 unknown. */
static int auth_value(json_object *resume, enum auth_kind k, const char *region)
{
    char a[64], b[64];
    switch (k) {
    case AUTH_WORK:
        snprintf(a, sizeof(a), "%s_work_authorization", region);
        snprintf(b, sizeof(b), "legally_allowed_to_work_in_%s", region);
        break;
    case AUTH_SPONSOR:
        snprintf(a, sizeof(a), "requires_%s_sponsorship", region);
        snprintf(b, sizeof(b), "requires_%s_visa", region);
        break;
    case AUTH_VISA:
        snprintf(a, sizeof(a), "requires_%s_visa", region);
        snprintf(b, sizeof(b), "requires_%s_sponsorship", region);
        break;
    default:
        return -1;
    }
    int v = flag(resume, a);
    return v >= 0 ? v : flag(resume, b);
}

/* All regions with a known value agree: that value; else -1. */
static int auth_unanimous(json_object *resume, enum auth_kind k)
{
    int seen = -1;
    for (size_t r = 0; r < sizeof(regions) / sizeof(regions[0]); r++) {
        int v = auth_value(resume, k, regions[r].key);
        if (v < 0)
            continue;
        if (seen >= 0 && v != seen)
            return -1;
        seen = v;
    }
    return seen;
}

static int auth_answer(json_object *resume, const char *key)
{
    enum auth_kind k = auth_kind(key);
    if (k == AUTH_NONE)
        return -1;
    const char *region = question_region(key);
    if (region != NULL)
        return auth_value(resume, k, region);
    return auth_unanimous(resume, k);
}

/* ---- answer shaping --------------------------------------------------------- */

/* A yes/no fact in the shape the question wants; NULL when it cannot be
 * expressed (a choice without a yes/no option). */
static json_object *yes_no(const struct hk_llm_question *q, bool yes)
{
    const char *want = yes ? "yes" : "no";
    if (strcmp(q->type, "yes_no") == 0 || strcmp(q->type, "text") == 0 ||
        strcmp(q->type, "textarea") == 0)
        return json_object_new_string(yes ? "Yes" : "No");
    if (strcmp(q->type, "single_choice") == 0) {
        for (size_t i = 0; i < q->n_options; i++) {
            char low[16];
            hk_strlcpy(low, q->options[i], sizeof(low));
            hk_str_lower(low);
            size_t n = strlen(want);
            if (strncmp(low, want, n) == 0 && !isalpha((unsigned char)low[n]))
                return json_object_new_string(q->options[i]);
        }
    }
    return NULL;
}

static bool is_text(const struct hk_llm_question *q)
{
    return strcmp(q->type, "text") == 0 || strcmp(q->type, "textarea") == 0;
}

static json_object *text_answer(const struct hk_llm_question *q, const char *v)
{
    return v != NULL && is_text(q) ? json_object_new_string(v) : NULL;
}

static json_object *contact_answer(json_object *resume,
                                   const struct hk_llm_question *q,
                                   const char *key)
{
    const char *pi = "personal_information";
    if (has(key, "email") || has(key, "e mail"))
        return text_answer(q, str_at(resume, pi, "email"));
    if (has(key, "country code") || has(key, "phone prefix"))
        return text_answer(q, str_at(resume, pi, "phone_prefix"));
    if (has(key, "phone") || has(key, "mobile")) {
        const char *pre = str_at(resume, pi, "phone_prefix");
        const char *ph = str_at(resume, pi, "phone");
        if (ph == NULL || !is_text(q))
            return NULL;
        char *s = hk_asprintf("%s%s%s", pre ? pre : "", pre ? " " : "", ph);
        json_object *o = json_object_new_string(s);
        hk_free(s);
        return o;
    }
    if (has(key, "linkedin"))
        return text_answer(q, str_at(resume, pi, "linkedin"));
    if (has(key, "github"))
        return text_answer(q, str_at(resume, pi, "github"));
    if (has(key, "website") || has(key, "portfolio"))
        return text_answer(q, str_at(resume, pi, "website"));
    if (has(key, "first name") || has(key, "given name"))
        return text_answer(q, str_at(resume, pi, "name"));
    if (has(key, "last name") || has(key, "surname") || has(key, "family name"))
        return text_answer(q, str_at(resume, pi, "surname"));
    if (has(key, "full name") || strcmp(key, "name") == 0 ||
        strcmp(key, "your name") == 0) {
        const char *a = str_at(resume, pi, "name");
        const char *b = str_at(resume, pi, "surname");
        if (a == NULL || !is_text(q))
            return NULL;
        char *s = hk_asprintf("%s%s%s", a, b ? " " : "", b ? b : "");
        json_object *o = json_object_new_string(s);
        hk_free(s);
        return o;
    }
    if (has(key, "zip") || has(key, "postal code") || has(key, "postcode"))
        return text_answer(q, str_at(resume, pi, "zip_code"));
    if (has(key, "city"))
        return text_answer(q, str_at(resume, pi, "city"));
    if (has(key, "country") && !has(key, "countries"))
        return text_answer(q, str_at(resume, pi, "country"));
    if (has(key, "address"))
        return text_answer(q, str_at(resume, pi, "address"));
    return NULL;
}

static bool about_years(const char *key)
{
    return has(key, "year") && (has(key, "experience") || has(key, "worked") ||
                                has(key, "working"));
}

static json_object *years_answer(json_object *resume,
                                 const struct hk_llm_question *q,
                                 const char *key, int64_t now_s)
{
    char skill[64];
    int months = -1;
    if (skill_in_question(resume, key, skill, sizeof(skill)))
        months = hk_llm_experience_months(resume, skill, now_s);
    else if (!has(key, " with ") && !has(key, " in ") && !has(key, " using "))
        months = hk_llm_experience_months(resume, NULL, now_s);
    else if (has(key, "professional experience") ||
             has(key, "work experience") || has(key, "total"))
        months = hk_llm_experience_months(resume, NULL, now_s);
    if (months < 0)
        return NULL;
    int years = months / 12;
    if (strcmp(q->type, "number") == 0)
        return json_object_new_int(years);
    if (is_text(q)) {
        char buf[32];
        snprintf(buf, sizeof(buf), "%d", years);
        return json_object_new_string(buf);
    }
    return NULL;
}

static json_object *availability_answer(json_object *resume,
                                        const struct hk_llm_question *q,
                                        const char *key, int64_t now_s)
{
    const char *notice = str_at(resume, "availability", "notice_period");
    if (notice == NULL)
        return NULL;
    bool start =
        has(key, "start") || has(key, "available from") || has(key, "join");
    if (!start && !has(key, "notice"))
        return NULL;
    int days = hk_llm_notice_days(notice);
    if (strcmp(q->type, "date") == 0) {
        if (days < 0)
            return NULL;
        time_t t = (time_t)now_s + (time_t)days * 86400;
        struct tm tm;
        char buf[16];
        gmtime_r(&t, &tm);
        strftime(buf, sizeof(buf), "%Y-%m-%d", &tm);
        return json_object_new_string(buf);
    }
    if (strcmp(q->type, "number") == 0) {
        if (days < 0)
            return NULL;
        if (has(key, "day"))
            return json_object_new_int(days);
        if (has(key, "month"))
            return json_object_new_int((days + 15) / 30);
        return json_object_new_int((days + 3) / 7);
    }
    if (!is_text(q))
        return NULL;
    if (start && days == 0)
        return json_object_new_string("Immediately");
    if (start) {
        char *s = hk_asprintf("After my notice period of %s", notice);
        json_object *o = json_object_new_string(s);
        hk_free(s);
        return o;
    }
    return json_object_new_string(notice);
}

static json_object *salary_answer(json_object *resume,
                                  const struct hk_llm_question *q,
                                  const char *key)
{
    if (!has(key, "salary") && !has(key, "compensation") &&
        !has(key, "expected pay") && !has(key, "pay expectation"))
        return NULL;
    const char *s = str_at(resume, "salary_expectations", "salary_range_usd");
    if (s == NULL)
        return NULL;
    if (strcmp(q->type, "number") == 0) {
        double v = first_amount(s);
        return v >= 0 ? json_object_new_int64((int64_t)v) : NULL;
    }
    return text_answer(q, s);
}

/* See llm_int.h. */
json_object *hk_llm_profile_answer(json_object *resume,
                                   const struct hk_llm_question *q,
                                   const char *key, int64_t now_s)
{
    if (resume == NULL)
        return NULL;
    int yes = auth_answer(resume, key);
    if (auth_kind(key) != AUTH_NONE)
        return yes >= 0 ? yes_no(q, yes == 1) : NULL;
    if (about_years(key))
        return years_answer(resume, q, key, now_s);
    json_object *a = availability_answer(resume, q, key, now_s);
    if (a == NULL)
        a = salary_answer(resume, q, key);
    if (a == NULL)
        a = contact_answer(resume, q, key);
    return a;
}

/* ---- facts and checks -------------------------------------------------------- */

/* See llm_int.h. */
char *hk_llm_profile_facts(json_object *resume, const char *key, int64_t now_s)
{
    struct hk_buf b;
    char skill[64];
    hk_buf_init(&b, 0);
    int total = hk_llm_experience_months(resume, NULL, now_s);
    (void)hk_buf_printf(&b, "- total professional experience: %d years\n",
                        total / 12);
    if (skill_in_question(resume, key, skill, sizeof(skill)))
        (void)hk_buf_printf(&b, "- experience with %s: %d years\n", skill,
                            hk_llm_experience_months(resume, skill, now_s) /
                                12);
    const char *notice = str_at(resume, "availability", "notice_period");
    if (notice != NULL)
        (void)hk_buf_printf(&b, "- notice period: %s\n", notice);
    const char *salary =
        str_at(resume, "salary_expectations", "salary_range_usd");
    if (salary != NULL)
        (void)hk_buf_printf(&b, "- salary expectation (USD): %s\n", salary);
    static const char *const kinds[] = {"authorized to work", "needs visa "
                                                              "sponsorship"};
    for (int k = 0; k < 2; k++) {
        for (size_t r = 0; r < sizeof(regions) / sizeof(regions[0]); r++) {
            int v = auth_value(resume, k == 0 ? AUTH_WORK : AUTH_SPONSOR,
                               regions[r].key);
            if (v >= 0)
                (void)hk_buf_printf(&b, "- %s in %s: %s\n", kinds[k],
                                    regions[r].key, v ? "yes" : "no");
        }
    }
    char *out = hk_buf_steal(&b, NULL);
    return out != NULL ? out : hk_strdup("");
}

static int answer_yes(json_object *a)
{
    const char *s = json_object_get_string(a);
    if (s == NULL)
        return -1;
    if (strncasecmp(s, "yes", 3) == 0)
        return 1;
    if (strncasecmp(s, "no", 2) == 0 && !isalpha((unsigned char)s[2]))
        return 0;
    return -1;
}

/* See llm_int.h. */
int hk_llm_profile_contradiction(json_object *resume,
                                 const struct hk_llm_question *q,
                                 const char *key, json_object *answer,
                                 int64_t now_s, char *why, size_t why_size)
{
    if (resume == NULL)
        return 0;
    enum auth_kind k = auth_kind(key);
    if (k != AUTH_NONE) {
        const char *region = question_region(key);
        int fact = region != NULL ? auth_value(resume, k, region)
                                  : auth_unanimous(resume, k);
        int got = answer_yes(answer);
        if (fact >= 0 && got >= 0 && fact != got) {
            snprintf(why, why_size,
                     "the answer '%s' contradicts the profile, which says %s",
                     got ? "yes" : "no", fact ? "yes" : "no");
            return HAWK_EINVAL;
        }
        return 0;
    }
    if (about_years(key) && strcmp(q->type, "number") == 0) {
        int total = hk_llm_experience_months(resume, NULL, now_s) / 12;
        double got = json_object_get_double(answer);
        if (got > total) {
            snprintf(why, why_size,
                     "the answer %g years contradicts the profile, which "
                     "shows %d years of experience in total",
                     got, total);
            return HAWK_EINVAL;
        }
    }
    return 0;
}
