/*
 * apply/apply_int.h - private to core/src/apply: what a submission hands
 * the plugin (documents on disk, answers, profile) and how it is read
 * from the database.
 */
#ifndef HK_APPLY_INT_H
#define HK_APPLY_INT_H

#include <limits.h>
#include <stdint.h>

#include "hawk/plugin.h"
#include "plugin/plugins.h"

struct hk_resumes;
struct hk_dbconn;

/* Largest answers_json handed to a plugin; answers past it are left out
 * (the plugin asks for what it misses through the questions it reports). */
#define HK_APPLY_ANSWERS_MAX (512 * 1024)

struct hk_apply_docs {
    char dir[PATH_MAX];      /* private directory; "" when none was made */
    char *resume_path;       /* NULL: no resume */
    char *cover_letter_path; /* NULL: no cover letter */
    char *cover_letter_text; /* NULL: no cover letter */
    char *answers_json;      /* JSON object text, never NULL when ready */
    char *profile_json;      /* JSON object text, never NULL when ready */
    char resume_source[48];  /* "tailored_resume" or "resume:<id>", "" */
};

/* Gathers everything the plugin needs for application app_id of user_id
 * (resume_id: the application's own resume, 0 for none) and writes the
 * documents into a fresh private directory.  Runs its queries on c (in
 * the caller's transaction).  On failure err is filled (database errors
 * retryable, file errors retryable) and everything made so far is
 * removed.  Release with hk_apply_docs_release() in every case. */
int hk_apply_docs_prepare(struct hk_resumes *rs, struct hk_dbconn *c,
                          int64_t user_id, int64_t app_id, int64_t resume_id,
                          struct hk_apply_docs *d, struct hawk_error *err);

/* Removes the directory with whatever is in it (also files a plugin left
 * there) and frees the strings.  Safe on a zeroed or released d. */
void hk_apply_docs_release(struct hk_apply_docs *d);

/* Builds answers_json for the application (see apply.h for the order).
 * *out: caller frees with hk_free.  0 or a database error. */
int hk_apply_answers_json(struct hk_dbconn *c, int64_t user_id, int64_t app_id,
                          char **out);

/* personal_information of the default structured resume as JSON text,
 * "{}" when there is none.  *out: caller frees with hk_free.  0 or a
 * database error. */
int hk_apply_profile_json(struct hk_resumes *rs, struct hk_dbconn *c,
                          int64_t user_id, char **out);

/* A file name safe to create in the private directory: the stored name's
 * letters, digits, '-', '_' and '.' (others become '_', no leading dot,
 * at most 80 bytes, extension dropped) followed by ext (".pdf").  Falls
 * back to "resume" when nothing is left. */
void hk_apply_safe_name(const char *stored, const char *ext, char *out,
                        size_t outlen);

/* ---- services.c: what a submission lends the plugin ---- */

struct hk_app;
struct hk_browser;

#define HK_APPLY_CAPTURES_MAX 4

struct hk_apply_capture {
    char reason[49];
    void *png; /* NULL: none */
    size_t png_len;
    char *html; /* NULL: none (not NUL-terminated) */
    size_t html_len;
};

struct hk_apply_services {
    struct hk_call_services svc; /* lent to the call: call.svc = &svc */
    struct hk_app *app;          /* borrowed */
    int64_t job_id;
    struct hk_apply_capture v[HK_APPLY_CAPTURES_MAX];
    size_t n;
};

/* Fills s for one submission of a job (jobs.id job_id) of app: the
 * browser of browser (NULL: none), the answer service, captures kept in
 * s.  app and browser are borrowed and must outlive the call. */
void hk_apply_services_init(struct hk_apply_services *s, struct hk_app *app,
                            struct hk_browser *browser, int64_t job_id);
/* Writes the captures the plugin made to application_captures on c (in
 * whatever transaction c is in).  0 or the first database error (logged;
 * the rest are not written). */
int hk_apply_services_store(struct hk_apply_services *s, struct hk_dbconn *c,
                            int64_t app_id);
/* Frees the captures.  Safe twice. */
void hk_apply_services_release(struct hk_apply_services *s);

#endif
