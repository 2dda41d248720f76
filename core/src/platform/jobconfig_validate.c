/*
 * platform/jobconfig_validate.c - the settings of a job search
 * configuration: types, ranges, enumerations and filter entries, with
 * errors naming the field ("searches[1].positions[0]").
 */
#include <stdio.h>
#include <string.h>

#include "hawk/plugin.h"
#include "platform/filters.h"
#include "platform/pf.h"
#include "util/str.h"

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
static const char *const bools[] = {"remote", "hybrid", "onsite",
                                    "apply_once_at_company", NULL};

static bool in_list(const char *const *list, const char *s)
{
    for (; *list != NULL; list++)
        if (strcmp(*list, s) == 0)
            return true;
    return false;
}

static void join(const char *const *list, char *out, size_t n)
{
    out[0] = '\0';
    for (size_t i = 0; list[i] != NULL; i++) {
        size_t l = strlen(out);
        snprintf(out + l, n - l, "%s%s", i ? ", " : "", list[i]);
    }
}

static int bad(struct hk_resp *resp, const char *field, const char *msg)
{
    hk_resp_error(resp, 400, "invalid_field", field, "'%s' %s", field, msg);
    return HAWK_EINVAL;
}

static int check_text(json_object *v, const char *field, size_t min,
                      struct hk_resp *resp)
{
    if (!json_object_is_type(v, json_type_string))
        return bad(resp, field, "must be a string");
    size_t n = (size_t)json_object_get_string_len(v);
    const char *s = json_object_get_string(v);
    if (n < min || n > MAX_TEXT || strlen(s) != n || !hk_utf8_valid(s, n)) {
        char m[96];
        snprintf(m, sizeof(m), "must be text of %zu to %d bytes", min,
                 MAX_TEXT);
        return bad(resp, field, m);
    }
    return 0;
}

static int check_enum_list(json_object *v, const char *field,
                           const char *const *allowed, struct hk_resp *resp)
{
    char m[300], all[200];
    if (!json_object_is_type(v, json_type_array))
        return bad(resp, field, "must be an array");
    size_t n = json_object_array_length(v);
    join(allowed, all, sizeof(all));
    for (size_t i = 0; i < n; i++) {
        json_object *e = json_object_array_get_idx(v, i);
        char f[96];
        snprintf(f, sizeof(f), "%s[%zu]", field, i);
        if (!json_object_is_type(e, json_type_string) ||
            !in_list(allowed, json_object_get_string(e))) {
            snprintf(m, sizeof(m), "must be one of %s", all);
            return bad(resp, f, m);
        }
        for (size_t k = 0; k < i; k++) {
            if (strcmp(json_object_get_string(json_object_array_get_idx(v, k)),
                       json_object_get_string(e)) == 0)
                return bad(resp, f, "is listed twice");
        }
    }
    return 0;
}

static int check_filter_list(json_object *v, const char *field,
                             struct hk_resp *resp)
{
    if (!json_object_is_type(v, json_type_array))
        return bad(resp, field, "must be an array of phrases or /regex/");
    size_t n = json_object_array_length(v);
    if (n > MAX_LIST_ENTRIES) {
        char m[64];
        snprintf(m, sizeof(m), "has more than %d entries", MAX_LIST_ENTRIES);
        return bad(resp, field, m);
    }
    for (size_t i = 0; i < n; i++) {
        json_object *e = json_object_array_get_idx(v, i);
        char f[96], msg[200];
        snprintf(f, sizeof(f), "%s[%zu]", field, i);
        if (!json_object_is_type(e, json_type_string))
            return bad(resp, f, "must be a string");
        const char *s = json_object_get_string(e);
        if (strlen(s) != (size_t)json_object_get_string_len(e))
            return bad(resp, f, "must not contain NUL");
        if (hk_filter_entry_check(s, msg, sizeof(msg)) < 0) {
            hk_resp_error(resp, 400, "invalid_field", f, "'%s' %s", f, msg);
            return HAWK_EINVAL;
        }
    }
    return 0;
}

