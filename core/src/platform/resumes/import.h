/*
 * platform/resumes/import.h - resumes from other formats: the JSON Resume
 * standard and YAML in the original format (import.c).
 */
#ifndef HK_PLATFORM_RESUMES_IMPORT_H
#define HK_PLATFORM_RESUMES_IMPORT_H

#include <json-c/json.h>
#include <stddef.h>

/* Maps a JSON Resume document (basics, work, education, skills,
 * languages, interests, projects, awards, certificates) onto the
 * structured sections.  jr is borrowed; *out is new (json_object_put).
 * Returns 0, or HAWK_EINVAL with path/msg naming a member of the wrong
 * type.  The result still has to pass hk_resumes_validate(). */
int hk_resumes_from_json_resume(json_object *jr, json_object **out, char *path,
                                size_t pathlen, char *msg, size_t msglen);

/* Parses one YAML document into json-c objects: mappings become objects
 * (keys must be scalars), sequences arrays, plain scalars that read as
 * integers, decimals, true/false or null become those types, everything
 * else strings.  Anchors/aliases, more than one document and nesting
 * deeper than 64 are refused.  *out is new (json_object_put).  Returns 0,
 * or HAWK_EINVAL with *line (1-based) and a message in err. */
int hk_resumes_yaml_parse(const char *text, size_t len, json_object **out,
                          int *line, char *err, size_t errlen);

#endif
