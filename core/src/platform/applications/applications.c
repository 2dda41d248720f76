/*
 * platform/applications/applications.c - recording applications, status
 * changes with their history, documents and questions, the detail view
 * and notes (see applications.h; the list, export and statistics are in
 * list.c).
 */
#include "platform/applications/applications.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "db/db.h"
#include "db/params.h"
#include "db/result.h"
#include "hawk/plugin.h"
#include "platform/applications/applications_int.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/json_check.h"
#include "util/str.h"

#define NOTE_MAX 10000
#define STATUS_NOTE_MAX 2000

/* The statuses a user may set through the API (application_statuses
 * also holds awaiting_review and approved, set by the review flow). */
static const char *const user_statuses[] = {
    "queued",          "applied",  "failed",       "skipped",
    "needs_attention", "viewed",   "interviewing", "offered",
    "rejected",        "accepted", "withdrawn",    NULL};

#define STATUS_MSG                                                             \
    "must be one of queued, applied, failed, skipped, needs_attention, "       \
    "viewed, interviewing, offered, rejected, accepted, withdrawn"

/* See applications.h. */
bool hk_applications_status_known(const char *status, bool review)
{
    for (size_t i = 0; user_statuses[i] != NULL; i++)
        if (strcmp(user_statuses[i], status) == 0)
            return true;
    return review && (strcmp(status, "awaiting_review") == 0 ||
                      strcmp(status, "approved") == 0);
}

/* See applications.h. */
int hk_applications_new(struct hk_db *db, struct hk_plans *plans,
                        struct hk_applications **out, struct hk_err *err)
{
    *out = NULL;
    if (plans == NULL)
        return hk_err_set(err, HAWK_EINVAL, NULL, NULL,
                          "applications: the plans module is required");
    struct hk_applications *am = hk_calloc(1, sizeof(*am));
    am->db = db;
    am->plans = plans;
    *out = am;
    return 0;
}

/* See applications.h. */
void hk_applications_free(struct hk_applications *am)
{
    hk_free(am);
}

/* See applications_int.h. */
json_object *hk_applications_row_json(const PGresult *r, int i, int off)
{
    json_object *o = json_object_new_object();
    for (int c = 0; c < APP_NCOLS; c++)
        json_object_object_add(o, hk_applications_col_names[c],
                               c < 2 ? hk_db_col_int(r, i, off + c)
                                     : hk_db_col_text(r, i, off + c));
    return o;
}

static int not_found(struct hk_err *err, int64_t id)
{
    return hk_err_set(err, HAWK_ENOTFOUND, NULL, NULL,
                      "no job application with id %" PRId64, id);
}

/* ---------------------------------------------------------------------
 * For other modules
 * ------------------------------------------------------------------ */

/* Begins a transaction unless the caller has one open.  *own tells the
 * caller whether to end it. */
static int tx_begin(struct hk_dbconn *c, bool *own, struct hk_err *err)
{
    *own = PQtransactionStatus(hk_db_pg(c)) == PQTRANS_IDLE;
    int rc = *own ? hk_db_begin(c) : 0;
    return rc < 0 ? hk_db_err(err, rc) : 0;
}

static int tx_end(struct hk_dbconn *c, bool own, int rc, struct hk_err *err)
{
    if (!own)
        return rc;
    if (rc < 0) {
        hk_db_rollback(c);
        return rc;
    }
    rc = hk_db_commit(c);
    return rc < 0 ? hk_db_err(err, rc) : 0;
}

/* Runs a statement on c; a failure becomes err. */
static int run(struct hk_dbconn *c, const char *sql,
               const struct hk_db_params *p, PGresult **r, struct hk_err *err)
{
    int rc = hk_db_params_run(c, sql, p, r);
    return rc < 0 ? hk_db_err(err, rc) : 0;
}

