/*
 * platform/resumes/resumes.c - storing resumes (structured, imported,
 * uploaded), the default, the plan limit, reading, updating, deleting and
 * downloading (see resumes.h).
 */
#include "platform/resumes/resumes.h"

#include <inttypes.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

#include "db/db.h"
#include "db/params.h"
#include "db/result.h"
#include "hawk/plugin.h"
#include "platform/resumes/filetype.h"
#include "platform/resumes/import.h"
#include "util/alloc.h"
#include "util/err.h"
#include "util/json_check.h"
#include "util/str.h"

#define PARSED_TEXT_MAX ((size_t)1 << 20)

struct hk_resumes {
    struct hk_resumes_cfg cfg;
    struct hk_db *db; /* borrowed; NULL: no database */
    struct hk_plans *plans;
};

/* See resumes.h. */
int hk_resumes_new(const struct hk_resumes_cfg *cfg, struct hk_db *db,
                   struct hk_plans *plans, struct hk_resumes **out,
                   struct hk_err *err)
{
    *out = NULL;
    if (cfg == NULL || cfg->max_resume_size == 0 || plans == NULL)
        return hk_err_set(err, HAWK_EINVAL, NULL, NULL,
                          "resumes: a file size limit and the plans module "
                          "are required");
    struct hk_resumes *rs = hk_calloc(1, sizeof(*rs));
    rs->cfg = *cfg;
    rs->db = db;
    rs->plans = plans;
    *out = rs;
    return 0;
}

/* See resumes.h. */
void hk_resumes_free(struct hk_resumes *rs)
{
    hk_free(rs);
}

/* See resumes.h. */
size_t hk_resumes_max_size(const struct hk_resumes *rs)
{
    return rs->cfg.max_resume_size;
}

/* clang-format off */
/* Columns of the list view; detail adds structured and parsed_text. */
#define RESUME_COLS                                                            \
    "id, name, description, is_default, structured IS NOT NULL,"               \
    " file IS NOT NULL, file_name, content_type, size, sha256, "               \
    HK_DB_TS("created_at") ", " HK_DB_TS("updated_at")
/* clang-format on */
#define RESUME_DETAIL_COLS RESUME_COLS ", structured::text, parsed_text"

/* A resume row as JSON; the row's columns start at `off` (RESUME_COLS,
 * then RESUME_DETAIL_COLS' two extra columns when detail). */
static json_object *resume_json(const PGresult *r, int i, int off, bool detail)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "id", hk_db_col_int(r, i, off + 0));
    json_object_object_add(o, "name", hk_db_col_text(r, i, off + 1));
    json_object_object_add(o, "description", hk_db_col_text(r, i, off + 2));
    json_object_object_add(o, "is_default", hk_db_col_bool(r, i, off + 3));
    json_object_object_add(o, "has_structured", hk_db_col_bool(r, i, off + 4));
    json_object *file = NULL;
    if (hk_db_col_true(r, i, off + 5)) {
        file = json_object_new_object();
        json_object_object_add(file, "name", hk_db_col_text(r, i, off + 6));
        json_object_object_add(file, "content_type",
                               hk_db_col_text(r, i, off + 7));
        json_object_object_add(file, "size", hk_db_col_int(r, i, off + 8));
        json_object_object_add(file, "sha256", hk_db_col_text(r, i, off + 9));
    }
    json_object_object_add(o, "file", file);
    json_object_object_add(o, "created_at", hk_db_col_text(r, i, off + 10));
    json_object_object_add(o, "updated_at", hk_db_col_text(r, i, off + 11));
    if (detail) {
        json_object_object_add(o, "structured",
                               hk_db_col_jsonb(r, i, off + 12));
        json_object_object_add(o, "parsed_text",
                               hk_db_col_text(r, i, off + 13));
    }
    return o;
}

static int not_found(struct hk_err *err, int64_t id)
{
    return hk_err_set(err, HAWK_ENOTFOUND, NULL, NULL,
                      "no resume with id %" PRId64, id);
}

