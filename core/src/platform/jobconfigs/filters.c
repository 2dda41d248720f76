/*
 * platform/jobconfigs/filters.c - blacklist/whitelist matching.
 *
 * Regexes are compiled once per context: a workflow run checks hundreds of
 * jobs against the same lists, and regcomp() costs far more than
 * regexec().
 */
#include "platform/jobconfigs/filters.h"

#include <regex.h>
#include <stdio.h>
#include <string.h>

#include "hawk/plugin.h"
#include "util/alloc.h"
#include "util/str.h"

#define FILTER_CACHE_MAX 256

struct cached_re {
    char *pattern;
    regex_t re;
    int status; /* regcomp() result */
};

struct hk_jobconfigs_filter {
    struct cached_re items[FILTER_CACHE_MAX];
    size_t n;
};

/* See filters.h. */
struct hk_jobconfigs_filter *hk_jobconfigs_filter_new(void)
{
    return hk_calloc(1, sizeof(struct hk_jobconfigs_filter));
}

/* See filters.h. */
void hk_jobconfigs_filter_free(struct hk_jobconfigs_filter *ctx)
{
    if (ctx == NULL)
        return;
    for (size_t i = 0; i < ctx->n; i++) {
        if (ctx->items[i].status == 0)
            regfree(&ctx->items[i].re);
        hk_free(ctx->items[i].pattern);
    }
    hk_free(ctx);
}

/* See filters.h. */
bool hk_jobconfigs_filter_is_regex(const char *entry)
{
    size_t n = strlen(entry);
    return n >= 2 && entry[0] == '/' && entry[n - 1] == '/';
}

static bool is_word_byte(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
           (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
}

static unsigned char lower(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c - 'A' + 'a') : c;
}

/* Whole-word, ASCII-case-insensitive phrase search.  A boundary is only
 * required on a side where the phrase itself starts/ends with a word
 * character, so "C++" and ".NET" match as people expect. */
static bool phrase_match(const char *phrase, const char *text)
{
    const unsigned char *p = (const unsigned char *)phrase;
    const unsigned char *t = (const unsigned char *)text;
    size_t pl = strlen(phrase);
    size_t tl = strlen(text);
    /* Trim the phrase: "  java " means "java". */
    while (pl > 0 && (*p == ' ' || *p == '\t')) {
        p++;
        pl--;
    }
    while (pl > 0 && (p[pl - 1] == ' ' || p[pl - 1] == '\t'))
        pl--;
    if (pl == 0 || pl > tl)
        return false;
    bool need_left = is_word_byte(p[0]);
    bool need_right = is_word_byte(p[pl - 1]);
    for (size_t i = 0; i + pl <= tl; i++) {
        size_t k = 0;
        while (k < pl && lower(t[i + k]) == lower(p[k]))
            k++;
        if (k < pl)
            continue;
        if (need_left && i > 0 && is_word_byte(t[i - 1]))
            continue;
        if (need_right && i + pl < tl && is_word_byte(t[i + pl]))
            continue;
        return true;
    }
    return false;
}

/*
 * glibc's regcomp() expands repetitions by copying the repeated subtree
 * ("a+" becomes "aa*", "x{9}" nine copies), so nested or stacked
 * repetitions grow exponentially: a 100-byte pattern can make it allocate
 * gigabytes.  Before compiling, estimate the expanded size and refuse
 * patterns past a small budget, stacked quantifiers ("a++") and
 * back-references (exponential matching).
 */
#define RE_MAX_COST 2000
#define RE_MAX_DEPTH 16
#define RE_TOO_COMPLEX (-1)

struct re_scan {
    const char *p, *end;
    int depth;
};

static size_t re_alt(struct re_scan *s);

/* Saturating multiply/add against the budget. */
static size_t cap(size_t v)
{
    return v > RE_MAX_COST ? RE_MAX_COST + 1 : v;
}

static void skip_bracket(struct re_scan *s)
{
    s->p++; /* '[' */
    if (s->p < s->end && *s->p == '^')
        s->p++;
    if (s->p < s->end && *s->p == ']')
        s->p++;
    while (s->p < s->end && *s->p != ']') {
        if (*s->p == '[' && s->p + 1 < s->end &&
            (s->p[1] == ':' || s->p[1] == '.' || s->p[1] == '=')) {
            char close = s->p[1];
            s->p += 2;
            while (s->p + 1 < s->end && !(s->p[0] == close && s->p[1] == ']'))
                s->p++;
            s->p += 2;
            continue;
        }
        s->p++;
    }
    if (s->p < s->end)
        s->p++;
}

