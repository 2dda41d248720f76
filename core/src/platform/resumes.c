/*
 * platform/resumes.c - /api/v1/resumes: structured resumes, file uploads,
 * JSON Resume and YAML import, download, and CRUD.
 *
 * Exactly one default resume per user: the first one becomes the default,
 * marking another one default moves the flag in the same transaction
 * (a partial unique index backs this up), deleting the default promotes
 * the newest remaining resume.
 */
#include <inttypes.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "app/app.h"
#include "config/config.h"
#include "hawk/plugin.h"
#include "log/log.h"
#include "platform/filetype.h"
#include "platform/multipart.h"
#include "platform/pf.h"
#include "platform/platform.h"
#include "platform/resume.h"
#include "util/alloc.h"
#include "util/err.h"
#include "util/str.h"

#define RESUME_NAME_MAX 200
#define RESUME_DESC_MAX 2000
#define PARSED_TEXT_MAX ((size_t)1 << 20)
#define DEFAULT_MAX_RESUME ((size_t)5 << 20)
#define UPLOAD_MARGIN ((size_t)64 << 10)

/* Columns of the list view; detail adds structured and parsed_text. */
#define RESUME_COLS                                                            \
    "id, name, description, is_default, structured IS NOT NULL,"               \
    " file IS NOT NULL, file_name, content_type, size, sha256, " PF_TS(        \
        "created_at") ", " PF_TS("updated_at")
#define RESUME_DETAIL_COLS RESUME_COLS ", structured::text, parsed_text"

static size_t max_resume_size(void)
{
    if (hk_app_current != NULL && hk_app_current->cfg != NULL)
        return (size_t)hk_cfg_int(hk_app_current->cfg,
                                  "uploads.max_resume_size");
    return DEFAULT_MAX_RESUME;
}

/* A resume row as JSON; the row's columns start at `off` (RESUME_COLS,
 * then RESUME_DETAIL_COLS' two extra columns when detail). */
static json_object *resume_json(const PGresult *r, int i, int off, bool detail)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "id", hk_pf_int(r, i, off + 0));
    json_object_object_add(o, "name", hk_pf_text(r, i, off + 1));
    json_object_object_add(o, "description", hk_pf_text(r, i, off + 2));
    json_object_object_add(o, "is_default", hk_pf_bool(r, i, off + 3));
    json_object_object_add(o, "has_structured", hk_pf_bool(r, i, off + 4));
    json_object *file = NULL;
    if (PQgetvalue(r, i, off + 5)[0] == 't') {
        file = json_object_new_object();
        json_object_object_add(file, "name", hk_pf_text(r, i, off + 6));
        json_object_object_add(file, "content_type", hk_pf_text(r, i, off + 7));
        json_object_object_add(file, "size", hk_pf_int(r, i, off + 8));
        json_object_object_add(file, "sha256", hk_pf_text(r, i, off + 9));
    }
    json_object_object_add(o, "file", file);
    json_object_object_add(o, "created_at", hk_pf_text(r, i, off + 10));
    json_object_object_add(o, "updated_at", hk_pf_text(r, i, off + 11));
    if (detail) {
        json_object_object_add(o, "structured", hk_pf_jsonb(r, i, off + 12));
        json_object_object_add(o, "parsed_text", hk_pf_text(r, i, off + 13));
    }
    return o;
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

static const char sql_insert[] =
    "INSERT INTO resumes (user_id, name, description, is_default,"
    " structured, file, file_name, content_type, size, sha256, parsed_text)"
    " VALUES ($1::bigint, $2, coalesce($3, ''), $4::boolean, $5::jsonb, $6,"
    " $7, $8, $9::bigint, $10, $11) RETURNING " RESUME_DETAIL_COLS;

/* Inserts nr for the request's user inside one transaction: plan check,
 * default handling, insert.  Fills resp (201 or the error). */
