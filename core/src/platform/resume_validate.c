/*
 * platform/resume_validate.c - section-by-section validation of a
 * structured resume, with errors that name the JSON path.
 *
 * Text fields accept numbers (YAML files write years, phone numbers and
 * grades unquoted) and store them as strings, so readers see one type.
 */
#include <stdio.h>
#include <string.h>

#include "hawk/plugin.h"
#include "platform/resume.h"
#include "util/alloc.h"
#include "util/str.h"

enum ktype {
    K_TEXT = 1, /* string or number -> string */
    K_FLAG,     /* boolean or string */
    K_TEXTLIST, /* array of text */
    K_RESPLIST, /* array of text or {"responsibility_n": text} */
    K_TEXTMAP   /* object of text values (exam grades) */
};

struct key {
    const char *name;
    enum ktype type;
    int required;
};

enum stype {
    S_OBJECT = 1, /* fixed keys */
    S_FREEMAP,    /* any keys, FLAG values */
    S_LIST,       /* array of objects with fixed keys */
    S_TEXTLIST,   /* array of text */
    S_SKILLS      /* array of text or {name, level, keywords} */
};

struct section {
    const char *name;
    enum stype type;
    const struct key *keys;
};

static const struct key k_personal[] = {{"name", K_TEXT, 0},
                                        {"surname", K_TEXT, 0},
                                        {"date_of_birth", K_TEXT, 0},
                                        {"country", K_TEXT, 0},
                                        {"city", K_TEXT, 0},
                                        {"address", K_TEXT, 0},
                                        {"zip_code", K_TEXT, 0},
                                        {"phone_prefix", K_TEXT, 0},
                                        {"phone", K_TEXT, 0},
                                        {"email", K_TEXT, 0},
                                        {"github", K_TEXT, 0},
                                        {"linkedin", K_TEXT, 0},
                                        {"website", K_TEXT, 0},
                                        {"summary", K_TEXT, 0},
                                        {NULL, 0, 0}};
static const struct key k_education[] = {
    {"education_level", K_TEXT, 0}, {"institution", K_TEXT, 1},
    {"field_of_study", K_TEXT, 0},  {"final_evaluation_grade", K_TEXT, 0},
    {"start_date", K_TEXT, 0},      {"year_of_completion", K_TEXT, 0},
    {"exam", K_TEXTMAP, 0},         {NULL, 0, 0}};
static const struct key k_experience[] = {
    {"position", K_TEXT, 1},
    {"company", K_TEXT, 1},
    {"employment_period", K_TEXT, 0},
    {"location", K_TEXT, 0},
    {"industry", K_TEXT, 0},
    {"key_responsibilities", K_RESPLIST, 0},
    {"skills_acquired", K_TEXTLIST, 0},
    {NULL, 0, 0}};
static const struct key k_project[] = {{"name", K_TEXT, 1},
                                       {"description", K_TEXT, 0},
                                       {"link", K_TEXT, 0},
                                       {NULL, 0, 0}};
static const struct key k_named[] = {
    {"name", K_TEXT, 1}, {"description", K_TEXT, 0}, {NULL, 0, 0}};
static const struct key k_language[] = {
    {"language", K_TEXT, 1}, {"proficiency", K_TEXT, 0}, {NULL, 0, 0}};
static const struct key k_availability[] = {{"notice_period", K_TEXT, 0},
                                            {NULL, 0, 0}};
static const struct key k_salary[] = {{"salary_range_usd", K_TEXT, 0},
                                      {NULL, 0, 0}};
static const struct key k_selfid[] = {
    {"gender", K_FLAG, 0},     {"pronouns", K_FLAG, 0},  {"veteran", K_FLAG, 0},
    {"disability", K_FLAG, 0}, {"ethnicity", K_FLAG, 0}, {NULL, 0, 0}};
static const struct key k_skill[] = {{"name", K_TEXT, 1},
                                     {"level", K_TEXT, 0},
                                     {"keywords", K_TEXTLIST, 0},
                                     {NULL, 0, 0}};

static const struct section sections[] = {
    {"personal_information", S_OBJECT, k_personal},
    {"education_details", S_LIST, k_education},
    {"experience_details", S_LIST, k_experience},
    {"projects", S_LIST, k_project},
    {"achievements", S_LIST, k_named},
    {"certifications", S_LIST, k_named},
    {"languages", S_LIST, k_language},
    {"interests", S_TEXTLIST, NULL},
    {"skills", S_SKILLS, NULL},
    {"availability", S_OBJECT, k_availability},
    {"salary_expectations", S_OBJECT, k_salary},
    {"self_identification", S_OBJECT, k_selfid},
    {"legal_authorization", S_FREEMAP, NULL},
    {"work_preferences", S_FREEMAP, NULL},
    {NULL, 0, NULL}};

/* Paths are built by concatenation (a path cut at the buffer size is
 * still a useful pointer to the problem). */
static void pkey(char *out, size_t n, const char *base, const char *key)
{
    size_t l = hk_strlcpy(out, base, n);
    if (l + 1 < n) {
        out[l] = '.';
        hk_strlcpy(out + l + 1, key, n - l - 1);
    }
}