/* Reads a quantifier at s->p, if any: returns its multiplier (1 for none),
 * 0 for a stacked quantifier, or RE_MAX_COST + 1 for a huge interval. */
static size_t quantifier(struct re_scan *s, bool *had)
{
    size_t mult = 1;
    *had = false;
    for (;;) {
        if (s->p >= s->end)
            return mult;
        char c = *s->p;
        size_t m;
        if (c == '*' || c == '?') {
            m = 1;
            s->p++;
        } else if (c == '+') {
            m = 2;
            s->p++;
        } else if (c == '{' && s->p + 1 < s->end && s->p[1] >= '0' &&
                   s->p[1] <= '9') {
            size_t lo = 0, hi = 0;
            s->p++;
            while (s->p < s->end && *s->p >= '0' && *s->p <= '9')
                lo = cap(lo * 10 + (size_t)(*s->p++ - '0'));
            hi = lo;
            if (s->p < s->end && *s->p == ',') {
                s->p++;
                hi = lo;
                while (s->p < s->end && *s->p >= '0' && *s->p <= '9')
                    hi = cap(hi * 10 + (size_t)(*s->p++ - '0'));
            }
            if (s->p < s->end && *s->p == '}')
                s->p++;
            m = cap((lo > hi ? lo : hi) + 1);
        } else {
            return mult;
        }
        if (*had)
            return 0; /* "a+*", "a{2}{3}" */
        *had = true;
        mult = m;
    }
}

/* One branch: a sequence of quantified atoms. */
static size_t re_branch(struct re_scan *s)
{
    size_t total = 0;
    while (s->p < s->end && *s->p != '|' && *s->p != ')') {
        size_t atom = 1;
        char c = *s->p;
        if (c == '\\') {
            if (s->p + 1 < s->end && s->p[1] >= '1' && s->p[1] <= '9')
                return RE_MAX_COST + 1; /* back-reference */
            s->p += s->p + 1 < s->end ? 2 : 1;
        } else if (c == '[') {
            skip_bracket(s);
        } else if (c == '(') {
            s->p++;
            if (++s->depth > RE_MAX_DEPTH)
                return RE_MAX_COST + 1;
            atom = re_alt(s);
            s->depth--;
            if (s->p < s->end && *s->p == ')')
                s->p++;
        } else {
            s->p++;
        }
        bool had;
        size_t mult = quantifier(s, &had);
        if (mult == 0)
            return RE_MAX_COST + 1;
        total = cap(total + cap(atom * mult));
        if (total > RE_MAX_COST)
            return total;
    }
    return total;
}

static size_t re_alt(struct re_scan *s)
{
    size_t total = re_branch(s);
    while (s->p < s->end && *s->p == '|' && total <= RE_MAX_COST) {
        s->p++;
        total = cap(total + re_branch(s));
    }
    return total;
}

/* Estimated size of the compiled pattern, capped past the budget. */
static size_t re_cost(const char *pat, size_t n)
{
    struct re_scan s = {pat, pat + n, 0};
    size_t total = 0;
    while (s.p < s.end && total <= RE_MAX_COST) {
        total = cap(total + re_alt(&s));
        if (s.p < s.end) /* stray ')': regcomp reports it */
            s.p++;
    }
    return total;
}

/* Compiles "/pattern/" (without the slashes) into *re.  Returns the
 * regcomp status, or RE_TOO_COMPLEX (re untouched). */
static int compile(const char *entry, regex_t *re)
{
    size_t n = strlen(entry);
    if (n > HK_JOBCONFIGS_FILTER_MAX_ENTRY ||
        re_cost(entry + 1, n - 2) > RE_MAX_COST)
        return RE_TOO_COMPLEX;
    char *pat = hk_strndup(entry + 1, n - 2);
    int st = regcomp(re, pat, REG_EXTENDED | REG_ICASE | REG_NOSUB);
    hk_free(pat);
    return st;
}

/* Returns the cached regex for entry, compiling it on first use; NULL
 * with *status set when it does not compile. */
