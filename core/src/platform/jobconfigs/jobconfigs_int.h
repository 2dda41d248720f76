/*
 * platform/jobconfigs/jobconfigs_int.h - shared by the files of the
 * jobconfigs module; nothing else includes it.
 */
#ifndef HK_PLATFORM_JOBCONFIGS_INT_H
#define HK_PLATFORM_JOBCONFIGS_INT_H

#include <json-c/json.h>
#include <stdbool.h>

struct hk_err;

/* Checks a job search configuration body (name, is_active, is_default
 * and every setting) with the JSON validator; create: name is required.
 * Returns 0 or HAWK_EINVAL with err naming the field (schema.c). */
int hk_jobconfigs_check(json_object *body, bool create, struct hk_err *err);

/* Merges a checked body's settings over base (NULL for a new
 * configuration) and the defaults into *out (new object: settings only,
 * without name/is_active/is_default).  HAWK_EINVAL with err when the
 * result allows no workplace type (schema.c). */
int hk_jobconfigs_settings(json_object *body, json_object *base,
                           json_object **out, struct hk_err *err);

#endif