static void pidx(char *out, size_t n, const char *base, size_t i)
{
    char idx[32];
    snprintf(idx, sizeof(idx), "[%zu]", i);
    size_t l = hk_strlcpy(out, base, n);
    if (l < n)
        hk_strlcpy(out + l, idx, n - l);
}

struct vctx {
    char *path;
    size_t pathlen;
    char *msg;
    size_t msglen;
};

static int fail(struct vctx *v, const char *path, const char *msg)
{
    hk_strlcpy(v->path, path, v->pathlen);
    hk_strlcpy(v->msg, msg, v->msglen);
    return HAWK_EINVAL;
}

/* Checks a string's length and encoding. */
static int check_string(struct vctx *v, const char *path, json_object *s)
{
    const char *p = json_object_get_string(s);
    size_t n = (size_t)json_object_get_string_len(s);
    if (n > HK_RESUME_MAX_TEXT) {
        char m[96];
        snprintf(m, sizeof(m), "text is longer than %d bytes",
                 HK_RESUME_MAX_TEXT);
        return fail(v, path, m);
    }
    if (strlen(p) != n || !hk_utf8_valid(p, n))
        return fail(v, path, "text is not valid UTF-8 or contains NUL");
    return 0;
}

/* Text value: a string, or a number turned into its string form.  The
 * replacement is written into parent (object member `key`, or array slot
 * `idx` when key is NULL). */
static int check_text(struct vctx *v, const char *path, json_object *parent,
                      const char *key, size_t idx, json_object *val)
{
    if (json_object_is_type(val, json_type_string))
        return check_string(v, path, val);
    if (json_object_is_type(val, json_type_int) ||
        json_object_is_type(val, json_type_double)) {
        json_object *s = json_object_new_string(json_object_get_string(val));
        if (key != NULL)
            json_object_object_add(parent, key, s);
        else
            json_object_array_put_idx(parent, idx, s);
        return 0;
    }
    return fail(v, path, "must be a string");
}

static int check_flag(struct vctx *v, const char *path, json_object *val)
{
    if (json_object_is_type(val, json_type_boolean))
        return 0;
    if (json_object_is_type(val, json_type_string))
        return check_string(v, path, val);
    return fail(v, path, "must be a boolean or a string");
}

static int check_array_len(struct vctx *v, const char *path, json_object *a)
{
    if (!json_object_is_type(a, json_type_array))
        return fail(v, path, "must be a list");
    if (json_object_array_length(a) > HK_RESUME_MAX_ITEMS) {
        char m[64];
        snprintf(m, sizeof(m), "list has more than %d entries",
                 HK_RESUME_MAX_ITEMS);
        return fail(v, path, m);
    }
    return 0;
}

