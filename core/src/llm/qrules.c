/*
 * llm/qrules.c - the question rule table: parsing etc/answers/rules.json
 * and classifying questions with it (see qrules.h).
 *
 * Matching works on normalized text (lower case, single spaces between
 * words), so a phrase matches only whole words: "java" never matches
 * "javascript", "email" matches "email address" but the email rule's
 * negative phrases keep "email marketing" out.  Rules are tried in file
 * order and the first match wins, so specific rules go first.
 */
#include <ctype.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "hawk/plugin.h"
#include "llm/qrules.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/str.h"

#define QR_MAX_FILE ((size_t)1 << 20)
#define QR_MAX_TERM_WORDS 4

struct qr_list {
    char **ph; /* normalized phrases */
    size_t n;
};

struct qr_lex {
    char name[24];
    int rank;
    struct qr_list names;
};

struct qr_rule {
    char id[48];
    enum hk_qslot_id slot;
    struct qr_list any;
    struct qr_list *all; /* each group needs one hit */
    size_t n_all;
    struct qr_list not_;
    struct qr_list capture; /* "experience with {x}" */
    struct qr_list types;   /* input types it applies to; empty: all */
    char requires[16];      /* "language", "region", "degree" or "" */
};

struct hk_qrules {
    struct qr_rule *rules;
    size_t n_rules;
    struct qr_list stop;
    struct qr_list total;
    struct qr_lex *regions, *languages, *degrees;
    size_t n_regions, n_languages, n_degrees;
};

static const char *const slot_names[] = {
#define HK_QSLOT_NAME(id, name) name,
    HK_QSLOT_LIST(HK_QSLOT_NAME)
#undef HK_QSLOT_NAME
};

/* See qrules.h. */
const char *hk_qslot_name(enum hk_qslot_id id)
{
    if ((int)id < 0 || id >= HK_QSLOT_COUNT)
        return "free_text";
    return slot_names[id];
}

/* See qrules.h. */
enum hk_qscope hk_qslot_scope(enum hk_qslot_id id)
{
    switch (id) {
    case HK_QSLOT_MOTIVATION:
        return HK_QSCOPE_COMPANY;
    case HK_QSLOT_FREE_TEXT:
    case HK_QSLOT_YES_NO:
    case HK_QSLOT_CHOICE:
        /* Unclassified questions are often about the job itself ("are
         * you comfortable with the travel this role needs?"). */
        return HK_QSCOPE_JOB;
    default:
        return HK_QSCOPE_GLOBAL;
    }
}

/* ---- normalization ------------------------------------------------------- */

static bool word_byte(unsigned char c)
{
    return c >= 0x80 || isalnum(c) || c == '+' || c == '#';
}

/* Length of a UTF-8 punctuation mark at p that separates words like
 * ASCII punctuation does: Latin-1 signs and marks (U+00A0-U+00BF but the
 * letters ª µ º: "¿", "¡", "«", "»") and the General Punctuation block
 * (U+2000-U+206F: dashes, quotes, bullets, "…").  0 for anything else. */
static size_t utf8_punct(const unsigned char *p)
{
    if (p[0] == 0xC2 && p[1] >= 0xA0 && p[1] <= 0xBF && p[1] != 0xAA &&
        p[1] != 0xB5 && p[1] != 0xBA)
        return 2;
    if (p[0] == 0xE2 && (p[1] == 0x80 || p[1] == 0x81) && p[2] >= 0x80 &&
        p[2] <= 0xBF)
        return 3;
    return 0;
}

