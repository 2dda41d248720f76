/*
 * http/validate.c - checking JSON request bodies against a field list, and
 * email address normalisation.
 *
 * Messages name the field in quotes and say what is expected, e.g.
 * "'name' must be a string", so a client can fix the request without
 * reading documentation.
 */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "hawk/plugin.h"
#include "http/http.h"
#include "http/http_int.h"
#include "util/alloc.h"
#include "util/str.h"

#define EMAIL_MAX 254
#define EMAIL_LOCAL_MAX 64
#define EMAIL_LABEL_MAX 63

static int field_fail(struct hk_resp *resp, const char *field, const char *fmt,
                      ...) __attribute__((format(printf, 3, 4)));

static int field_fail(struct hk_resp *resp, const char *field, const char *fmt,
                      ...)
{
    if (resp != NULL) {
        char msg[512];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        hk_http_error_msg(resp, 400, "invalid_field", field, msg);
    }
    return HAWK_EINVAL;
}

static const char *type_phrase(enum hk_ftype t)
{
    switch (t) {
    case HK_F_STRING:
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
    default:
        return "a value";
    }
}

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

/* Length limits: min..max, or only min when max is 0.  *unit is
 * "characters" or "items". */
static int check_length(const struct hk_field *f, int64_t len, const char *unit,
                        struct hk_resp *resp)
{
    if (f->min == 0 && f->max == 0)
        return 0;
    bool has_max = f->max > 0;
    if (len >= f->min && (!has_max || len <= f->max))
        return 0;
    if (has_max && f->min == f->max)
        return field_fail(resp, f->name, "'%s' must be exactly %lld %s",
                          f->name, (long long)f->min, unit);
    if (!has_max)
        return field_fail(resp, f->name, "'%s' must be at least %lld %s",
                          f->name, (long long)f->min, unit);
    if (f->min <= 0)
        return field_fail(resp, f->name, "'%s' must be at most %lld %s",
                          f->name, (long long)f->max, unit);
    return field_fail(resp, f->name, "'%s' must be between %lld and %lld %s",
                      f->name, (long long)f->min, (long long)f->max, unit);
}

/* Integer range: min..max, or only min when max < min. */
static int check_int_range(const struct hk_field *f, int64_t v,
                           struct hk_resp *resp)
{
    if (f->min == 0 && f->max == 0)
        return 0;
    bool has_max = f->max >= f->min;
    if (v >= f->min && (!has_max || v <= f->max))
        return 0;
    if (!has_max)
        return field_fail(resp, f->name, "'%s' must be at least %lld", f->name,
                          (long long)f->min);
    return field_fail(resp, f->name, "'%s' must be between %lld and %lld",
                      f->name, (long long)f->min, (long long)f->max);
}

static int check_value(const struct hk_field *f, json_object *v,
                       struct hk_resp *resp)
{
    if (!type_ok(v, f->type)) {
        if (f->type == HK_F_INT && json_object_is_type(v, json_type_int))
            return field_fail(resp, f->name, "'%s' is out of range", f->name);
        return field_fail(resp, f->name, "'%s' must be %s", f->name,
                          type_phrase(f->type));
    }
    switch (f->type) {
    case HK_F_STRING: {
        const char *s = json_object_get_string(v);
        size_t n = (size_t)json_object_get_string_len(v);
        if (memchr(s, '\0', n) != NULL)
            return field_fail(resp, f->name,
                              "'%s' must not contain NUL characters", f->name);
        return check_length(f, (int64_t)utf8_chars(s, n), "characters", resp);
    }
    case HK_F_EMAIL: {
        const char *s = json_object_get_string(v);
        size_t n = (size_t)json_object_get_string_len(v);
        char *norm = memchr(s, '\0', n) ? NULL : hk_email_normalize(s);
        if (norm == NULL)
            return field_fail(resp, f->name,
                              "'%s' must be a valid email address", f->name);
        hk_free(norm);
        return 0;
    }
    case HK_F_INT:
        return check_int_range(f, json_object_get_int64(v), resp);
    case HK_F_ARRAY:
        return check_length(f, (int64_t)json_object_array_length(v), "items",
                            resp);
    default:
        return 0;
    }
}

/*
 * Checks obj (borrowed) against fields (terminated by an entry whose name
 * is NULL): first members not in the list ("unknown field 'x'"), then each
 * listed field in order: missing and required ("'x' is required"), null
 * and not nullable ("'x' must not be null"), wrong type ("'x' must be a
 * string"), out of range.  Ranges: STRING length in characters, ARRAY
 * length in items (max 0: no upper bound); INT value (max < min: no upper
 * bound); min = max = 0: unchecked.  On the first failure fills resp (may
 * be NULL) with 400 invalid_field naming the field and returns
 * HAWK_EINVAL; 0 when everything passes.
 */
int hk_json_check(json_object *obj, const struct hk_field *fields,
                  struct hk_resp *resp)
{
    if (!json_object_is_type(obj, json_type_object)) {
        if (resp != NULL)
            hk_resp_error(resp, 400, "invalid_json", NULL,
                          "request body must be a JSON object");
        return HAWK_EINVAL;
    }
    json_object_object_foreach(obj, key, val)
    {
        (void)val;
        bool known = false;
        for (const struct hk_field *f = fields; f->name && !known; f++)
            known = strcmp(f->name, key) == 0;
        if (!known)
            return field_fail(resp, key, "unknown field '%.64s'", key);
    }
    for (const struct hk_field *f = fields; f->name != NULL; f++) {
        json_object *v = NULL;
        if (!json_object_object_get_ex(obj, f->name, &v)) {
            if (f->required)
                return field_fail(resp, f->name, "'%s' is required", f->name);
            continue;
        }
        if (v == NULL) {
            if (f->nullable)
                continue;
            return field_fail(resp, f->name, "'%s' must not be null", f->name);
        }
        int rc = check_value(f, v, resp);
        if (rc < 0)
            return rc;
    }
    return 0;
}

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