static int check_textlist(struct vctx *v, const char *path, json_object *a)
{
    int rc = check_array_len(v, path, a);
    if (rc < 0)
        return rc;
    size_t n = json_object_array_length(a);
    for (size_t i = 0; i < n; i++) {
        char p[256];
        pidx(p, sizeof(p), path, i);
        rc = check_text(v, p, a, NULL, i, json_object_array_get_idx(a, i));
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* key_responsibilities: the original format writes each entry as a
 * one-member object; flatten to strings. */
static int check_resplist(struct vctx *v, const char *path, json_object *a)
{
    int rc = check_array_len(v, path, a);
    if (rc < 0)
        return rc;
    size_t n = json_object_array_length(a);
    for (size_t i = 0; i < n; i++) {
        char p[256];
        json_object *e = json_object_array_get_idx(a, i);
        pidx(p, sizeof(p), path, i);
        if (json_object_is_type(e, json_type_object)) {
            if (json_object_object_length(e) != 1)
                return fail(v, p,
                            "must be a string or an object with one "
                            "text member");
            json_object *only = NULL;
            json_object_object_foreach(e, k, val)
            {
                (void)k;
                only = val;
            }
            if (!json_object_is_type(only, json_type_string))
                return fail(v, p, "must be a string");
            rc = check_string(v, p, only);
            if (rc < 0)
                return rc;
            /* Replacing the slot frees e, so `only` is referenced first. */
            json_object_array_put_idx(a, i, json_object_get(only));
            continue;
        }
        rc = check_text(v, p, a, NULL, i, e);
        if (rc < 0)
            return rc;
    }
    return 0;
}

static int check_textmap(struct vctx *v, const char *path, json_object *o)
{
    if (!json_object_is_type(o, json_type_object))
        return fail(v, path, "must be an object");
    if (json_object_object_length(o) > HK_RESUME_MAX_ITEMS)
        return fail(v, path, "object has too many members");
    json_object_object_foreach(o, k, val)
    {
        char p[256];
        pkey(p, sizeof(p), path, k);
        int rc = check_text(v, p, o, k, 0, val);
        if (rc < 0)
            return rc;
    }
    return 0;
}

static const struct key *find_key(const struct key *keys, const char *name)
{
    for (const struct key *k = keys; k->name != NULL; k++)
        if (strcmp(k->name, name) == 0)
            return k;
    return NULL;
}

/* An object with a fixed set of keys. */
static int check_object(struct vctx *v, const char *path, json_object *o,
                        const struct key *keys)
{
    if (!json_object_is_type(o, json_type_object))
        return fail(v, path, "must be an object");
    /* The original format calls it "period" in some files. */
    json_object *period = NULL;
    if (find_key(keys, "employment_period") != NULL &&
        json_object_object_get_ex(o, "period", &period)) {
        if (json_object_object_get_ex(o, "employment_period", NULL)) {
            char p[256];
            pkey(p, sizeof(p), path, "period");
            return fail(v, p,
                        "give either period or employment_period, "
                        "not both");
        }
        json_object_object_add(o, "employment_period", json_object_get(period));
        json_object_object_del(o, "period");
    }
    json_object_object_foreach(o, name, val)
    {
        char p[256];
        pkey(p, sizeof(p), path, name);
        const struct key *k = find_key(keys, name);
        if (k == NULL)
            return fail(v, p, "unknown field");
        if (json_object_is_type(val, json_type_null) && !k->required)
            continue;
        int rc = 0;
        switch (k->type) {
        case K_TEXT:
            rc = check_text(v, p, o, name, 0, val);
            break;
        case K_FLAG:
            rc = check_flag(v, p, val);
            break;
        case K_TEXTLIST:
            rc = check_textlist(v, p, val);
            break;
        case K_RESPLIST:
            rc = check_resplist(v, p, val);
            break;
        case K_TEXTMAP:
            rc = check_textmap(v, p, val);
            break;
        }
        if (rc < 0)
            return rc;
    }
    for (const struct key *k = keys; k->name != NULL; k++) {
        json_object *have = NULL;
        if (!k->required)
            continue;
        if (!json_object_object_get_ex(o, k->name, &have) ||
            json_object_is_type(have, json_type_null) ||
            (json_object_is_type(have, json_type_string) &&
             json_object_get_string_len(have) == 0)) {
            char p[256];
            pkey(p, sizeof(p), path, k->name);
            return fail(v, p, "is required");
        }
    }
    return 0;
}

static int check_list(struct vctx *v, const char *path, json_object *a,
                      const struct key *keys)
{
    int rc = check_array_len(v, path, a);
    if (rc < 0)
        return rc;
    size_t n = json_object_array_length(a);
    for (size_t i = 0; i < n; i++) {
        char p[256];
        pidx(p, sizeof(p), path, i);
        rc = check_object(v, p, json_object_array_get_idx(a, i), keys);
        if (rc < 0)
            return rc;
    }
    return 0;
}

static int check_freemap(struct vctx *v, const char *path, json_object *o)
{
    if (!json_object_is_type(o, json_type_object))
        return fail(v, path, "must be an object");
    if (json_object_object_length(o) > 64)
        return fail(v, path, "object has too many members");
    json_object_object_foreach(o, k, val)
    {
        char p[256];
        pkey(p, sizeof(p), path, k);
        if (strlen(k) > 100)
            return fail(v, p, "field name is too long");
        if (json_object_is_type(val, json_type_null))
            continue;
        int rc = check_flag(v, p, val);
        if (rc < 0)
            return rc;
    }
    return 0;
}

static int check_skills(struct vctx *v, const char *path, json_object *a)
{
    int rc = check_array_len(v, path, a);
    if (rc < 0)
        return rc;
    size_t n = json_object_array_length(a);
    for (size_t i = 0; i < n; i++) {
        char p[256];
        json_object *e = json_object_array_get_idx(a, i);
        pidx(p, sizeof(p), path, i);
        if (json_object_is_type(e, json_type_object))
            rc = check_object(v, p, e, k_skill);
        else
            rc = check_text(v, p, a, NULL, i, e);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* See resume.h. */
int hk_resume_validate(json_object *resume, char *path, size_t pathlen,
                       char *msg, size_t msglen)
{
    struct vctx v = {path, pathlen, msg, msglen};
    if (!json_object_is_type(resume, json_type_object))
        return fail(&v, "structured", "must be an object of resume sections");
    if (json_object_object_length(resume) == 0)
        return fail(&v, "structured",
                    "resume is empty; add at least one section");
    json_object_object_foreach(resume, name, val)
    {
        const struct section *s = sections;
        while (s->name != NULL && strcmp(s->name, name) != 0)
            s++;
        if (s->name == NULL)
            return fail(&v, name, "unknown resume section");
        if (json_object_is_type(val, json_type_null))
            continue;
        int rc = 0;
        switch (s->type) {
        case S_OBJECT:
            rc = check_object(&v, name, val, s->keys);
            break;
        case S_FREEMAP:
            rc = check_freemap(&v, name, val);
            break;
        case S_LIST:
            rc = check_list(&v, name, val, s->keys);
            break;
        case S_TEXTLIST:
            rc = check_textlist(&v, name, val);
            break;
        case S_SKILLS:
            rc = check_skills(&v, name, val);
            break;
        }
        if (rc < 0)
            return rc;
    }
    return 0;
}
