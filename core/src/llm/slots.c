/*
 * llm/slots.c - answers to classified questions (see qrules.h) from the
 * structured resume: contact fields, years in total or with a named skill
 * (from the dated positions, never from the model), work authorization
 * and sponsorship per region, relocation, remote work, notice period,
 * start date, salary, degrees, languages.
 *
 * The rule is no guessing: when the slot is a profile fact and the resume
 * does not hold it, the answer is "needs review" with the missing fact
 * named, so the user answers it once (PUT /api/v1/answers) instead of a
 * model inventing it.
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

#define PI "personal_information"

static bool is_text(const struct hk_llm_question *q)
{
    return strcmp(q->type, "text") == 0 || strcmp(q->type, "textarea") == 0;
}

static bool is_type(const struct hk_llm_question *q, const char *t)
{
    return strcmp(q->type, t) == 0;
}

static enum hk_llm_slot_status review(char *why, size_t n, const char *fmt,
                                      const char *arg)
{
    snprintf(why, n, fmt, arg != NULL ? arg : "");
    return HK_LLM_SLOT_REVIEW;
}

static enum hk_llm_slot_status done(json_object **answer, json_object *a)
{
    *answer = a;
    return a != NULL ? HK_LLM_SLOT_ANSWER : HK_LLM_SLOT_MODEL;
}

/* A yes/no fact in the shape the question wants; NULL when it cannot be
 * expressed (a choice without a yes/no option). */
static json_object *yes_no(const struct hk_llm_question *q, bool yes)
{
    static const char *const words[2][6] = {
        {"no", "nein", "non", NULL}, {"yes", "ja", "oui", "sí", "si", NULL}};
    if (is_type(q, "yes_no") || is_text(q))
        return json_object_new_string(yes ? "Yes" : "No");
    if (!is_type(q, "single_choice"))
        return NULL;
    for (size_t i = 0; i < q->n_options; i++) {
        char *o = hk_qrules_normalize(q->options[i]);
        bool hit = false;
        for (size_t w = 0; words[yes][w] != NULL && !hit; w++) {
            size_t n = strlen(words[yes][w]);
            hit = strncmp(o, words[yes][w], n) == 0 &&
                  (o[n] == '\0' || o[n] == ' ');
        }
        hk_free(o);
        if (hit)
            return json_object_new_string(q->options[i]);
    }
    return NULL;
}

/* The option naming a number range that holds v ("0-1", "3 - 5 years",
 * "5+", "10 or more", "less than 1"); NULL when none does. */
static json_object *range_option(const struct hk_llm_question *q, int v)
{
    for (size_t i = 0; i < q->n_options; i++) {
        const char *o = q->options[i];
        const char *p = o;
        while (*p != '\0' && !isdigit((unsigned char)*p))
            p++;
        if (*p == '\0')
            continue;
        char *end = NULL;
        long lo = strtol(p, &end, 10), hi = lo;
        const char *rest = end;
        while (*rest == ' ')
            rest++;
        bool plus = *rest == '+' || strstr(o, "more") != NULL ||
                    strstr(o, "over") != NULL || strstr(o, "above") != NULL;
        bool less = strstr(o, "less") != NULL || strstr(o, "under") != NULL ||
                    strstr(o, "fewer") != NULL;
        if (*rest == '-' || strncmp(rest, "to ", 3) == 0 ||
            strncmp(rest, "\xe2\x80\x93", 3) == 0) {
            while (*rest != '\0' && !isdigit((unsigned char)*rest))
                rest++;
            hi = *rest != '\0' ? strtol(rest, NULL, 10) : lo;
        } else if (plus) {
            hi = 1000;
        } else if (less) {
            hi = lo - 1;
            lo = 0;
        }
        if (v >= lo && v <= hi)
            return json_object_new_string(o);
    }
    return NULL;
}

static json_object *number_answer(const struct hk_llm_question *q, int v)
{
    if (is_type(q, "number"))
        return json_object_new_int(v);
    if (is_type(q, "single_choice"))
        return range_option(q, v);
    if (is_text(q)) {
        char buf[24];
        snprintf(buf, sizeof(buf), "%d", v);
        return json_object_new_string(buf);
    }
    return NULL;
}

/* ---- contact fields -------------------------------------------------------- */