/* See qrules.h. */
char *hk_qrules_normalize(const char *text)
{
    struct hk_buf b;
    bool space = false;
    const unsigned char *p = (const unsigned char *)(text ? text : "");

    hk_buf_init(&b, 0);
    for (; *p != '\0'; p++) {
        unsigned char c = *p;
        /* "node.js", "asp.net", "3.5": a dot between word bytes stays. */
        bool inner_dot =
            c == '.' && b.len > 0 && !space && isalnum(p[1]) && isalnum(p[-1]);
        size_t punct = utf8_punct(p);
        if (punct > 0) {
            p += punct - 1;
            space = b.len > 0;
            continue;
        }
        if (!word_byte(c) && !inner_dot) {
            space = b.len > 0;
            continue;
        }
        if (space)
            (void)hk_buf_putc(&b, ' ');
        space = false;
        if (c == 0xC3 && p[1] >= 0x80 && p[1] <= 0x9E && p[1] != 0x97) {
            /* Latin-1 capitals (À..Þ but ×) to lower case. */
            (void)hk_buf_putc(&b, (char)c);
            (void)hk_buf_putc(&b, (char)(p[1] + 0x20));
            p++;
            continue;
        }
        (void)hk_buf_putc(&b, (char)(c < 0x80 ? tolower(c) : c));
    }
    char *out = hk_buf_steal(&b, NULL);
    return out != NULL ? out : hk_strdup("");
}

/* See qrules.h. */
bool hk_qrules_has_phrase(const char *text, const char *phrase)
{
    size_t n = strlen(phrase);
    if (n == 0)
        return false;
    for (const char *p = strstr(text, phrase); p != NULL;
         p = strstr(p + 1, phrase)) {
        bool left = p == text || p[-1] == ' ';
        bool right = p[n] == '\0' || p[n] == ' ';
        if (left && right)
            return true;
    }
    return false;
}

static bool list_hit(const struct qr_list *l, const char *text)
{
    for (size_t i = 0; i < l->n; i++) {
        if (hk_qrules_has_phrase(text, l->ph[i]))
            return true;
    }
    return false;
}

static bool list_has(const struct qr_list *l, const char *word)
{
    for (size_t i = 0; i < l->n; i++) {
        if (strcmp(l->ph[i], word) == 0)
            return true;
    }
    return false;
}

/* ---- parsing ----------------------------------------------------------------- */

static void list_release(struct qr_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        hk_free(l->ph[i]);
    hk_free(l->ph);
    l->ph = NULL;
    l->n = 0;
}

/* Fills l from a JSON array of strings at member `key` of o (absent:
 * empty unless required).  Captures keep "{x}" as a word. */
static int list_parse(json_object *o, const char *key, bool required,
                      const char *where, struct qr_list *l, char *err,
                      size_t errlen)
{
    json_object *a = NULL;
    if (!json_object_object_get_ex(o, key, &a)) {
        if (!required)
            return 0;
        snprintf(err, errlen, "%s: '%s' is missing", where, key);
        return HAWK_ECONFIG;
    }
    if (!json_object_is_type(a, json_type_array)) {
        snprintf(err, errlen, "%s: '%s' must be a list of phrases", where, key);
        return HAWK_ECONFIG;
    }
    size_t n = json_object_array_length(a);
    l->ph = hk_calloc(n + 1, sizeof(char *));
    for (size_t i = 0; i < n; i++) {
        json_object *s = json_object_array_get_idx(a, i);
        if (!json_object_is_type(s, json_type_string)) {
            snprintf(err, errlen, "%s: '%s' entry %zu must be a string", where,
                     key, i + 1);
            return HAWK_ECONFIG;
        }
        /* Input types are names ("yes_no"), not phrases. */
        char *norm = strcmp(key, "types") == 0
                         ? hk_strdup(json_object_get_string(s))
                         : hk_qrules_normalize(json_object_get_string(s));
        if (strcmp(key, "capture") == 0) {
            /* normalize() drops the braces: put the marker back. */
            const char *raw = json_object_get_string(s);
            const char *x = strstr(raw, "{x}");
            hk_free(norm);
            norm = NULL;
            if (x != NULL) {
                char *pre = hk_strndup(raw, (size_t)(x - raw));
                char *a1 = hk_qrules_normalize(pre);
                char *a2 = hk_qrules_normalize(x + 3);
                norm = hk_asprintf("%s%s{x}%s%s", a1, a1[0] ? " " : "",
                                   a2[0] ? " " : "", a2);
                hk_free(pre);
                hk_free(a1);
                hk_free(a2);
            }
            if (norm == NULL || strncmp(norm, "{x}", 3) == 0) {
                hk_free(norm);
                snprintf(err, errlen,
                         "%s: capture '%.60s' needs words before {x}", where,
                         raw);
                return HAWK_ECONFIG;
            }
        }
        if (norm[0] == '\0') {
            hk_free(norm);
            snprintf(err, errlen, "%s: '%s' entry %zu has no words", where, key,
                     i + 1);
            return HAWK_ECONFIG;
        }
        l->ph[l->n++] = norm;
    }
    return 0;
}

