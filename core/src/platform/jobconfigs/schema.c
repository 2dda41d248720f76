/*
 * platform/jobconfigs/schema.c - the body of a job search configuration
 * as a field table for the JSON validator (util/json_check.h), and the
 * settings it gives merged over the defaults.
 */
#include <string.h>

#include "hawk/plugin.h"
#include "platform/jobconfigs/filters.h"
#include "platform/jobconfigs/jobconfigs_int.h"
#include "util/err.h"
#include "util/json_check.h"

#define MAX_LIST_ENTRIES 500
#define MAX_SEARCHES 50
#define MAX_POSITIONS 50
#define MAX_TEXT 200

static const char *const experience_levels[] = {
    "internship", "entry",     "associate", "mid_senior",
    "director",   "executive", NULL};
static const char *const job_types[] = {"full_time", "part_time",  "contract",
                                        "temporary", "internship", "volunteer",
                                        "other",     NULL};
static const char *const date_filters[] = {"24_hours", "week", "month",
                                           "all_time", NULL};
static const char *const filter_lists[] = {
    "company_blacklist",     "title_blacklist", "location_blacklist",
    "description_blacklist", "title_whitelist", NULL};

/* A list entry: a phrase or a /regex/ the filter engine accepts. */
static int filter_entry(const struct hk_jslot *slot, struct hk_err *err)
{
    char msg[200];
    if (hk_jobconfigs_filter_entry_check(json_object_get_string(slot->value),
                                         msg, sizeof(msg)) < 0)
        return hk_json_fail(err, slot->path, "%s", msg);
    return 0;
}

static int threshold_order(const struct hk_jslot *slot, struct hk_err *err)
{
    json_object *mn = NULL, *mx = NULL;
    if (json_object_object_get_ex(slot->value, "min", &mn) &&
        json_object_object_get_ex(slot->value, "max", &mx) && mn != NULL &&
        mx != NULL && json_object_get_int64(mn) > json_object_get_int64(mx))
        return hk_json_fail(err, "job_applicants_threshold.min",
                            "must not be greater than max");
    return 0;
}

static const struct hk_field text_item = {NULL,
                                          HK_F_STRING,
                                          false,
                                          false,
                                          1,
                                          MAX_TEXT,
                                          .msg =
                                              "must be text of 1 to 200 bytes",
                                          .flags = HK_FF_BYTES};
static const struct hk_field search_fields[] = {
    {"location", HK_F_STRING, true, false, 1, MAX_TEXT,
     .msg = "must be text of 1 to 200 bytes", .flags = HK_FF_BYTES},
    {"positions", HK_F_ARRAY, true, false, 1, MAX_POSITIONS,
     .items = &text_item,
     .msg = "must be a non-empty array of at most 50 job titles"},
    HK_FIELD_END};
static const struct hk_field search = {
    NULL,
    HK_F_OBJECT,
    false,
    false,
    0,
    0,
    .fields = search_fields,
    .msg = "must be an object {location, positions}"};
static const struct hk_field threshold_fields[] = {
    {"min", HK_F_INT, false, false, 0, 1000000,
     .msg = "must be an integer from 0 to 1000000"},
    {"max", HK_F_INT, false, false, 0, 1000000,
     .msg = "must be an integer from 0 to 1000000"},
    HK_FIELD_END};
static const struct hk_field level = {
    NULL, HK_F_STRING, false, false, 0, 0, .oneof = experience_levels};
static const struct hk_field job_type = {
    NULL, HK_F_STRING, false, false, 0, 0, .oneof = job_types};
static const struct hk_field filter_item = {
    NULL, HK_F_STRING, false, false, 0, 0, .check = filter_entry};

#define FILTER_LIST(name)                                                      \
    {                                                                          \
        name, HK_F_ARRAY, false, false, 0, MAX_LIST_ENTRIES,                   \
            .items = &filter_item,                                             \
            .msg = "must be an array of at most 500 phrases or /regex/"        \
    }