static int run(struct hk_dbconn *c, const char *sql,
               const struct hk_db_params *p, PGresult **r, struct hk_err *err)
{
    int rc = hk_db_params_run(c, sql, p, r);
    return rc < 0 ? hk_db_err(err, rc) : 0;
}

static const char *member_str(json_object *o, const char *k)
{
    json_object *v = NULL;
    if (!json_object_object_get_ex(o, k, &v) ||
        !json_object_is_type(v, json_type_string))
        return NULL;
    return json_object_get_string(v);
}

/* 1 or 0 for a boolean member, else -1. */
static int member_flag(json_object *o, const char *k)
{
    json_object *v = NULL;
    if (!json_object_object_get_ex(o, k, &v) ||
        !json_object_is_type(v, json_type_boolean))
        return -1;
    return json_object_get_boolean(v) ? 1 : 0;
}

/* ---------------------------------------------------------------------
 * Creating
 * ------------------------------------------------------------------ */

struct new_resume {
    const char *name;
    const char *description;
    int is_default;         /* -1: not given */
    const char *structured; /* JSON text or NULL */
    const char *file;       /* bytes or NULL */
    size_t file_len;
    const char *file_name;
    const char *content_type;
    char sha256[65];
    char *parsed_text; /* owned by the caller */
};

/* Inserts nr for user_id inside one transaction: plan check, default
 * handling, insert.  *out is the new resume. */
static int insert_resume(struct hk_resumes *rs, int64_t user_id,
                         const struct new_resume *nr, json_object **out,
                         struct hk_err *err)
{
    struct hk_dbconn *c = NULL;
    PGresult *r = NULL;
    struct hk_db_params p;
    int rc = hk_db_borrow(rs->db, &c, err);
    if (rc < 0)
        return rc;
    rc = hk_db_begin(c);
    if (rc < 0)
        hk_db_err(err, rc);
    if (rc == 0)
        rc = hk_plans_lock(rs->plans, c, HK_PLANS_LOCK_RESUMES, user_id, err);
    if (rc == 0)
        rc = hk_plans_check(rs->plans, c, user_id, HK_PLANS_RESUMES, 1, NULL,
                            err);
    if (rc < 0)
        goto out;
    /* The first resume is the default whatever was asked. */
    bool make_default = nr->is_default == 1;
    hk_db_params_init(&p);
    hk_db_param_i64(&p, user_id);
    if (!make_default) {
        rc = run(c,
                 "SELECT 1 FROM resumes WHERE user_id = $1::bigint"
                 " AND is_default",
                 &p, &r, err);
        if (rc < 0)
            goto out;
        make_default = PQntuples(r) == 0;
        PQclear(r);
        r = NULL;
    } else {
        rc = run(c,
                 "UPDATE resumes SET is_default = false,"
                 " updated_at = now() WHERE user_id = $1::bigint"
                 " AND is_default",
                 &p, NULL, err);
        if (rc < 0)
            goto out;
    }
    hk_db_param_text(&p, nr->name);
    hk_db_param_text(&p, nr->description);
    hk_db_param_bool(&p, make_default);
    hk_db_param_text(&p, nr->structured);
    if (nr->file != NULL)
        hk_db_param_bytes(&p, nr->file, nr->file_len); /* no escaping */
    else
        hk_db_param_null(&p);
    hk_db_param_text(&p, nr->file_name);
    hk_db_param_text(&p, nr->content_type);
    hk_db_param_i64(&p, (int64_t)nr->file_len);
    hk_db_param_text(&p, nr->file ? nr->sha256 : NULL);
    hk_db_param_text(&p, nr->parsed_text);
    rc = run(c,
             "INSERT INTO resumes (user_id, name, description, is_default,"
             " structured, file, file_name, content_type, size, sha256,"
             " parsed_text) VALUES ($1::bigint, $2, coalesce($3, ''),"
             " $4::boolean, $5::jsonb, $6, $7, $8, $9::bigint, $10, $11)"
             " RETURNING " RESUME_DETAIL_COLS,
             &p, &r, err);
    if (rc < 0)
        goto out;
    rc = hk_db_commit(c);
    if (rc < 0)
        hk_db_err(err, rc);
    else
        *out = resume_json(r, 0, 0, true);
out:
    if (rc < 0)
        hk_db_rollback(c);
    hk_db_release(rs->db, c);
    if (r != NULL)
        PQclear(r);
    return rc;
}