static int slot_by_name(const char *name)
{
    for (int i = 0; i < HK_QSLOT_COUNT; i++) {
        if (strcmp(slot_names[i], name) == 0)
            return i;
    }
    return -1;
}

static int rule_parse(json_object *o, size_t idx, struct qr_rule *r, char *err,
                      size_t errlen)
{
    char where[80];
    json_object *v = NULL;
    snprintf(where, sizeof(where), "rule %zu", idx + 1);
    if (json_object_object_get_ex(o, "id", &v) &&
        json_object_is_type(v, json_type_string)) {
        hk_strlcpy(r->id, json_object_get_string(v), sizeof(r->id));
        snprintf(where, sizeof(where), "rule '%s'", r->id);
    }
    if (!json_object_object_get_ex(o, "slot", &v) ||
        !json_object_is_type(v, json_type_string)) {
        snprintf(err, errlen, "%s: 'slot' is missing", where);
        return HAWK_ECONFIG;
    }
    int s = slot_by_name(json_object_get_string(v));
    if (s < 0) {
        snprintf(err, errlen, "%s: unknown slot '%.40s'", where,
                 json_object_get_string(v));
        return HAWK_ECONFIG;
    }
    r->slot = (enum hk_qslot_id)s;
    if (json_object_object_get_ex(o, "requires", &v)) {
        const char *q = json_object_get_string(v);
        if (!json_object_is_type(v, json_type_string) ||
            (strcmp(q, "language") != 0 && strcmp(q, "region") != 0 &&
             strcmp(q, "degree") != 0)) {
            snprintf(err, errlen,
                     "%s: 'requires' must be language, region or degree",
                     where);
            return HAWK_ECONFIG;
        }
        hk_strlcpy(r->requires, q, sizeof(r->requires));
    }
    int rc = list_parse(o, "any", false, where, &r->any, err, errlen);
    if (rc == 0)
        rc = list_parse(o, "not", false, where, &r->not_, err, errlen);
    if (rc == 0)
        rc = list_parse(o, "capture", false, where, &r->capture, err, errlen);
    if (rc == 0)
        rc = list_parse(o, "types", false, where, &r->types, err, errlen);
    if (rc < 0)
        return rc;
    json_object *all = NULL;
    if (json_object_object_get_ex(o, "all", &all)) {
        if (!json_object_is_type(all, json_type_array)) {
            snprintf(err, errlen, "%s: 'all' must be a list of phrase lists",
                     where);
            return HAWK_ECONFIG;
        }
        size_t n = json_object_array_length(all);
        r->all = hk_calloc(n + 1, sizeof(*r->all));
        for (size_t i = 0; i < n; i++) {
            json_object *wrap = json_object_new_object();
            json_object_object_add(
                wrap, "group",
                json_object_get(json_object_array_get_idx(all, i)));
            rc =
                list_parse(wrap, "group", true, where, &r->all[i], err, errlen);
            json_object_put(wrap);
            r->n_all = i + 1;
            if (rc < 0)
                return rc;
        }
    }
    if (r->any.n == 0 && r->n_all == 0) {
        snprintf(err, errlen, "%s: give 'any' or 'all' phrases", where);
        return HAWK_ECONFIG;
    }
    return 0;
}

