/*
 * platform/resumes/import.c - structured resumes from JSON Resume
 * (jsonresume.org schema) and from YAML files in the original bot's
 * layout.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "hawk/plugin.h"
#include "platform/resumes/import.h"
#include "platform/resumes/resumes.h"
#include "util/alloc.h"
#include "util/str.h"

/* ---------------------------------------------------------------------
 * JSON Resume
 * ------------------------------------------------------------------ */

struct ictx {
    char *path;
    size_t pathlen;
    char *msg;
    size_t msglen;
};

static int ifail(struct ictx *c, const char *path, const char *msg)
{
    hk_strlcpy(c->path, path, c->pathlen);
    hk_strlcpy(c->msg, msg, c->msglen);
    return HAWK_EINVAL;
}

/* Copies src[skey] (text) into dst[dkey].  Absent or null is skipped;
 * another type is an error naming path.skey. */
static int copy_text(struct ictx *c, const char *path, json_object *src,
                     const char *skey, json_object *dst, const char *dkey)
{
    json_object *v = NULL;
    if (!json_object_object_get_ex(src, skey, &v) ||
        json_object_is_type(v, json_type_null))
        return 0;
    if (!json_object_is_type(v, json_type_string) &&
        !json_object_is_type(v, json_type_int) &&
        !json_object_is_type(v, json_type_double)) {
        char p[256];
        snprintf(p, sizeof(p), "%s.%s", path, skey);
        return ifail(c, p, "must be a string");
    }
    json_object_object_add(dst, dkey,
                           json_object_new_string(json_object_get_string(v)));
    return 0;
}

/* Member k of o when it is a string, else NULL.  (This file is built on
 * its own by the fuzz targets, without the platform's route helpers.) */
static const char *member_str(json_object *o, const char *k)
{
    json_object *v = NULL;
    if (!json_object_object_get_ex(o, k, &v) ||
        !json_object_is_type(v, json_type_string))
        return NULL;
    return json_object_get_string(v);
}

/* Fetches jr[key] as a list (NULL when absent); error for another type. */
static int get_list(struct ictx *c, json_object *jr, const char *key,
                    json_object **out)
{
    json_object *v = NULL;
    *out = NULL;
    if (!json_object_object_get_ex(jr, key, &v) ||
        json_object_is_type(v, json_type_null))
        return 0;
    if (!json_object_is_type(v, json_type_array))
        return ifail(c, key, "must be a list");
    if (json_object_array_length(v) > HK_RESUMES_MAX_ITEMS)
        return ifail(c, key, "list has too many entries");
    *out = v;
    return 0;
}

static int item_object(struct ictx *c, const char *key, size_t i,
                       json_object *item, char *path, size_t pathlen)
{
    snprintf(path, pathlen, "%s[%zu]", key, i);
    if (!json_object_is_type(item, json_type_object))
        return ifail(c, path, "must be an object");
    return 0;
}

/* Copies a list of strings src[skey] into dst[dkey]. */
static int copy_textlist(struct ictx *c, const char *path, json_object *src,
                         const char *skey, json_object *dst, const char *dkey)
{
    json_object *v = NULL;
    char p[256];
    snprintf(p, sizeof(p), "%s.%s", path, skey);
    if (!json_object_object_get_ex(src, skey, &v) ||
        json_object_is_type(v, json_type_null))
        return 0;
    if (!json_object_is_type(v, json_type_array))
        return ifail(c, p, "must be a list");
    json_object *arr = json_object_new_array();
    size_t n = json_object_array_length(v);
    for (size_t i = 0; i < n && i < HK_RESUMES_MAX_ITEMS; i++) {
        json_object *e = json_object_array_get_idx(v, i);
        if (!json_object_is_type(e, json_type_string)) {
            json_object_put(arr);
            char pi[300];
            snprintf(pi, sizeof(pi), "%s[%zu]", p, i);
            return ifail(c, pi, "must be a string");
        }
        json_object_array_add(arr, json_object_get(e));
    }
    json_object_object_add(dst, dkey, arr);
    return 0;
}