/* See applications.h. */
int hk_applications_record(struct hk_applications *am, struct hk_dbconn *c,
                           int64_t user_id, int64_t job_id, const char *status,
                           const char *search_term, const char *actor,
                           int64_t *application_id, bool *created,
                           struct hk_plans_limit *limit, struct hk_err *err)
{
    PGresult *r = NULL;
    struct hk_db_params p;
    bool own = false;
    *application_id = 0;
    *created = false;
    if (status == NULL)
        status = "queued";
    if (actor == NULL)
        actor = "system";
    if (search_term != NULL &&
        (strlen(search_term) > 200 ||
         !hk_utf8_valid(search_term, strlen(search_term))))
        return hk_err_set(err, HAWK_EINVAL, NULL, "search_term",
                          "'search_term' must be UTF-8 text of at most 200 "
                          "bytes");
    hk_db_params_init(&p);
    hk_db_param_i64(&p, user_id);
    hk_db_param_i64(&p, job_id);
    int rc = tx_begin(c, &own, err);
    if (rc < 0)
        return rc;
    /* Serialises this user's recordings: the existence check, the daily
     * count and the insert see each other. */
    rc = hk_plans_lock(am->plans, c, HK_PLANS_LOCK_APPLICATIONS, user_id, err);
    if (rc < 0)
        goto out;
    rc = run(c,
             "SELECT id FROM applications WHERE user_id = $1::bigint"
             " AND job_id = $2::bigint",
             &p, &r, err);
    if (rc < 0)
        goto out;
    if (PQntuples(r) == 1) {
        *application_id = hk_db_col_i64(r, 0, 0);
        goto out;
    }
    PQclear(r);
    r = NULL;
    rc = run(c,
             "SELECT 1 FROM user_jobs WHERE user_id = $1::bigint"
             " AND job_id = $2::bigint",
             &p, &r, err);
    if (rc < 0)
        goto out;
    if (PQntuples(r) == 0) {
        rc = hk_err_set(err, HAWK_ENOTFOUND, NULL, "job_id",
                        "no job with id %" PRId64 " among your jobs; add it "
                        "with POST /api/v1/jobs first",
                        job_id);
        goto out;
    }
    PQclear(r);
    r = NULL;
    rc = hk_plans_check(am->plans, c, user_id, HK_PLANS_APPLICATIONS_PER_DAY,
                        strcmp(status, "skipped") == 0 ? 0 : 1, limit, err);
    if (rc < 0)
        goto out;
    hk_db_param_text(&p, status);
    hk_db_param_text(&p, search_term);
    hk_db_param_text(&p, actor);
    rc = run(c,
             "WITH ins AS (INSERT INTO applications (user_id, job_id, status,"
             " search_term, company, title, location, board, applied_at)"
             " SELECT $1::bigint, j.id, $3, $4, left(j.company, 200),"
             "  left(j.title, 200), left(j.location, 100), j.board,"
             "  CASE WHEN $3 = 'applied' THEN now() END FROM jobs j"
             "  WHERE j.id = $2::bigint"
             " ON CONFLICT (user_id, job_id) DO NOTHING RETURNING id, status),"
             " hist AS (INSERT INTO application_status_history"
             " (application_id, from_status, to_status, actor) SELECT id,"
             " NULL, status, $5 FROM ins) SELECT id FROM ins",
             &p, &r, err);
    if (rc < 0)
        goto out;
    if (PQntuples(r) == 1) {
        *application_id = hk_db_col_i64(r, 0, 0);
        *created = true;
    }
out:
    if (r != NULL)
        PQclear(r);
    return tx_end(c, own, rc, err);
}

/* See applications.h. */
int hk_applications_set_status(struct hk_applications *am, struct hk_dbconn *c,
                               int64_t user_id, int64_t application_id,
                               const char *status, const char *note,
                               const char *actor, struct hk_err *err)
{
    (void)am;
    PGresult *r = NULL;
    struct hk_db_params p;
    bool own = false;
    hk_db_params_init(&p);
    hk_db_param_i64(&p, application_id);
    hk_db_param_i64(&p, user_id);
    hk_db_param_text(&p, status);
    int rc = tx_begin(c, &own, err);
    if (rc < 0)
        return rc;
    rc = run(c,
             "SELECT a.status, s.name IS NOT NULL FROM applications a"
             " LEFT JOIN application_statuses s ON s.name = $3"
             " WHERE a.id = $1::bigint AND a.user_id = $2::bigint"
             " FOR UPDATE OF a",
             &p, &r, err);
    if (rc < 0)
        goto out;
    if (PQntuples(r) == 0) {
        rc = not_found(err, application_id);
        goto out;
    }
    if (!hk_db_col_true(r, 0, 1)) {
        rc = hk_err_set(err, HAWK_EINVAL, NULL, "status",
                        "'status' " STATUS_MSG);
        goto out;
    }
    bool same = strcmp(PQgetvalue(r, 0, 0), status) == 0;
    PQclear(r);
    r = NULL;
    if (same)
        goto out;
    hk_db_param_text(&p, note);
    hk_db_param_text(&p, actor ? actor : "system");
    rc = run(c,
             "WITH old AS (SELECT status FROM applications WHERE id ="
             " $1::bigint AND user_id = $2::bigint), upd AS (UPDATE"
             " applications SET status = $3, updated_at = now(), applied_at ="
             " CASE WHEN $3 = 'applied' AND applied_at IS NULL THEN now()"
             " ELSE applied_at END WHERE id = $1::bigint AND user_id ="
             " $2::bigint RETURNING id) INSERT INTO"
             " application_status_history (application_id, from_status,"
             " to_status, note, actor) SELECT upd.id, old.status, $3, $4, $5"
             " FROM upd, old",
             &p, NULL, err);
out:
    if (r != NULL)
        PQclear(r);
    return tx_end(c, own, rc, err);
}