static enum hk_llm_slot_status contact(json_object *resume,
                                       const struct hk_llm_question *q,
                                       enum hk_qslot_id slot,
                                       json_object **answer, char *why,
                                       size_t n)
{
    static const struct {
        enum hk_qslot_id slot;
        const char *key;
        const char *what;
    } fields[] = {
        {HK_QSLOT_EMAIL, "email", "an email address"},
        {HK_QSLOT_PHONE_COUNTRY_CODE, "phone_prefix", "a phone prefix"},
        {HK_QSLOT_FIRST_NAME, "name", "a first name"},
        {HK_QSLOT_LAST_NAME, "surname", "a last name"},
        {HK_QSLOT_CITY, "city", "a city"},
        {HK_QSLOT_COUNTRY, "country", "a country"},
        {HK_QSLOT_ADDRESS, "address", "an address"},
        {HK_QSLOT_POSTAL_CODE, "zip_code", "a postal code"},
        {HK_QSLOT_LINKEDIN, "linkedin", "a LinkedIn URL"},
        {HK_QSLOT_GITHUB, "github", "a GitHub URL"},
        {HK_QSLOT_WEBSITE, "website", "a website"},
    };
    if (!is_text(q))
        return HK_LLM_SLOT_MODEL;
    if (slot == HK_QSLOT_PHONE || slot == HK_QSLOT_FULL_NAME) {
        bool phone = slot == HK_QSLOT_PHONE;
        const char *a =
            hk_llm_resume_str(resume, PI, phone ? "phone_prefix" : "name");
        const char *b =
            hk_llm_resume_str(resume, PI, phone ? "phone" : "surname");
        const char *need = phone ? b : a;
        if (need == NULL)
            return review(why, n, "the resume has no %s",
                          phone ? "phone number" : "name");
        char *s =
            hk_asprintf("%s%s%s", a ? a : "", a && b ? " " : "", b ? b : "");
        *answer = json_object_new_string(s);
        hk_free(s);
        return HK_LLM_SLOT_ANSWER;
    }
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
        if (fields[i].slot != slot)
            continue;
        const char *v = hk_llm_resume_str(resume, PI, fields[i].key);
        if (v == NULL)
            return review(why, n, "the resume has no %s", fields[i].what);
        return done(answer, json_object_new_string(v));
    }
    return HK_LLM_SLOT_MODEL;
}

/* ---- experience ---------------------------------------------------------------- */

/* The profile skill the term names (the longest one inside it, so
 * "python development" finds "Python"), else the term itself. */
static void resolve_skill(json_object *resume, const char *term, char *out,
                          size_t outlen)
{
    struct hk_buf names;
    size_t best = 0;
    hk_strlcpy(out, term, outlen);
    hk_buf_init(&names, 0);
    hk_llm_profile_skills(resume, &names);
    for (const char *p = hk_buf_str(&names); *p != '\0';) {
        const char *nl = strchr(p, '\n');
        char *name = hk_strndup(p, (size_t)(nl - p));
        char *norm = hk_qrules_normalize(name);
        size_t len = strlen(norm);
        if (len > best && hk_qrules_has_phrase(term, norm)) {
            best = len;
            hk_strlcpy(out, name, outlen);
        }
        hk_free(norm);
        hk_free(name);
        p = nl + 1;
    }
    hk_buf_release(&names);
}

static enum hk_llm_slot_status years(json_object *resume,
                                     const struct hk_llm_question *q,
                                     const struct hk_qslot *s, int64_t now_s,
                                     json_object **answer, char *why, size_t n)
{
    int months;
    if (s->slot == HK_QSLOT_YEARS_TOTAL) {
        months = hk_llm_experience_months(resume, NULL, now_s);
        if (months == 0)
            return review(why, n,
                          "the resume has no dated positions%s to count "
                          "years from",
                          "");
    } else {
        char skill[64];
        if (s->term[0] == '\0')
            return review(why, n,
                          "the question names no skill the resume can be "
                          "searched for%s",
                          "");
        resolve_skill(resume, s->term, skill, sizeof(skill));
        months = hk_llm_experience_months(resume, skill, now_s);
        if (months == 0)
            return review(why, n,
                          "no dated position in the resume mentions '%.60s'",
                          skill);
    }
    return done(answer, number_answer(q, months / 12));
}

static enum hk_llm_slot_status has_skill(json_object *resume,
                                         const struct hk_llm_question *q,
                                         const struct hk_qslot *s,
                                         int64_t now_s, json_object **answer,
                                         char *why, size_t n)
{
    char skill[64];
    if (s->term[0] == '\0')
        return HK_LLM_SLOT_MODEL;
    resolve_skill(resume, s->term, skill, sizeof(skill));
    if (hk_llm_experience_months(resume, skill, now_s) == 0)
        return review(
            why, n, "no dated position in the resume mentions '%.60s'", skill);
    return done(answer, yes_no(q, true));
}

