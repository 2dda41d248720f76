/*
 * platform/resumes/schema.c - the sections of a structured resume as
 * field tables for the JSON validator (util/json_check.h), with the three
 * normalisations the original format needs.
 *
 * Text fields accept numbers (YAML files write years, phone numbers and
 * grades unquoted) and store them as strings, so readers see one type;
 * key_responsibilities entries written as {"responsibility_1": "..."}
 * become plain strings; "period" becomes "employment_period".
 */
#include <string.h>

#include "hawk/plugin.h"
#include "platform/resumes/resumes.h"
#include "util/err.h"
#include "util/json_check.h"

/* A text value: a string or a number, at most HK_RESUMES_MAX_TEXT bytes. */
#define TEXT(name, req)                                                        \
    {                                                                          \
        name, HK_F_TEXT, req, true, 0, HK_RESUMES_MAX_TEXT,                    \
            .flags = HK_FF_BYTES | HK_FF_NONEMPTY                              \
    }
#define FLAG(name)                                                             \
    {                                                                          \
        name, HK_F_FLAG, false, true, 0, HK_RESUMES_MAX_TEXT,                  \
            .flags = HK_FF_BYTES                                               \
    }
#define LIST_MSG "must be a list of at most 200 entries"

static const struct hk_field text_item = {NULL,
                                          HK_F_TEXT,
                                          false,
                                          false,
                                          0,
                                          HK_RESUMES_MAX_TEXT,
                                          .flags = HK_FF_BYTES};
static const struct hk_field flag_item = {
    NULL, HK_F_FLAG, false, true, 0, HK_RESUMES_MAX_TEXT, .flags = HK_FF_BYTES};

#define TEXTLIST(name)                                                         \
    {                                                                          \
        name, HK_F_ARRAY, false, true, 0, HK_RESUMES_MAX_ITEMS,                \
            .items = &text_item, .msg = LIST_MSG                               \
    }

/* key_responsibilities: the original format writes each entry as a
 * one-member object; it becomes its text. */
static int resp_item(const struct hk_jslot *slot, struct hk_err *err)
{
    json_object *e = slot->value;
    if (!json_object_is_type(e, json_type_object))
        return hk_json_validate_value(&text_item, slot, err);
    if (json_object_object_length(e) != 1)
        return hk_json_fail(err, slot->path,
                            "must be a string or an object with one text "
                            "member");
    json_object *only = NULL;
    json_object_object_foreach(e, k, val)
    {
        (void)k;
        only = val;
    }
    if (!json_object_is_type(only, json_type_string))
        return hk_json_fail(err, slot->path, "must be a string");
    struct hk_jslot inner = {e, NULL, 0, only, slot->path};
    int rc = hk_json_validate_value(&text_item, &inner, err);
    if (rc < 0)
        return rc;
    /* Replacing the slot frees e, so `only` is referenced first. */
    hk_jslot_replace(slot, json_object_get(only));
    return 0;
}

static const struct hk_field resp_entry = {
    NULL, HK_F_ANY, false, false, 0, 0, .check = resp_item};

/* The original format calls employment_period "period" in some files. */
static int period_rename(const struct hk_jslot *slot, struct hk_err *err)
{
    if (json_object_object_get_ex(slot->parent, "employment_period", NULL))
        return hk_json_fail(err, slot->path,
                            "give either period or employment_period, not "
                            "both");
    json_object_object_add(slot->parent, "employment_period",
                           json_object_get(slot->value));
    json_object_object_del(slot->parent, "period");
    return 0;
}

static const struct hk_field k_personal[] = {TEXT("name", false),
                                             TEXT("surname", false),
                                             TEXT("date_of_birth", false),
                                             TEXT("country", false),
                                             TEXT("city", false),
                                             TEXT("address", false),
                                             TEXT("zip_code", false),
                                             TEXT("phone_prefix", false),
                                             TEXT("phone", false),
                                             TEXT("email", false),
                                             TEXT("github", false),
                                             TEXT("linkedin", false),
                                             TEXT("website", false),
                                             TEXT("summary", false),
                                             HK_FIELD_END};
static const struct hk_field k_education[] = {
    TEXT("education_level", false),
    TEXT("institution", true),
    TEXT("field_of_study", false),
    TEXT("final_evaluation_grade", false),
    TEXT("start_date", false),
    TEXT("year_of_completion", false),
    {"exam", HK_F_OBJECT, false, true, 0, HK_RESUMES_MAX_ITEMS,
     .items = &text_item, .flags = HK_FF_MAP},
    HK_FIELD_END};