/* Runs an insert that attaches a row to the user's application ($1 the
 * application, $2 the user; it returns the new id when the application is
 * the user's). */
static int attach_row(struct hk_dbconn *c, const char *sql,
                      const struct hk_db_params *p, int64_t application_id,
                      int64_t *id_out, struct hk_err *err)
{
    PGresult *r = NULL;
    int rc = run(c, sql, p, &r, err);
    if (rc < 0)
        return rc;
    if (PQntuples(r) == 0)
        rc = not_found(err, application_id);
    else if (id_out != NULL)
        *id_out = hk_db_col_i64(r, 0, 0);
    PQclear(r);
    return rc;
}

/* See applications.h. */
int hk_applications_add_document(struct hk_applications *am,
                                 struct hk_dbconn *c, int64_t user_id,
                                 int64_t application_id, const char *kind,
                                 const char *content, const char *format,
                                 int64_t *doc_id, struct hk_err *err)
{
    (void)am;
    if (format == NULL)
        format = "text";
    if (kind == NULL || content == NULL ||
        (strcmp(kind, "cover_letter") != 0 &&
         strcmp(kind, "tailored_resume") != 0) ||
        !hk_utf8_valid(content, strlen(content)) ||
        (strcmp(format, "text") != 0 && strcmp(format, "markdown") != 0 &&
         strcmp(format, "html") != 0 && strcmp(format, "json") != 0))
        return hk_err_set(err, HAWK_EINVAL, NULL, NULL,
                          "a document is a cover_letter or tailored_resume "
                          "of UTF-8 text, markdown, html or json");
    struct hk_db_params p;
    hk_db_params_init(&p);
    hk_db_param_i64(&p, application_id);
    hk_db_param_i64(&p, user_id);
    hk_db_param_text(&p, kind);
    hk_db_param_text(&p, content);
    hk_db_param_text(&p, format);
    return attach_row(c,
                      "INSERT INTO generated_documents (application_id, kind,"
                      " content, format) SELECT id, $3, $4, $5 FROM"
                      " applications WHERE id = $1::bigint AND user_id ="
                      " $2::bigint RETURNING id",
                      &p, application_id, doc_id, err);
}

/* See applications.h. */
int hk_applications_add_question(struct hk_applications *am,
                                 struct hk_dbconn *c, int64_t user_id,
                                 int64_t application_id, const char *question,
                                 const char *type, const char *answer,
                                 const char *source, struct hk_err *err)
{
    (void)am;
    if (question == NULL || !hk_utf8_valid(question, strlen(question)) ||
        (answer != NULL && !hk_utf8_valid(answer, strlen(answer))))
        return hk_err_set(err, HAWK_EINVAL, NULL, NULL,
                          "a question and its answer must be UTF-8 text");
    struct hk_db_params p;
    hk_db_params_init(&p);
    hk_db_param_i64(&p, application_id);
    hk_db_param_i64(&p, user_id);
    hk_db_param_text(&p, question);
    hk_db_param_text(&p, type ? type : "text");
    hk_db_param_text(&p, answer);
    hk_db_param_text(&p, source ? source : "llm");
    return attach_row(c,
                      "INSERT INTO application_questions (application_id,"
                      " question, type, answer, source) SELECT id, $3, $4,"
                      " $5, $6 FROM applications WHERE id = $1::bigint AND"
                      " user_id = $2::bigint RETURNING id",
                      &p, application_id, NULL, err);
}