static void insert_resume(struct hk_req *req, struct hk_resp *resp,
                          struct new_resume *nr)
{
    struct hk_dbconn *c = NULL;
    PGresult *r = NULL;
    struct hk_plan_limit lim;
    char uid[24], size[24];
    int rc;
    if (hk_pf_acquire(req, resp, &c) < 0)
        return;
    rc = hk_db_begin(c);
    if (rc == 0)
        rc = hk_pf_user_lock(c, PF_LOCK_RESUMES, req->user_id);
    if (rc < 0)
        goto fail;
    rc = hk_plan_check(c, req->user_id, HK_LIMIT_RESUMES, 1, &lim);
    if (rc == HAWK_EQUOTA) {
        hk_pf_tx_abort(req, c);
        hk_plan_limit_resp(resp, &lim);
        return;
    }
    if (rc < 0)
        goto fail;
    /* The first resume is the default whatever was asked. */
    const char *p1[] = {hk_pf_id(uid, req->user_id)};
    bool make_default = nr->is_default == 1;
    if (!make_default) {
        rc = hk_db_query(c,
                         "SELECT 1 FROM resumes WHERE user_id = $1::bigint"
                         " AND is_default",
                         1, p1, &r);
        if (rc < 0)
            goto fail;
        make_default = PQntuples(r) == 0;
        PQclear(r);
        r = NULL;
    } else {
        rc = hk_db_query(c,
                         "UPDATE resumes SET is_default = false,"
                         " updated_at = now() WHERE user_id = $1::bigint"
                         " AND is_default",
                         1, p1, NULL);
        if (rc < 0)
            goto fail;
    }
    snprintf(size, sizeof(size), "%zu", nr->file_len);
    const char *params[] = {uid,
                            nr->name,
                            nr->description,
                            make_default ? "true" : "false",
                            nr->structured,
                            nr->file,
                            nr->file_name,
                            nr->content_type,
                            size,
                            nr->file ? nr->sha256 : NULL,
                            nr->parsed_text};
    int lengths[11] = {0};
    int formats[11] = {0};
    lengths[5] = (int)nr->file_len;
    formats[5] = 1; /* file bytes travel binary, no escaping */
    rc = hk_db_query_bin(c, sql_insert, 11, params, lengths, formats, &r);
    if (rc < 0)
        goto fail;
    hk_pf_commit_reply(req, resp, c, r, 201, resume_json(r, 0, 0, true));
    return;
fail:
    hk_pf_tx_fail(req, resp, c, r, rc);
}

/* Validates a structured resume member; fills resp with 400 naming the
 * path (prefixed with `prefix`) on failure. */
static int validate_structured(json_object *s, const char *prefix,
                               struct hk_resp *resp)
{
    struct hk_err err = HK_ERR_INIT;
    int rc = hk_resume_validate(s, prefix, &err);
    if (rc < 0)
        hk_resp_from_err(resp, &err);
    return rc;
}

static const struct hk_field create_fields[] = {
    HK_FIELD("name", HK_F_STRING, true, false, 1, RESUME_NAME_MAX),
    HK_FIELD("description", HK_F_STRING, false, false, 0, RESUME_DESC_MAX),
    HK_FIELD("is_default", HK_F_BOOL, false, false, 0, 0),
    HK_FIELD("structured", HK_F_OBJECT, true, false, 0, 0), HK_FIELD_END};

static const struct hk_field import_fields[] = {
    HK_FIELD("name", HK_F_STRING, true, false, 1, RESUME_NAME_MAX),
    HK_FIELD("description", HK_F_STRING, false, false, 0, RESUME_DESC_MAX),
    HK_FIELD("is_default", HK_F_BOOL, false, false, 0, 0),
    HK_FIELD("resume", HK_F_OBJECT, true, false, 0, 0), HK_FIELD_END};

/* Inserts a validated structured resume (s is borrowed). */
static void create_structured(struct hk_req *req, struct hk_resp *resp,
                              json_object *body, json_object *s)
{
    struct new_resume nr;
    memset(&nr, 0, sizeof(nr));
    nr.name = hk_pf_member_str(body, "name");
    nr.description = hk_pf_member_str(body, "description");
    nr.is_default = hk_pf_member_bool(body, "is_default");
    nr.structured = json_object_to_json_string_ext(s, JSON_C_TO_STRING_PLAIN);
    insert_resume(req, resp, &nr);
}