/* ---- work authorization, relocation ------------------------------------------ */

static const char *const regions[] = {"us", "eu", "uk", "canada", NULL};

/* A yes/no value of section.name: 1 yes, 0 no, -1 unknown. */
static int flag(json_object *resume, const char *section, const char *name)
{
    json_object *la = NULL, *v = NULL;
    if (!json_object_object_get_ex(resume, section, &la) ||
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

/* The legal_authorization flag for the slot in region: 1/0, -1 unknown. */
static int auth_value(json_object *resume, enum hk_qslot_id slot,
                      const char *region)
{
    char a[64], b[64];
    if (slot == HK_QSLOT_WORK_AUTHORIZATION) {
        snprintf(a, sizeof(a), "%s_work_authorization", region);
        snprintf(b, sizeof(b), "legally_allowed_to_work_in_%s", region);
    } else {
        snprintf(a, sizeof(a), "requires_%s_sponsorship", region);
        snprintf(b, sizeof(b), "requires_%s_visa", region);
    }
    int v = flag(resume, "legal_authorization", a);
    return v >= 0 ? v : flag(resume, "legal_authorization", b);
}

/* All regions with a known value agree: that value; else -1. */
static int auth_unanimous(json_object *resume, enum hk_qslot_id slot)
{
    int seen = -1;
    for (size_t r = 0; regions[r] != NULL; r++) {
        int v = auth_value(resume, slot, regions[r]);
        if (v < 0)
            continue;
        if (seen >= 0 && v != seen)
            return -1;
        seen = v;
    }
    return seen;
}

static int auth_fact(json_object *resume, const struct hk_qslot *s)
{
    return s->region[0] != '\0' ? auth_value(resume, s->slot, s->region)
                                : auth_unanimous(resume, s->slot);
}

static enum hk_llm_slot_status authorization(json_object *resume,
                                             const struct hk_llm_question *q,
                                             const struct hk_qslot *s,
                                             json_object **answer, char *why,
                                             size_t n)
{
    int v = auth_fact(resume, s);
    if (v < 0)
        return review(why, n,
                      s->region[0] ? "the resume does not say whether you "
                                     "can work in %s without sponsorship"
                                   : "the question names no region the "
                                     "resume has an answer for%s",
                      s->region);
    return done(answer, yes_no(q, v == 1));
}

static enum hk_llm_slot_status preference(json_object *resume,
                                          const struct hk_llm_question *q,
                                          const char *name,
                                          json_object **answer, char *why,
                                          size_t n)
{
    int v = flag(resume, "work_preferences", name);
    if (v < 0)
        return review(why, n, "the resume's work_preferences has no %s", name);
    return done(answer, yes_no(q, v == 1));
}

/* ---- availability and salary ------------------------------------------------ */

static enum hk_llm_slot_status availability(json_object *resume,
                                            const struct hk_llm_question *q,
                                            bool start, int64_t now_s,
                                            json_object **answer, char *why,
                                            size_t n)
{
    const char *notice =
        hk_llm_resume_str(resume, "availability", "notice_period");
    if (notice == NULL)
        return review(why, n, "the resume has no notice period%s", "");
    int days = hk_llm_notice_days(notice);
    if (is_type(q, "date") || is_type(q, "number")) {
        if (days < 0)
            return review(why, n,
                          "the notice period '%.40s' is not a "
                          "number of days, weeks or months",
                          notice);
        if (is_type(q, "number")) {
            char *k = hk_qrules_normalize(q->text);
            int v = strstr(k, "day") || strstr(k, "tage") || strstr(k, "jours")
                        ? days
                    : strstr(k, "month") || strstr(k, "monat")
                        ? (days + 15) / 30
                        : (days + 3) / 7;
            hk_free(k);
            return done(answer, json_object_new_int(v));
        }
        time_t t = (time_t)now_s + (time_t)days * 86400;
        struct tm tm;
        char buf[16];
        gmtime_r(&t, &tm);
        strftime(buf, sizeof(buf), "%Y-%m-%d", &tm);
        return done(answer, json_object_new_string(buf));
    }
    if (!is_text(q))
        return HK_LLM_SLOT_MODEL;
    if (start && days == 0)
        return done(answer, json_object_new_string("Immediately"));
    if (start) {
        char *s = hk_asprintf("After my notice period of %s", notice);
        json_object *o = json_object_new_string(s);
        hk_free(s);
        return done(answer, o);
    }
    return done(answer, json_object_new_string(notice));
}

static enum hk_llm_slot_status salary(json_object *resume,
                                      const struct hk_llm_question *q,
                                      json_object **answer, char *why, size_t n)
{
    static const char *const other[] = {"eur", "euro", "euros", "gbp", "pounds",
                                        "chf", "€",    "£",     NULL};
    const char *s =
        hk_llm_resume_str(resume, "salary_expectations", "salary_range_usd");
    if (s == NULL)
        return review(why, n, "the resume has no salary expectation%s", "");
    char *k = hk_qrules_normalize(q->text);
    bool foreign = false;
    for (size_t i = 0; other[i] != NULL; i++)
        foreign = foreign || hk_qrules_has_phrase(k, other[i]) ||
                  (other[i][0] & 0x80 && strstr(k, other[i]) != NULL);
    hk_free(k);
    if (foreign)
        return review(why, n,
                      "the question asks in another currency than the "
                      "resume's USD range '%.40s'",
                      s);
    if (is_type(q, "number")) {
        double v = hk_llm_first_amount(s);
        if (v < 0)
            return review(why, n, "the salary '%.40s' holds no amount", s);
        return done(answer, json_object_new_int64((int64_t)v));
    }
    return is_text(q) ? done(answer, json_object_new_string(s))
                      : HK_LLM_SLOT_MODEL;
}

/* ---- education and languages ------------------------------------------------ */

/* The education entry of the highest rank (NULL when no entry has a
 * level the table knows); *rank set. */
static json_object *top_degree(json_object *resume, int *rank)
{
    json_object *list = NULL, *best = NULL;
    *rank = 0;
    if (!json_object_object_get_ex(resume, "education_details", &list) ||
        !json_object_is_type(list, json_type_array))
        return NULL;
    for (size_t i = 0; i < json_object_array_length(list); i++) {
        json_object *e = json_object_array_get_idx(list, i);
        int r = hk_qrules_degree_rank(
            hk_qrules_current(), hk_llm_resume_str(e, "education_level", NULL));
        if (r > *rank) {
            *rank = r;
            best = e;
        }
    }
    return best;
}

/* An entry of at least rank whose field of study names term. */
static bool degree_in(json_object *resume, int rank, const char *term)
{
    json_object *list = NULL;
    if (!json_object_object_get_ex(resume, "education_details", &list) ||
        !json_object_is_type(list, json_type_array))
        return false;
    for (size_t i = 0; i < json_object_array_length(list); i++) {
        json_object *e = json_object_array_get_idx(list, i);
        int r = hk_qrules_degree_rank(
            hk_qrules_current(), hk_llm_resume_str(e, "education_level", NULL));
        char *f =
            hk_qrules_normalize(hk_llm_resume_str(e, "field_of_study", NULL));
        bool hit = r >= rank && hk_qrules_has_phrase(f, term);
        hk_free(f);
        if (hit)
            return true;
    }
    return false;
}

static enum hk_llm_slot_status degree(json_object *resume,
                                      const struct hk_llm_question *q,
                                      const struct hk_qslot *s,
                                      json_object **answer, char *why, size_t n)
{
    int have = 0;
    /* "a degree" with no level named means at least an associate's. */
    int want = s->degree_rank > 0 ? s->degree_rank : 2;
    (void)top_degree(resume, &have);
    if (have == 0)
        return review(why, n,
                      "the resume lists no degree with a level hawk "
                      "recognises%s",
                      "");
    if (s->term[0] != '\0') {
        if (degree_in(resume, want, s->term))
            return done(answer, yes_no(q, true));
        return review(why, n, "the resume lists no such degree in '%.60s'",
                      s->term);
    }
    return done(answer, yes_no(q, have >= want));
}

static enum hk_llm_slot_status education_level(json_object *resume,
                                               const struct hk_llm_question *q,
                                               json_object **answer, char *why,
                                               size_t n)
{
    int have = 0;
    json_object *e = top_degree(resume, &have);
    if (e == NULL)
        return review(why, n,
                      "the resume lists no degree with a level hawk "
                      "recognises%s",
                      "");
    const char *level = hk_llm_resume_str(e, "education_level", NULL);
    if (is_type(q, "single_choice")) {
        for (size_t i = 0; i < q->n_options; i++) {
            if (hk_qrules_degree_rank(hk_qrules_current(), q->options[i]) ==
                have)
                return done(answer, json_object_new_string(q->options[i]));
        }
        return review(why, n, "no option matches the resume's '%.40s'", level);
    }
    if (!is_text(q))
        return HK_LLM_SLOT_MODEL;
    const char *field = hk_llm_resume_str(e, "field_of_study", NULL);
    char *t =
        hk_asprintf("%s%s%s", level, field ? " in " : "", field ? field : "");
    json_object *o = json_object_new_string(t);
    hk_free(t);
    return done(answer, o);
}

static bool fluent_level(const char *p)
{
    static const char *const words[] = {"native",
                                        "fluent",
                                        "bilingual",
                                        "c1",
                                        "c2",
                                        "full professional",
                                        "professional working",
                                        "mother tongue",
                                        "muttersprache",
                                        "fließend",
                                        "courant",
                                        "langue maternelle",
                                        "nativo",
                                        "nativa",
                                        "fluido",
                                        NULL};
    char *n = hk_qrules_normalize(p);
    bool hit = false;
    for (size_t i = 0; words[i] != NULL && !hit; i++)
        hit = hk_qrules_has_phrase(n, words[i]);
    hk_free(n);
    return hit;
}

static enum hk_llm_slot_status language(json_object *resume,
                                        const struct hk_llm_question *q,
                                        const struct hk_qslot *s,
                                        json_object **answer, char *why,
                                        size_t n)
{
    json_object *list = NULL, *hit = NULL;
    if (json_object_object_get_ex(resume, "languages", &list) &&
        json_object_is_type(list, json_type_array)) {
        for (size_t i = 0; i < json_object_array_length(list) && !hit; i++) {
            json_object *e = json_object_array_get_idx(list, i);
            if (hk_qrules_names_language(hk_qrules_current(),
                                         hk_llm_resume_str(e, "language", NULL),
                                         s->language))
                hit = e;
        }
    }
    if (hit == NULL)
        return review(why, n, "the resume's languages do not list %.24s",
                      s->language);
    const char *prof = hk_llm_resume_str(hit, "proficiency", NULL);
    if (is_type(q, "yes_no")) {
        char *k = hk_qrules_normalize(q->text);
        bool asks_fluent = hk_qrules_has_phrase(k, "fluent") ||
                           hk_qrules_has_phrase(k, "fluently") ||
                           hk_qrules_has_phrase(k, "fluency") ||
                           hk_qrules_has_phrase(k, "native") ||
                           hk_qrules_has_phrase(k, "fließend") ||
                           hk_qrules_has_phrase(k, "couramment");
        hk_free(k);
        if (asks_fluent && (prof == NULL || !fluent_level(prof)))
            return review(why, n,
                          "the resume does not say you are fluent in %.24s",
                          s->language);
        return done(answer, yes_no(q, true));
    }
    if (prof == NULL)
        return review(why, n, "the resume gives no level for %.24s",
                      s->language);
    if (is_type(q, "single_choice")) {
        char *p = hk_qrules_normalize(prof);
        for (size_t i = 0; i < q->n_options; i++) {
            char *o = hk_qrules_normalize(q->options[i]);
            bool m = hk_qrules_has_phrase(o, p) || hk_qrules_has_phrase(p, o);
            hk_free(o);
            if (m) {
                hk_free(p);
                return done(answer, json_object_new_string(q->options[i]));
            }
        }
        hk_free(p);
        return review(why, n, "no option matches the resume's level '%.40s'",
                      prof);
    }
    return is_text(q) ? done(answer, json_object_new_string(prof))
                      : HK_LLM_SLOT_MODEL;
}

/* ---- the entry point ---------------------------------------------------------- */

/* See llm_int.h. */
enum hk_llm_slot_status hk_llm_slot_answer(json_object *resume,
                                           const struct hk_llm_question *q,
                                           const struct hk_qslot *s,
                                           int64_t now_s, json_object **answer,
                                           char *why, size_t n)
{
    *answer = NULL;
    if (why != NULL && n > 0)
        why[0] = '\0';
    if (resume == NULL)
        return HK_LLM_SLOT_MODEL;
    switch (s->slot) {
    case HK_QSLOT_FREE_TEXT:
    case HK_QSLOT_YES_NO:
    case HK_QSLOT_CHOICE:
    case HK_QSLOT_MOTIVATION:
    case HK_QSLOT_COUNT:
        return HK_LLM_SLOT_MODEL;
    case HK_QSLOT_YEARS_TOTAL:
    case HK_QSLOT_YEARS_SKILL:
        return years(resume, q, s, now_s, answer, why, n);
    case HK_QSLOT_YEARS_MANAGEMENT:
        return review(why, n,
                      "the resume does not state years of people "
                      "management%s",
                      "");
    case HK_QSLOT_HAS_SKILL:
        return has_skill(resume, q, s, now_s, answer, why, n);
    case HK_QSLOT_WORK_AUTHORIZATION:
    case HK_QSLOT_SPONSORSHIP:
        return authorization(resume, q, s, answer, why, n);
    case HK_QSLOT_RELOCATION:
        return preference(resume, q, "open_to_relocation", answer, why, n);
    case HK_QSLOT_REMOTE:
        return preference(resume, q, "remote_work", answer, why, n);
    case HK_QSLOT_NOTICE_PERIOD:
        return availability(resume, q, false, now_s, answer, why, n);
    case HK_QSLOT_START_DATE:
        return availability(resume, q, true, now_s, answer, why, n);
    case HK_QSLOT_SALARY:
        return salary(resume, q, answer, why, n);
    case HK_QSLOT_DEGREE:
        return degree(resume, q, s, answer, why, n);
    case HK_QSLOT_EDUCATION_LEVEL:
        return education_level(resume, q, answer, why, n);
    case HK_QSLOT_LANGUAGE:
        return language(resume, q, s, answer, why, n);
    default:
        return contact(resume, q, s->slot, answer, why, n);
    }
}

/* ---- facts and checks ----------------------------------------------------------- */

/* See llm_int.h. */
char *hk_llm_profile_facts(json_object *resume, const struct hk_qslot *s,
                           int64_t now_s)
{
    struct hk_buf b;
    hk_buf_init(&b, 0);
    int total = hk_llm_experience_months(resume, NULL, now_s);
    (void)hk_buf_printf(&b, "- total professional experience: %d years\n",
                        total / 12);
    if (s != NULL && s->term[0] != '\0') {
        char skill[64];
        resolve_skill(resume, s->term, skill, sizeof(skill));
        int m = hk_llm_experience_months(resume, skill, now_s);
        if (m > 0)
            (void)hk_buf_printf(&b, "- experience with %s: %d years\n", skill,
                                m / 12);
        else
            (void)hk_buf_printf(&b, "- experience with %s: not in the resume\n",
                                skill);
    }
    const char *notice =
        hk_llm_resume_str(resume, "availability", "notice_period");
    if (notice != NULL)
        (void)hk_buf_printf(&b, "- notice period: %s\n", notice);
    const char *sal =
        hk_llm_resume_str(resume, "salary_expectations", "salary_range_usd");
    if (sal != NULL)
        (void)hk_buf_printf(&b, "- salary expectation (USD): %s\n", sal);
    static const char *const kinds[] = {"authorized to work",
                                        "needs visa sponsorship"};
    for (int k = 0; k < 2; k++) {
        for (size_t r = 0; regions[r] != NULL; r++) {
            int v = auth_value(resume,
                               k == 0 ? HK_QSLOT_WORK_AUTHORIZATION
                                      : HK_QSLOT_SPONSORSHIP,
                               regions[r]);
            if (v >= 0)
                (void)hk_buf_printf(&b, "- %s in %s: %s\n", kinds[k],
                                    regions[r], v ? "yes" : "no");
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
                                 const struct hk_qslot *s, json_object *answer,
                                 int64_t now_s, char *why, size_t why_size)
{
    if (resume == NULL)
        return 0;
    if (s->slot == HK_QSLOT_WORK_AUTHORIZATION ||
        s->slot == HK_QSLOT_SPONSORSHIP) {
        int fact = auth_fact(resume, s);
        int got = answer_yes(answer);
        if (fact >= 0 && got >= 0 && fact != got) {
            snprintf(why, why_size,
                     "the answer '%s' contradicts the profile, which says %s",
                     got ? "yes" : "no", fact ? "yes" : "no");
            return HAWK_EINVAL;
        }
        return 0;
    }
    bool years_slot = s->slot == HK_QSLOT_YEARS_TOTAL ||
                      s->slot == HK_QSLOT_YEARS_SKILL ||
                      s->slot == HK_QSLOT_YEARS_MANAGEMENT;
    if (years_slot && strcmp(q->type, "number") == 0) {
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