/* See applications.h. */
int hk_applications_applied_at(struct hk_applications *am, struct hk_dbconn *c,
                               int64_t user_id, const char *company,
                               bool *applied, struct hk_err *err)
{
    (void)am;
    PGresult *r = NULL;
    struct hk_db_params p;
    *applied = false;
    hk_db_params_init(&p);
    hk_db_param_i64(&p, user_id);
    hk_db_param_text(&p, company);
    int rc = run(c,
                 "SELECT 1 FROM applications WHERE user_id = $1::bigint AND"
                 " lower(company) = lower($2) AND status NOT IN ('skipped',"
                 " 'failed') LIMIT 1",
                 &p, &r, err);
    if (rc < 0)
        return rc;
    *applied = PQntuples(r) > 0;
    PQclear(r);
    return 0;
}

/* ---------------------------------------------------------------------
 * The API's operations
 * ------------------------------------------------------------------ */

/* One application as the list shows it, on c. */
static int load_one(struct hk_dbconn *c, int64_t user_id, int64_t id,
                    json_object **out, struct hk_err *err)
{
    PGresult *r = NULL;
    struct hk_db_params p;
    hk_db_params_init(&p);
    hk_db_param_i64(&p, id);
    hk_db_param_i64(&p, user_id);
    int rc = run(c,
                 "SELECT " APP_LIST_COLS " FROM applications p"
                 " WHERE p.id = $1::bigint AND p.user_id = $2::bigint",
                 &p, &r, err);
    if (rc < 0)
        return rc;
    if (PQntuples(r) == 0)
        rc = not_found(err, id);
    else
        *out = hk_applications_row_json(r, 0, 0);
    PQclear(r);
    return rc;
}

static const struct hk_field record_fields[] = {
    HK_FIELD("job_id", HK_F_INT, true, false, 1, INT64_MAX),
    {"status", HK_F_STRING, false, false, 1, 40, .oneof = user_statuses,
     .msg = STATUS_MSG},
    HK_FIELD("search_term", HK_F_STRING, false, true, 0, 200),
    HK_FIELD_END};

static const char *member_str(json_object *o, const char *k)
{
    json_object *v = NULL;
    if (!json_object_object_get_ex(o, k, &v) ||
        !json_object_is_type(v, json_type_string))
        return NULL;
    return json_object_get_string(v);
}

/* See applications.h. */
int hk_applications_create(struct hk_applications *am, int64_t user_id,
                           json_object *body, json_object **out, bool *created,
                           struct hk_err *err)
{
    struct hk_dbconn *c = NULL;
    json_object *v = NULL;
    char actor[32];
    int64_t app_id = 0;
    *out = NULL;
    *created = false;
    int rc = hk_json_validate(body, record_fields, "", err);
    if (rc < 0)
        return rc;
    json_object_object_get_ex(body, "job_id", &v);
    int64_t job_id = json_object_get_int64(v);
    rc = hk_db_borrow(am->db, &c, err);
    if (rc < 0)
        return rc;
    snprintf(actor, sizeof(actor), "user:%" PRId64, user_id);
    rc = hk_applications_record(
        am, c, user_id, job_id, member_str(body, "status"),
        member_str(body, "search_term"), actor, &app_id, created, NULL, err);
    if (rc == 0) {
        rc = load_one(c, user_id, app_id, out, err);
        /* just recorded, in the same session: only a concurrent delete
         * makes it vanish */
        if (rc == HAWK_ENOTFOUND)
            rc = hk_db_err(err, HAWK_EINTERNAL);
    }
    hk_db_release(am->db, c);
    return rc;
}

/* clang-format off */
/* Columns after APP_LIST_COLS: description, salary, workplace, posted_at,
 * error, history, questions, documents, notes, captures, url. */