static regex_t *lookup(struct hk_jobconfigs_filter *ctx, const char *entry,
                       int *status)
{
    for (size_t i = 0; i < ctx->n; i++) {
        if (strcmp(ctx->items[i].pattern, entry) == 0) {
            *status = ctx->items[i].status;
            return *status == 0 ? &ctx->items[i].re : NULL;
        }
    }
    if (ctx->n == FILTER_CACHE_MAX)
        return NULL; /* caller compiles uncached */
    struct cached_re *c = &ctx->items[ctx->n++];
    c->pattern = hk_strdup(entry);
    c->status = compile(entry, &c->re);
    *status = c->status;
    return c->status == 0 ? &c->re : NULL;
}

/* See filters.h. */
int hk_jobconfigs_filter_entry_check(const char *entry, char *msg,
                                     size_t msglen)
{
    size_t n = strlen(entry);
    size_t blank = strspn(entry, " \t");
    if (n == 0 || blank == n) {
        snprintf(msg, msglen, "entry is empty; remove it or write a phrase");
        return HAWK_EINVAL;
    }
    if (n > HK_JOBCONFIGS_FILTER_MAX_ENTRY) {
        snprintf(msg, msglen, "entry is longer than %d characters",
                 HK_JOBCONFIGS_FILTER_MAX_ENTRY);
        return HAWK_EINVAL;
    }
    if (!hk_utf8_valid(entry, n)) {
        snprintf(msg, msglen, "entry is not valid UTF-8");
        return HAWK_EINVAL;
    }
    if (!hk_jobconfigs_filter_is_regex(entry))
        return 0;
    if (n == 2) {
        snprintf(msg, msglen, "regular expression is empty");
        return HAWK_EINVAL;
    }
    regex_t re;
    int st = compile(entry, &re);
    if (st == RE_TOO_COMPLEX) {
        snprintf(msg, msglen,
                 "regular expression %s is too complex (nested or stacked "
                 "repetitions, large {n,m} counts or back-references); "
                 "simplify it",
                 entry);
        return HAWK_EINVAL;
    }
    if (st != 0) {
        char e[128];
        regerror(st, &re, e, sizeof(e));
        snprintf(msg, msglen, "invalid regular expression %s: %s", entry, e);
        return HAWK_EINVAL;
    }
    regfree(&re);
    return 0;
}

/* See filters.h. */
int hk_jobconfigs_filter_match(struct hk_jobconfigs_filter *ctx,
                               const char *entry, const char *text)
{
    if (text == NULL)
        return 0;
    if (!hk_jobconfigs_filter_is_regex(entry))
        return phrase_match(entry, text) ? 1 : 0;
    if (strlen(entry) == 2)
        return HAWK_EINVAL;
    int st = 0;
    regex_t *re = ctx ? lookup(ctx, entry, &st) : NULL;
    if (re != NULL)
        return regexec(re, text, 0, NULL, 0) == 0 ? 1 : 0;
    if (st != 0)
        return HAWK_EINVAL;
    regex_t local;
    if (compile(entry, &local) != 0)
        return HAWK_EINVAL;
    int m = regexec(&local, text, 0, NULL, 0) == 0 ? 1 : 0;
    regfree(&local);
    return m;
}

static const char *job_str(const json_object *job, const char *key)
{
    json_object *v = NULL;
    if (!json_object_object_get_ex(job, key, &v) ||
        !json_object_is_type(v, json_type_string))
        return NULL;
    return json_object_get_string(v);
}

static void set_result(struct hk_jobconfigs_filter_result *res,
                       const char *rule, const char *entry, const char *fmt,
                       const char *a)
{
    hk_strlcpy(res->rule, rule, sizeof(res->rule));
    hk_strlcpy(res->entry, entry ? entry : "", sizeof(res->entry));
    snprintf(res->why, sizeof(res->why), fmt, a ? a : "", entry ? entry : "");
}

/* Applies one list to text.  For a blacklist a match skips the job; for
 * the whitelist a non-empty list with no match skips it. */