/* Inserts a validated structured resume s with the body's name,
 * description and default flag. */
static int create_structured(struct hk_resumes *rs, int64_t user_id,
                             json_object *body, json_object *s,
                             json_object **out, struct hk_err *err)
{
    struct new_resume nr;
    memset(&nr, 0, sizeof(nr));
    nr.name = member_str(body, "name");
    nr.description = member_str(body, "description");
    nr.is_default = member_flag(body, "is_default");
    nr.structured = json_object_to_json_string_ext(s, JSON_C_TO_STRING_PLAIN);
    return insert_resume(rs, user_id, &nr, out, err);
}

static const struct hk_field create_fields[] = {
    HK_FIELD("name", HK_F_STRING, true, false, 1, HK_RESUMES_NAME_MAX),
    HK_FIELD("description", HK_F_STRING, false, false, 0, HK_RESUMES_DESC_MAX),
    HK_FIELD("is_default", HK_F_BOOL, false, false, 0, 0),
    HK_FIELD("structured", HK_F_OBJECT, true, false, 0, 0), HK_FIELD_END};

static const struct hk_field import_fields[] = {
    HK_FIELD("name", HK_F_STRING, true, false, 1, HK_RESUMES_NAME_MAX),
    HK_FIELD("description", HK_F_STRING, false, false, 0, HK_RESUMES_DESC_MAX),
    HK_FIELD("is_default", HK_F_BOOL, false, false, 0, 0),
    HK_FIELD("resume", HK_F_OBJECT, true, false, 0, 0), HK_FIELD_END};

/* See resumes.h. */
int hk_resumes_create(struct hk_resumes *rs, int64_t user_id, json_object *body,
                      json_object **out, struct hk_err *err)
{
    json_object *s = NULL;
    *out = NULL;
    int rc = hk_json_validate(body, create_fields, "", err);
    if (rc == 0) {
        json_object_object_get_ex(body, "structured", &s);
        rc = hk_resumes_validate(s, "structured", err);
    }
    if (rc == 0)
        rc = create_structured(rs, user_id, body, s, out, err);
    return rc;
}

/* See resumes.h. */
int hk_resumes_import_json_resume(struct hk_resumes *rs, int64_t user_id,
                                  json_object *body, json_object **out,
                                  struct hk_err *err)
{
    json_object *jr = NULL, *s = NULL;
    char path[256], msg[256];
    *out = NULL;
    int rc = hk_json_validate(body, import_fields, "", err);
    if (rc < 0)
        return rc;
    json_object_object_get_ex(body, "resume", &jr);
    if (hk_resumes_from_json_resume(jr, &s, path, sizeof(path), msg,
                                    sizeof(msg)) < 0) {
        char field[300];
        snprintf(field, sizeof(field), "resume.%s", path);
        return hk_json_fail(err, field, "%s", msg);
    }
    rc = hk_resumes_validate(s, NULL, err);
    if (rc == 0)
        rc = create_structured(rs, user_id, body, s, out, err);
    json_object_put(s);
    return rc;
}

/* A name or description from a form or a query: UTF-8 within its limit
 * in bytes. */
static int meta_check(const struct hk_resumes_meta *m, struct hk_err *err)
{
    if (m->name != NULL && strlen(m->name) > HK_RESUMES_NAME_MAX)
        return hk_err_set(err, HAWK_EINVAL, NULL, "name",
                          "'name' must be at most %d bytes",
                          HK_RESUMES_NAME_MAX);
    if (m->description != NULL && strlen(m->description) > HK_RESUMES_DESC_MAX)
        return hk_err_set(err, HAWK_EINVAL, NULL, "description",
                          "'description' must be at most %d bytes",
                          HK_RESUMES_DESC_MAX);
    return 0;
}