static const char sql_detail[] =
    "SELECT " APP_LIST_COLS ", j.description, j.salary, j.workplace,"
    " " HK_DB_TS("j.posted_at") ", p.error,"
    " (SELECT coalesce(json_agg(json_build_object('from', h.from_status,"
    "  'to', h.to_status, 'note', h.note, 'actor', h.actor, 'at', "
    HK_DB_TS("h.at") ") ORDER BY h.id), '[]')"
    "  FROM application_status_history h"
    "  WHERE h.application_id = p.id)::text,"
    " (SELECT coalesce(json_agg(json_build_object('id', q.id, 'question',"
    "  q.question, 'type', q.type, 'answer', q.answer, 'source', q.source,"
    "  'created_at', " HK_DB_TS("q.created_at") ") ORDER BY q.id), '[]')"
    "  FROM application_questions q WHERE q.application_id = p.id)::text,"
    " (SELECT coalesce(json_agg(json_build_object('id', d.id, 'kind',"
    "  d.kind, 'content', d.content, 'format', d.format, 'created_at', "
    HK_DB_TS("d.created_at") ") ORDER BY d.id), '[]')"
    "  FROM generated_documents d"
    "  WHERE d.application_id = p.id)::text,"
    " (SELECT coalesce(json_agg(json_build_object('id', n.id, 'content',"
    "  n.content, 'created_at', " HK_DB_TS("n.created_at") ") ORDER BY n.id),"
    "  '[]') FROM application_notes n WHERE n.application_id = p.id)::text,"
    " (SELECT coalesce(json_agg(json_build_object('id', k.id, 'reason',"
    "  k.reason, 'screenshot', k.screenshot IS NOT NULL, 'html',"
    "  k.html IS NOT NULL, 'created_at', " HK_DB_TS("k.created_at") ")"
    "  ORDER BY k.id), '[]') FROM application_captures k"
    "  WHERE k.application_id = p.id)::text,"
    " j.url FROM applications p JOIN jobs j ON j.id = p.job_id"
    " WHERE p.id = $1::bigint AND p.user_id = $2::bigint";
/* clang-format on */

/* See applications.h. */
int hk_applications_get(struct hk_applications *am, int64_t user_id, int64_t id,
                        json_object **out, struct hk_err *err)
{
    static const char *const extra[] = {"description", "salary",    "workplace",
                                        "posted_at",   "error",     "history",
                                        "questions",   "documents", "notes",
                                        "captures",    "url"};
    struct hk_dbconn *c = NULL;
    PGresult *r = NULL;
    struct hk_db_params p;
    *out = NULL;
    int rc = hk_db_borrow(am->db, &c, err);
    if (rc < 0)
        return rc;
    hk_db_params_init(&p);
    hk_db_param_i64(&p, id);
    hk_db_param_i64(&p, user_id);
    rc = run(c, sql_detail, &p, &r, err);
    hk_db_release(am->db, c);
    if (rc < 0)
        return rc;
    if (PQntuples(r) == 0) {
        PQclear(r);
        return not_found(err, id);
    }
    json_object *o = hk_applications_row_json(r, 0, 0);
    for (int i = 0; i < 11; i++) {
        int col = APP_NCOLS + i;
        bool is_json = i >= 5 && i <= 9;
        json_object_object_add(o, extra[i],
                               is_json ? hk_db_col_jsonb(r, 0, col)
                                       : hk_db_col_text(r, 0, col));
    }
    PQclear(r);
    *out = o;
    return 0;
}

