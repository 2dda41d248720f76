/*
 * llm/letter_check.c - what a cover letter may say: only what the resume
 * or the posting holds.  Refused: placeholders ("[Your Name]",
 * "<Company>", "{company}"), a language other than the one asked for, a
 * degree above the resume's highest, more years of experience than the
 * resume shows, an organisation after "at", "with", "for" that is neither
 * in the resume nor the company applied to, and a product or skill name
 * ("Kubernetes", "AWS", "C++") found in neither the resume nor the
 * posting.  cover_letter.c asks for one rewrite with
 * the violations named, then refuses the letter.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "llm/llm_int.h"
#include "llm/qrules.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/str.h"

#define MAX_VIOLATIONS 12

struct check {
    struct hk_buf *out;
    int n;
    char *known; /* normalized resume + posting text */
    char *mine;  /* normalized resume text + the job's company and title */
};

static void violation(struct check *c, const char *fmt, const char *a,
                      const char *b)
{
    if (c->n >= MAX_VIOLATIONS)
        return;
    /* The same finding once. */
    char line[300];
    snprintf(line, sizeof(line), fmt, a != NULL ? a : "", b != NULL ? b : "");
    if (strstr(hk_buf_str(c->out), line) != NULL)
        return;
    (void)hk_buf_printf(c->out, "- %s\n", line);
    c->n++;
}

/* ---- placeholders ---------------------------------------------------------- */

static void placeholders(struct check *c, const char *s)
{
    static const char *const fillers[] = {"lorem ipsum", "xxx", "tbd", "insert",
                                          NULL};
    for (const char *p = s; *p != '\0'; p++) {
        char close = *p == '[' ? ']' : *p == '<' ? '>' : *p == '{' ? '}' : 0;
        if (close == 0)
            continue;
        const char *e = strchr(p + 1, close);
        if (e == NULL || e - p > 60 || e - p < 2)
            continue;
        bool letters = false;
        for (const char *q = p + 1; q < e; q++)
            letters = letters || isalpha((unsigned char)*q);
        if (letters) {
            char ph[64];
            snprintf(ph, sizeof(ph), "%.*s", (int)(e - p + 1), p);
            violation(c,
                      "placeholder '%s' left in the letter: write the "
                      "real text or leave it out%s",
                      ph, "");
        }
    }
    char *n = hk_qrules_normalize(s);
    for (size_t i = 0; fillers[i] != NULL; i++) {
        if (hk_qrules_has_phrase(n, fillers[i]))
            violation(c, "filler text '%s' left in the letter%s", fillers[i],
                      "");
    }
    if (strstr(s, "___") != NULL)
        violation(c, "a blank to fill in ('___') is left in the letter%s%s", "",
                  "");
    hk_free(n);
}

/* ---- years and degrees ---------------------------------------------------- */

static void years(struct check *c, const char *s, int total_years)
{
    static const char *const units[] = {"year",   "years",  "yrs",
                                        "jahre",  "jahren", "ans",
                                        "années", "años",   NULL};
    char *n = hk_qrules_normalize(s);
    for (char *p = n; *p != '\0';) {
        char *e = strchr(p, ' ');
        if (isdigit((unsigned char)p[0])) {
            long v = strtol(p, NULL, 10);
            char *next = e != NULL ? e + 1 : NULL;
            bool unit = false;
            for (size_t u = 0; next != NULL && units[u] != NULL && !unit; u++) {
                size_t ul = strlen(units[u]);
                unit = strncmp(next, units[u], ul) == 0 &&
                       (next[ul] == ' ' || next[ul] == '\0');
            }
            if (unit && v > total_years && v < 100) {
                char num[24], tot[24];
                snprintf(num, sizeof(num), "%ld", v);
                snprintf(tot, sizeof(tot), "%d", total_years);
                violation(c,
                          "claims %s years of experience; the resume shows "
                          "%s in total",
                          num, tot);
            }
        }
        if (e == NULL)
            break;
        p = e + 1;
    }
    hk_free(n);
}