/* Every member a body may have: the three columns, then the settings. */
static const struct hk_field body_fields[] = {
    {"name", HK_F_STRING, false, false, 1, 100,
     .msg = "must be text of 1 to 100 bytes", .flags = HK_FF_BYTES},
    HK_FIELD("is_active", HK_F_BOOL, false, false, 0, 0),
    HK_FIELD("is_default", HK_F_BOOL, false, false, 0, 0),
    HK_FIELD("remote", HK_F_BOOL, false, false, 0, 0),
    HK_FIELD("hybrid", HK_F_BOOL, false, false, 0, 0),
    HK_FIELD("onsite", HK_F_BOOL, false, false, 0, 0),
    HK_FIELD("apply_once_at_company", HK_F_BOOL, false, false, 0, 0),
    {"distance", HK_F_INT, false, false, 0, 500,
     .msg = "must be an integer from 0 to 500 (miles)"},
    {"max_applications_per_run", HK_F_INT, false, false, 1, 1000,
     .msg = "must be an integer from 1 to 1000"},
    {"experience_levels", HK_F_ARRAY, false, false, 0, 0, .items = &level,
     .flags = HK_FF_UNIQUE},
    {"job_types", HK_F_ARRAY, false, false, 0, 0, .items = &job_type,
     .flags = HK_FF_UNIQUE},
    {"date_filter", HK_F_STRING, false, false, 0, 0, .oneof = date_filters},
    {"searches", HK_F_ARRAY, false, false, 0, MAX_SEARCHES, .items = &search,
     .msg = "must be an array of at most 50 {location, positions}"},
    FILTER_LIST("company_blacklist"),
    FILTER_LIST("title_blacklist"),
    FILTER_LIST("location_blacklist"),
    FILTER_LIST("description_blacklist"),
    FILTER_LIST("title_whitelist"),
    {"job_applicants_threshold", HK_F_OBJECT, false, true, 0, 0,
     .fields = threshold_fields, .msg = "must be an object {min, max}",
     .check = threshold_order},
    HK_FIELD_END};

static json_object *defaults(void)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "remote", json_object_new_boolean(1));
    json_object_object_add(o, "hybrid", json_object_new_boolean(1));
    json_object_object_add(o, "onsite", json_object_new_boolean(1));
    json_object_object_add(o, "distance", json_object_new_int(25));
    json_object_object_add(o, "apply_once_at_company",
                           json_object_new_boolean(0));
    json_object_object_add(o, "experience_levels", json_object_new_array());
    json_object_object_add(o, "job_types", json_object_new_array());
    json_object_object_add(o, "date_filter",
                           json_object_new_string("all_time"));
    json_object_object_add(o, "searches", json_object_new_array());
    for (size_t i = 0; filter_lists[i] != NULL; i++)
        json_object_object_add(o, filter_lists[i], json_object_new_array());
    json_object_object_add(o, "job_applicants_threshold", NULL);
    json_object_object_add(o, "max_applications_per_run",
                           json_object_new_int(50));
    return o;
}

/* See jobconfigs_int.h. */
int hk_jobconfigs_check(json_object *body, bool create, struct hk_err *err)
{
    int rc = hk_json_validate(body, body_fields, "", err);
    if (rc == 0 && create && !json_object_object_get_ex(body, "name", NULL))
        rc = hk_json_fail(err, "name", "is required");
    return rc;
}

/* See jobconfigs_int.h. */
int hk_jobconfigs_settings(json_object *body, json_object *base,
                           json_object **out, struct hk_err *err)
{
    json_object *s = defaults();
    *out = NULL;
    if (base != NULL) {
        json_object_object_foreach(base, bk, bv)
        {
            json_object_object_add(s, bk, json_object_get(bv));
        }
    }
    json_object_object_foreach(body, k, v)
    {
        if (strcmp(k, "name") == 0 || strcmp(k, "is_active") == 0 ||
            strcmp(k, "is_default") == 0)
            continue;
        json_object_object_add(s, k, json_object_get(v));
    }
    json_object *r = NULL, *h = NULL, *o = NULL;
    json_object_object_get_ex(s, "remote", &r);
    json_object_object_get_ex(s, "hybrid", &h);
    json_object_object_get_ex(s, "onsite", &o);
    if (!json_object_get_boolean(r) && !json_object_get_boolean(h) &&
        !json_object_get_boolean(o)) {
        json_object_put(s);
        return hk_json_fail(err, "remote",
                            "and hybrid and onsite are all false; allow at "
                            "least one workplace type");
    }
    *out = s;
    return 0;
}