/* POST /api/v1/resumes */
static void h_create(struct hk_req *req, struct hk_resp *resp)
{
    json_object *body = NULL;
    if (hk_req_json(req, resp, &body) < 0)
        return;
    json_object *s = NULL;
    if (hk_json_check(body, create_fields, resp) == 0 &&
        json_object_object_get_ex(body, "structured", &s) &&
        validate_structured(s, "structured", resp) == 0)
        create_structured(req, resp, body, s);
    json_object_put(body);
}

/* POST /api/v1/resumes/import/json-resume */
static void h_import_json_resume(struct hk_req *req, struct hk_resp *resp)
{
    json_object *body = NULL, *jr = NULL, *s = NULL;
    char path[256], msg[256];
    if (hk_req_json(req, resp, &body) < 0)
        return;
    if (hk_json_check(body, import_fields, resp) < 0)
        goto out;
    json_object_object_get_ex(body, "resume", &jr);
    if (hk_resume_from_json_resume(jr, &s, path, sizeof(path), msg,
                                   sizeof(msg)) < 0) {
        char field[300];
        snprintf(field, sizeof(field), "resume.%s", path);
        hk_resp_error(resp, 400, "invalid_field", field, "'%s' %s", field, msg);
        goto out;
    }
    if (validate_structured(s, NULL, resp) == 0)
        create_structured(req, resp, body, s);
out:
    json_object_put(s);
    json_object_put(body);
}

/* ---------------------------------------------------------------------
 * Multipart forms
 * ------------------------------------------------------------------ */

struct upload_form {
    struct hk_mp mp;
    const struct hk_mp_part *file;
    char name[RESUME_NAME_MAX * 4 + 1];
    char description[RESUME_DESC_MAX * 4 + 1];
    bool has_name, has_description;
    int is_default;
};

static int text_field(const struct hk_mp_part *p, char *out, size_t outlen,
                      size_t max_bytes, struct hk_resp *resp)
{
    if (p->len > max_bytes || p->len >= outlen ||
        !hk_utf8_valid(p->data, p->len)) {
        hk_resp_error(resp, 400, "invalid_field", p->name,
                      "'%s' must be UTF-8 text of at most %zu bytes", p->name,
                      max_bytes);
        return HAWK_EINVAL;
    }
    memcpy(out, p->data, p->len);
    out[p->len] = '\0';
    return 0;
}

/* Parses the multipart body into f: fields file, name, description and
 * is_default, each at most once, no others.  Fills resp on failure. */