/* A hex digit's value, -1 for anything else. */
static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* See applications.h. */
int hk_applications_capture(struct hk_applications *am, int64_t user_id,
                            int64_t id, int64_t capture_id, bool screenshot,
                            struct hk_buf *out, struct hk_err *err)
{
    struct hk_dbconn *c = NULL;
    PGresult *r = NULL;
    struct hk_db_params p;
    int rc = hk_db_borrow(am->db, &c, err);
    if (rc < 0)
        return rc;
    hk_db_params_init(&p);
    hk_db_param_i64(&p, capture_id);
    hk_db_param_i64(&p, id);
    hk_db_param_i64(&p, user_id);
    rc = run(c,
             screenshot
                 ? "SELECT k.screenshot FROM application_captures k JOIN"
                   " applications a ON a.id = k.application_id WHERE k.id ="
                   " $1::bigint AND a.id = $2::bigint AND a.user_id ="
                   " $3::bigint"
                 : "SELECT k.html FROM application_captures k JOIN"
                   " applications a ON a.id = k.application_id WHERE k.id ="
                   " $1::bigint AND a.id = $2::bigint AND a.user_id ="
                   " $3::bigint",
             &p, &r, err);
    hk_db_release(am->db, c);
    if (rc < 0)
        return rc;
    if (PQntuples(r) == 0 || PQgetisnull(r, 0, 0)) {
        bool none = PQntuples(r) == 0;
        PQclear(r);
        return hk_err_set(err, HAWK_ENOTFOUND, NULL, NULL,
                          none ? "job application %" PRId64
                                 " has no capture %" PRId64
                               : "capture %" PRId64 " of job application "
                                 "%" PRId64 " has no %s",
                          none ? id : capture_id, none ? capture_id : id,
                          screenshot ? "screenshot" : "page HTML");
    }
    /* bytea in text form: "\x" and two hex digits a byte. */
    const char *v = PQgetvalue(r, 0, 0);
    size_t n = (size_t)PQgetlength(r, 0, 0);
    rc = 0;
    if (n < 2 || v[0] != '\\' || v[1] != 'x' || n % 2 != 0)
        rc = hk_err_set(err, HAWK_EINTERNAL, NULL, NULL,
                        "capture %" PRId64 " is stored in an unknown form",
                        capture_id);
    for (size_t i = 2; rc == 0 && i + 1 < n; i += 2) {
        int hi = hexval(v[i]), lo = hexval(v[i + 1]);
        char byte = (char)(hi * 16 + lo);
        if (hi < 0 || lo < 0)
            rc = hk_err_set(err, HAWK_EINTERNAL, NULL, NULL,
                            "capture %" PRId64 " is damaged", capture_id);
        else if (hk_buf_append(out, &byte, 1) < 0)
            rc = hk_err_set(err, HAWK_ETOOBIG, NULL, NULL,
                            "capture %" PRId64 " is too big", capture_id);
    }
    PQclear(r);
    return rc;
}

/* See applications.h. */
int hk_applications_delete(struct hk_applications *am, int64_t user_id,
                           int64_t id, struct hk_err *err)
{
    struct hk_dbconn *c = NULL;
    PGresult *r = NULL;
    struct hk_db_params p;
    int rc = hk_db_borrow(am->db, &c, err);
    if (rc < 0)
        return rc;
    hk_db_params_init(&p);
    hk_db_param_i64(&p, id);
    hk_db_param_i64(&p, user_id);
    rc = run(c,
             "DELETE FROM applications WHERE id = $1::bigint"
             " AND user_id = $2::bigint RETURNING id",
             &p, &r, err);
    hk_db_release(am->db, c);
    if (rc < 0)
        return rc;
    if (PQntuples(r) == 0)
        rc = not_found(err, id);
    PQclear(r);
    return rc;
}

static const struct hk_field status_fields[] = {
    {"status", HK_F_STRING, true, false, 1, 40, .oneof = user_statuses,
     .msg = STATUS_MSG},
    HK_FIELD("note", HK_F_STRING, false, true, 0, STATUS_NOTE_MAX),
    HK_FIELD_END};

/* See applications.h. */
int hk_applications_update_status(struct hk_applications *am, int64_t user_id,
                                  int64_t id, json_object *body,
                                  json_object **out, struct hk_err *err)
{
    struct hk_dbconn *c = NULL;
    char actor[32];
    *out = NULL;
    int rc = hk_json_validate(body, status_fields, "", err);
    if (rc < 0)
        return rc;
    rc = hk_db_borrow(am->db, &c, err);
    if (rc < 0)
        return rc;
    snprintf(actor, sizeof(actor), "user:%" PRId64, user_id);
    rc = hk_applications_set_status(am, c, user_id, id,
                                    member_str(body, "status"),
                                    member_str(body, "note"), actor, err);
    if (rc == 0)
        rc = load_one(c, user_id, id, out, err);
    hk_db_release(am->db, c);
    return rc;
}

static json_object *note_json(const PGresult *r, int i, int off)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "id", hk_db_col_int(r, i, off));
    json_object_object_add(o, "content", hk_db_col_text(r, i, off + 1));
    json_object_object_add(o, "created_at", hk_db_col_text(r, i, off + 2));
    return o;
}

static const struct hk_field note_fields[] = {
    HK_FIELD("content", HK_F_STRING, true, false, 1, NOTE_MAX), HK_FIELD_END};