/* See resumes.h. */
int hk_resumes_import_yaml(struct hk_resumes *rs, int64_t user_id,
                           const struct hk_resumes_meta *m, const char *text,
                           size_t len, json_object **out, struct hk_err *err)
{
    json_object *doc = NULL;
    char msg[256];
    int line = 0;
    *out = NULL;
    int rc = meta_check(m, err);
    if (rc < 0)
        return rc;
    if (hk_resumes_yaml_parse(text, len, &doc, &line, msg, sizeof(msg)) < 0) {
        hk_err_set(err, HAWK_EINVAL, "invalid_yaml", NULL, "%s", msg);
        /* after the message, as clients of the first version read it */
        snprintf(err->detail, sizeof(err->detail),
                 "\"field\":\"file\",\"line\":%d", line);
        return HAWK_EINVAL;
    }
    rc = hk_resumes_validate(doc, NULL, err);
    if (rc == 0) {
        struct new_resume nr;
        memset(&nr, 0, sizeof(nr));
        nr.name = m->name != NULL ? m->name : "Imported resume";
        nr.description = m->description;
        nr.is_default = m->is_default;
        nr.structured =
            json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN);
        rc = insert_resume(rs, user_id, &nr, out, err);
    }
    json_object_put(doc);
    return rc;
}

static void sha256_hex(const void *data, size_t n, char out[65])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    if (EVP_Digest(data, n, md, &mdlen, EVP_sha256(), NULL) != 1 ||
        mdlen != 32) {
        out[0] = '\0';
        return;
    }
    hk_hex_encode(md, 32, out);
}

/* See resumes.h. */
int hk_resumes_upload(struct hk_resumes *rs, int64_t user_id,
                      const struct hk_resumes_meta *m,
                      const struct hk_resumes_file *f, json_object **out,
                      struct hk_err *err)
{
    struct new_resume nr;
    *out = NULL;
    memset(&nr, 0, sizeof(nr));
    size_t max = rs->cfg.max_resume_size;
    if (f->len > max)
        return hk_err_set(err, HAWK_ETOOBIG, NULL, "file",
                          "the file is %zu bytes, more than the %zu allowed; "
                          "upload a smaller file",
                          f->len, max);
    enum hk_resumes_filetype t =
        hk_resumes_filetype_detect((const unsigned char *)f->data, f->len);
    if (t == HK_RESUMES_FT_EMPTY)
        return hk_err_set(err, HAWK_EINVAL, NULL, "file",
                          "'file' is empty; upload the resume file");
    if (!hk_resumes_filetype_allowed(t))
        return hk_err_set(err, HAWK_EINVAL, "unsupported_file_type", "file",
                          "the file is %s, not a resume; upload a PDF, DOCX, "
                          "HTML or plain text file",
                          hk_resumes_filetype_name(t));
    const char *fname =
        f->filename != NULL && f->filename[0] ? f->filename : NULL;
    if (fname != NULL && !hk_utf8_valid(fname, strlen(fname)))
        fname = NULL;
    struct hk_resumes_meta mm = *m;
    if (mm.name == NULL)
        mm.name = fname ? fname : "Resume";
    int rc = meta_check(&mm, err);
    if (rc < 0)
        return rc;
    nr.name = mm.name;
    nr.description = mm.description;
    nr.is_default = mm.is_default;
    nr.file = f->data;
    nr.file_len = f->len;
    nr.file_name = fname ? fname : "resume";
    nr.content_type = hk_resumes_filetype_mime(t);
    sha256_hex(nr.file, nr.file_len, nr.sha256);
    nr.parsed_text =
        hk_resumes_filetype_text(t, nr.file, nr.file_len, PARSED_TEXT_MAX);
    rc = insert_resume(rs, user_id, &nr, out, err);
    hk_free(nr.parsed_text);
    return rc;
}