static int parse_form(struct hk_req *req, struct hk_resp *resp,
                      struct upload_form *f)
{
    char boundary[HK_MP_MAX_BOUNDARY + 1], err[160];
    memset(f, 0, sizeof(*f));
    f->is_default = -1;
    if (hk_mp_boundary(hk_req_header(req, "Content-Type"), boundary,
                       sizeof(boundary), err, sizeof(err)) < 0) {
        hk_resp_error(resp, 415, "unsupported_media_type", NULL, "%s", err);
        return HAWK_EINVAL;
    }
    int rc = hk_mp_parse(req->body, req->body_len, boundary, &f->mp, err,
                         sizeof(err));
    if (rc < 0) {
        hk_resp_error(resp, 400, "invalid_multipart", NULL, "%s", err);
        return rc;
    }
    for (size_t i = 0; i < f->mp.n; i++) {
        const struct hk_mp_part *p = &f->mp.parts[i];
        for (size_t k = 0; k < i; k++) {
            if (strcmp(f->mp.parts[k].name, p->name) == 0) {
                hk_resp_error(resp, 400, "invalid_field", p->name,
                              "'%s' was sent more than once; send it "
                              "once",
                              p->name);
                return HAWK_EINVAL;
            }
        }
        if (strcmp(p->name, "file") == 0) {
            f->file = p;
        } else if (strcmp(p->name, "name") == 0) {
            rc = text_field(p, f->name, sizeof(f->name), RESUME_NAME_MAX * 4,
                            resp);
            f->has_name = f->name[0] != '\0';
        } else if (strcmp(p->name, "description") == 0) {
            rc = text_field(p, f->description, sizeof(f->description),
                            RESUME_DESC_MAX * 4, resp);
            f->has_description = true;
        } else if (strcmp(p->name, "is_default") == 0) {
            char v[8];
            rc = text_field(p, v, sizeof(v), 5, resp);
            if (rc == 0) {
                if (strcmp(v, "true") == 0 || strcmp(v, "1") == 0 ||
                    strcmp(v, "on") == 0)
                    f->is_default = 1;
                else if (strcmp(v, "false") == 0 || strcmp(v, "0") == 0)
                    f->is_default = 0;
                else {
                    hk_resp_error(resp, 400, "invalid_field", "is_default",
                                  "'is_default' must be true or false");
                    rc = HAWK_EINVAL;
                }
            }
        } else {
            hk_resp_error(resp, 400, "invalid_field", p->name,
                          "unknown field '%s'; expected file, name, "
                          "description, is_default",
                          p->name);
            rc = HAWK_EINVAL;
        }
        if (rc < 0)
            return rc;
    }
    if (f->file == NULL) {
        hk_resp_error(resp, 400, "invalid_field", "file",
                      "'file' is missing; send the resume as a form "
                      "field named file");
        return HAWK_EINVAL;
    }
    size_t nl = strlen(f->name);
    if (f->has_name &&
        (nl > RESUME_NAME_MAX * 4 || hk_utf8_valid(f->name, nl) == false)) {
        hk_resp_error(resp, 400, "invalid_field", "name", "'name' is too long");
        return HAWK_EINVAL;
    }
    return 0;
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

/* POST /api/v1/resumes/upload */
static void h_upload(struct hk_req *req, struct hk_resp *resp)
{
    struct upload_form *f = hk_malloc(sizeof(*f));
    struct new_resume nr;
    memset(&nr, 0, sizeof(nr));
    if (parse_form(req, resp, f) < 0)
        goto out;
    size_t max = max_resume_size();
    if (f->file->len > max) {
        hk_resp_error(resp, 413, "payload_too_large", "file",
                      "the file is %zu bytes, more than the %zu "
                      "allowed; upload a smaller file",
                      f->file->len, max);
        goto out;
    }
    enum hk_filetype t =
        hk_filetype_detect((const unsigned char *)f->file->data, f->file->len);
    if (t == HK_FT_EMPTY) {
        hk_resp_error(resp, 400, "invalid_field", "file",
                      "'file' is empty; upload the "
                      "resume file");
        goto out;
    }
    if (!hk_filetype_allowed(t)) {
        hk_resp_error(resp, 415, "unsupported_file_type", "file",
                      "the file is %s, not a resume; upload a PDF, "
                      "DOCX, HTML or plain text file",
                      hk_filetype_name(t));
        goto out;
    }
    const char *fname = f->file->filename[0] ? f->file->filename : NULL;
    if (fname != NULL && !hk_utf8_valid(fname, strlen(fname)))
        fname = NULL;
    nr.name = f->has_name ? f->name : (fname ? fname : "Resume");
    if (strlen(nr.name) > RESUME_NAME_MAX) {
        hk_resp_error(resp, 400, "invalid_field", "name",
                      "'name' must be at most %d bytes", RESUME_NAME_MAX);
        goto out;
    }
    if (f->has_description && strlen(f->description) > RESUME_DESC_MAX) {
        hk_resp_error(resp, 400, "invalid_field", "description",
                      "'description' must be at most %d bytes",
                      RESUME_DESC_MAX);
        goto out;
    }
    nr.description = f->has_description ? f->description : NULL;
    nr.is_default = f->is_default;
    nr.file = f->file->data;
    nr.file_len = f->file->len;
    nr.file_name = fname ? fname : "resume";
    nr.content_type = hk_filetype_mime(t);
    sha256_hex(nr.file, nr.file_len, nr.sha256);
    nr.parsed_text = hk_filetype_text(t, nr.file, nr.file_len, PARSED_TEXT_MAX);
    insert_resume(req, resp, &nr);
out:
    hk_free(nr.parsed_text);
    hk_free(f);
}

static bool is_yaml_type(const char *ct)
{
    static const char *const types[] = {"application/yaml", "text/yaml",
                                        "application/x-yaml", "text/x-yaml"};
    if (ct == NULL)
        return false;
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        size_t n = strlen(types[i]);
        if (strncasecmp(ct, types[i], n) == 0 &&
            (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' '))
            return true;
    }
    return false;
}