/* See applications.h. */
int hk_applications_note_add(struct hk_applications *am, int64_t user_id,
                             int64_t id, json_object *body, json_object **out,
                             struct hk_err *err)
{
    struct hk_dbconn *c = NULL;
    PGresult *r = NULL;
    struct hk_db_params p;
    *out = NULL;
    int rc = hk_json_validate(body, note_fields, "", err);
    if (rc < 0)
        return rc;
    rc = hk_db_borrow(am->db, &c, err);
    if (rc < 0)
        return rc;
    hk_db_params_init(&p);
    hk_db_param_i64(&p, id);
    hk_db_param_i64(&p, user_id);
    hk_db_param_text(&p, member_str(body, "content"));
    rc = run(
        c,
        "INSERT INTO application_notes (application_id, content)"
        " SELECT id, $3 FROM applications WHERE id = $1::bigint AND"
        " user_id = $2::bigint RETURNING id, content, " HK_DB_TS("created_at"),
        &p, &r, err);
    hk_db_release(am->db, c);
    if (rc < 0)
        return rc;
    if (PQntuples(r) == 0)
        rc = not_found(err, id);
    else
        *out = note_json(r, 0, 0);
    PQclear(r);
    return rc;
}

/* See applications.h. */
int hk_applications_notes(struct hk_applications *am, int64_t user_id,
                          int64_t id, int64_t page, int64_t per_page,
                          json_object **items, int64_t *total,
                          struct hk_err *err)
{
    struct hk_dbconn *c = NULL;
    PGresult *r = NULL;
    struct hk_db_params p;
    *items = NULL;
    *total = 0;
    int rc = hk_db_borrow(am->db, &c, err);
    if (rc < 0)
        return rc;
    hk_db_params_init(&p);
    hk_db_param_i64(&p, id);
    hk_db_param_i64(&p, user_id);
    hk_db_param_i64(&p, per_page);
    hk_db_param_i64(&p, (page - 1) * per_page);
    /* No row at all: the application is not this user's. */
    rc = run(c,
             "SELECT t.total, n.id, n.content, " HK_DB_TS(
                 "n.created_at") " FROM (SELECT a.id, (SELECT count(*) FROM "
                                 "application_notes"
                                 "  WHERE application_id = a.id) AS total FROM "
                                 "applications a"
                                 "  WHERE a.id = $1::bigint AND a.user_id = "
                                 "$2::bigint) t"
                                 " LEFT JOIN LATERAL (SELECT * FROM "
                                 "application_notes"
                                 "  WHERE application_id = t.id ORDER BY id "
                                 "LIMIT $3::bigint"
                                 "  OFFSET $4::bigint) n ON true ORDER BY n.id",
             &p, &r, err);
    hk_db_release(am->db, c);
    if (rc < 0)
        return rc;
    if (PQntuples(r) == 0) {
        PQclear(r);
        return not_found(err, id);
    }
    *items = json_object_new_array();
    for (int i = 0; i < PQntuples(r); i++) {
        *total = hk_db_col_i64(r, i, 0);
        if (!PQgetisnull(r, i, 1))
            json_object_array_add(*items, note_json(r, i, 1));
    }
    PQclear(r);
    return 0;
}

/* See applications.h. */
int hk_applications_note_delete(struct hk_applications *am, int64_t user_id,
                                int64_t id, int64_t note_id, struct hk_err *err)
{
    struct hk_dbconn *c = NULL;
    PGresult *r = NULL;
    struct hk_db_params p;
    int rc = hk_db_borrow(am->db, &c, err);
    if (rc < 0)
        return rc;
    hk_db_params_init(&p);
    hk_db_param_i64(&p, id);
    hk_db_param_i64(&p, user_id);
    hk_db_param_i64(&p, note_id);
    rc = run(c,
             "DELETE FROM application_notes n USING applications a WHERE"
             " n.id = $3::bigint AND n.application_id = $1::bigint AND"
             " a.id = n.application_id AND a.user_id = $2::bigint"
             " RETURNING n.id",
             &p, &r, err);
    hk_db_release(am->db, c);
    if (rc < 0)
        return rc;
    if (PQntuples(r) == 0)
        rc = hk_err_set(err, HAWK_ENOTFOUND, NULL, NULL,
                        "no note %" PRId64 " on job application %" PRId64,
                        note_id, id);
    PQclear(r);
    return rc;
}