/* ---------------------------------------------------------------------
 * Reading, updating, deleting
 * ------------------------------------------------------------------ */

/* See resumes.h. */
int hk_resumes_list(struct hk_resumes *rs, int64_t user_id, int64_t page,
                    int64_t per_page, json_object **items, int64_t *total,
                    struct hk_err *err)
{
    struct hk_dbconn *c = NULL;
    PGresult *r = NULL;
    struct hk_db_params p;
    *items = NULL;
    *total = 0;
    int rc = hk_db_borrow(rs->db, &c, err);
    if (rc < 0)
        return rc;
    hk_db_params_init(&p);
    hk_db_param_i64(&p, user_id);
    hk_db_param_i64(&p, per_page);
    hk_db_param_i64(&p, (page - 1) * per_page);
    rc = run(
        c,
        "SELECT t.total, " RESUME_COLS " FROM"
        " (SELECT count(*) AS total FROM resumes WHERE user_id = $1::bigint) t"
        " LEFT JOIN LATERAL (SELECT * FROM resumes WHERE user_id = $1::bigint"
        "  ORDER BY created_at DESC, id DESC LIMIT $2::bigint"
        "  OFFSET $3::bigint) r ON true ORDER BY created_at DESC, id DESC",
        &p, &r, err);
    hk_db_release(rs->db, c);
    if (rc < 0)
        return rc;
    *items = json_object_new_array();
    for (int i = 0; i < PQntuples(r); i++) {
        *total = hk_db_col_i64(r, i, 0);
        if (PQgetisnull(r, i, 1))
            continue; /* page past the end: only the count row */
        json_object_array_add(*items, resume_json(r, i, 1, false));
    }
    PQclear(r);
    return 0;
}

/* See resumes.h. */
int hk_resumes_get(struct hk_resumes *rs, int64_t user_id, int64_t id,
                   json_object **out, struct hk_err *err)
{
    struct hk_dbconn *c = NULL;
    PGresult *r = NULL;
    struct hk_db_params p;
    *out = NULL;
    int rc = hk_db_borrow(rs->db, &c, err);
    if (rc < 0)
        return rc;
    hk_db_params_init(&p);
    hk_db_param_i64(&p, id);
    hk_db_param_i64(&p, user_id);
    rc = run(c,
             "SELECT " RESUME_DETAIL_COLS " FROM resumes"
             " WHERE id = $1::bigint AND user_id = $2::bigint",
             &p, &r, err);
    hk_db_release(rs->db, c);
    if (rc < 0)
        return rc;
    if (PQntuples(r) == 0)
        rc = not_found(err, id);
    else
        *out = resume_json(r, 0, 0, true);
    PQclear(r);
    return rc;
}

/* See resumes.h. */
int hk_resumes_download(struct hk_resumes *rs, int64_t user_id, int64_t id,
                        struct hk_resumes_download *out, struct hk_err *err)
{
    static const enum hk_resumes_filetype types[] = {
        HK_RESUMES_FT_PDF, HK_RESUMES_FT_DOCX, HK_RESUMES_FT_HTML,
        HK_RESUMES_FT_TEXT};
    struct hk_dbconn *c = NULL;
    PGresult *r = NULL;
    struct hk_db_params p;
    memset(out, 0, sizeof(*out));
    int rc = hk_db_borrow(rs->db, &c, err);
    if (rc < 0)
        return rc;
    hk_db_params_init(&p);
    hk_db_param_i64(&p, id);
    hk_db_param_i64(&p, user_id);
    /* Binary results: the bytea arrives as raw bytes, the texts as text. */
    p.result_format = 1;
    rc = run(c,
             "SELECT file, file_name, content_type, file IS NOT NULL"
             " FROM resumes WHERE id = $1::bigint AND user_id = $2::bigint",
             &p, &r, err);
    hk_db_release(rs->db, c);
    if (rc < 0)
        return rc;
    if (PQntuples(r) == 0) {
        PQclear(r);
        return not_found(err, id);
    }
    if (PQgetisnull(r, 0, 0)) {
        PQclear(r);
        return hk_err_set(err, HAWK_ENOTFOUND, NULL, NULL,
                          "resume %" PRId64 " has no file; it holds "
                          "structured data only (GET /api/v1/resumes/%" PRId64
                          ")",
                          id, id);
    }
    /* Serve one of our own static MIME strings, never stored text. */
    const char *ct = PQgetvalue(r, 0, 2);
    out->mime = "application/octet-stream";
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
        if (strcmp(ct, hk_resumes_filetype_mime(types[i])) == 0)
            out->mime = hk_resumes_filetype_mime(types[i]);
    out->data = PQgetvalue(r, 0, 0);
    out->len = (size_t)PQgetlength(r, 0, 0);
    out->filename = PQgetvalue(r, 0, 1);
    out->impl_ = r;
    return 0;
}