/* A {"name": [phrases]} map, or with ranked, a list of {"level", "rank",
 * "names"} (the degrees). */
static int lex_parse(json_object *root, const char *key, bool ranked,
                     struct qr_lex **out, size_t *n_out, char *err,
                     size_t errlen)
{
    json_object *m = NULL;
    *out = NULL;
    *n_out = 0;
    if (!json_object_object_get_ex(root, key, &m))
        return 0;
    if (ranked) {
        if (!json_object_is_type(m, json_type_array)) {
            snprintf(err, errlen, "'%s' must be a list", key);
            return HAWK_ECONFIG;
        }
        size_t n = json_object_array_length(m);
        *out = hk_calloc(n + 1, sizeof(**out));
        for (size_t i = 0; i < n; i++) {
            json_object *e = json_object_array_get_idx(m, i), *v = NULL;
            struct qr_lex *x = &(*out)[i];
            char where[64];
            *n_out = i + 1;
            snprintf(where, sizeof(where), "%s entry %zu", key, i + 1);
            if (!json_object_object_get_ex(e, "level", &v) ||
                !json_object_is_type(v, json_type_string)) {
                snprintf(err, errlen, "%s: 'level' is missing", where);
                return HAWK_ECONFIG;
            }
            hk_strlcpy(x->name, json_object_get_string(v), sizeof(x->name));
            if (!json_object_object_get_ex(e, "rank", &v) ||
                !json_object_is_type(v, json_type_int) ||
                json_object_get_int(v) < 1) {
                snprintf(err, errlen, "%s: 'rank' must be a number >= 1",
                         where);
                return HAWK_ECONFIG;
            }
            x->rank = json_object_get_int(v);
            int rc =
                list_parse(e, "names", true, where, &x->names, err, errlen);
            if (rc < 0)
                return rc;
        }
        return 0;
    }
    if (!json_object_is_type(m, json_type_object)) {
        snprintf(err, errlen, "'%s' must map names to phrase lists", key);
        return HAWK_ECONFIG;
    }
    size_t n = (size_t)json_object_object_length(m), i = 0;
    *out = hk_calloc(n + 1, sizeof(**out));
    json_object_object_foreach(m, name, list)
    {
        struct qr_lex *x = &(*out)[i++];
        char where[64];
        *n_out = i;
        hk_strlcpy(x->name, name, sizeof(x->name));
        snprintf(where, sizeof(where), "%s '%.24s'", key, name);
        json_object *wrap = json_object_new_object();
        json_object_object_add(wrap, "names", json_object_get(list));
        int rc = list_parse(wrap, "names", true, where, &x->names, err, errlen);
        json_object_put(wrap);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* See qrules.h. */
void hk_qrules_free(struct hk_qrules *r)
{
    if (r == NULL)
        return;
    for (size_t i = 0; i < r->n_rules; i++) {
        struct qr_rule *x = &r->rules[i];
        list_release(&x->any);
        list_release(&x->not_);
        list_release(&x->capture);
        list_release(&x->types);
        for (size_t j = 0; j < x->n_all; j++)
            list_release(&x->all[j]);
        hk_free(x->all);
    }
    hk_free(r->rules);
    struct qr_lex *lexes[] = {r->regions, r->languages, r->degrees};
    size_t ns[] = {r->n_regions, r->n_languages, r->n_degrees};
    for (size_t k = 0; k < 3; k++) {
        for (size_t i = 0; i < ns[k]; i++)
            list_release(&lexes[k][i].names);
        hk_free(lexes[k]);
    }
    list_release(&r->stop);
    list_release(&r->total);
    hk_free(r);
}

/* See qrules.h. */
struct hk_qrules *hk_qrules_parse(const char *json_text, char *err,
                                  size_t errlen)
{
    struct json_tokener *tok = json_tokener_new();
    json_object *root =
        json_tokener_parse_ex(tok, json_text, (int)strlen(json_text));
    enum json_tokener_error jerr = json_tokener_get_error(tok);
    json_tokener_free(tok);
    if (root == NULL || jerr != json_tokener_success ||
        !json_object_is_type(root, json_type_object)) {
        snprintf(err, errlen, "not a JSON object (%s)",
                 jerr != json_tokener_success ? json_tokener_error_desc(jerr)
                                              : "wrong type");
        json_object_put(root);
        return NULL;
    }
    struct hk_qrules *r = hk_calloc(1, sizeof(*r));
    json_object *rules = NULL;
    int rc =
        list_parse(root, "stop_words", false, "table", &r->stop, err, errlen);
    if (rc == 0)
        rc = list_parse(root, "total_terms", false, "table", &r->total, err,
                        errlen);
    if (rc == 0)
        rc = lex_parse(root, "regions", false, &r->regions, &r->n_regions, err,
                       errlen);
    if (rc == 0)
        rc = lex_parse(root, "languages", false, &r->languages, &r->n_languages,
                       err, errlen);
    if (rc == 0)
        rc = lex_parse(root, "degrees", true, &r->degrees, &r->n_degrees, err,
                       errlen);
    if (rc == 0 && (!json_object_object_get_ex(root, "rules", &rules) ||
                    !json_object_is_type(rules, json_type_array) ||
                    json_object_array_length(rules) == 0)) {
        snprintf(err, errlen, "'rules' must be a non-empty list");
        rc = HAWK_ECONFIG;
    }
    if (rc == 0) {
        size_t n = json_object_array_length(rules);
        r->rules = hk_calloc(n, sizeof(*r->rules));
        for (size_t i = 0; i < n && rc == 0; i++) {
            r->n_rules = i + 1;
            rc = rule_parse(json_object_array_get_idx(rules, i), i,
                            &r->rules[i], err, errlen);
        }
    }
    json_object_put(root);
    if (rc < 0) {
        hk_qrules_free(r);
        return NULL;
    }
    return r;
}

/* See qrules.h. */
struct hk_qrules *hk_qrules_read(const char *path, char *err, size_t errlen)
{
    char why[200];
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        snprintf(err, errlen, "cannot open question rules '%s': %s", path,
                 strerror(errno));
        return NULL;
    }
    struct hk_buf b;
    char chunk[8192];
    size_t n;
    hk_buf_init(&b, QR_MAX_FILE);
    int rc = 0;
    while (rc == 0 && (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        rc = hk_buf_append(&b, chunk, n);
    bool bad = ferror(f) != 0;
    fclose(f);
    if (rc < 0 || bad) {
        snprintf(err, errlen, "cannot read question rules '%s': %s", path,
                 rc < 0 ? "larger than 1 MiB" : "read error");
        hk_buf_release(&b);
        return NULL;
    }
    struct hk_qrules *r = hk_qrules_parse(hk_buf_str(&b), why, sizeof(why));
    hk_buf_release(&b);
    if (r == NULL)
        snprintf(err, errlen, "question rules '%s': %s", path, why);
    return r;
}

static struct hk_qrules *current;

/* See qrules.h. */
const struct hk_qrules *hk_qrules_current(void)
{
    return current;
}

/* See qrules.h. */
void hk_qrules_install(struct hk_qrules *r)
{
    hk_qrules_free(current);
    current = r;
}

/* ---- classifying ------------------------------------------------------------ */

static bool rule_matches(const struct qr_rule *r, const char *text,
                         const char *type)
{
    if (r->types.n > 0 && (type == NULL || !list_has(&r->types, type)))
        return false;
    if (r->any.n > 0 && !list_hit(&r->any, text))
        return false;
    for (size_t i = 0; i < r->n_all; i++) {
        if (!list_hit(&r->all[i], text))
            return false;
    }
    return !list_hit(&r->not_, text);
}

/* Words of text from p on, up to a stop word, the end, or (when until is
 * set) the phrase until; at most QR_MAX_TERM_WORDS.  0 with out filled,
 * -1 when nothing fits. */
static int take_term(const struct hk_qrules *r, const char *p,
                     const char *until, char *out, size_t outlen)
{
    size_t used = 0, words = 0;
    out[0] = '\0';
    while (*p == ' ')
        p++;
    while (*p != '\0') {
        if (until != NULL && until[0] != '\0' &&
            strncmp(p, until, strlen(until)) == 0 &&
            (p[strlen(until)] == '\0' || p[strlen(until)] == ' '))
            return used > 0 ? 0 : -1;
        const char *e = strchr(p, ' ');
        size_t n = e != NULL ? (size_t)(e - p) : strlen(p);
        char w[64];
        if (n >= sizeof(w))
            return -1;
        memcpy(w, p, n);
        w[n] = '\0';
        if (list_has(&r->stop, w))
            break;
        if (++words > QR_MAX_TERM_WORDS || used + n + 2 > outlen)
            return -1;
        if (used > 0)
            out[used++] = ' ';
        memcpy(out + used, w, n + 1);
        used += n;
        p += n;
        while (*p == ' ')
            p++;
    }
    /* A capture that must end at a phrase but ran into the end failed. */
    if (until != NULL && until[0] != '\0')
        return -1;
    return used > 0 ? 0 : -1;
}

/* Fills out->term from the first capture pattern that fits. */
static void capture_term(const struct hk_qrules *r, const struct qr_rule *rule,
                         const char *text, struct hk_qslot *out)
{
    for (size_t i = 0; i < rule->capture.n; i++) {
        const char *pat = rule->capture.ph[i];
        const char *x = strstr(pat, "{x}");
        char pre[128];
        size_t pn = (size_t)(x - pat);
        while (pn > 0 && pat[pn - 1] == ' ')
            pn--;
        if (pn >= sizeof(pre))
            continue;
        memcpy(pre, pat, pn);
        pre[pn] = '\0';
        const char *until = x + 3;
        while (*until == ' ')
            until++;
        for (const char *p = strstr(text, pre); p != NULL;
             p = strstr(p + 1, pre)) {
            bool left = p == text || p[-1] == ' ';
            bool right = p[pn] == '\0' || p[pn] == ' ';
            if (!left || !right)
                continue;
            if (take_term(r, p + pn, until, out->term, sizeof(out->term)) == 0)
                return;
        }
    }
    out->term[0] = '\0';
}

/* Drops generic words ("professional", "the") from a captured term, so
 * "years of professional python experience" asks about "python". */
static void strip_generic(const struct hk_qrules *r, char *term)
{
    char in[64], w[64];
    size_t used = 0;
    hk_strlcpy(in, term, sizeof(in));
    term[0] = '\0';
    for (const char *p = in; *p != '\0';) {
        const char *e = strchr(p, ' ');
        size_t n = e != NULL ? (size_t)(e - p) : strlen(p);
        memcpy(w, p, n);
        w[n] = '\0';
        if (!list_has(&r->total, w)) {
            if (used > 0)
                term[used++] = ' ';
            memcpy(term + used, w, n + 1);
            used += n;
        }
        p += n;
        while (*p == ' ')
            p++;
    }
}

static const struct qr_lex *lex_find(const struct qr_lex *lex, size_t n,
                                     const char *text)
{
    for (size_t i = 0; i < n; i++) {
        if (list_hit(&lex[i].names, text))
            return &lex[i];
    }
    return NULL;
}

static enum hk_qslot_id generic_slot(const char *type)
{
    if (type != NULL && strcmp(type, "yes_no") == 0)
        return HK_QSLOT_YES_NO;
    if (type != NULL && (strcmp(type, "single_choice") == 0 ||
                         strcmp(type, "multiple_choice") == 0))
        return HK_QSLOT_CHOICE;
    return HK_QSLOT_FREE_TEXT;
}

/* See qrules.h. */
void hk_qrules_classify(const struct hk_qrules *r, const char *text,
                        const char *type, struct hk_qslot *out)
{
    memset(out, 0, sizeof(*out));
    out->slot = generic_slot(type);
    if (r == NULL)
        return;
    char *norm = hk_qrules_normalize(text);
    const struct qr_lex *x = lex_find(r->regions, r->n_regions, norm);
    if (x != NULL)
        hk_strlcpy(out->region, x->name, sizeof(out->region));
    x = lex_find(r->languages, r->n_languages, norm);
    if (x != NULL)
        hk_strlcpy(out->language, x->name, sizeof(out->language));
    /* The highest degree named: forms ask about one level at a time. */
    for (size_t i = 0; i < r->n_degrees; i++) {
        if (list_hit(&r->degrees[i].names, norm) &&
            r->degrees[i].rank > out->degree_rank) {
            out->degree_rank = r->degrees[i].rank;
            hk_strlcpy(out->degree, r->degrees[i].name, sizeof(out->degree));
        }
    }
    for (size_t i = 0; i < r->n_rules; i++) {
        const struct qr_rule *rule = &r->rules[i];
        if (!rule_matches(rule, norm, type))
            continue;
        if ((strcmp(rule->requires, "language") == 0 && !out->language[0]) ||
            (strcmp(rule->requires, "region") == 0 && !out->region[0]) ||
            (strcmp(rule->requires, "degree") == 0 && !out->degree[0]))
            continue;
        out->slot = rule->slot;
        hk_strlcpy(out->rule, rule->id, sizeof(out->rule));
        if (rule->capture.n > 0) {
            capture_term(r, rule, norm, out);
            strip_generic(r, out->term);
        }
        break;
    }
    if (out->slot == HK_QSLOT_YEARS_SKILL && hk_qrules_total_term(r, out->term))
        out->slot = HK_QSLOT_YEARS_TOTAL;
    hk_free(norm);
}

/* See qrules.h. */
bool hk_qrules_total_term(const struct hk_qrules *r, const char *term)
{
    if (term == NULL || term[0] == '\0')
        return true;
    if (r == NULL)
        return false;
    /* Every word generic: "professional work", "relevant". */
    char buf[64];
    hk_strlcpy(buf, term, sizeof(buf));
    for (char *w = buf; *w != '\0';) {
        char *e = strchr(w, ' ');
        if (e != NULL)
            *e = '\0';
        if (!list_has(&r->total, w))
            return false;
        if (e == NULL)
            break;
        w = e + 1;
    }
    return true;
}

/* See qrules.h. */
int hk_qrules_degree_rank(const struct hk_qrules *r, const char *text)
{
    if (r == NULL || text == NULL)
        return 0;
    char *norm = hk_qrules_normalize(text);
    int best = 0;
    for (size_t i = 0; i < r->n_degrees; i++) {
        if (r->degrees[i].rank > best && list_hit(&r->degrees[i].names, norm))
            best = r->degrees[i].rank;
    }
    hk_free(norm);
    return best;
}

/* See qrules.h. */
bool hk_qrules_names_language(const struct hk_qrules *r, const char *text,
                              const char *language)
{
    if (r == NULL || text == NULL || language == NULL)
        return false;
    char *norm = hk_qrules_normalize(text);
    bool hit = false;
    for (size_t i = 0; i < r->n_languages && !hit; i++) {
        if (strcmp(r->languages[i].name, language) == 0)
            hit = list_hit(&r->languages[i].names, norm);
    }
    hk_free(norm);
    return hit;
}
