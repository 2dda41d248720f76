/*
 * plugins/openai/schema.c - a small JSON-schema validator for the subset
 * hawk's prompts use: type (one or a list), properties, required,
 * additionalProperties (bool or schema), items, enum, minimum, maximum,
 * minItems, maxItems, minLength, maxLength.  description/title/$schema are
 * accepted and ignored.  Used to check replies from servers that do not
 * enforce response_format json_schema, and replies that violate it anyway.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "openai.h"

#define OAI_SCHEMA_MAX_DEPTH 32

static const char *const oai_schema_keywords[] = {
    "type",        "properties", "required",  "additionalProperties",
    "items",       "enum",       "minimum",   "maximum",
    "minItems",    "maxItems",   "minLength", "maxLength",
    "description", "title",      "$schema",   NULL};

static bool oai_type_name_ok(const char *t)
{
    static const char *const names[] = {"object", "array",   "string",
                                        "number", "integer", "boolean",
                                        "null",   NULL};
    for (size_t i = 0; names[i] != NULL; i++) {
        if (strcmp(t, names[i]) == 0)
            return true;
    }
    return false;
}

static int oai_fail(char *why, size_t n, const char *fmt, const char *path,
                    const char *detail)
{
    snprintf(why, n, fmt, path, detail);
    return HAWK_EINVAL;
}

static int oai_check_node(json_object *s, const char *path, int depth,
                          char *why, size_t n);

static int oai_check_subschemas(json_object *s, const char *path, int depth,
                                char *why, size_t n)
{
    char sub[256];
    json_object *v = NULL;

    if (json_object_object_get_ex(s, "properties", &v)) {
        if (!json_object_is_type(v, json_type_object))
            return oai_fail(why, n, "schema %s: %s must be an object", path,
                            "properties");
        json_object_object_foreach(v, key, child)
        {
            snprintf(sub, sizeof(sub), "%s.properties.%s", path, key);
            int rc = oai_check_node(child, sub, depth + 1, why, n);
            if (rc < 0)
                return rc;
        }
    }
    if (json_object_object_get_ex(s, "items", &v)) {
        snprintf(sub, sizeof(sub), "%s.items", path);
        int rc = oai_check_node(v, sub, depth + 1, why, n);
        if (rc < 0)
            return rc;
    }
    if (json_object_object_get_ex(s, "additionalProperties", &v) &&
        !json_object_is_type(v, json_type_boolean)) {
        snprintf(sub, sizeof(sub), "%s.additionalProperties", path);
        return oai_check_node(v, sub, depth + 1, why, n);
    }
    return 0;
}

static int oai_check_keywords(json_object *s, const char *path, char *why,
                              size_t n)
{
    json_object_object_foreach(s, key, val)
    {
        bool known = false;
        for (size_t i = 0; oai_schema_keywords[i] != NULL; i++)
            known = known || strcmp(key, oai_schema_keywords[i]) == 0;
        if (!known)
            return oai_fail(why, n, "schema %s: unsupported keyword '%s'", path,
                            key);
        if ((strcmp(key, "required") == 0 || strcmp(key, "enum") == 0) &&
            !json_object_is_type(val, json_type_array))
            return oai_fail(why, n, "schema %s: %s must be an array", path,
                            key);
        /* Validation reads names with json_object_get_string(), which on
         * a non-string would write into the shared, cached schema. */
        for (size_t i = 0;
             strcmp(key, "required") == 0 && i < json_object_array_length(val);
             i++) {
            if (!json_object_is_type(json_object_array_get_idx(val, i),
                                     json_type_string))
                return oai_fail(why, n, "schema %s: %s must list strings", path,
                                key);
        }
        if ((strcmp(key, "minimum") == 0 || strcmp(key, "maximum") == 0) &&
            !json_object_is_type(val, json_type_int) &&
            !json_object_is_type(val, json_type_double))
            return oai_fail(why, n, "schema %s: %s must be a number", path,
                            key);
        if (strstr(key, "Items") != NULL || strstr(key, "Length") != NULL) {
            if (!json_object_is_type(val, json_type_int) ||
                json_object_get_int64(val) < 0)
                return oai_fail(why, n,
                                "schema %s: %s must be a non-negative integer",
                                path, key);
        }
    }
    return 0;
}

static int oai_check_node(json_object *s, const char *path, int depth,
                          char *why, size_t n)
{
    json_object *t = NULL;

    if (depth > OAI_SCHEMA_MAX_DEPTH)
        return oai_fail(why, n, "schema %s: %s", path, "nested too deeply");
    if (!json_object_is_type(s, json_type_object))
        return oai_fail(why, n, "schema %s: %s", path, "must be an object");
    int rc = oai_check_keywords(s, path, why, n);
    if (rc < 0)
        return rc;
    if (json_object_object_get_ex(s, "type", &t)) {
        if (json_object_is_type(t, json_type_string)) {
            if (!oai_type_name_ok(json_object_get_string(t)))
                return oai_fail(why, n, "schema %s: unknown type '%s'", path,
                                json_object_get_string(t));
        } else if (json_object_is_type(t, json_type_array)) {
            for (size_t i = 0; i < json_object_array_length(t); i++) {
                json_object *e = json_object_array_get_idx(t, i);
                if (!json_object_is_type(e, json_type_string) ||
                    !oai_type_name_ok(json_object_get_string(e)))
                    return oai_fail(why, n, "schema %s: %s", path,
                                    "type list holds an unknown type");
            }
        } else {
            return oai_fail(why, n, "schema %s: %s", path,
                            "type must be a string or a list");
        }
    }
    return oai_check_subschemas(s, path, depth, why, n);
}