/* POST /api/v1/resumes/import/yaml: a multipart form like /upload, or the
 * YAML itself with Content-Type application/yaml and ?name=. */
static void h_import_yaml(struct hk_req *req, struct hk_resp *resp)
{
    struct upload_form *f = hk_malloc(sizeof(*f));
    json_object *doc = NULL;
    const char *text;
    size_t len;
    struct new_resume nr;
    memset(&nr, 0, sizeof(nr));
    nr.is_default = -1;
    if (is_yaml_type(hk_req_header(req, "Content-Type"))) {
        const char *name = NULL, *desc = NULL;
        int def = -1;
        if (hk_pf_query_str(req, resp, "name", RESUME_NAME_MAX, &name) < 0 ||
            hk_pf_query_str(req, resp, "description", RESUME_DESC_MAX, &desc) <
                0 ||
            hk_pf_query_bool(req, resp, "is_default", &def) < 0)
            goto out;
        nr.name = name ? name : "Imported resume";
        nr.description = desc;
        nr.is_default = def;
        text = req->body;
        len = req->body_len;
    } else {
        if (parse_form(req, resp, f) < 0)
            goto out;
        if (strlen(f->name) > RESUME_NAME_MAX) {
            hk_resp_error(resp, 400, "invalid_field", "name",
                          "'name' must be at most %d bytes", RESUME_NAME_MAX);
            goto out;
        }
        nr.name = f->has_name ? f->name : "Imported resume";
        nr.description = f->has_description ? f->description : NULL;
        nr.is_default = f->is_default;
        text = f->file->data;
        len = f->file->len;
    }
    char err[256];
    int line = 0;
    if (hk_yaml_to_json(text, len, &doc, &line, err, sizeof(err)) < 0) {
        json_object *e = json_object_new_object();
        json_object_object_add(e, "code",
                               json_object_new_string("invalid_yaml"));
        json_object_object_add(e, "message", json_object_new_string(err));
        json_object_object_add(e, "field", json_object_new_string("file"));
        json_object_object_add(e, "line", json_object_new_int(line));
        json_object *o = json_object_new_object();
        json_object_object_add(o, "error", e);
        hk_resp_json(resp, 400, o);
        goto out;
    }
    if (validate_structured(doc, NULL, resp) < 0)
        goto out;
    nr.structured = json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN);
    insert_resume(req, resp, &nr);
out:
    json_object_put(doc);
    hk_free(f);
}

/* ---------------------------------------------------------------------
 * Reading, updating, deleting
 * ------------------------------------------------------------------ */

/* GET /api/v1/resumes */
static json_object *resume_list_item(const PGresult *r, int i, int off)
{
    return resume_json(r, i, off, false);
}

static void h_list(struct hk_req *req, struct hk_resp *resp)
{
    hk_pf_list(
        req, resp,
        "SELECT t.total, " RESUME_COLS " FROM"
        " (SELECT count(*) AS total FROM resumes WHERE user_id = $1::bigint) t"
        " LEFT JOIN LATERAL (SELECT * FROM resumes WHERE user_id = $1::bigint"
        "  ORDER BY created_at DESC, id DESC LIMIT $2::bigint"
        "  OFFSET $3::bigint) r ON true ORDER BY created_at DESC, id DESC",
        resume_list_item);
}