/* Degree names that are ordinary words in a letter ("Ms." Smith, a
 * "promotion", a driving "licence") do not count as degree claims. */
static int letter_degree_rank(const char *s)
{
    static const char *const strong[][2] = {
        {"phd", "5"},         {"ph.d", "5"},
        {"doctorate", "5"},   {"doctoral degree", "5"},
        {"doktortitel", "5"}, {"doctorat", "5"},
        {"doctorado", "5"},   {"master s degree", "4"},
        {"master s", "4"},    {"masters degree", "4"},
        {"master of", "4"},   {"msc", "4"},
        {"m.sc", "4"},        {"mba", "4"},
        {"bachelor", "3"},    {"bachelor s", "3"},
        {"bsc", "3"},         {"b.sc", "3"},
    };
    char *n = hk_qrules_normalize(s);
    int best = 0;
    for (size_t i = 0; i < sizeof(strong) / sizeof(strong[0]); i++) {
        int r = strong[i][1][0] - '0';
        if (r > best && hk_qrules_has_phrase(n, strong[i][0]))
            best = r;
    }
    hk_free(n);
    return best;
}

static int resume_degree_rank(json_object *resume)
{
    json_object *list = NULL;
    int best = 0;
    if (!json_object_object_get_ex(resume, "education_details", &list) ||
        !json_object_is_type(list, json_type_array))
        return 0;
    for (size_t i = 0; i < json_object_array_length(list); i++) {
        const char *lvl = hk_llm_resume_str(json_object_array_get_idx(list, i),
                                            "education_level", NULL);
        int r = hk_qrules_degree_rank(hk_qrules_current(), lvl);
        if (r == 0)
            r = letter_degree_rank(lvl != NULL ? lvl : "");
        if (r > best)
            best = r;
    }
    return best;
}

/* ---- names ------------------------------------------------------------------ */

static bool known(const char *text, const char *name)
{
    char *n = hk_qrules_normalize(name);
    bool hit = n[0] == '\0' || hk_qrules_has_phrase(text, n);
    hk_free(n);
    return hit;
}

static bool stop_word(const char *w, size_t n)
{
    static const char *const words[] = {
        "I",     "The",    "A",     "An",        "My",      "Our",    "Your",
        "This",  "That",   "These", "It",        "We",      "You",    "He",
        "She",   "They",   "In",    "At",        "As",      "With",   "For",
        "And",   "But",    "Dear",  "Sincerely", "Regards", "Best",   "Kind",
        "Thank", "Thanks", "Mr",    "Mrs",       "Ms",      "Hiring", "Manager",
        "Team",  "Sir",    "Madam", "Monday",    "Friday",  NULL};
    for (size_t i = 0; words[i] != NULL; i++) {
        if (strlen(words[i]) == n && strncmp(words[i], w, n) == 0)
            return true;
    }
    return false;
}

/* A word that looks like a product, skill or organisation: two capitals
 * ("AWS", "TypeScript", "PostgreSQL") or a '+', '#' or inner '.'
 * ("C++", "C#", "Node.js"). */
static bool techy(const char *w, size_t n)
{
    int upper = 0;
    bool mark = false;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)w[i];
        upper += isupper(ch) != 0;
        mark = mark || ch == '+' || ch == '#' ||
               (ch == '.' && i > 0 && i + 1 < n &&
                isalnum((unsigned char)w[i + 1]));
    }
    return (upper >= 2 && n >= 2) || (mark && isalpha((unsigned char)w[0]));
}

static size_t word_len(const char *p)
{
    size_t n = 0;
    while (p[n] != '\0' && (isalnum((unsigned char)p[n]) || p[n] == '+' ||
                            p[n] == '#' || (unsigned char)p[n] >= 0x80 ||
                            (p[n] == '.' && isalnum((unsigned char)p[n + 1])) ||
                            (p[n] == '-' && isalnum((unsigned char)p[n + 1]))))
        n++;
    return n;
}