/* See openai.h. */
bool oai_schema_strict_ok(json_object *s)
{
    json_object *t = NULL, *props = NULL, *req = NULL, *addl = NULL, *v = NULL;

    if (!json_object_is_type(s, json_type_object))
        return true;
    bool is_object = json_object_object_get_ex(s, "properties", &props);
    if (json_object_object_get_ex(s, "type", &t)) {
        if (json_object_is_type(t, json_type_string))
            is_object =
                is_object || strcmp(json_object_get_string(t), "object") == 0;
    }
    if (is_object) {
        if (!json_object_object_get_ex(s, "additionalProperties", &addl) ||
            !json_object_is_type(addl, json_type_boolean) ||
            json_object_get_boolean(addl))
            return false;
        json_object_object_get_ex(s, "required", &req);
        if (props != NULL) {
            json_object_object_foreach(props, key, child)
            {
                bool listed = false;
                for (size_t i = 0;
                     req != NULL && i < json_object_array_length(req); i++) {
                    const char *r = json_object_get_string(
                        json_object_array_get_idx(req, i));
                    listed = listed || (r != NULL && strcmp(r, key) == 0);
                }
                if (!listed || !oai_schema_strict_ok(child))
                    return false;
            }
        }
    }
    if (json_object_object_get_ex(s, "items", &v))
        return oai_schema_strict_ok(v);
    return true;
}

/* See openai.h. */
int oai_schema_check(json_object *schema, char *why, size_t why_size)
{
    return oai_check_node(schema, "$", 0, why, why_size);
}

/* ---- validation ------------------------------------------------------- */

static const char *oai_doc_type(json_object *d)
{
    switch (json_object_get_type(d)) {
    case json_type_null:
        return "null";
    case json_type_boolean:
        return "boolean";
    case json_type_double:
        return "number";
    case json_type_int:
        return "integer";
    case json_type_object:
        return "object";
    case json_type_array:
        return "array";
    case json_type_string:
        return "string";
    }
    return "unknown";
}

static bool oai_type_matches(const char *want, json_object *d)
{
    enum json_type t = json_object_get_type(d);

    if (strcmp(want, "number") == 0)
        return t == json_type_int || t == json_type_double;
    if (strcmp(want, "integer") == 0) {
        if (t == json_type_int)
            return true;
        if (t == json_type_double) {
            double v = json_object_get_double(d);
            return isfinite(v) && floor(v) == v;
        }
        return false;
    }
    return strcmp(want, oai_doc_type(d)) == 0;
}

static int oai_validate_type(json_object *s, json_object *d, const char *path,
                             char *why, size_t n)
{
    json_object *t = NULL;

    if (!json_object_object_get_ex(s, "type", &t))
        return 0;
    if (json_object_is_type(t, json_type_string)) {
        if (oai_type_matches(json_object_get_string(t), d))
            return 0;
        char detail[96];
        snprintf(detail, sizeof(detail), "expected %s, got %s",
                 json_object_get_string(t), oai_doc_type(d));
        return oai_fail(why, n, "%s: %s", path, detail);
    }
    for (size_t i = 0; i < json_object_array_length(t); i++) {
        const char *want =
            json_object_get_string(json_object_array_get_idx(t, i));
        if (want != NULL && oai_type_matches(want, d))
            return 0;
    }
    return oai_fail(why, n, "%s: %s", path,
                    "value has none of the allowed types");
}

static int oai_validate_enum(json_object *s, json_object *d, const char *path,
                             char *why, size_t n)
{
    json_object *e = NULL;

    if (!json_object_object_get_ex(s, "enum", &e))
        return 0;
    for (size_t i = 0; i < json_object_array_length(e); i++) {
        if (json_object_equal(json_object_array_get_idx(e, i), d))
            return 0;
    }
    return oai_fail(why, n, "%s: %s", path,
                    "value is not one of the allowed values");
}

static int oai_validate_number(json_object *s, json_object *d, const char *path,
                               char *why, size_t n)
{
    json_object *lim = NULL;
    char detail[96];

    if (!json_object_is_type(d, json_type_int) &&
        !json_object_is_type(d, json_type_double))
        return 0;
    double v = json_object_get_double(d);
    if (json_object_object_get_ex(s, "minimum", &lim) &&
        v < json_object_get_double(lim)) {
        snprintf(detail, sizeof(detail), "%g is less than the minimum %g", v,
                 json_object_get_double(lim));
        return oai_fail(why, n, "%s: %s", path, detail);
    }
    if (json_object_object_get_ex(s, "maximum", &lim) &&
        v > json_object_get_double(lim)) {
        snprintf(detail, sizeof(detail), "%g is greater than the maximum %g", v,
                 json_object_get_double(lim));
        return oai_fail(why, n, "%s: %s", path, detail);
    }
    return 0;
}