static void not_found(struct hk_resp *resp, int64_t id)
{
    hk_resp_error(resp, 404, "not_found", NULL, "no resume with id %" PRId64,
                  id);
}

/* GET /api/v1/resumes/{id} */
static void h_get(struct hk_req *req, struct hk_resp *resp)
{
    int64_t id;
    PGresult *r;
    if (hk_pf_query_by_id(req, resp,
                          "SELECT " RESUME_DETAIL_COLS " FROM resumes"
                          " WHERE id = $1::bigint AND user_id = $2::bigint",
                          &id, &r) < 0)
        return;
    if (PQntuples(r) == 0)
        not_found(resp, id);
    else
        hk_resp_json(resp, 200, resume_json(r, 0, 0, true));
    PQclear(r);
}

/* Header-safe ASCII copy of a file name for Content-Disposition. */
static void ascii_name(const char *in, char *out, size_t outlen)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)in;
         *p && n + 1 < outlen; p++) {
        unsigned char ch = *p;
        out[n++] = (ch < 0x20 || ch >= 0x7f || ch == '"' || ch == '\\' ||
                    ch == ';' || ch == '%')
                       ? '_'
                       : (char)ch;
    }
    out[n] = '\0';
}

/* RFC 5987 percent-encoding of a UTF-8 file name. */
static void pct_name(const char *in, char *out, size_t outlen)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)in; *p; p++) {
        bool plain = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                     (*p >= '0' && *p <= '9') || strchr("!#$&+-.^_`|~", *p);
        if (plain) {
            if (n + 2 > outlen)
                break;
            out[n++] = (char)*p;
        } else {
            if (n + 4 > outlen)
                break;
            out[n++] = '%';
            out[n++] = hex[*p >> 4];
            out[n++] = hex[*p & 15];
        }
    }
    out[n] = '\0';
}

/* GET /api/v1/resumes/{id}/download: the stored bytes, unchanged. */
static void h_download(struct hk_req *req, struct hk_resp *resp)
{
    int64_t id;
    PGresult *r;
    /* Binary results: the bytea arrives as raw bytes, the texts as text. */
    if (hk_pf_query_by_id_binary(
            req, resp,
            "SELECT file, file_name, content_type,"
            " file IS NOT NULL FROM resumes"
            " WHERE id = $1::bigint AND user_id = $2::bigint",
            &id, &r) < 0)
        return;
    if (PQntuples(r) == 0) {
        not_found(resp, id);
    } else if (PQgetisnull(r, 0, 0)) {
        hk_resp_error(resp, 404, "not_found", NULL,
                      "resume %" PRId64 " has no file; it holds structured "
                      "data only (GET /api/v1/resumes/%" PRId64 ")",
                      id, id);
    } else {
        const char *ct = PQgetvalue(r, 0, 2);
        /* Serve one of our own static MIME strings, never stored text. */
        const char *mime = "application/octet-stream";
        static const enum hk_filetype types[] = {HK_FT_PDF, HK_FT_DOCX,
                                                 HK_FT_HTML, HK_FT_TEXT};
        for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
            if (strcmp(ct, hk_filetype_mime(types[i])) == 0)
                mime = hk_filetype_mime(types[i]);
        char an[256], pn[800], cd[1200];
        ascii_name(PQgetvalue(r, 0, 1), an, sizeof(an));
        pct_name(PQgetvalue(r, 0, 1), pn, sizeof(pn));
        snprintf(cd, sizeof(cd),
                 "attachment; filename=\"%s\"; "
                 "filename*=UTF-8''%s",
                 an, pn);
        hk_resp_bytes(resp, 200, mime, PQgetvalue(r, 0, 0),
                      (size_t)PQgetlength(r, 0, 0));
        hk_resp_header(resp, "Content-Disposition", cd);
        hk_resp_header(resp, "X-Content-Type-Options", "nosniff");
    }
    PQclear(r);
}

