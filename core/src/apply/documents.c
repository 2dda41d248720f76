/*
 * apply/documents.c - what a submission hands the job board plugin: the
 * resume and cover letter as files in a private directory that lives only
 * for the call, the answers to form questions, and the contact profile.
 *
 * Files go to disk because browser automation uploads files by path; the
 * directory is 0700 and each file 0600 and created with O_EXCL, so no
 * other local user can read a resume or swap a file under the plugin.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "apply/apply_int.h"
#include "db/db.h"
#include "db/params.h"
#include "llm/llm.h"
#include "log/log.h"
#include "platform/resumes/filetype.h"
#include "platform/platform.h"
#include "util/alloc.h"
#include "util/str.h"

/* Newest answers considered per source; older ones rarely matter and the
 * cache can grow without bound. */
#define APP_QUESTIONS_MAX 500
#define CACHED_ANSWERS_MAX 2000
/* Depth of directories a plugin may have left in the private directory
 * that are still cleaned up. */
#define REMOVE_DEPTH 8

static void db_error(struct hawk_error *err, int rc, const char *what)
{
    /* A statement the server refused is a bug, not an outage: retrying
     * would fail the same way. */
    HAWK_ERR_SET(err, rc, rc != HAWK_EINVAL, 0, "cannot read %s: %s", what,
                 hawk_strerror(rc));
}

static void errno_error(struct hawk_error *err, const char *what,
                        const char *name, int e)
{
    char eb[128];
    const char *es = strerror_r(e, eb, sizeof(eb));
    HAWK_ERR_SET(err, HAWK_EIO, true, 0, "cannot %s %s: %s", what, name, es);
}

/* ------------------------------------------------------------------------
 * The private directory
 * --------------------------------------------------------------------- */

static int make_dir(struct hk_apply_docs *d, struct hawk_error *err)
{
    const char *base = getenv("TMPDIR");
    if (base == NULL || base[0] != '/' || strlen(base) > PATH_MAX - 64)
        base = "/tmp";
    char tmpl[PATH_MAX];
    snprintf(tmpl, sizeof(tmpl), "%s/hawk-apply-XXXXXX", base);
    /* mkdtemp creates the directory with mode 0700. */
    if (mkdtemp(tmpl) == NULL) {
        errno_error(err, "create a private directory under", base, errno);
        return HAWK_EIO;
    }
    hk_strlcpy(d->dir, tmpl, sizeof(d->dir));
    return 0;
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Creates dir/name (which must not exist) with data; *path_out is the
 * full path (caller frees with hk_free). */
static int write_file(const char *dir, const char *name, const char *data,
                      size_t n, char **path_out, struct hawk_error *err)
{
    char *path = hk_asprintf("%s/%s", dir, name);
    int fd =
        open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        errno_error(err, "create", path, errno);
        hk_free(path);
        return HAWK_EIO;
    }
    int bad = write_all(fd, data, n);
    int e = errno;
    if (close(fd) < 0 && bad == 0) {
        bad = -1;
        e = errno;
    }
    if (bad < 0) {
        errno_error(err, "write", path, e);
        hk_free(path);
        return HAWK_EIO;
    }
    *path_out = path;
    return 0;
}

