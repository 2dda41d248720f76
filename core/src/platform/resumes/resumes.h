/*
 * platform/resumes/resumes.h - resumes: structured (the sections the LLM
 * writes from, schema.c), imported from JSON Resume or YAML (import.c),
 * or uploaded as a file whose type is detected and whose text is
 * extracted (filetype.h); the default resume other modules read.
 *
 * Exactly one default resume per user: the first one becomes the default,
 * marking another one default moves the flag in the same transaction
 * (a partial unique index backs this up), deleting the default promotes
 * the newest remaining resume.
 */
#ifndef HK_PLATFORM_RESUMES_H
#define HK_PLATFORM_RESUMES_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "platform/plans/plans.h"

struct hk_db;
struct hk_dbconn;
struct hk_err;
struct hk_router;

#define HK_RESUMES_MAX_TEXT 10000 /* bytes in one text value */
#define HK_RESUMES_MAX_ITEMS 200  /* entries in one list */
#define HK_RESUMES_NAME_MAX 200   /* bytes of a resume's name */
#define HK_RESUMES_DESC_MAX 2000  /* bytes of its description */

struct hk_resumes_cfg {
    size_t max_resume_size; /* uploads.max_resume_size: largest file */
};

struct hk_resumes;

/* Creates the module on db and plans (borrowed; db may be NULL).  cfg is
 * copied.  Caller frees with hk_resumes_free(). */
int hk_resumes_new(const struct hk_resumes_cfg *cfg, struct hk_db *db,
                   struct hk_plans *plans, struct hk_resumes **out,
                   struct hk_err *err);
/* Accepts NULL. */
void hk_resumes_free(struct hk_resumes *rs);
/* The largest file an upload may carry (cfg.max_resume_size). */
size_t hk_resumes_max_size(const struct hk_resumes *rs);

/* The user's default resume's structured JSON text, on the caller's
 * connection.  Returns 0 with *json_out (caller frees with hk_free),
 * HAWK_ENOTFOUND when the user has no default resume or it has no
 * structured data, or a database error. */
int hk_resumes_default_structured(struct hk_resumes *rs, struct hk_dbconn *c,
                                  int64_t user_id, char **json_out,
                                  struct hk_err *err);

/* Validates a structured resume section by section and normalizes it in
 * place (numbers in text fields become strings, key_responsibilities
 * entries written as {"responsibility_1": "..."} become plain strings,
 * "period" becomes "employment_period").  resume is borrowed.  Paths in
 * errors start with prefix ("structured" for a resume given as that
 * member of a request; NULL for a resume that is the whole document); a
 * resume that is not a non-empty object is named "structured" either way.
 * Returns 0, or HAWK_EINVAL with err naming the first problem
 * ("experience_details[2].company"). */
int hk_resumes_validate(json_object *resume, const char *prefix,
                        struct hk_err *err);

/* ---- the API's operations (each borrows its own connection) ---- */

/* A new resume's name, description and default flag when they do not
 * come in a JSON body (form fields, query parameters).  name and
 * description are borrowed, NULL when not given; is_default -1 when not
 * given. */
struct hk_resumes_meta {
    const char *name;
    const char *description;
    int is_default;
};

/* A file as uploaded: bytes and the name the client gave ("" or NULL when
 * none), both borrowed. */
struct hk_resumes_file {
    const char *data;
    size_t len;
    const char *filename;
};

/* POST /resumes: a body {name, description, is_default, structured}. */
int hk_resumes_create(struct hk_resumes *rs, int64_t user_id, json_object *body,
                      json_object **out, struct hk_err *err);
/* A body {name, description, is_default, resume} with a JSON Resume
 * document. */
int hk_resumes_import_json_resume(struct hk_resumes *rs, int64_t user_id,
                                  json_object *body, json_object **out,
                                  struct hk_err *err);
/* YAML text (len bytes) in the original format; m->name NULL gives
 * "Imported resume".  A YAML error is HAWK_EINVAL with reason
 * "invalid_yaml" and detail members "field":"file" and "line". */
int hk_resumes_import_yaml(struct hk_resumes *rs, int64_t user_id,
                           const struct hk_resumes_meta *m, const char *text,
                           size_t len, json_object **out, struct hk_err *err);
/* A file upload: too large (HAWK_ETOOBIG), empty, or of a type that is no
 * resume (reason "unsupported_file_type") is refused; m->name NULL takes
 * the file's name. */
int hk_resumes_upload(struct hk_resumes *rs, int64_t user_id,
                      const struct hk_resumes_meta *m,
                      const struct hk_resumes_file *f, json_object **out,
                      struct hk_err *err);

/* One page (from 1), newest first. */
int hk_resumes_list(struct hk_resumes *rs, int64_t user_id, int64_t page,
                    int64_t per_page, json_object **items, int64_t *total,
                    struct hk_err *err);
/* One resume with its structured data and extracted text. */
int hk_resumes_get(struct hk_resumes *rs, int64_t user_id, int64_t id,
                   json_object **out, struct hk_err *err);
/* Members of a body {name, description, is_default, structured} replace
 * the stored ones. */
int hk_resumes_update(struct hk_resumes *rs, int64_t user_id, int64_t id,
                      json_object *body, json_object **out, struct hk_err *err);
int hk_resumes_delete(struct hk_resumes *rs, int64_t user_id, int64_t id,
                      struct hk_err *err);

/* The stored bytes of an uploaded resume, unchanged. */
struct hk_resumes_download {
    const char *data; /* borrowed until hk_resumes_download_release() */
    size_t len;
    const char *mime; /* one of the static MIME types of filetype.h */
    const char *filename;
    void *impl_;
};
/* HAWK_ENOTFOUND for no such resume, or for one without a file. */
int hk_resumes_download(struct hk_resumes *rs, int64_t user_id, int64_t id,
                        struct hk_resumes_download *out, struct hk_err *err);
void hk_resumes_download_release(struct hk_resumes_download *d);

/* Registers /api/v1/resumes and below on r; rs must outlive r (routes.c). */
void hk_resumes_routes(struct hk_router *r, struct hk_resumes *rs);

#endif