/* See resumes.h. */
void hk_resumes_download_release(struct hk_resumes_download *d)
{
    if (d->impl_ != NULL)
        PQclear(d->impl_);
    memset(d, 0, sizeof(*d));
}

static const struct hk_field update_fields[] = {
    HK_FIELD("name", HK_F_STRING, false, false, 1, HK_RESUMES_NAME_MAX),
    HK_FIELD("description", HK_F_STRING, false, false, 0, HK_RESUMES_DESC_MAX),
    HK_FIELD("is_default", HK_F_BOOL, false, false, 0, 0),
    HK_FIELD("structured", HK_F_OBJECT, false, true, 0, 0), HK_FIELD_END};

/* See resumes.h. */
int hk_resumes_update(struct hk_resumes *rs, int64_t user_id, int64_t id,
                      json_object *body, json_object **out, struct hk_err *err)
{
    json_object *s = NULL;
    struct hk_dbconn *c = NULL;
    PGresult *r = NULL;
    struct hk_db_params p;
    *out = NULL;
    int rc = hk_json_validate(body, update_fields, "", err);
    if (rc < 0)
        return rc;
    bool has_s = json_object_object_get_ex(body, "structured", &s);
    if (has_s && s != NULL) {
        rc = hk_resumes_validate(s, "structured", err);
        if (rc < 0)
            return rc;
    }
    int def = member_flag(body, "is_default");
    rc = hk_db_borrow(rs->db, &c, err);
    if (rc < 0)
        return rc;
    hk_db_params_init(&p);
    hk_db_param_i64(&p, id);
    hk_db_param_i64(&p, user_id);
    rc = hk_db_begin(c);
    if (rc < 0)
        hk_db_err(err, rc);
    if (rc == 0)
        rc = run(c,
                 "SELECT is_default, file IS NOT NULL FROM resumes"
                 " WHERE id = $1::bigint AND user_id = $2::bigint"
                 " FOR UPDATE",
                 &p, &r, err);
    if (rc < 0)
        goto out;
    if (PQntuples(r) == 0) {
        rc = not_found(err, id);
        goto out;
    }
    bool was_default = hk_db_col_true(r, 0, 0);
    bool has_file = hk_db_col_true(r, 0, 1);
    PQclear(r);
    r = NULL;
    if (def == 0 && was_default) {
        rc = hk_err_set(err, HAWK_EINVAL, NULL, "is_default",
                        "a default resume is required; mark another resume "
                        "as default instead");
        goto out;
    }
    if (has_s && s == NULL && !has_file) {
        rc = hk_err_set(err, HAWK_EINVAL, NULL, "structured",
                        "'structured' cannot be removed from a resume "
                        "without a file; delete the resume instead");
        goto out;
    }
    if (def == 1 && !was_default) {
        rc = run(c,
                 "UPDATE resumes SET is_default = false,"
                 " updated_at = now() WHERE user_id = $2::bigint"
                 " AND is_default AND id <> $1::bigint",
                 &p, NULL, err);
        if (rc < 0)
            goto out;
    }
    hk_db_param_text(&p, member_str(body, "name"));
    hk_db_param_text(&p, member_str(body, "description"));
    if (def == 1)
        hk_db_param_bool(&p, true);
    else
        hk_db_param_null(&p);
    hk_db_param_bool(&p, has_s);
    hk_db_param_text(&p, s != NULL ? json_object_to_json_string_ext(
                                         s, JSON_C_TO_STRING_PLAIN)
                                   : NULL);
    rc = run(c,
             "UPDATE resumes SET name = coalesce($3, name),"
             " description = coalesce($4, description),"
             " is_default = coalesce($5::boolean, is_default),"
             " structured = CASE WHEN $6::boolean THEN $7::jsonb"
             "  ELSE structured END, updated_at = now()"
             " WHERE id = $1::bigint AND user_id = $2::bigint"
             " RETURNING " RESUME_DETAIL_COLS,
             &p, &r, err);
    if (rc < 0)
        goto out;
    rc = hk_db_commit(c);
    if (rc < 0)
        hk_db_err(err, rc);
    else
        *out = resume_json(r, 0, 0, true);
out:
    if (rc < 0)
        hk_db_rollback(c);
    hk_db_release(rs->db, c);
    if (r != NULL)
        PQclear(r);
    return rc;
}

