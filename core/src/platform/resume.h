/*
 * platform/resume.h - structured resumes: validation of the sections the
 * LLM writes from, import from the JSON Resume standard and from YAML.
 *
 * Sections: personal_information, education_details, experience_details,
 * projects, achievements, certifications, languages, interests, skills,
 * availability, salary_expectations, self_identification,
 * legal_authorization, work_preferences.
 */
#ifndef HK_PLATFORM_RESUME_H
#define HK_PLATFORM_RESUME_H

#include <json-c/json.h>
#include <stddef.h>

struct hk_err;

#define HK_RESUME_MAX_TEXT 10000 /* bytes in one text value */
#define HK_RESUME_MAX_ITEMS 200  /* entries in one list */

/* Validates a structured resume section by section (util/json_check.h
 * tables) and normalizes it in place (numbers in text fields become
 * strings, key_responsibilities entries written as {"responsibility_1":
 * "..."} become plain strings, "period" becomes "employment_period").
 * resume is borrowed.  Paths in errors start with prefix ("structured"
 * for a resume given as that member of a request; NULL for a resume that
 * is the whole document); a resume that is not a non-empty object is
 * named "structured" either way.  Returns 0, or HAWK_EINVAL with err
 * naming the first problem ("experience_details[2].company"). */
int hk_resume_validate(json_object *resume, const char *prefix,
                       struct hk_err *err);

/* Maps a JSON Resume document (basics, work, education, skills,
 * languages, interests, projects, awards, certificates) onto the
 * structured sections.  jr is borrowed; *out is new (json_object_put).
 * Returns 0, or HAWK_EINVAL with path/msg naming a member of the wrong
 * type.  The result still has to pass hk_resume_validate(). */
int hk_resume_from_json_resume(json_object *jr, json_object **out, char *path,
                               size_t pathlen, char *msg, size_t msglen);

/* Parses one YAML document into json-c objects: mappings become objects
 * (keys must be scalars), sequences arrays, plain scalars that read as
 * integers, decimals, true/false or null become those types, everything
 * else strings.  Anchors/aliases, more than one document and nesting
 * deeper than 64 are refused.  *out is new (json_object_put).  Returns 0,
 * or HAWK_EINVAL with *line (1-based) and a message in err. */
int hk_yaml_to_json(const char *text, size_t len, json_object **out, int *line,
                    char *err, size_t errlen);

#endif
