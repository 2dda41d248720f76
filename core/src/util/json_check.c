/*
 * util/json_check.c - the table-driven JSON validator (see json_check.h)
 * and email address normalisation.
 *
 * Messages name the value by its path in quotes and say what it must be,
 * e.g. "'experience_details[2].company' must be a string", so a client can
 * fix the request without reading documentation.  The recursion follows
 * the spec tables, never the input, so its depth is the tables' depth.
 */
#include "util/json_check.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "hawk/plugin.h"
#include "util/alloc.h"
#include "util/err.h"
#include "util/str.h"

#define PATH_MAX_BYTES 256
#define KEY_SHOWN_MAX 64   /* bytes of an unknown member quoted back */
#define MAP_KEY_MAX 100    /* bytes of a member name in a HK_FF_MAP */
#define SUGGEST_DISTANCE 3 /* "did you mean" below this edit distance */
#define EMAIL_MAX 254
#define EMAIL_LOCAL_MAX 64
#define EMAIL_LABEL_MAX 63

/* ---- paths and messages ---- */

/* base.key, or key alone at the top.  A path cut at the buffer size still
 * points at the problem. */
static void path_key(char *out, size_t n, const char *base, const char *key)
{
    if (base[0] == '\0') {
        hk_strlcpy(out, key, n);
        return;
    }
    snprintf(out, n, "%s.%s", base, key);
}

static void path_idx(char *out, size_t n, const char *base, size_t i)
{
    snprintf(out, n, "%s[%zu]", base, i);
}

/* See json_check.h. */
int hk_json_fail(struct hk_err *err, const char *path, const char *fmt, ...)
{
    char what[384];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    return hk_err_set(err, HAWK_EINVAL, NULL, path, "'%s' %s", path, what);
}

static const char *type_phrase(enum hk_ftype t)
{
    switch (t) {
    case HK_F_STRING:
    case HK_F_TEXT:
        return "a string";
    case HK_F_INT:
        return "an integer";
    case HK_F_NUMBER:
        return "a number";
    case HK_F_BOOL:
        return "a boolean";
    case HK_F_OBJECT:
        return "an object";
    case HK_F_ARRAY:
        return "an array";
    case HK_F_EMAIL:
        return "a valid email address";
    case HK_F_FLAG:
        return "a boolean or a string";
    default:
        return "a value";
    }
}

/* "must be one of a, b, c" */
static int fail_oneof(const struct hk_field *f, const char *path,
                      struct hk_err *err)
{
    char all[320];
    size_t n = 0;
    all[0] = '\0';
    for (size_t i = 0; f->oneof[i] != NULL && n < sizeof(all); i++)
        n += (size_t)snprintf(all + n, sizeof(all) - n, "%s%s", i ? ", " : "",
                              f->oneof[i]);
    return hk_json_fail(err, path, "must be one of %s", all);
}

/* The value itself failed: the spec's own sentence when it has one, else
 * the generic one. */