/* See resumes.h. */
int hk_resumes_delete(struct hk_resumes *rs, int64_t user_id, int64_t id,
                      struct hk_err *err)
{
    struct hk_dbconn *c = NULL;
    PGresult *r = NULL;
    struct hk_db_params p;
    int rc = hk_db_borrow(rs->db, &c, err);
    if (rc < 0)
        return rc;
    hk_db_params_init(&p);
    hk_db_param_i64(&p, id);
    hk_db_param_i64(&p, user_id);
    rc = hk_db_begin(c);
    if (rc < 0)
        hk_db_err(err, rc);
    if (rc == 0)
        rc = run(c,
                 "DELETE FROM resumes WHERE id = $1::bigint"
                 " AND user_id = $2::bigint RETURNING is_default",
                 &p, &r, err);
    if (rc < 0)
        goto out;
    if (PQntuples(r) == 0) {
        rc = not_found(err, id);
        goto out;
    }
    /* the default went: the newest remaining one takes its place */
    if (hk_db_col_true(r, 0, 0))
        rc = run(c,
                 "UPDATE resumes SET is_default = true,"
                 " updated_at = now() WHERE id = (SELECT id FROM"
                 " resumes WHERE user_id = $2::bigint ORDER BY"
                 " created_at DESC, id DESC LIMIT 1)"
                 " AND $1::bigint > 0",
                 &p, NULL, err);
    if (rc == 0) {
        rc = hk_db_commit(c);
        if (rc < 0)
            hk_db_err(err, rc);
    }
out:
    if (rc < 0)
        hk_db_rollback(c);
    hk_db_release(rs->db, c);
    if (r != NULL)
        PQclear(r);
    return rc;
}

/* See resumes.h. */
int hk_resumes_default_structured(struct hk_resumes *rs, struct hk_dbconn *c,
                                  int64_t user_id, char **json_out,
                                  struct hk_err *err)
{
    (void)rs;
    PGresult *r = NULL;
    struct hk_db_params p;
    *json_out = NULL;
    hk_db_params_init(&p);
    hk_db_param_i64(&p, user_id);
    int rc = run(c,
                 "SELECT structured::text FROM resumes"
                 " WHERE user_id = $1::bigint AND is_default"
                 " AND structured IS NOT NULL",
                 &p, &r, err);
    if (rc < 0)
        return rc;
    if (PQntuples(r) == 0) {
        PQclear(r);
        return hk_err_set(err, HAWK_ENOTFOUND, NULL, NULL,
                          "no default resume with structured data");
    }
    *json_out = hk_strdup(PQgetvalue(r, 0, 0));
    PQclear(r);
    return 0;
}