static const struct hk_field update_fields[] = {
    HK_FIELD("name", HK_F_STRING, false, false, 1, RESUME_NAME_MAX),
    HK_FIELD("description", HK_F_STRING, false, false, 0, RESUME_DESC_MAX),
    HK_FIELD("is_default", HK_F_BOOL, false, false, 0, 0),
    HK_FIELD("structured", HK_F_OBJECT, false, true, 0, 0), HK_FIELD_END};

/* PUT /api/v1/resumes/{id}: members given replace the stored ones. */
static void h_update(struct hk_req *req, struct hk_resp *resp)
{
    int64_t id;
    json_object *body = NULL, *s = NULL;
    struct hk_dbconn *c = NULL;
    PGresult *r = NULL;
    char b0[24], b1[24];
    int rc;
    if (hk_req_param_id(req, resp, "id", &id) < 0)
        return;
    if (hk_req_json(req, resp, &body) < 0)
        return;
    if (hk_json_check(body, update_fields, resp) < 0)
        goto out;
    bool has_s = json_object_object_get_ex(body, "structured", &s);
    if (has_s && s != NULL && validate_structured(s, "structured", resp) < 0)
        goto out;
    int def = hk_pf_member_bool(body, "is_default");
    if (hk_pf_acquire(req, resp, &c) < 0)
        goto out;
    const char *p2[] = {hk_pf_id(b0, id), hk_pf_id(b1, req->user_id)};
    rc = hk_db_begin(c);
    if (rc < 0)
        goto fail;
    rc = hk_db_query(c,
                     "SELECT is_default, file IS NOT NULL FROM resumes"
                     " WHERE id = $1::bigint AND user_id = $2::bigint"
                     " FOR UPDATE",
                     2, p2, &r);
    if (rc < 0)
        goto fail;
    if (PQntuples(r) == 0) {
        PQclear(r);
        hk_pf_tx_abort(req, c);
        not_found(resp, id);
        goto out;
    }
    bool was_default = PQgetvalue(r, 0, 0)[0] == 't';
    bool has_file = PQgetvalue(r, 0, 1)[0] == 't';
    PQclear(r);
    r = NULL;
    if (def == 0 && was_default) {
        hk_pf_tx_abort(req, c);
        hk_resp_error(resp, 400, "invalid_field", "is_default",
                      "a default resume is required; mark another "
                      "resume as default instead");
        goto out;
    }
    if (has_s && s == NULL && !has_file) {
        hk_pf_tx_abort(req, c);
        hk_resp_error(resp, 400, "invalid_field", "structured",
                      "'structured' cannot be removed from a resume "
                      "without a file; delete the resume instead");
        goto out;
    }
    if (def == 1 && !was_default) {
        rc = hk_db_query(c,
                         "UPDATE resumes SET is_default = false,"
                         " updated_at = now() WHERE user_id = $2::bigint"
                         " AND is_default AND id <> $1::bigint",
                         2, p2, NULL);
        if (rc < 0)
            goto fail;
    }
    const char *params[] = {
        b0,
        b1,
        hk_pf_member_str(body, "name"),
        hk_pf_member_str(body, "description"),
        def == 1 ? "true" : NULL,
        has_s ? "true" : "false",
        s ? json_object_to_json_string_ext(s, JSON_C_TO_STRING_PLAIN) : NULL};
    rc = hk_db_query(c,
                     "UPDATE resumes SET name = coalesce($3, name),"
                     " description = coalesce($4, description),"
                     " is_default = coalesce($5::boolean, is_default),"
                     " structured = CASE WHEN $6::boolean THEN $7::jsonb"
                     "  ELSE structured END, updated_at = now()"
                     " WHERE id = $1::bigint AND user_id = $2::bigint"
                     " RETURNING " RESUME_DETAIL_COLS,
                     7, params, &r);
    if (rc < 0)
        goto fail;
    hk_pf_commit_reply(req, resp, c, r, 200, resume_json(r, 0, 0, true));
    goto out;
fail:
    hk_pf_tx_fail(req, resp, c, r, rc);
out:
    json_object_put(body);
}