static size_t oai_utf8_len(const char *s)
{
    size_t n = 0;
    for (; *s != '\0'; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

static int oai_validate_len(json_object *s, const char *path, size_t len,
                            const char *kmin, const char *kmax,
                            const char *what, char *why, size_t n)
{
    json_object *lim = NULL;
    char detail[96];

    if (json_object_object_get_ex(s, kmin, &lim) &&
        (int64_t)len < json_object_get_int64(lim)) {
        snprintf(detail, sizeof(detail), "has %zu %s, fewer than %lld", len,
                 what, (long long)json_object_get_int64(lim));
        return oai_fail(why, n, "%s: %s", path, detail);
    }
    if (json_object_object_get_ex(s, kmax, &lim) &&
        (int64_t)len > json_object_get_int64(lim)) {
        snprintf(detail, sizeof(detail), "has %zu %s, more than %lld", len,
                 what, (long long)json_object_get_int64(lim));
        return oai_fail(why, n, "%s: %s", path, detail);
    }
    return 0;
}

static int oai_validate_node(json_object *s, json_object *d, const char *path,
                             int depth, char *why, size_t n);

static int oai_validate_object(json_object *s, json_object *d, const char *path,
                               int depth, char *why, size_t n)
{
    json_object *props = NULL, *req = NULL, *addl = NULL;
    char sub[256];

    json_object_object_get_ex(s, "properties", &props);
    json_object_object_get_ex(s, "additionalProperties", &addl);
    if (json_object_object_get_ex(s, "required", &req)) {
        for (size_t i = 0; i < json_object_array_length(req); i++) {
            const char *k =
                json_object_get_string(json_object_array_get_idx(req, i));
            if (k != NULL && !json_object_object_get_ex(d, k, NULL))
                return oai_fail(why, n, "%s: missing required member '%s'",
                                path, k);
        }
    }
    json_object_object_foreach(d, key, val)
    {
        json_object *ps = NULL;
        snprintf(sub, sizeof(sub), "%s.%s", path, key);
        if (props != NULL && json_object_object_get_ex(props, key, &ps)) {
            int rc = oai_validate_node(ps, val, sub, depth + 1, why, n);
            if (rc < 0)
                return rc;
        } else if (addl != NULL) {
            if (json_object_is_type(addl, json_type_boolean)) {
                if (!json_object_get_boolean(addl))
                    return oai_fail(why, n, "%s: unexpected member '%s'", path,
                                    key);
            } else {
                int rc = oai_validate_node(addl, val, sub, depth + 1, why, n);
                if (rc < 0)
                    return rc;
            }
        }
    }
    return 0;
}

static int oai_validate_array(json_object *s, json_object *d, const char *path,
                              int depth, char *why, size_t n)
{
    json_object *items = NULL;
    char sub[256];
    size_t len = json_object_array_length(d);

    int rc =
        oai_validate_len(s, path, len, "minItems", "maxItems", "items", why, n);
    if (rc < 0 || !json_object_object_get_ex(s, "items", &items))
        return rc;
    for (size_t i = 0; i < len; i++) {
        snprintf(sub, sizeof(sub), "%s[%zu]", path, i);
        rc = oai_validate_node(items, json_object_array_get_idx(d, i), sub,
                               depth + 1, why, n);
        if (rc < 0)
            return rc;
    }
    return 0;
}

static int oai_validate_node(json_object *s, json_object *d, const char *path,
                             int depth, char *why, size_t n)
{
    if (depth > OAI_SCHEMA_MAX_DEPTH)
        return oai_fail(why, n, "%s: %s", path, "nested too deeply");
    if (!json_object_is_type(s, json_type_object))
        return 0;
    int rc = oai_validate_type(s, d, path, why, n);
    if (rc == 0)
        rc = oai_validate_enum(s, d, path, why, n);
    if (rc == 0)
        rc = oai_validate_number(s, d, path, why, n);
    if (rc < 0)
        return rc;
    switch (json_object_get_type(d)) {
    case json_type_object:
        return oai_validate_object(s, d, path, depth, why, n);
    case json_type_array:
        return oai_validate_array(s, d, path, depth, why, n);
    case json_type_string:
        return oai_validate_len(s, path,
                                oai_utf8_len(json_object_get_string(d)),
                                "minLength", "maxLength", "characters", why, n);
    default:
        return 0;
    }
}

/* See openai.h. */
int oai_schema_validate(json_object *schema, json_object *doc, char *why,
                        size_t why_size)
{
    return oai_validate_node(schema, doc, "$", 0, why, why_size);
}