static int check_searches(json_object *v, struct hk_resp *resp)
{
    if (!json_object_is_type(v, json_type_array))
        return bad(resp, "searches",
                   "must be an array of {location, positions}");
    size_t n = json_object_array_length(v);
    if (n > MAX_SEARCHES)
        return bad(resp, "searches", "has more than 50 entries");
    for (size_t i = 0; i < n; i++) {
        json_object *s = json_object_array_get_idx(v, i);
        char f[96];
        snprintf(f, sizeof(f), "searches[%zu]", i);
        if (!json_object_is_type(s, json_type_object))
            return bad(resp, f, "must be an object {location, positions}");
        json_object_object_foreach(s, k, val)
        {
            char fk[128];
            snprintf(fk, sizeof(fk), "%s.%s", f, k);
            if (strcmp(k, "location") == 0) {
                if (check_text(val, fk, 1, resp) < 0)
                    return HAWK_EINVAL;
            } else if (strcmp(k, "positions") == 0) {
                if (!json_object_is_type(val, json_type_array) ||
                    json_object_array_length(val) == 0)
                    return bad(resp, fk,
                               "must be a non-empty array of "
                               "job titles");
                size_t np = json_object_array_length(val);
                if (np > MAX_POSITIONS)
                    return bad(resp, fk, "has more than 50 entries");
                for (size_t p = 0; p < np; p++) {
                    char fp[160];
                    snprintf(fp, sizeof(fp), "%s[%zu]", fk, p);
                    if (check_text(json_object_array_get_idx(val, p), fp, 1,
                                   resp) < 0)
                        return HAWK_EINVAL;
                }
            } else {
                return bad(resp, fk,
                           "is not a known field (location, "
                           "positions)");
            }
        }
        char fl[128];
        snprintf(fl, sizeof(fl), "%s.location", f);
        if (!json_object_object_get_ex(s, "location", NULL))
            return bad(resp, fl, "is required");
        snprintf(fl, sizeof(fl), "%s.positions", f);
        if (!json_object_object_get_ex(s, "positions", NULL))
            return bad(resp, fl, "is required");
    }
    return 0;
}

static int check_threshold(json_object *v, struct hk_resp *resp)
{
    const char *f = "job_applicants_threshold";
    if (!json_object_is_type(v, json_type_object))
        return bad(resp, f, "must be an object {min, max}");
    int64_t mn = -1, mx = -1;
    json_object_object_foreach(v, k, val)
    {
        char fk[96];
        snprintf(fk, sizeof(fk), "%s.%s", f, k);
        if (strcmp(k, "min") != 0 && strcmp(k, "max") != 0)
            return bad(resp, fk, "is not a known field (min, max)");
        if (!json_object_is_type(val, json_type_int) ||
            json_object_get_int64(val) < 0 ||
            json_object_get_int64(val) > 1000000)
            return bad(resp, fk, "must be an integer from 0 to 1000000");
        if (strcmp(k, "min") == 0)
            mn = json_object_get_int64(val);
        else
            mx = json_object_get_int64(val);
    }
    if (mn >= 0 && mx >= 0 && mn > mx)
        return bad(resp, "job_applicants_threshold.min",
                   "must not be greater than max");
    return 0;
}

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

/* Validates one settings member. */
static int check_member(const char *k, json_object *v, struct hk_resp *resp)
{
    char m[300], all[200];
    if (in_list(bools, k)) {
        if (!json_object_is_type(v, json_type_boolean))
            return bad(resp, k, "must be a boolean");
        return 0;
    }
    if (strcmp(k, "distance") == 0) {
        if (!json_object_is_type(v, json_type_int) ||
            json_object_get_int64(v) < 0 || json_object_get_int64(v) > 500)
            return bad(resp, k, "must be an integer from 0 to 500 (miles)");
        return 0;
    }
    if (strcmp(k, "max_applications_per_run") == 0) {
        if (!json_object_is_type(v, json_type_int) ||
            json_object_get_int64(v) < 1 || json_object_get_int64(v) > 1000)
            return bad(resp, k, "must be an integer from 1 to 1000");
        return 0;
    }
    if (strcmp(k, "experience_levels") == 0)
        return check_enum_list(v, k, experience_levels, resp);
    if (strcmp(k, "job_types") == 0)
        return check_enum_list(v, k, job_types, resp);
    if (strcmp(k, "date_filter") == 0) {
        if (!json_object_is_type(v, json_type_string) ||
            !in_list(date_filters, json_object_get_string(v))) {
            join(date_filters, all, sizeof(all));
            snprintf(m, sizeof(m), "must be one of %s", all);
            return bad(resp, k, m);
        }
        return 0;
    }
    if (strcmp(k, "searches") == 0)
        return check_searches(v, resp);
    if (in_list(filter_lists, k))
        return check_filter_list(v, k, resp);
    if (strcmp(k, "job_applicants_threshold") == 0) {
        if (v == NULL)
            return 0;
        return check_threshold(v, resp);
    }
    hk_resp_error(resp, 400, "invalid_field", k, "unknown field '%s'", k);
    return HAWK_EINVAL;
}

/* See pf.h. */
int hk_pf_jobconfig_settings(json_object *body, json_object *base,
                             json_object **out, struct hk_resp *resp)
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
        if (check_member(k, v, resp) < 0) {
            json_object_put(s);
            return HAWK_EINVAL;
        }
        json_object_object_add(s, k, json_object_get(v));
    }
    json_object *r = NULL, *h = NULL, *o = NULL;
    json_object_object_get_ex(s, "remote", &r);
    json_object_object_get_ex(s, "hybrid", &h);
    json_object_object_get_ex(s, "onsite", &o);
    if (!json_object_get_boolean(r) && !json_object_get_boolean(h) &&
        !json_object_get_boolean(o)) {
        json_object_put(s);
        return bad(resp, "remote",
                   "and hybrid and onsite are all false; allow at least one "
                   "workplace type");
    }
    *out = s;
    return 0;
}