static int map_basics(struct ictx *c, json_object *jr, json_object *out)
{
    json_object *b = NULL;
    if (!json_object_object_get_ex(jr, "basics", &b) ||
        json_object_is_type(b, json_type_null))
        return 0;
    if (!json_object_is_type(b, json_type_object))
        return ifail(c, "basics", "must be an object");
    json_object *pi = json_object_new_object();
    json_object_object_add(out, "personal_information", pi);
    const char *full = member_str(b, "name");
    if (full != NULL) {
        /* "Ada King Lovelace" -> name "Ada", surname "King Lovelace". */
        const char *sp = strchr(full, ' ');
        if (sp != NULL) {
            json_object_object_add(
                pi, "name", json_object_new_string_len(full, (int)(sp - full)));
            while (*sp == ' ')
                sp++;
            json_object_object_add(pi, "surname", json_object_new_string(sp));
        } else {
            json_object_object_add(pi, "name", json_object_new_string(full));
        }
    } else {
        int rc = copy_text(c, "basics", b, "name", pi, "name");
        if (rc < 0)
            return rc;
    }
    static const char *const pairs[][2] = {{"email", "email"},
                                           {"phone", "phone"},
                                           {"url", "website"},
                                           {"summary", "summary"}};
    for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
        int rc = copy_text(c, "basics", b, pairs[i][0], pi, pairs[i][1]);
        if (rc < 0)
            return rc;
    }
    json_object *loc = NULL;
    if (json_object_object_get_ex(b, "location", &loc) &&
        !json_object_is_type(loc, json_type_null)) {
        if (!json_object_is_type(loc, json_type_object))
            return ifail(c, "basics.location", "must be an object");
        static const char *const lp[][2] = {{"address", "address"},
                                            {"postalCode", "zip_code"},
                                            {"city", "city"},
                                            {"countryCode", "country"}};
        for (size_t i = 0; i < sizeof(lp) / sizeof(lp[0]); i++) {
            int rc =
                copy_text(c, "basics.location", loc, lp[i][0], pi, lp[i][1]);
            if (rc < 0)
                return rc;
        }
    }
    json_object *profiles = NULL;
    if (json_object_object_get_ex(b, "profiles", &profiles) &&
        json_object_is_type(profiles, json_type_array)) {
        size_t n = json_object_array_length(profiles);
        for (size_t i = 0; i < n; i++) {
            json_object *p = json_object_array_get_idx(profiles, i);
            const char *net = member_str(p, "network");
            const char *url = member_str(p, "url");
            if (net == NULL || url == NULL)
                continue;
            if (hk_str_ieq(net, "github"))
                json_object_object_add(pi, "github",
                                       json_object_new_string(url));
            else if (hk_str_ieq(net, "linkedin"))
                json_object_object_add(pi, "linkedin",
                                       json_object_new_string(url));
        }
    }
    return 0;
}

/* Maps one item of a JSON Resume list: in is the item (an object; path p
 * names it in errors, e.g. "work[2]"); appends what it makes of it to
 * arr.  arg is the list's own argument (see map_list). */
typedef int (*item_fn)(struct ictx *c, const char *p, json_object *in,
                       json_object *arr, const void *arg);

/* Maps the list jr[src] (absent or null: nothing) into a new array
 * out[dst], item by item. */