static void names(struct check *c, const char *s)
{
    static const char *const preps[] = {"at ",  "with ", "for ",
                                        "bei ", "chez ", NULL};
    for (const char *p = s; *p != '\0';) {
        size_t n = word_len(p);
        if (n == 0) {
            p++;
            continue;
        }
        /* Products and skills anywhere in the text. */
        if (techy(p, n) && !stop_word(p, n)) {
            char w[64];
            snprintf(w, sizeof(w), "%.*s", (int)(n < 63 ? n : 63), p);
            if (!known(c->known, w))
                violation(c,
                          "names '%s', which is in neither the resume nor "
                          "the posting%s",
                          w, "");
        }
        /* An organisation after a preposition: "at Google", "for Globex
         * Corp" (capitalized words, at most four). */
        bool prep = false;
        for (size_t i = 0; preps[i] != NULL && !prep; i++) {
            size_t pl = strlen(preps[i]) - 1;
            prep = n == pl && strncasecmp(p, preps[i], pl) == 0 && p[n] == ' ';
        }
        p += n;
        if (!prep)
            continue;
        const char *q = p;
        while (*q == ' ')
            q++;
        const char *start = q, *end = q;
        for (int k = 0; k < 4; k++) {
            size_t wn = word_len(q);
            if (wn == 0 || !isupper((unsigned char)q[0]) || stop_word(q, wn))
                break;
            end = q + wn;
            q = end;
            if (*q != ' ')
                break;
            q++;
        }
        if (end > start) {
            char org[80];
            snprintf(org, sizeof(org), "%.*s", (int)(end - start), start);
            /* Where the candidate worked comes from the resume alone: a
             * posting may name other companies (or try to plant one). */
            if (!known(c->mine, org))
                violation(c,
                          "names '%s', which is not in the resume and is not "
                          "the company applied to%s",
                          org, "");
        }
    }
}

/* See llm_int.h. */
int hk_llm_letter_check(json_object *resume, const struct hk_llm_job *job,
                        const char *letter, const char *language, int64_t now_s,
                        struct hk_buf *out)
{
    struct check c = {out, 0, NULL, NULL};
    struct hk_buf all;
    hk_buf_init(&all, 0);
    (void)hk_buf_puts(&all, hk_llm_json(resume));
    (void)hk_buf_printf(&all, " %s %s", job->title ? job->title : "",
                        job->company ? job->company : "");
    c.mine = hk_qrules_normalize(hk_buf_str(&all));
    hk_buf_reset(&all);
    (void)hk_buf_puts(&all, hk_llm_json(resume));
    (void)hk_buf_printf(&all, " %s %s %s %s", job->title ? job->title : "",
                        job->company ? job->company : "",
                        job->location ? job->location : "",
                        job->description ? job->description : "");
    c.known = hk_qrules_normalize(hk_buf_str(&all));
    hk_buf_release(&all);

    placeholders(&c, letter);
    const char *got = hk_llm_language_of(letter);
    if (got != NULL && language != NULL && !hk_str_ieq(got, language))
        violation(&c, "written in %s; it must be in %s", got, language);
    int want = letter_degree_rank(letter);
    int have = resume_degree_rank(resume);
    if (want > have)
        violation(&c, "claims a %s; the resume shows no such degree%s",
                  want == 5   ? "doctorate"
                  : want == 4 ? "master's degree"
                              : "bachelor's degree",
                  "");
    int total = hk_llm_experience_months(resume, NULL, now_s);
    /* A part-year counts up: 4 years and 5 months may say "5 years". */
    years(&c, letter, (total + 11) / 12);
    names(&c, letter);
    hk_free(c.known);
    hk_free(c.mine);
    return c.n;
}