static const struct hk_field k_experience[] = {
    TEXT("position", true),
    TEXT("company", true),
    /* before employment_period, which then checks what it was renamed to */
    {"period", HK_F_TEXT, false, true, 0, HK_RESUMES_MAX_TEXT,
     .flags = HK_FF_BYTES, .check = period_rename},
    TEXT("employment_period", false),
    TEXT("location", false),
    TEXT("industry", false),
    {"key_responsibilities", HK_F_ARRAY, false, true, 0, HK_RESUMES_MAX_ITEMS,
     .items = &resp_entry, .msg = LIST_MSG},
    TEXTLIST("skills_acquired"),
    HK_FIELD_END};
static const struct hk_field k_project[] = {TEXT("name", true),
                                            TEXT("description", false),
                                            TEXT("link", false), HK_FIELD_END};
static const struct hk_field k_named[] = {
    TEXT("name", true), TEXT("description", false), HK_FIELD_END};
static const struct hk_field k_language[] = {
    TEXT("language", true), TEXT("proficiency", false), HK_FIELD_END};
static const struct hk_field k_availability[] = {TEXT("notice_period", false),
                                                 HK_FIELD_END};
static const struct hk_field k_salary[] = {TEXT("salary_range_usd", false),
                                           HK_FIELD_END};
static const struct hk_field k_selfid[] = {
    FLAG("gender"),     FLAG("pronouns"),  FLAG("veteran"),
    FLAG("disability"), FLAG("ethnicity"), HK_FIELD_END};
static const struct hk_field k_skill[] = {TEXT("name", true),
                                          TEXT("level", false),
                                          TEXTLIST("keywords"), HK_FIELD_END};

static const struct hk_field skill_object = {
    NULL, HK_F_OBJECT, false, false, 0, 0, .fields = k_skill};

/* skills: plain text or {name, level, keywords}. */
static int skill_item(const struct hk_jslot *slot, struct hk_err *err)
{
    if (json_object_is_type(slot->value, json_type_object))
        return hk_json_validate_value(&skill_object, slot, err);
    return hk_json_validate_value(&text_item, slot, err);
}

static const struct hk_field skill_entry = {
    NULL, HK_F_ANY, false, false, 0, 0, .check = skill_item};

#define SECTION_LIST(name, keys)                                               \
    {                                                                          \
        name, HK_F_ARRAY, false, true, 0, HK_RESUMES_MAX_ITEMS,                \
            .items =                                                           \
                &(const struct hk_field){NULL, HK_F_OBJECT,   false, false, 0, \
                                         0,    .fields = keys},                \
            .msg = LIST_MSG                                                    \
    }
#define SECTION_OBJECT(name, keys)                                             \
    {                                                                          \
        name, HK_F_OBJECT, false, true, 0, 0, .fields = keys                   \
    }
#define SECTION_MAP(name)                                                      \
    {                                                                          \
        name, HK_F_OBJECT, false, true, 0, 64, .items = &flag_item,            \
                                               .flags = HK_FF_MAP              \
    }

static const struct hk_field sections[] = {
    SECTION_OBJECT("personal_information", k_personal),
    SECTION_LIST("education_details", k_education),
    SECTION_LIST("experience_details", k_experience),
    SECTION_LIST("projects", k_project),
    SECTION_LIST("achievements", k_named),
    SECTION_LIST("certifications", k_named),
    SECTION_LIST("languages", k_language),
    TEXTLIST("interests"),
    {"skills", HK_F_ARRAY, false, true, 0, HK_RESUMES_MAX_ITEMS,
     .items = &skill_entry, .msg = LIST_MSG},
    SECTION_OBJECT("availability", k_availability),
    SECTION_OBJECT("salary_expectations", k_salary),
    SECTION_OBJECT("self_identification", k_selfid),
    SECTION_MAP("legal_authorization"),
    SECTION_MAP("work_preferences"),
    HK_FIELD_END};

static const struct hk_field resume = {"structured",
                                       HK_F_OBJECT,
                                       false,
                                       false,
                                       0,
                                       0,
                                       .fields = sections,
                                       .noun = "resume section"};

/* See resumes.h. */
int hk_resumes_validate(json_object *r, const char *prefix, struct hk_err *err)
{
    if (!json_object_is_type(r, json_type_object))
        return hk_json_fail(err, "structured",
                            "must be an object of resume sections");
    if (json_object_object_length(r) == 0)
        return hk_json_fail(err, "structured",
                            "resume is empty; add at least one section");
    struct hk_jslot slot = {NULL, NULL, 0, r, prefix != NULL ? prefix : ""};
    return hk_json_validate_value(&resume, &slot, err);
}
