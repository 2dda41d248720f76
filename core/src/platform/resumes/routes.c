/*
 * platform/resumes/routes.c - HTTP for /api/v1/resumes: structured
 * resumes, file uploads and YAML imports as multipart forms (or the YAML
 * itself), JSON Resume import, download, and CRUD.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "hawk/plugin.h"
#include "http/http.h"
#include "http/multipart.h"
#include "platform/resumes/resumes.h"
#include "util/alloc.h"
#include "util/err.h"
#include "util/str.h"

#define MAX_PER_PAGE 100
#define UPLOAD_MARGIN ((size_t)64 << 10)

static void reply(struct hk_resp *resp, int rc, int status, json_object *obj,
                  const struct hk_err *err)
{
    if (rc < 0)
        hk_resp_from_err(resp, err);
    else
        hk_resp_json(resp, status, obj);
}

/* A handler whose body is JSON: parses it, runs op, answers. */
static void json_op(struct hk_req *req, struct hk_resp *resp,
                    int (*op)(struct hk_resumes *, int64_t, json_object *,
                              json_object **, struct hk_err *))
{
    struct hk_err err = HK_ERR_INIT;
    json_object *body = NULL, *o = NULL;
    if (hk_req_json(req, resp, &body) < 0)
        return;
    int rc = op(req->ctx, req->user_id, body, &o, &err);
    reply(resp, rc, 201, o, &err);
    json_object_put(body);
}

/* POST /api/v1/resumes */
static void h_create(struct hk_req *req, struct hk_resp *resp)
{
    json_op(req, resp, hk_resumes_create);
}

/* POST /api/v1/resumes/import/json-resume */
static void h_import_json_resume(struct hk_req *req, struct hk_resp *resp)
{
    json_op(req, resp, hk_resumes_import_json_resume);
}

/* ---------------------------------------------------------------------
 * Multipart forms
 * ------------------------------------------------------------------ */

struct upload_form {
    struct hk_mp mp;
    const struct hk_mp_part *file;
    char name[HK_RESUMES_NAME_MAX * 4 + 1];
    char description[HK_RESUMES_DESC_MAX * 4 + 1];
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

static int flag_field(const struct hk_mp_part *p, int *out,
                      struct hk_resp *resp)
{
    char v[8];
    int rc = text_field(p, v, sizeof(v), 5, resp);
    if (rc < 0)
        return rc;
    if (strcmp(v, "true") == 0 || strcmp(v, "1") == 0 || strcmp(v, "on") == 0)
        *out = 1;
    else if (strcmp(v, "false") == 0 || strcmp(v, "0") == 0)
        *out = 0;
    else {
        hk_resp_error(resp, 400, "invalid_field", "is_default",
                      "'is_default' must be true or false");
        return HAWK_EINVAL;
    }
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
                              "'%s' was sent more than once; send it once",
                              p->name);
                return HAWK_EINVAL;
            }
        }
        if (strcmp(p->name, "file") == 0) {
            f->file = p;
        } else if (strcmp(p->name, "name") == 0) {
            rc = text_field(p, f->name, sizeof(f->name),
                            HK_RESUMES_NAME_MAX * 4, resp);
            f->has_name = f->name[0] != '\0';
        } else if (strcmp(p->name, "description") == 0) {
            rc = text_field(p, f->description, sizeof(f->description),
                            HK_RESUMES_DESC_MAX * 4, resp);
            f->has_description = true;
        } else if (strcmp(p->name, "is_default") == 0) {
            rc = flag_field(p, &f->is_default, resp);
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
                      "'file' is missing; send the resume as a form field "
                      "named file");
        return HAWK_EINVAL;
    }
    return 0;
}

static struct hk_resumes_meta form_meta(const struct upload_form *f)
{
    struct hk_resumes_meta m = {.name = f->has_name ? f->name : NULL,
                                .description =
                                    f->has_description ? f->description : NULL,
                                .is_default = f->is_default};
    return m;
}

/* POST /api/v1/resumes/upload */
static void h_upload(struct hk_req *req, struct hk_resp *resp)
{
    struct hk_err err = HK_ERR_INIT;
    json_object *o = NULL;
    struct upload_form *f = hk_malloc(sizeof(*f));
    if (parse_form(req, resp, f) == 0) {
        struct hk_resumes_meta m = form_meta(f);
        struct hk_resumes_file file = {f->file->data, f->file->len,
                                       f->file->filename};
        int rc = hk_resumes_upload(req->ctx, req->user_id, &m, &file, &o, &err);
        reply(resp, rc, 201, o, &err);
    }
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
    struct hk_err err = HK_ERR_INIT;
    json_object *o = NULL;
    struct upload_form *f = hk_malloc(sizeof(*f));
    struct hk_resumes_meta m = {NULL, NULL, -1};
    const char *text;
    size_t len;
    if (is_yaml_type(hk_req_header(req, "Content-Type"))) {
        if (hk_req_query_str(req, resp, "name", HK_RESUMES_NAME_MAX, &m.name) <
                0 ||
            hk_req_query_str(req, resp, "description", HK_RESUMES_DESC_MAX,
                             &m.description) < 0 ||
            hk_req_query_bool(req, resp, "is_default", &m.is_default) < 0)
            goto out;
        text = req->body;
        len = req->body_len;
    } else {
        if (parse_form(req, resp, f) < 0)
            goto out;
        m = form_meta(f);
        text = f->file->data;
        len = f->file->len;
    }
    int rc =
        hk_resumes_import_yaml(req->ctx, req->user_id, &m, text, len, &o, &err);
    reply(resp, rc, 201, o, &err);
out:
    hk_free(f);
}