static int map_list(struct ictx *c, json_object *jr, json_object *out,
                    const char *src, const char *dst, item_fn item,
                    const void *arg)
{
    json_object *l = NULL;
    int rc = get_list(c, jr, src, &l);
    if (rc < 0 || l == NULL)
        return rc;
    json_object *arr = json_object_new_array();
    json_object_object_add(out, dst, arr);
    size_t n = json_object_array_length(l);
    for (size_t i = 0; i < n; i++) {
        char p[64];
        json_object *s = json_object_array_get_idx(l, i);
        rc = item_object(c, src, i, s, p, sizeof(p));
        if (rc < 0)
            return rc;
        rc = item(c, p, s, arr, arg);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* A new object appended to arr (owned by arr). */
static json_object *new_item(json_object *arr)
{
    json_object *e = json_object_new_object();
    json_object_array_add(arr, e);
    return e;
}

static int work_item(struct ictx *c, const char *p, json_object *w,
                     json_object *arr, const void *arg)
{
    (void)arg;
    json_object *e = new_item(arr);
    int rc;
    if ((rc = copy_text(c, p, w, "position", e, "position")) < 0 ||
        (rc = copy_text(c, p, w, "name", e, "company")) < 0 ||
        (rc = copy_text(c, p, w, "location", e, "location")) < 0 ||
        (rc = copy_text(c, p, w, "description", e, "industry")) < 0)
        return rc;
    if (!json_object_object_get_ex(e, "company", NULL))
        if ((rc = copy_text(c, p, w, "company", e, "company")) < 0)
            return rc;
    const char *start = member_str(w, "startDate");
    const char *end = member_str(w, "endDate");
    if (start != NULL) {
        char *period =
            hk_asprintf("%s - %s", start, end && *end ? end : "Present");
        json_object_object_add(e, "employment_period",
                               json_object_new_string(period));
        hk_free(period);
    }
    rc = copy_textlist(c, p, w, "highlights", e, "key_responsibilities");
    if (rc < 0)
        return rc;
    const char *summary = member_str(w, "summary");
    if (summary != NULL && *summary) {
        json_object *kr = NULL;
        if (!json_object_object_get_ex(e, "key_responsibilities", &kr)) {
            kr = json_object_new_array();
            json_object_object_add(e, "key_responsibilities", kr);
        }
        json_object_array_add(kr, json_object_new_string(summary));
    }
    return 0;
}

static int education_item(struct ictx *c, const char *p, json_object *s,
                          json_object *arr, const void *arg)
{
    (void)arg;
    json_object *e = new_item(arr);
    int rc;
    if ((rc = copy_text(c, p, s, "institution", e, "institution")) < 0 ||
        (rc = copy_text(c, p, s, "studyType", e, "education_level")) < 0 ||
        (rc = copy_text(c, p, s, "area", e, "field_of_study")) < 0 ||
        (rc = copy_text(c, p, s, "score", e, "final_evaluation_grade")) < 0 ||
        (rc = copy_text(c, p, s, "startDate", e, "start_date")) < 0)
        return rc;
    const char *end = member_str(s, "endDate");
    if (end != NULL && strlen(end) >= 4)
        json_object_object_add(e, "year_of_completion",
                               json_object_new_string_len(end, 4));
    return 0;
}

static int skill_item(struct ictx *c, const char *p, json_object *s,
                      json_object *arr, const void *arg)
{
    (void)arg;
    json_object *e = new_item(arr);
    int rc;
    if ((rc = copy_text(c, p, s, "name", e, "name")) < 0 ||
        (rc = copy_text(c, p, s, "level", e, "level")) < 0 ||
        (rc = copy_textlist(c, p, s, "keywords", e, "keywords")) < 0)
        return rc;
    return 0;
}

static int language_item(struct ictx *c, const char *p, json_object *s,
                         json_object *arr, const void *arg)
{
    (void)arg;
    json_object *e = new_item(arr);
    int rc;
    if ((rc = copy_text(c, p, s, "language", e, "language")) < 0 ||
        (rc = copy_text(c, p, s, "fluency", e, "proficiency")) < 0)
        return rc;
    return 0;
}

/* Interests become plain strings: their names. */
static int interest_item(struct ictx *c, const char *p, json_object *s,
                         json_object *arr, const void *arg)
{
    (void)arg;
    const char *name = member_str(s, "name");
    if (name == NULL) {
        char pn[96];
        snprintf(pn, sizeof(pn), "%s.name", p);
        return ifail(c, pn, "must be a string");
    }
    json_object_array_add(arr, json_object_new_string(name));
    return 0;
}

/* projects, awards and certificates share the {name, description} shape
 * with different source keys; `extra` (may be NULL) is appended to the
 * description in parentheses (issuer, awarder). */
struct named_list {
    const char *src, *dst, *name_key, *desc_key, *extra;
};

static int named_item(struct ictx *c, const char *p, json_object *s,
                      json_object *arr, const void *arg)
{
    const struct named_list *nl = arg;
    json_object *e = new_item(arr);
    int rc;
    if ((rc = copy_text(c, p, s, nl->name_key, e, "name")) < 0 ||
        (rc = copy_text(c, p, s, nl->desc_key, e, "description")) < 0)
        return rc;
    if (strcmp(nl->dst, "projects") == 0 &&
        (rc = copy_text(c, p, s, "url", e, "link")) < 0)
        return rc;
    const char *x = nl->extra ? member_str(s, nl->extra) : NULL;
    if (x != NULL && *x) {
        const char *d = member_str(e, "description");
        char *desc = d && *d ? hk_asprintf("%s (%s)", d, x) : hk_strdup(x);
        json_object_object_add(e, "description", json_object_new_string(desc));
        hk_free(desc);
    }
    return 0;
}

static int map_named(struct ictx *c, json_object *jr, json_object *out,
                     const struct named_list *nl)
{
    return map_list(c, jr, out, nl->src, nl->dst, named_item, nl);
}

static const struct named_list projects = {"projects", "projects", "name",
                                           "description", NULL};
static const struct named_list awards = {"awards", "achievements", "title",
                                         "summary", "awarder"};
static const struct named_list certificates = {"certificates", "certifications",
                                               "name", "date", "issuer"};

/* See import.h. */
int hk_resumes_from_json_resume(json_object *jr, json_object **out, char *path,
                                size_t pathlen, char *msg, size_t msglen)
{
    struct ictx c = {path, pathlen, msg, msglen};
    *out = NULL;
    if (!json_object_is_type(jr, json_type_object))
        return ifail(&c, "resume", "must be a JSON Resume object");
    json_object *res = json_object_new_object();
    int rc;
    if ((rc = map_basics(&c, jr, res)) < 0 ||
        (rc = map_list(&c, jr, res, "work", "experience_details", work_item,
                       NULL)) < 0 ||
        (rc = map_list(&c, jr, res, "education", "education_details",
                       education_item, NULL)) < 0 ||
        (rc = map_list(&c, jr, res, "skills", "skills", skill_item, NULL)) <
            0 ||
        (rc = map_list(&c, jr, res, "languages", "languages", language_item,
                       NULL)) < 0 ||
        (rc = map_list(&c, jr, res, "interests", "interests", interest_item,
                       NULL)) < 0 ||
        (rc = map_named(&c, jr, res, &projects)) < 0 ||
        (rc = map_named(&c, jr, res, &awards)) < 0 ||
        (rc = map_named(&c, jr, res, &certificates)) < 0) {
        json_object_put(res);
        return rc;
    }
    *out = res;
    return 0;
}

/* ---------------------------------------------------------------------
 * YAML
 * ------------------------------------------------------------------ */

#define YAML_MAX_DEPTH 64
#define YAML_MAX_NODES 100000

struct yframe {
    json_object *obj;
    bool is_map;
    char *key; /* pending mapping key, owned */
};

struct yctx {
    struct yframe stack[YAML_MAX_DEPTH];
    int depth;
    json_object *root;
    size_t nodes;
};

static bool all_digits(const char *s)
{
    if (*s == '\0')
        return false;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return false;
    return true;
}

/* Types a plain scalar: null, booleans, integers and decimals without
 * leading zeros or signs other than '-' (so zip codes, "+39..." phone
 * numbers and versions stay text). */
static json_object *plain_scalar(const char *s, size_t n)
{
    if (n == 0 || strcmp(s, "~") == 0 || strcmp(s, "null") == 0 ||
        strcmp(s, "Null") == 0 || strcmp(s, "NULL") == 0)
        return NULL;
    if (strcmp(s, "true") == 0 || strcmp(s, "True") == 0 ||
        strcmp(s, "TRUE") == 0)
        return json_object_new_boolean(1);
    if (strcmp(s, "false") == 0 || strcmp(s, "False") == 0 ||
        strcmp(s, "FALSE") == 0)
        return json_object_new_boolean(0);
    const char *d = s[0] == '-' ? s + 1 : s;
    const char *dot = strchr(d, '.');
    size_t ilen = dot ? (size_t)(dot - d) : strlen(d);
    if (ilen == 0 || (ilen > 1 && d[0] == '0'))
        return json_object_new_string_len(s, (int)n);
    char ipart[32];
    if (ilen >= sizeof(ipart))
        return json_object_new_string_len(s, (int)n);
    memcpy(ipart, d, ilen);
    ipart[ilen] = '\0';
    if (!all_digits(ipart))
        return json_object_new_string_len(s, (int)n);
    if (dot == NULL) {
        int64_t v;
        if (hk_parse_i64(s, INT64_MIN, INT64_MAX, &v) == 0)
            return json_object_new_int64(v);
        return json_object_new_string_len(s, (int)n);
    }
    if (!all_digits(dot + 1) || strlen(dot + 1) > 15)
        return json_object_new_string_len(s, (int)n);
    char *end = NULL;
    double v = strtod(s, &end);
    if (end == NULL || *end != '\0')
        return json_object_new_string_len(s, (int)n);
    /* Keep the written form so "3.80" is not re-serialized as 3.8000001. */
    return json_object_new_double_s(v, s);
}

static int yfail(char *err, size_t errlen, int *line, size_t mark_line,
                 const char *msg)
{
    *line = (int)mark_line + 1;
    snprintf(err, errlen, "%s (line %d)", msg, *line);
    return HAWK_EINVAL;
}

/* Attaches a finished value to the container on top of the stack. */
static int attach(struct yctx *y, json_object *val, bool is_scalar,
                  const char *scalar, size_t mark_line, int *line, char *err,
                  size_t errlen)
{
    if (y->depth == 0) {
        if (y->root != NULL) {
            json_object_put(val);
            return yfail(err, errlen, line, mark_line,
                         "more than one value at the top level");
        }
        y->root = val;
        return 0;
    }
    struct yframe *f = &y->stack[y->depth - 1];
    if (!f->is_map) {
        json_object_array_add(f->obj, val);
        return 0;
    }
    if (f->key == NULL) {
        if (!is_scalar) {
            json_object_put(val);
            return yfail(err, errlen, line, mark_line,
                         "mapping keys must be plain text");
        }
        json_object_put(val);
        if (json_object_object_get_ex(f->obj, scalar, NULL)) {
            char m[160];
            snprintf(m, sizeof(m), "duplicate key '%.100s'", scalar);
            return yfail(err, errlen, line, mark_line, m);
        }
        f->key = hk_strdup(scalar);
        return 0;
    }
    json_object_object_add(f->obj, f->key, val);
    hk_free(f->key);
    f->key = NULL;
    return 0;
}

/* See import.h. */
int hk_resumes_yaml_parse(const char *text, size_t len, json_object **out,
                          int *line, char *err, size_t errlen)
{
    yaml_parser_t parser;
    yaml_event_t ev;
    struct yctx y;
    int rc = 0;
    int docs = 0;
    bool done = false;

    *out = NULL;
    *line = 0;
    memset(&y, 0, sizeof(y));
    if (!hk_utf8_valid(text, len)) {
        snprintf(err, errlen, "YAML file is not valid UTF-8 text");
        *line = 1;
        return HAWK_EINVAL;
    }
    if (!yaml_parser_initialize(&parser)) {
        snprintf(err, errlen, "cannot start the YAML parser");
        return HAWK_ENOMEM;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    while (!done) {
        if (!yaml_parser_parse(&parser, &ev)) {
            char m[200];
            snprintf(m, sizeof(m), "invalid YAML: %s%s%s",
                     parser.problem ? parser.problem : "syntax error",
                     parser.context ? " " : "",
                     parser.context ? parser.context : "");
            rc = yfail(err, errlen, line, parser.problem_mark.line, m);
            break;
        }
        size_t ml = ev.start_mark.line;
        if (++y.nodes > YAML_MAX_NODES) {
            rc = yfail(err, errlen, line, ml, "YAML file has too many nodes");
            yaml_event_delete(&ev);
            break;
        }
        switch (ev.type) {
        case YAML_STREAM_END_EVENT:
            done = true;
            break;
        case YAML_DOCUMENT_START_EVENT:
            if (++docs > 1)
                rc = yfail(err, errlen, line, ml,
                           "YAML file has more than one document");
            break;
        case YAML_ALIAS_EVENT:
            rc = yfail(err, errlen, line, ml,
                       "YAML aliases (*name) are not supported; write the "
                       "value out");
            break;
        case YAML_SCALAR_EVENT: {
            const char *s = (const char *)ev.data.scalar.value;
            size_t n = ev.data.scalar.length;
            if (ev.data.scalar.anchor != NULL) {
                rc = yfail(err, errlen, line, ml,
                           "YAML anchors (&name) are not supported");
                break;
            }
            if (strlen(s) != n) {
                rc = yfail(err, errlen, line, ml, "YAML text contains NUL");
                break;
            }
            json_object *v =
                ev.data.scalar.plain_implicit &&
                        ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE
                    ? plain_scalar(s, n)
                    : json_object_new_string_len(s, (int)n);
            bool is_null = v == NULL;
            if (is_null && y.depth > 0 && y.stack[y.depth - 1].is_map &&
                y.stack[y.depth - 1].key == NULL)
                v = json_object_new_string(""); /* "~:" is a key "" */
            if (is_null && v == NULL) {
                /* json-c's null is NULL: attach handles it as a value. */
                if (y.depth == 0) {
                    rc = yfail(err, errlen, line, ml, "YAML document is empty");
                    break;
                }
            }
            rc = attach(&y, v, true, s, ml, line, err, errlen);
            break;
        }
        case YAML_SEQUENCE_START_EVENT:
        case YAML_MAPPING_START_EVENT: {
            bool is_map = ev.type == YAML_MAPPING_START_EVENT;
            const yaml_char_t *anchor = is_map ? ev.data.mapping_start.anchor
                                               : ev.data.sequence_start.anchor;
            if (anchor != NULL) {
                rc = yfail(err, errlen, line, ml,
                           "YAML anchors (&name) are not supported");
                break;
            }
            if (y.depth == YAML_MAX_DEPTH) {
                rc = yfail(err, errlen, line, ml, "YAML nesting is too deep");
                break;
            }
            if (y.depth > 0 && y.stack[y.depth - 1].is_map &&
                y.stack[y.depth - 1].key == NULL) {
                rc = yfail(err, errlen, line, ml,
                           "mapping keys must be plain text");
                break;
            }
            struct yframe *f = &y.stack[y.depth++];
            f->obj =
                is_map ? json_object_new_object() : json_object_new_array();
            f->is_map = is_map;
            f->key = NULL;
            break;
        }
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT: {
            struct yframe f = y.stack[--y.depth];
            hk_free(f.key);
            rc = attach(&y, f.obj, false, NULL, ml, line, err, errlen);
            break;
        }
        default:
            break;
        }
        yaml_event_delete(&ev);
        if (rc < 0)
            break;
    }
    yaml_parser_delete(&parser);
    while (y.depth > 0) {
        struct yframe *f = &y.stack[--y.depth];
        hk_free(f->key);
        json_object_put(f->obj);
    }
    if (rc == 0 && y.root == NULL) {
        *line = 1;
        snprintf(err, errlen, "YAML document is empty");
        rc = HAWK_EINVAL;
    }
    if (rc < 0) {
        json_object_put(y.root);
        return rc;
    }
    *out = y.root;
    return 0;
}