static int check_list(struct hk_jobconfigs_filter *ctx,
                      const json_object *config, const char *rule,
                      const char *field, const char *text, bool whitelist,
                      struct hk_jobconfigs_filter_result *res)
{
    json_object *list = NULL;
    if (!json_object_object_get_ex(config, rule, &list) ||
        !json_object_is_type(list, json_type_array))
        return 0;
    size_t n = json_object_array_length(list);
    if (n == 0)
        return 0;
    for (size_t i = 0; i < n; i++) {
        json_object *e = json_object_array_get_idx(list, i);
        if (!json_object_is_type(e, json_type_string))
            continue;
        const char *entry = json_object_get_string(e);
        int m = hk_jobconfigs_filter_match(ctx, entry, text ? text : "");
        if (m < 0) {
            set_result(res, rule, entry, "%sinvalid regular expression %s", "");
            return m;
        }
        if (m == 1 && !whitelist) {
            set_result(res, rule, entry, "%s matches blacklist entry \"%s\"",
                       field);
            return 1;
        }
        if (m == 1 && whitelist)
            return 0;
    }
    if (whitelist) {
        set_result(res, rule, NULL,
                   "%s matches no entry of the title whitelist%s", field);
        return 1;
    }
    return 0;
}

static bool cfg_bool(const json_object *config, const char *key, bool def)
{
    json_object *v = NULL;
    if (!json_object_object_get_ex(config, key, &v) ||
        !json_object_is_type(v, json_type_boolean))
        return def;
    return json_object_get_boolean(v);
}

static int check_workplace(const json_object *config, const json_object *job,
                           struct hk_jobconfigs_filter_result *res)
{
    const char *w = job_str(job, "workplace");
    if (w == NULL || (strcmp(w, "remote") != 0 && strcmp(w, "hybrid") != 0 &&
                      strcmp(w, "onsite") != 0))
        return 0; /* unknown workplace: the board could not tell */
    if (cfg_bool(config, w, true))
        return 0;
    set_result(res, w, NULL, "%s jobs are turned off in this configuration%s",
               w);
    return 1;
}

static int check_applicants(const json_object *config, const json_object *job,
                            struct hk_jobconfigs_filter_result *res)
{
    json_object *th = NULL, *a = NULL, *v = NULL;
    if (!json_object_object_get_ex(config, "job_applicants_threshold", &th) ||
        !json_object_is_type(th, json_type_object))
        return 0;
    if (!json_object_object_get_ex(job, "applicants", &a) ||
        !json_object_is_type(a, json_type_int))
        return 0; /* unknown count: do not guess */
    int64_t n = json_object_get_int64(a);
    if (n < 0)
        return 0;
    char num[32];
    snprintf(num, sizeof(num), "%lld", (long long)n);
    if (json_object_object_get_ex(th, "min", &v) &&
        json_object_is_type(v, json_type_int) && n < json_object_get_int64(v)) {
        set_result(res, "job_applicants_threshold", NULL,
                   "%s applicants is below the minimum%s", num);
        return 1;
    }
    if (json_object_object_get_ex(th, "max", &v) &&
        json_object_is_type(v, json_type_int) && n > json_object_get_int64(v)) {
        set_result(res, "job_applicants_threshold", NULL,
                   "%s applicants is above the maximum%s", num);
        return 1;
    }
    return 0;
}

/* See filters.h. */
int hk_jobconfigs_filter_eval(struct hk_jobconfigs_filter *ctx,
                              const json_object *config, const json_object *job,
                              struct hk_jobconfigs_filter_result *res)
{
    static const struct {
        const char *rule, *key;
        bool whitelist;
    } lists[] = {{"company_blacklist", "company", false},
                 {"title_blacklist", "title", false},
                 {"title_whitelist", "title", true},
                 {"location_blacklist", "location", false},
                 {"description_blacklist", "description", false}};
    memset(res, 0, sizeof(*res));
    for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
        int rc =
            check_list(ctx, config, lists[i].rule, lists[i].key,
                       job_str(job, lists[i].key), lists[i].whitelist, res);
        if (rc != 0)
            return rc;
    }
    int rc = check_workplace(config, job, res);
    if (rc != 0)
        return rc;
    return check_applicants(config, job, res);
}

/* See filters.h. */
int hk_jobconfigs_filter_check(const json_object *config,
                               const json_object *job, char *why, size_t whylen)
{
    struct hk_jobconfigs_filter *ctx = hk_jobconfigs_filter_new();
    struct hk_jobconfigs_filter_result res;
    int rc = hk_jobconfigs_filter_eval(ctx, config, job, &res);
    hk_jobconfigs_filter_free(ctx);
    if (rc != 0 && why != NULL && whylen > 0)
        snprintf(why, whylen, "%s: %s", res.rule, res.why);
    else if (why != NULL && whylen > 0)
        why[0] = '\0';
    return rc;
}