/* ---------------------------------------------------------------------
 * Reading, updating, deleting
 * ------------------------------------------------------------------ */

/* GET /api/v1/resumes */
static void h_list(struct hk_req *req, struct hk_resp *resp)
{
    struct hk_err err = HK_ERR_INIT;
    json_object *items = NULL;
    int64_t page, per_page, total = 0;
    if (hk_req_page(req, resp, MAX_PER_PAGE, &page, &per_page) < 0)
        return;
    int rc = hk_resumes_list(req->ctx, req->user_id, page, per_page, &items,
                             &total, &err);
    reply(resp, rc, 200,
          rc == 0 ? hk_resp_page_json(items, page, per_page, total) : NULL,
          &err);
}

/* GET /api/v1/resumes/{id} */
static void h_get(struct hk_req *req, struct hk_resp *resp)
{
    struct hk_err err = HK_ERR_INIT;
    json_object *o = NULL;
    int64_t id;
    if (hk_req_param_id(req, resp, "id", &id) < 0)
        return;
    int rc = hk_resumes_get(req->ctx, req->user_id, id, &o, &err);
    reply(resp, rc, 200, o, &err);
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
    struct hk_err err = HK_ERR_INIT;
    struct hk_resumes_download d;
    int64_t id;
    if (hk_req_param_id(req, resp, "id", &id) < 0)
        return;
    if (hk_resumes_download(req->ctx, req->user_id, id, &d, &err) < 0) {
        hk_resp_from_err(resp, &err);
        return;
    }
    char an[256], pn[800], cd[1200];
    ascii_name(d.filename, an, sizeof(an));
    pct_name(d.filename, pn, sizeof(pn));
    snprintf(cd, sizeof(cd), "attachment; filename=\"%s\"; filename*=UTF-8''%s",
             an, pn);
    hk_resp_bytes(resp, 200, d.mime, d.data, d.len);
    hk_resp_header(resp, "Content-Disposition", cd);
    hk_resp_header(resp, "X-Content-Type-Options", "nosniff");
    hk_resumes_download_release(&d);
}

/* PUT /api/v1/resumes/{id}: members given replace the stored ones. */
static void h_update(struct hk_req *req, struct hk_resp *resp)
{
    struct hk_err err = HK_ERR_INIT;
    json_object *body = NULL, *o = NULL;
    int64_t id;
    if (hk_req_param_id(req, resp, "id", &id) < 0)
        return;
    if (hk_req_json(req, resp, &body) < 0)
        return;
    int rc = hk_resumes_update(req->ctx, req->user_id, id, body, &o, &err);
    reply(resp, rc, 200, o, &err);
    json_object_put(body);
}

/* DELETE /api/v1/resumes/{id} */
static void h_delete(struct hk_req *req, struct hk_resp *resp)
{
    struct hk_err err = HK_ERR_INIT;
    int64_t id;
    if (hk_req_param_id(req, resp, "id", &id) < 0)
        return;
    if (hk_resumes_delete(req->ctx, req->user_id, id, &err) < 0)
        hk_resp_from_err(resp, &err);
    else
        hk_resp_no_content(resp);
}

/* See resumes.h. */
void hk_resumes_routes(struct hk_router *r, struct hk_resumes *rs)
{
    /* uploads may carry the largest file the configuration allows */
    size_t upload_max = hk_resumes_max_size(rs) + UPLOAD_MARGIN;
    const struct hk_route_def defs[] = {
        {"GET", "/api/v1/resumes", h_list, HK_ROUTE_AUTH, 0},
        {"POST", "/api/v1/resumes", h_create, HK_ROUTE_AUTH, 0},
        {"POST", "/api/v1/resumes/upload", h_upload, HK_ROUTE_AUTH, upload_max},
        {"POST", "/api/v1/resumes/import/json-resume", h_import_json_resume,
         HK_ROUTE_AUTH, 0},
        {"POST", "/api/v1/resumes/import/yaml", h_import_yaml, HK_ROUTE_AUTH,
         upload_max},
        {"GET", "/api/v1/resumes/{id}", h_get, HK_ROUTE_AUTH, 0},
        {"PUT", "/api/v1/resumes/{id}", h_update, HK_ROUTE_AUTH, 0},
        {"DELETE", "/api/v1/resumes/{id}", h_delete, HK_ROUTE_AUTH, 0},
        {"GET", "/api/v1/resumes/{id}/download", h_download, HK_ROUTE_AUTH, 0},
    };
    hk_router_add_all(r, defs, sizeof(defs) / sizeof(defs[0]), rs);
}
