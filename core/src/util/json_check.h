/*
 * util/json_check.h - the one JSON validator: a value is checked against a
 * table of field specs, nested objects and arrays included, and the first
 * problem comes back as a struct hk_err naming the field by its path
 * ("experience_details[2].company") with a message that says what the
 * value must be.
 *
 *     static const struct hk_field note[] = {
 *         HK_FIELD("content", HK_F_STRING, true, false, 1, 10000),
 *         HK_FIELD_END};
 *     rc = hk_json_validate(body, note, "", &err);
 *
 * Every request body of the API goes through here (http/'s
 * hk_json_check() is the HTTP form), and so do the documents the domain
 * checks on its own (structured resumes, job search settings, plan
 * features), so a client meets one wording everywhere:
 *   unknown field 'nmae' (did you mean 'name'?)
 *   'name' is required
 *   'name' must not be null
 *   'age' must be an integer
 *   'name' must be between 1 and 10 characters
 *   'experience_details[2].company' must be a string
 *   'distance' must be an integer from 0 to 500 (miles)   (a spec's msg)
 *
 * Order: in each object, members not in the table first (in the order they
 * appear), then the table's fields in table order, depth first.
 *
 * Values are checked in place and may be normalised: a HK_F_TEXT number
 * becomes its string form, and hooks may rewrite what they check, so the
 * caller stores what passed.
 */
#ifndef HK_UTIL_JSON_CHECK_H
#define HK_UTIL_JSON_CHECK_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hk_err;

enum hk_ftype {
    HK_F_STRING = 1,
    HK_F_INT,
    HK_F_NUMBER,
    HK_F_BOOL,
    HK_F_OBJECT,
    HK_F_ARRAY,
    HK_F_EMAIL, /* string, valid address */
    HK_F_ANY,
    HK_F_TEXT, /* string; a number is taken and stored as its string form
                  (YAML writes years and phone numbers unquoted) */
    HK_F_FLAG  /* boolean or string */
};

/* hk_field.flags */
enum {
    /* STRING/TEXT: min/max count bytes, not characters */
    HK_FF_BYTES = 1u << 0,
    /* ARRAY: no string item twice ("is listed twice") */
    HK_FF_UNIQUE = 1u << 1,
    /* required: null and "" count as missing ("is required") */
    HK_FF_NONEMPTY = 1u << 2,
    /* OBJECT: any member names (at most max, each name at most 100
     * bytes); `items` checks every member's value */
    HK_FF_MAP = 1u << 3
};

/* Where a value sits, for hooks: its parent (object or array; NULL for
 * the value checked at the top), its member name or array index, and its
 * path.  All borrowed for the call. */
struct hk_jslot {
    json_object *parent;
    const char *key; /* member name; NULL for an array item */
    size_t idx;      /* array index when key is NULL */
    json_object *value;
    const char *path;
};

struct hk_field {
    const char *name; /* member name; unused for `items` specs */
    enum hk_ftype type;
    bool required;
    bool nullable;
    /* STRING/TEXT: length range (characters, or bytes with HK_FF_BYTES);
     * ARRAY: item count; OBJECT with HK_FF_MAP: member count; INT and
     * NUMBER: value range.  min = max = 0: unchecked.  Lengths: max 0 =
     * no maximum; INT/NUMBER: max < min = no maximum. */
    int64_t min, max;
    /* Optional, zero when unused: */
    const struct hk_field *fields; /* OBJECT: the members ({NULL}-ended);
                                      NULL: members unchecked */
    const struct hk_field *items;  /* ARRAY: every item; HK_FF_MAP OBJECT:
                                      every member's value */
    const char *const *oneof;      /* STRING: allowed values, NULL-ended */
    const char *msg;  /* the whole requirement, said after "'<path>' " when
                         the value itself fails (type, length, range, oneof):
                         "must be an integer from 0 to 500 (miles)" */
    const char *noun; /* OBJECT: what its members are called in "unknown
                         <noun> '<path>'" (NULL: "field"); with a noun, an
                         unknown member without a close match lists the
                         known ones */
    unsigned flags;   /* HK_FF_* */
    /* Extra rule run once the built-in checks of this value (for OBJECT
     * and ARRAY: of everything inside it) passed; it may normalise the
     * value (hk_jslot_replace()) or, for a member, its parent object.
     * Returns 0, or a negative code with err set (hk_json_fail()). */
    int (*check)(const struct hk_jslot *slot, struct hk_err *err);
};

/* A table row in the common positional form (the optional members zero),
 * and the row that ends a table. */
#define HK_FIELD(name, type, required, nullable, min, max)                     \
    {                                                                          \
        (name), (type), (required), (nullable), (min), (max), .flags = 0       \
    }
#define HK_FIELD_END                                                           \
    {                                                                          \
        0                                                                      \
    }

/* Checks obj against fields; base is obj's own path ("" for a request
 * body, whose errors then name bare members).  A value that is not an
 * object fails with reason "invalid_json": "request body must be a JSON
 * object" when base is "", else "'<base>' must be an object".  Returns 0
 * or HAWK_EINVAL with err filled. */
int hk_json_validate(json_object *obj, const struct hk_field *fields,
                     const char *base, struct hk_err *err);

/* Checks one value against one spec (slot says where it is); the form
 * hooks use to check part of what they were given. */
int hk_json_validate_value(const struct hk_field *spec,
                           const struct hk_jslot *slot, struct hk_err *err);

/* Sets err to HAWK_EINVAL for the value at path: field = path, message
 * "'<path>' <what>" (what formatted).  Returns HAWK_EINVAL. */
int hk_json_fail(struct hk_err *err, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Puts v (owned by the caller until now) where slot's value is, in its
 * parent; the old value is released.  For normalising hooks. */
void hk_jslot_replace(const struct hk_jslot *slot, json_object *v);

/* Normalizes and validates an email (trim, lower-case domain and local
 * part); returns a new string (hk_free) or NULL if invalid. */
char *hk_email_normalize(const char *s);

#endif