/* Removes name (a file or a directory tree) inside the directory dfd. */
static void remove_at(int dfd, const char *name, int depth)
{
    if (unlinkat(dfd, name, 0) == 0 || errno == ENOENT)
        return;
    if (errno != EISDIR && errno != EPERM)
        return;
    if (depth <= 0)
        return;
    int sub =
        openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (sub < 0)
        return;
    DIR *dir = fdopendir(sub);
    if (dir == NULL) {
        close(sub);
        return;
    }
    struct dirent *e;
    while ((e = readdir(dir)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        remove_at(sub, e->d_name, depth - 1);
    }
    closedir(dir);
    (void)unlinkat(dfd, name, AT_REMOVEDIR);
}

/* See apply_int.h. */
void hk_apply_docs_release(struct hk_apply_docs *d)
{
    if (d->dir[0] != '\0') {
        remove_at(AT_FDCWD, d->dir, REMOVE_DEPTH);
        struct stat st;
        if (lstat(d->dir, &st) == 0)
            hk_log(HAWK_LOG_WARN, "cannot remove the submission directory %s",
                   d->dir);
        d->dir[0] = '\0';
    }
    hk_free(d->resume_path);
    hk_free(d->cover_letter_path);
    hk_free(d->cover_letter_text);
    hk_free(d->answers_json);
    hk_free(d->profile_json);
    d->resume_path = d->cover_letter_path = d->cover_letter_text = NULL;
    d->answers_json = d->profile_json = NULL;
    d->resume_source[0] = '\0';
}

/* See apply_int.h. */
void hk_apply_safe_name(const char *stored, const char *ext, char *out,
                        size_t outlen)
{
    char stem[81];
    size_t n = 0;
    const char *base = stored != NULL ? stored : "";
    for (const char *p = base; *p != '\0'; p++)
        if (*p == '/' || *p == '\\')
            base = p + 1;
    const char *dot = strrchr(base, '.');
    const char *end = dot != NULL && dot != base ? dot : base + strlen(base);
    bool under = false;
    for (const char *p = base; p < end && n + 1 < sizeof(stem); p++) {
        unsigned char ch = (unsigned char)*p;
        bool ok =
            (ch < 0x80 && isalnum(ch)) || ch == '-' || ch == '_' || ch == '.';
        if (!ok) {
            /* One '_' for a run of anything else (a UTF-8 letter is
             * several bytes). */
            if (!under && n > 0)
                stem[n++] = '_';
            under = true;
            continue;
        }
        under = false;
        if (n == 0 && ch == '.')
            continue;
        stem[n++] = (char)ch;
    }
    while (n > 0 && (stem[n - 1] == '_' || stem[n - 1] == '.'))
        n--;
    stem[n] = '\0';
    snprintf(out, outlen, "%s%s", n > 0 ? stem : "resume", ext);
}

/* ------------------------------------------------------------------------
 * Documents
 * --------------------------------------------------------------------- */

/* The newest generated document of a kind (and format, NULL: any) on the
 * user's application: *r has content, format in row 0, or no rows. */
static int newest_document(struct hk_dbconn *c, int64_t user_id, int64_t app_id,
                           const char *kind, const char *format, PGresult **r)
{
    struct hk_db_params p;
    hk_db_params_init(&p);
    hk_db_param_i64(&p, app_id);
    hk_db_param_i64(&p, user_id);
    hk_db_param_text(&p, kind);
    hk_db_param_text(&p, format);
    return hk_db_params_run(
        c,
        "SELECT d.content, d.format FROM generated_documents d"
        " JOIN applications a ON a.id = d.application_id"
        " WHERE a.id = $1::bigint AND a.user_id = $2::bigint"
        " AND d.kind = $3 AND ($4::text IS NULL OR d.format ="
        " $4::text) ORDER BY d.id DESC LIMIT 1",
        &p, r);
}

static const char *ext_of_type(enum hk_resumes_filetype t)
{
    switch (t) {
    case HK_RESUMES_FT_PDF:
        return ".pdf";
    case HK_RESUMES_FT_DOCX:
        return ".docx";
    case HK_RESUMES_FT_HTML:
        return ".html";
    case HK_RESUMES_FT_TEXT:
        return ".txt";
    default:
        return ".bin";
    }
}

static int resume_file(struct hk_dbconn *c, int64_t user_id, int64_t resume_id,
                       struct hk_apply_docs *d, const char *avoid,
                       struct hawk_error *err)
{
    struct hk_db_params p;
    hk_db_params_init(&p);
    hk_db_param_i64(&p, user_id);
    hk_db_param_i64(&p, resume_id);
    /* Binary results: the bytea arrives as raw bytes, the texts as text. */
    p.result_format = 1;
    PGresult *r = NULL;
    int rc = hk_db_params_run(c,
                              "SELECT file, coalesce(file_name, ''), id::text"
                              " FROM resumes WHERE user_id = $1::bigint AND"
                              " file IS NOT NULL ORDER BY (id = $2::bigint)"
                              " DESC, is_default DESC, created_at DESC, id DESC"
                              " LIMIT 1",
                              &p, &r);
    if (rc < 0) {
        db_error(err, rc, "the resume");
        return rc;
    }
    if (PQntuples(r) == 0) {
        PQclear(r);
        return 0;
    }
    const char *data = PQgetvalue(r, 0, 0);
    size_t n = (size_t)PQgetlength(r, 0, 0);
    enum hk_resumes_filetype t =
        hk_resumes_filetype_detect((const unsigned char *)data, n);
    char name[128];
    hk_apply_safe_name(PQgetvalue(r, 0, 1), ext_of_type(t), name, sizeof(name));
    if (avoid != NULL && strcmp(name, avoid) == 0)
        hk_apply_safe_name("resume", ext_of_type(t), name, sizeof(name));
    rc = write_file(d->dir, name, data, n, &d->resume_path, err);
    if (rc == 0)
        snprintf(d->resume_source, sizeof(d->resume_source), "resume:%s",
                 PQgetvalue(r, 0, 2));
    PQclear(r);
    return rc;
}

static int cover_letter(struct hk_dbconn *c, int64_t user_id, int64_t app_id,
                        struct hk_apply_docs *d, struct hawk_error *err)
{
    PGresult *r = NULL;
    int rc = newest_document(c, user_id, app_id, "cover_letter", NULL, &r);
    if (rc < 0) {
        db_error(err, rc, "the cover letter");
        return rc;
    }
    if (PQntuples(r) == 0) {
        PQclear(r);
        return 0;
    }
    const char *fmt = PQgetvalue(r, 0, 1);
    const char *name = strcmp(fmt, "html") == 0       ? "cover_letter.html"
                       : strcmp(fmt, "markdown") == 0 ? "cover_letter.md"
                                                      : "cover_letter.txt";
    const char *text = PQgetvalue(r, 0, 0);
    rc = write_file(d->dir, name, text, strlen(text), &d->cover_letter_path,
                    err);
    if (rc == 0)
        d->cover_letter_text = hk_strdup(text);
    PQclear(r);
    return rc;
}

static int resume(struct hk_dbconn *c, int64_t user_id, int64_t app_id,
                  int64_t resume_id, struct hk_apply_docs *d,
                  struct hawk_error *err)
{
    PGresult *r = NULL;
    int rc = newest_document(c, user_id, app_id, "tailored_resume", "html", &r);
    if (rc < 0) {
        db_error(err, rc, "the tailored resume");
        return rc;
    }
    if (PQntuples(r) == 1) {
        const char *html = PQgetvalue(r, 0, 0);
        rc = write_file(d->dir, "resume.html", html, strlen(html),
                        &d->resume_path, err);
        if (rc == 0)
            hk_strlcpy(d->resume_source, "tailored_resume",
                       sizeof(d->resume_source));
        PQclear(r);
        return rc;
    }
    PQclear(r);
    const char *avoid = NULL;
    if (d->cover_letter_path != NULL) {
        avoid = strrchr(d->cover_letter_path, '/');
        avoid = avoid != NULL ? avoid + 1 : d->cover_letter_path;
    }
    return resume_file(c, user_id, resume_id, d, avoid, err);
}

/* ------------------------------------------------------------------------
 * Answers and profile
 * --------------------------------------------------------------------- */

struct answers {
    json_object *obj;
    size_t bytes; /* rough size of the text so far */
    bool full;
};

/* Adds key -> v unless the key is empty, already answered, or the object
 * is full.  Takes ownership of v. */
static void answers_put(struct answers *a, const char *question, bool normalize,
                        json_object *v)
{
    char *key = normalize ? hk_llm_question_key(question) : hk_strdup(question);
    const char *text =
        json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
    size_t cost = strlen(key) + strlen(text) + 8;
    if (key[0] == '\0' || a->full ||
        json_object_object_get_ex(a->obj, key, NULL)) {
        json_object_put(v);
    } else if (a->bytes + cost > HK_APPLY_ANSWERS_MAX) {
        a->full = true;
        json_object_put(v);
    } else {
        json_object_object_add(a->obj, key, v);
        a->bytes += cost;
    }
    hk_free(key);
}

/* See apply_int.h. */
int hk_apply_answers_json(struct hk_dbconn *c, int64_t user_id, int64_t app_id,
                          char **out)
{
    struct hk_db_params p;
    PGresult *r = NULL;
    struct answers a = {.obj = json_object_new_object()};
    *out = NULL;
    /* Answers given for this very application (in the workflow or at
     * approval) are the most specific: newest first, they win. */
    hk_db_params_init(&p);
    hk_db_param_i64(&p, app_id);
    hk_db_param_i64(&p, user_id);
    hk_db_param_i64(&p, APP_QUESTIONS_MAX);
    int rc = hk_db_params_run(c,
                              "SELECT q.question, q.answer FROM"
                              " application_questions q JOIN applications a ON"
                              " a.id = q.application_id WHERE a.id = $1::bigint"
                              " AND a.user_id = $2::bigint AND q.answer IS NOT"
                              " NULL ORDER BY q.id DESC LIMIT $3::int",
                              &p, &r);
    if (rc < 0)
        goto out;
    for (int i = 0; i < PQntuples(r); i++)
        answers_put(&a, PQgetvalue(r, i, 0), true,
                    json_object_new_string(PQgetvalue(r, i, 1)));
    PQclear(r);
    r = NULL;
    /* Then the user's overrides, then what was computed or asked before. */
    /* Only answers whose scope covers this application: global ones,
     * those for the job's company and those for the job itself (a "why
     * us" written for one company never goes to another); the most
     * specific first. */
    hk_db_params_init(&p);
    hk_db_param_i64(&p, user_id);
    hk_db_param_i64(&p, CACHED_ANSWERS_MAX);
    hk_db_param_i64(&p, app_id);
    rc = hk_db_params_run(
        c,
        "SELECT l.question_key, l.answer::text FROM llm_answers l"
        " LEFT JOIN applications a ON a.id = $3::bigint"
        " AND a.user_id = $1::bigint LEFT JOIN jobs j ON j.id = a.job_id"
        " WHERE l.user_id = $1::bigint AND (l.scope = 'global'"
        " OR (l.scope = 'company' AND l.scope_key = lower(btrim(j.company)))"
        " OR (l.scope = 'job' AND l.scope_key = a.job_id::text))"
        " ORDER BY (l.source = 'user') DESC, (l.scope = 'job') DESC,"
        " (l.scope = 'company') DESC, l.updated_at DESC, l.id DESC"
        " LIMIT $2::int",
        &p, &r);
    if (rc < 0)
        goto out;
    for (int i = 0; i < PQntuples(r) && !a.full; i++) {
        json_object *v = json_tokener_parse(PQgetvalue(r, i, 1));
        if (v != NULL)
            answers_put(&a, PQgetvalue(r, i, 0), false, v);
    }
    *out = hk_strdup(json_object_to_json_string_ext(
        a.obj, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
out:
    if (r != NULL)
        PQclear(r);
    json_object_put(a.obj);
    return rc;
}

/* See apply_int.h. */
int hk_apply_profile_json(struct hk_resumes *rs, struct hk_dbconn *c,
                          int64_t user_id, char **out)
{
    char *text = NULL;
    *out = NULL;
    int rc = hk_resumes_default_structured(rs, c, user_id, &text, NULL);
    if (rc == HAWK_ENOTFOUND) {
        *out = hk_strdup("{}");
        return 0;
    }
    if (rc < 0)
        return rc;
    json_object *resume = json_tokener_parse(text);
    json_object *pi = NULL;
    if (resume != NULL &&
        json_object_object_get_ex(resume, "personal_information", &pi) &&
        json_object_is_type(pi, json_type_object))
        *out = hk_strdup(json_object_to_json_string_ext(
            pi, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
    else
        *out = hk_strdup("{}");
    json_object_put(resume);
    hk_free(text);
    return 0;
}

/* ------------------------------------------------------------------------
 * Everything at once
 * --------------------------------------------------------------------- */

/* See apply_int.h. */
int hk_apply_docs_prepare(struct hk_resumes *rs, struct hk_dbconn *c,
                          int64_t user_id, int64_t app_id, int64_t resume_id,
                          struct hk_apply_docs *d, struct hawk_error *err)
{
    memset(d, 0, sizeof(*d));
    int rc = hk_apply_answers_json(c, user_id, app_id, &d->answers_json);
    if (rc < 0) {
        db_error(err, rc, "the saved answers");
        goto fail;
    }
    rc = hk_apply_profile_json(rs, c, user_id, &d->profile_json);
    if (rc < 0) {
        db_error(err, rc, "the profile");
        goto fail;
    }
    rc = make_dir(d, err);
    if (rc < 0)
        goto fail;
    rc = cover_letter(c, user_id, app_id, d, err);
    if (rc < 0)
        goto fail;
    rc = resume(c, user_id, app_id, resume_id, d, err);
    if (rc < 0)
        goto fail;
    return 0;
fail:
    hk_apply_docs_release(d);
    return rc;
}