/* DELETE /api/v1/resumes/{id} */
static void h_delete(struct hk_req *req, struct hk_resp *resp)
{
    int64_t id;
    struct hk_dbconn *c = NULL;
    PGresult *r = NULL;
    char b0[24], b1[24];
    int rc;
    if (hk_req_param_id(req, resp, "id", &id) < 0)
        return;
    if (hk_pf_acquire(req, resp, &c) < 0)
        return;
    const char *params[] = {hk_pf_id(b0, id), hk_pf_id(b1, req->user_id)};
    rc = hk_db_begin(c);
    if (rc == 0)
        rc = hk_db_query(c,
                         "DELETE FROM resumes WHERE id = $1::bigint"
                         " AND user_id = $2::bigint RETURNING is_default",
                         2, params, &r);
    if (rc < 0)
        goto fail;
    if (PQntuples(r) == 0) {
        PQclear(r);
        hk_pf_tx_abort(req, c);
        not_found(resp, id);
        return;
    }
    bool was_default = PQgetvalue(r, 0, 0)[0] == 't';
    PQclear(r);
    r = NULL;
    if (was_default) {
        rc = hk_db_query(c,
                         "UPDATE resumes SET is_default = true,"
                         " updated_at = now() WHERE id = (SELECT id FROM"
                         " resumes WHERE user_id = $2::bigint ORDER BY"
                         " created_at DESC, id DESC LIMIT 1)"
                         " AND $1::bigint > 0",
                         2, params, NULL);
        if (rc < 0)
            goto fail;
    }
    rc = hk_db_commit(c);
    if (rc < 0)
        goto fail;
    hk_pf_release(req, c);
    hk_pf_no_content(resp);
    return;
fail:
    hk_pf_tx_fail(req, resp, c, r, rc);
}

/* See platform.h. */
int hk_resume_default_structured(struct hk_dbconn *c, int64_t user_id,
                                 char **json_out)
{
    PGresult *r = NULL;
    char uid[24];
    *json_out = NULL;
    const char *params[] = {hk_pf_id(uid, user_id)};
    int rc = hk_db_query(c,
                         "SELECT structured::text FROM resumes"
                         " WHERE user_id = $1::bigint AND is_default"
                         " AND structured IS NOT NULL",
                         1, params, &r);
    if (rc < 0)
        return rc;
    if (PQntuples(r) == 0) {
        PQclear(r);
        return HAWK_ENOTFOUND;
    }
    *json_out = hk_strdup(PQgetvalue(r, 0, 0));
    PQclear(r);
    return 0;
}

/* See pf.h. */
void hk_pf_resume_routes(struct hk_router *r)
{
    size_t upload_max = max_resume_size() + UPLOAD_MARGIN;
    hk_pf_route(r, "GET", "/api/v1/resumes", h_list, HK_ROUTE_AUTH, 0);
    hk_pf_route(r, "POST", "/api/v1/resumes", h_create, HK_ROUTE_AUTH, 0);
    hk_pf_route(r, "POST", "/api/v1/resumes/upload", h_upload, HK_ROUTE_AUTH,
                upload_max);
    hk_pf_route(r, "POST", "/api/v1/resumes/import/json-resume",
                h_import_json_resume, HK_ROUTE_AUTH, 0);
    hk_pf_route(r, "POST", "/api/v1/resumes/import/yaml", h_import_yaml,
                HK_ROUTE_AUTH, upload_max);
    hk_pf_route(r, "GET", "/api/v1/resumes/{id}", h_get, HK_ROUTE_AUTH, 0);
    hk_pf_route(r, "PUT", "/api/v1/resumes/{id}", h_update, HK_ROUTE_AUTH, 0);
    hk_pf_route(r, "DELETE", "/api/v1/resumes/{id}", h_delete, HK_ROUTE_AUTH,
                0);
    hk_pf_route(r, "GET", "/api/v1/resumes/{id}/download", h_download,
                HK_ROUTE_AUTH, 0);
}