static int fail_value(const struct hk_field *f, const char *path,
                      struct hk_err *err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail_value(const struct hk_field *f, const char *path,
                      struct hk_err *err, const char *fmt, ...)
{
    if (f->msg != NULL)
        return hk_json_fail(err, path, "%s", f->msg);
    char what[384];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    return hk_json_fail(err, path, "%s", what);
}

static int fail_type(const struct hk_field *f, const char *path,
                     struct hk_err *err)
{
    if (f->msg == NULL && f->oneof != NULL)
        return fail_oneof(f, path, err);
    return fail_value(f, path, err, "must be %s", type_phrase(f->type));
}

/* ---- scalar checks ---- */

/* Characters (code points) in valid UTF-8. */
static size_t utf8_chars(const char *s, size_t n)
{
    size_t chars = 0;
    for (size_t i = 0; i < n; i++)
        if (((unsigned char)s[i] & 0xc0) != 0x80)
            chars++;
    return chars;
}

/* An int that json-c stored as uint64 above INT64_MAX does not fit. */
static bool int_fits(json_object *v)
{
    if (json_object_get_int64(v) != INT64_MAX)
        return true;
    return json_object_get_uint64(v) == (uint64_t)INT64_MAX;
}

static bool type_ok(json_object *v, enum hk_ftype t)
{
    switch (t) {
    case HK_F_STRING:
    case HK_F_EMAIL:
        return json_object_is_type(v, json_type_string);
    case HK_F_TEXT:
        return json_object_is_type(v, json_type_string) ||
               json_object_is_type(v, json_type_int) ||
               json_object_is_type(v, json_type_double);
    case HK_F_FLAG:
        return json_object_is_type(v, json_type_string) ||
               json_object_is_type(v, json_type_boolean);
    case HK_F_INT:
        return json_object_is_type(v, json_type_int) && int_fits(v);
    case HK_F_NUMBER:
        if (json_object_is_type(v, json_type_int))
            return true;
        return json_object_is_type(v, json_type_double) &&
               isfinite(json_object_get_double(v));
    case HK_F_BOOL:
        return json_object_is_type(v, json_type_boolean);
    case HK_F_OBJECT:
        return json_object_is_type(v, json_type_object);
    case HK_F_ARRAY:
        return json_object_is_type(v, json_type_array);
    case HK_F_ANY:
        return true;
    }
    return false;
}

/* Length limits: min..max, or only min when max is 0. */
static int check_length(const struct hk_field *f, int64_t len, const char *unit,
                        const char *path, struct hk_err *err)
{
    if (f->min == 0 && f->max == 0)
        return 0;
    bool has_max = f->max > 0;
    if (len >= f->min && (!has_max || len <= f->max))
        return 0;
    if (has_max && f->min == f->max)
        return fail_value(f, path, err, "must be exactly %lld %s",
                          (long long)f->min, unit);
    if (!has_max)
        return fail_value(f, path, err, "must be at least %lld %s",
                          (long long)f->min, unit);
    if (f->min <= 0)
        return fail_value(f, path, err, "must be at most %lld %s",
                          (long long)f->max, unit);
    return fail_value(f, path, err, "must be between %lld and %lld %s",
                      (long long)f->min, (long long)f->max, unit);
}

/* Value range: min..max, or only min when max < min (INT exactly, in
 * int64; NUMBER as a double). */
static int range_fail(const struct hk_field *f, const char *path,
                      struct hk_err *err)
{
    if (f->max < f->min)
        return fail_value(f, path, err, "must be at least %lld",
                          (long long)f->min);
    return fail_value(f, path, err, "must be between %lld and %lld",
                      (long long)f->min, (long long)f->max);
}

static int check_int_range(const struct hk_field *f, int64_t v,
                           const char *path, struct hk_err *err)
{
    if (f->min == 0 && f->max == 0)
        return 0;
    if (v >= f->min && (f->max < f->min || v <= f->max))
        return 0;
    return range_fail(f, path, err);
}

static int check_num_range(const struct hk_field *f, double v, const char *path,
                           struct hk_err *err)
{
    if (f->min == 0 && f->max == 0)
        return 0;
    if (v >= (double)f->min && (f->max < f->min || v <= (double)f->max))
        return 0;
    return range_fail(f, path, err);
}

static int check_string(const struct hk_field *f, json_object *v,
                        const char *path, struct hk_err *err)
{
    const char *s = json_object_get_string(v);
    size_t n = (size_t)json_object_get_string_len(v);
    if (memchr(s, '\0', n) != NULL)
        return fail_value(f, path, err, "must not contain NUL characters");
    if (!hk_utf8_valid(s, n))
        return fail_value(f, path, err, "must be valid UTF-8");
    int rc = (f->flags & HK_FF_BYTES)
                 ? check_length(f, (int64_t)n, "bytes", path, err)
                 : check_length(f, (int64_t)utf8_chars(s, n), "characters",
                                path, err);
    if (rc < 0 || f->oneof == NULL)
        return rc;
    for (size_t i = 0; f->oneof[i] != NULL; i++)
        if (strcmp(f->oneof[i], s) == 0)
            return 0;
    return f->msg != NULL ? fail_value(f, path, err, "%s", f->msg)
                          : fail_oneof(f, path, err);
}

/* ---- values ---- */

static int check_members(json_object *obj, const struct hk_field *fields,
                         const char *base, const char *noun,
                         struct hk_err *err);

static int check_value(const struct hk_field *f, const struct hk_jslot *slot,
                       struct hk_err *err);

/* An item or map value: null is only a value for a nullable spec. */
static int check_child(const struct hk_field *f, json_object *parent,
                       const char *key, size_t idx, const char *path,
                       struct hk_err *err)
{
    json_object *v = key != NULL ? json_object_object_get(parent, key)
                                 : json_object_array_get_idx(parent, idx);
    if (v == NULL)
        return f->nullable ? 0 : fail_type(f, path, err);
    struct hk_jslot slot = {parent, key, idx, v, path};
    return check_value(f, &slot, err);
}

static int check_array(const struct hk_field *f, json_object *a,
                       const char *path, struct hk_err *err)
{
    size_t n = json_object_array_length(a);
    int rc = check_length(f, (int64_t)n, "items", path, err);
    if (rc < 0 || f->items == NULL)
        return rc;
    for (size_t i = 0; i < n; i++) {
        char p[PATH_MAX_BYTES];
        path_idx(p, sizeof(p), path, i);
        rc = check_child(f->items, a, NULL, i, p, err);
        if (rc < 0)
            return rc;
        if (!(f->flags & HK_FF_UNIQUE))
            continue;
        json_object *e = json_object_array_get_idx(a, i);
        if (!json_object_is_type(e, json_type_string))
            continue;
        for (size_t k = 0; k < i; k++) {
            json_object *o = json_object_array_get_idx(a, k);
            if (json_object_is_type(o, json_type_string) &&
                strcmp(json_object_get_string(o), json_object_get_string(e)) ==
                    0)
                return hk_json_fail(err, p, "is listed twice");
        }
    }
    return 0;
}

static int check_map(const struct hk_field *f, json_object *o, const char *path,
                     struct hk_err *err)
{
    int len = json_object_object_length(o);
    if (f->max > 0 && len > f->max)
        return fail_value(f, path, err, "must have at most %lld members",
                          (long long)f->max);
    json_object_object_foreach(o, k, v)
    {
        (void)v;
        char p[PATH_MAX_BYTES];
        path_key(p, sizeof(p), path, k);
        if (strlen(k) > MAP_KEY_MAX)
            return hk_json_fail(err, p, "is a member name longer than %d bytes",
                                MAP_KEY_MAX);
        if (f->items == NULL)
            continue;
        int rc = check_child(f->items, o, k, 0, p, err);
        if (rc < 0)
            return rc;
    }
    return 0;
}

static int check_value(const struct hk_field *f, const struct hk_jslot *slot,
                       struct hk_err *err)
{
    json_object *v = slot->value;
    const char *path = slot->path;
    if (!type_ok(v, f->type)) {
        if (f->type == HK_F_INT && json_object_is_type(v, json_type_int) &&
            f->msg == NULL)
            return hk_json_fail(err, path, "is out of range");
        return fail_type(f, path, err);
    }
    int rc = 0;
    switch (f->type) {
    case HK_F_TEXT:
        if (!json_object_is_type(v, json_type_string)) {
            /* numbers are kept in the form they were written */
            json_object *s = json_object_new_string(json_object_get_string(v));
            hk_jslot_replace(slot, s);
            v = s;
        }
        rc = check_string(f, v, path, err);
        break;
    case HK_F_STRING:
        rc = check_string(f, v, path, err);
        break;
    case HK_F_FLAG:
        if (json_object_is_type(v, json_type_string))
            rc = check_string(f, v, path, err);
        break;
    case HK_F_EMAIL: {
        const char *s = json_object_get_string(v);
        size_t n = (size_t)json_object_get_string_len(v);
        char *norm = memchr(s, '\0', n) ? NULL : hk_email_normalize(s);
        if (norm == NULL)
            return fail_type(f, path, err);
        hk_free(norm);
        break;
    }
    case HK_F_INT:
        rc = check_int_range(f, json_object_get_int64(v), path, err);
        break;
    case HK_F_NUMBER:
        rc = check_num_range(f, json_object_get_double(v), path, err);
        break;
    case HK_F_ARRAY:
        rc = check_array(f, v, path, err);
        break;
    case HK_F_OBJECT:
        if (f->flags & HK_FF_MAP)
            rc = check_map(f, v, path, err);
        else if (f->fields != NULL)
            rc = check_members(v, f->fields, path, f->noun, err);
        break;
    default:
        break;
    }
    if (rc == 0 && f->check != NULL)
        rc = f->check(slot, err);
    return rc;
}

/* ---- objects ---- */

/* The listed name closest to key, when it is close enough to be what the
 * client meant; NULL otherwise. */
static const char *suggest(const struct hk_field *fields, const char *key)
{
    const char *best = NULL;
    unsigned best_d = SUGGEST_DISTANCE;
    size_t len = strlen(key);
    for (const struct hk_field *f = fields; f->name != NULL; f++) {
        unsigned d = hk_str_distance(key, f->name);
        if (d < best_d && d < len) {
            best_d = d;
            best = f->name;
        }
    }
    return best;
}

static int fail_unknown(const struct hk_field *fields, const char *base,
                        const char *noun, const char *key, struct hk_err *err)
{
    char path[PATH_MAX_BYTES], shown[PATH_MAX_BYTES];
    path_key(path, sizeof(path), base, key);
    /* a long name is cut in the message, never in the field */
    if (base[0] == '\0')
        snprintf(shown, sizeof(shown), "%.*s", KEY_SHOWN_MAX, key);
    else
        snprintf(shown, sizeof(shown), "%s.%.*s", base, KEY_SHOWN_MAX, key);
    const char *best = suggest(fields, key);
    if (best != NULL)
        return hk_err_set(err, HAWK_EINVAL, NULL, path,
                          "unknown %s '%s' (did you mean '%s'?)",
                          noun != NULL ? noun : "field", shown, best);
    if (noun == NULL)
        return hk_err_set(err, HAWK_EINVAL, NULL, path, "unknown field '%s'",
                          shown);
    /* members with a name of their own (resume sections, plan features)
     * are few and fixed: list them */
    char known[384];
    size_t n = 0;
    known[0] = '\0';
    for (const struct hk_field *f = fields;
         f->name != NULL && n < sizeof(known); f++)
        n += (size_t)snprintf(known + n, sizeof(known) - n, "%s%s",
                              n > 0 ? ", " : "", f->name);
    return hk_err_set(err, HAWK_EINVAL, NULL, path,
                      "unknown %s '%s'; known %ss are %s", noun, shown, noun,
                      known);
}

static bool is_listed(const struct hk_field *fields, const char *key)
{
    for (const struct hk_field *f = fields; f->name != NULL; f++)
        if (strcmp(f->name, key) == 0)
            return true;
    return false;
}

static int check_members(json_object *obj, const struct hk_field *fields,
                         const char *base, const char *noun, struct hk_err *err)
{
    json_object_object_foreach(obj, key, val)
    {
        (void)val;
        if (!is_listed(fields, key))
            return fail_unknown(fields, base, noun, key, err);
    }
    for (const struct hk_field *f = fields; f->name != NULL; f++) {
        char path[PATH_MAX_BYTES];
        json_object *v = NULL;
        path_key(path, sizeof(path), base, f->name);
        if (!json_object_object_get_ex(obj, f->name, &v)) {
            if (f->required)
                return hk_json_fail(err, path, "is required");
            continue;
        }
        bool blank = v == NULL || (json_object_is_type(v, json_type_string) &&
                                   json_object_get_string_len(v) == 0);
        if (f->required && (f->flags & HK_FF_NONEMPTY) && blank)
            return hk_json_fail(err, path, "is required");
        if (v == NULL) {
            if (f->nullable)
                continue;
            return hk_json_fail(err, path, "must not be null");
        }
        struct hk_jslot slot = {obj, f->name, 0, v, path};
        int rc = check_value(f, &slot, err);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* See json_check.h. */
int hk_json_validate(json_object *obj, const struct hk_field *fields,
                     const char *base, struct hk_err *err)
{
    if (base == NULL)
        base = "";
    if (!json_object_is_type(obj, json_type_object)) {
        if (base[0] == '\0')
            return hk_err_set(err, HAWK_EINVAL, "invalid_json", NULL,
                              "request body must be a JSON object");
        return hk_json_fail(err, base, "must be an object");
    }
    return check_members(obj, fields, base, NULL, err);
}

/* See json_check.h. */
int hk_json_validate_value(const struct hk_field *spec,
                           const struct hk_jslot *slot, struct hk_err *err)
{
    if (slot->value == NULL)
        return spec->nullable ? 0 : fail_type(spec, slot->path, err);
    return check_value(spec, slot, err);
}

/* See json_check.h. */
void hk_jslot_replace(const struct hk_jslot *slot, json_object *v)
{
    if (slot->parent == NULL) {
        json_object_put(v);
        return;
    }
    if (slot->key != NULL)
        json_object_object_add(slot->parent, slot->key, v);
    else
        json_object_array_put_idx(slot->parent, slot->idx, v);
}

/* ---- email ---- */

static bool local_char_ok(unsigned char c)
{
    return isalnum(c) || strchr("!#$%&'*+/=?^_`{|}~.-", c) != NULL;
}

static bool domain_ok(const char *d, size_t n)
{
    if (n == 0 || n > 253)
        return false;
    size_t label = 0, labels = 1;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)d[i];
        if (c == '.') {
            if (label == 0 || d[i - 1] == '-')
                return false;
            label = 0;
            labels++;
            continue;
        }
        if (!isalnum(c) && c != '-')
            return false;
        if (c == '-' && label == 0)
            return false;
        if (++label > EMAIL_LABEL_MAX)
            return false;
    }
    return labels >= 2 && label > 0 && d[n - 1] != '-';
}

/*
 * Normalises an email address: surrounding whitespace trimmed, then it
 * must be at most 254 characters with exactly one '@', a local part of
 * 1..64 characters from the RFC 5322 atom set with no leading, trailing or
 * doubled dot, and a domain of at least two dot-separated labels of
 * letters, digits and inner hyphens.  The whole address is lower-cased so
 * one mailbox is one account.  Returns a new string (caller frees with
 * hk_free) or NULL when invalid (or s is NULL).
 */
char *hk_email_normalize(const char *s)
{
    if (s == NULL)
        return NULL;
    while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
        s++;
    size_t n = strlen(s);
    while (n > 0 && strchr(" \t\r\n", s[n - 1]) != NULL)
        n--;
    if (n == 0 || n > EMAIL_MAX)
        return NULL;
    const char *at = memchr(s, '@', n);
    if (at == NULL || memchr(at + 1, '@', n - (size_t)(at - s) - 1) != NULL)
        return NULL;
    size_t local = (size_t)(at - s);
    if (local == 0 || local > EMAIL_LOCAL_MAX || s[0] == '.' ||
        s[local - 1] == '.')
        return NULL;
    for (size_t i = 0; i < local; i++) {
        if (!local_char_ok((unsigned char)s[i]))
            return NULL;
        if (s[i] == '.' && s[i + 1] == '.')
            return NULL;
    }
    if (!domain_ok(at + 1, n - local - 1))
        return NULL;
    char *out = hk_strndup(s, n);
    return hk_str_lower(out);
}
