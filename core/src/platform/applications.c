/*
 * platform/applications.c - /api/v1/job-applications: recording
 * applications (one per user and job), the list with filters and
 * pagination, detail with history, questions, documents and notes,
 * status changes, notes, and the functions other modules call.
 *
 * The list answers in one round trip: one statement returns the count
 * and the page (a LATERAL subquery), both served by the
 * (user_id, created_at DESC, id DESC) and (user_id, status) indexes.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "hawk/plugin.h"
#include "log/log.h"
#include "platform/pf.h"
#include "platform/platform.h"
#include "util/alloc.h"
#include "util/str.h"

#define NOTE_MAX 10000
#define STATUS_NOTE_MAX 2000

/* The statuses a user may set through the API (application_statuses
 * also holds awaiting_review and approved, set by the review flow). */
static const char *const user_statuses[] = {
    "queued",          "applied",  "failed",       "skipped",
    "needs_attention", "viewed",   "interviewing", "offered",
    "rejected",        "accepted", "withdrawn",    NULL};

static bool user_status_ok(const char *s)
{
    for (size_t i = 0; user_statuses[i] != NULL; i++)
        if (strcmp(user_statuses[i], s) == 0)
            return true;
    return false;
}

#define STATUS_MSG                                                             \
    "must be one of queued, applied, failed, skipped, needs_attention, "       \
    "viewed, interviewing, offered, rejected, accepted, withdrawn"

/* Columns of the list view on alias p: all in the covering index
 * applications_user_created_idx, so the page needs no heap or join. */
#define APP_LIST_COLS                                                          \
    "p.id, p.job_id, p.title, p.company, p.location, p.board, p.status,"       \
    " p.search_term, " PF_TS("p.created_at") ", " PF_TS(                       \
        "p.updated_at") ", " PF_TS("p.applied_at")
#define APP_NCOLS 11

static const char *const app_names[APP_NCOLS] = {
    "id",     "job_id",      "title",      "company",    "location",  "board",
    "status", "search_term", "created_at", "updated_at", "applied_at"};

static json_object *app_json(const PGresult *r, int i, int off)
{
    json_object *o = json_object_new_object();
    for (int c = 0; c < APP_NCOLS; c++)
        json_object_object_add(o, app_names[c],
                               c < 2 ? hk_pf_int(r, i, off + c)
                                     : hk_pf_text(r, i, off + c));
    return o;
}

/* The same object written straight into b: the list page is the hottest
 * response, and skipping the json-c tree halves its CPU time. */
static int app_json_buf(struct hk_buf *b, const PGresult *r, int i, int off)
{
    int rc = hk_buf_putc(b, '{');
    for (int c = 0; c < APP_NCOLS && rc == 0; c++) {
        rc = hk_buf_printf(b, "%s\"%s\":", c ? "," : "", app_names[c]);
        if (rc < 0)
            break;
        if (PQgetisnull(r, i, off + c))
            rc = hk_buf_puts(b, "null");
        else if (c < 2)
            rc = hk_buf_puts(b, PQgetvalue(r, i, off + c));
        else
            rc = hk_buf_json_str(b, PQgetvalue(r, i, off + c),
                                 (size_t)PQgetlength(r, i, off + c));
    }
    if (rc == 0)
        rc = hk_buf_putc(b, '}');
    return rc;
}

static void not_found(struct hk_resp *resp, int64_t id)
{
    hk_resp_error(resp, 404, "not_found", NULL,
                  "no job application with id %" PRId64, id);
}

/* ---------------------------------------------------------------------
 * Functions for other modules
 * ------------------------------------------------------------------ */

/* Begins a transaction unless the caller has one open.  *own tells the
 * caller whether to commit. */
static int tx_begin(struct hk_dbconn *c, bool *own)
{
    *own = PQtransactionStatus(hk_db_pg(c)) == PQTRANS_IDLE;
    return *own ? hk_db_begin(c) : 0;
}

static int tx_end(struct hk_dbconn *c, bool own, int rc)
{
    if (!own)
        return rc;
    if (rc < 0) {
        hk_db_rollback(c);
        return rc;
    }
    return hk_db_commit(c);
}

/* See platform.h. */
int hk_app_record_ex(struct hk_dbconn *c, int64_t user_id, int64_t job_id,
                     const char *status, const char *search_term,
                     const char *actor, int64_t *application_id, bool *created,
                     struct hk_plan_limit *limit)
{
    PGresult *r = NULL;
    char b0[24], b1[24];
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
        return HAWK_EINVAL;
    const char *p2[] = {hk_pf_id(b0, user_id), hk_pf_id(b1, job_id)};
    int rc = tx_begin(c, &own);
    if (rc < 0)
        return rc;
    /* Serializes this user's recordings: the existence check, the daily
     * count and the insert see each other. */
    rc = hk_pf_user_lock(c, PF_LOCK_APPLICATIONS, user_id);
    if (rc < 0)
        goto out;
    rc = hk_db_query(c,
                     "SELECT id FROM applications WHERE user_id = $1::bigint"
                     " AND job_id = $2::bigint",
                     2, p2, &r);
    if (rc < 0)
        goto out;
    if (PQntuples(r) == 1) {
        *application_id = hk_pf_i64(r, 0, 0);
        goto out;
    }
    PQclear(r);
    r = NULL;
    rc = hk_db_query(c,
                     "SELECT 1 FROM user_jobs WHERE user_id = $1::bigint"
                     " AND job_id = $2::bigint",
                     2, p2, &r);
    if (rc < 0)
        goto out;
    if (PQntuples(r) == 0) {
        rc = HAWK_ENOTFOUND;
        goto out;
    }
    PQclear(r);
    r = NULL;
    struct hk_plan_limit tmp;
    rc = hk_plan_check(c, user_id, HK_LIMIT_APPLICATIONS_PER_DAY,
                       strcmp(status, "skipped") == 0 ? 0 : 1,
                       limit ? limit : &tmp);
    if (rc < 0)
        goto out;
    const char *params[] = {b0, b1, status, search_term, actor};
    rc = hk_db_query(
        c,
        "WITH ins AS (INSERT INTO applications (user_id, job_id, status,"
        " search_term, company, title, location, board, applied_at)"
        " SELECT $1::bigint, j.id, $3, $4, left(j.company, 200),"
        "  left(j.title, 200), left(j.location, 100), j.board,"
        "  CASE WHEN $3 = 'applied' THEN now() END FROM jobs j"
        "  WHERE j.id = $2::bigint"
        " ON CONFLICT (user_id, job_id) DO NOTHING RETURNING id, status),"
        " hist AS (INSERT INTO application_status_history (application_id,"
        " from_status, to_status, actor) SELECT id, NULL, status, $5"
        " FROM ins) SELECT id FROM ins",
        5, params, &r);
    if (rc < 0)
        goto out;
    if (PQntuples(r) == 1) {
        *application_id = hk_pf_i64(r, 0, 0);
        *created = true;
    }
out:
    if (r != NULL)
        PQclear(r);
    return tx_end(c, own, rc);
}

/* See platform.h. */
int hk_app_record(struct hk_dbconn *c, int64_t user_id, int64_t job_id,
                  const char *status, const char *search_term,
                  int64_t *application_id, bool *created)
{
    return hk_app_record_ex(c, user_id, job_id, status, search_term, NULL,
                            application_id, created, NULL);
}

/* See platform.h. */
int hk_app_set_status(struct hk_dbconn *c, int64_t user_id,
                      int64_t application_id, const char *status,
                      const char *note, const char *actor)
{
    PGresult *r = NULL;
    char b0[24], b1[24];
    bool own = false;
    hk_pf_id(b0, application_id);
    hk_pf_id(b1, user_id);
    int rc = tx_begin(c, &own);
    if (rc < 0)
        return rc;
    rc = hk_db_query(c,
                     "SELECT a.status, s.name IS NOT NULL FROM applications a"
                     " LEFT JOIN application_statuses s ON s.name = $3"
                     " WHERE a.id = $1::bigint AND a.user_id = $2::bigint"
                     " FOR UPDATE OF a",
                     3, (const char *const[]){b0, b1, status}, &r);
    if (rc < 0)
        goto out;
    if (PQntuples(r) == 0) {
        rc = HAWK_ENOTFOUND;
        goto out;
    }
    if (PQgetvalue(r, 0, 1)[0] != 't') {
        rc = HAWK_EINVAL;
        goto out;
    }
    bool same = strcmp(PQgetvalue(r, 0, 0), status) == 0;
    PQclear(r);
    r = NULL;
    if (same)
        goto out;
    const char *params[] = {b0, b1, status, note, actor ? actor : "system"};
    rc = hk_db_query(
        c,
        "WITH old AS (SELECT status FROM applications WHERE id = $1::bigint"
        " AND user_id = $2::bigint), upd AS (UPDATE applications SET"
        " status = $3, updated_at = now(), applied_at = CASE WHEN $3 ="
        " 'applied' AND applied_at IS NULL THEN now() ELSE applied_at END"
        " WHERE id = $1::bigint AND user_id = $2::bigint RETURNING id)"
        " INSERT INTO application_status_history (application_id,"
        " from_status, to_status, note, actor) SELECT upd.id, old.status,"
        " $3, $4, $5 FROM upd, old",
        5, params, NULL);
out:
    if (r != NULL)
        PQclear(r);
    return tx_end(c, own, rc);
}

/* Runs an insert that attaches a row to the user's application; the
 * statement's $1/$2 are the application and user ids and it returns the
 * new id when the application is the user's. */
static int attach_row(struct hk_dbconn *c, const char *sql, int n,
                      const char *const *params, int64_t *id_out)
{
    PGresult *r = NULL;
    int rc = hk_db_query(c, sql, n, params, &r);
    if (rc < 0)
        return rc;
    if (PQntuples(r) == 0) {
        PQclear(r);
        return HAWK_ENOTFOUND;
    }
    if (id_out != NULL)
        *id_out = hk_pf_i64(r, 0, 0);
    PQclear(r);
    return 0;
}

/* See platform.h. */
int hk_app_add_document(struct hk_dbconn *c, int64_t user_id,
                        int64_t application_id, const char *kind,
                        const char *content, const char *format,
                        int64_t *doc_id)
{
    char b0[24], b1[24];
    if (kind == NULL || content == NULL ||
        (strcmp(kind, "cover_letter") != 0 &&
         strcmp(kind, "tailored_resume") != 0) ||
        !hk_utf8_valid(content, strlen(content)))
        return HAWK_EINVAL;
    if (format == NULL)
        format = "text";
    if (strcmp(format, "text") != 0 && strcmp(format, "markdown") != 0 &&
        strcmp(format, "html") != 0 && strcmp(format, "json") != 0)
        return HAWK_EINVAL;
    const char *params[] = {hk_pf_id(b0, application_id), hk_pf_id(b1, user_id),
                            kind, content, format};
    return attach_row(c,
                      "INSERT INTO generated_documents (application_id, kind,"
                      " content, format) SELECT id, $3, $4, $5 FROM"
                      " applications WHERE id = $1::bigint AND user_id ="
                      " $2::bigint RETURNING id",
                      5, params, doc_id);
}

/* See platform.h. */
int hk_app_add_question(struct hk_dbconn *c, int64_t user_id,
                        int64_t application_id, const char *question,
                        const char *type, const char *answer,
                        const char *source)
{
    char b0[24], b1[24];
    if (question == NULL || !hk_utf8_valid(question, strlen(question)) ||
        (answer != NULL && !hk_utf8_valid(answer, strlen(answer))))
        return HAWK_EINVAL;
    const char *params[] = {hk_pf_id(b0, application_id),
                            hk_pf_id(b1, user_id),
                            question,
                            type ? type : "text",
                            answer,
                            source ? source : "llm"};
    return attach_row(c,
                      "INSERT INTO application_questions (application_id,"
                      " question, type, answer, source) SELECT id, $3, $4,"
                      " $5, $6 FROM applications WHERE id = $1::bigint AND"
                      " user_id = $2::bigint RETURNING id",
                      6, params, NULL);
}

/* ---------------------------------------------------------------------
 * List filters (shared with the CSV export)
 * ------------------------------------------------------------------ */

/* See pf.h. */
int hk_pf_app_filters(struct hk_req *req, struct hk_resp *resp,
                      struct hk_pf_q *where, struct hk_pf_app_bufs *bufs,
                      const char **inner, const char **outer)
{
    char *like = bufs->like;
    size_t likelen = sizeof(bufs->like);
    static const struct {
        const char *name, *inner_asc, *inner_desc, *outer_asc, *outer_desc;
    } sorts[] = {
        {"created_at", " ORDER BY a.created_at, a.id",
         " ORDER BY a.created_at DESC, a.id DESC",
         " ORDER BY p.created_at, p.id",
         " ORDER BY p.created_at DESC, p.id DESC"},
        {"updated_at", " ORDER BY a.updated_at, a.id",
         " ORDER BY a.updated_at DESC, a.id DESC",
         " ORDER BY p.updated_at, p.id",
         " ORDER BY p.updated_at DESC, p.id DESC"},
        {"company", " ORDER BY a.company, a.id",
         " ORDER BY a.company DESC, a.id DESC", " ORDER BY p.company, p.id",
         " ORDER BY p.company DESC, p.id DESC"},
        {"status", " ORDER BY a.status, a.id",
         " ORDER BY a.status DESC, a.id DESC", " ORDER BY p.status, p.id",
         " ORDER BY p.status DESC, p.id DESC"}};
    const char *status = NULL, *company = NULL, *term = NULL, *from = NULL,
               *to = NULL, *sort = NULL, *order = NULL;
    if (hk_pf_query_str(req, resp, "status", 400, &status) < 0 ||
        hk_pf_query_str(req, resp, "company", 200, &company) < 0 ||
        hk_pf_query_str(req, resp, "search_term", 200, &term) < 0 ||
        hk_pf_query_str(req, resp, "from", 40, &from) < 0 ||
        hk_pf_query_str(req, resp, "to", 40, &to) < 0 ||
        hk_pf_query_str(req, resp, "sort", 20, &sort) < 0 ||
        hk_pf_query_str(req, resp, "order", 8, &order) < 0)
        return HAWK_EINVAL;
    if (status != NULL) {
        /* Comma-separated; each must be a known status. */
        char tmp[401];
        hk_strlcpy(tmp, status, sizeof(tmp));
        size_t count = 0;
        for (char *s = tmp, *e; s != NULL; s = e) {
            e = strchr(s, ',');
            if (e != NULL)
                *e++ = '\0';
            if (!user_status_ok(s) && strcmp(s, "awaiting_review") != 0 &&
                strcmp(s, "approved") != 0) {
                hk_resp_error(resp, 400, "invalid_parameter", "status",
                              "query parameter 'status' has unknown "
                              "status '%.40s'; use queued, applied, "
                              "failed, skipped, needs_attention, "
                              "viewed, interviewing, offered, "
                              "rejected, accepted, withdrawn, "
                              "awaiting_review or approved",
                              s);
                return HAWK_EINVAL;
            }
            count++;
        }
        if (count == 1)
            hk_pf_q_add(where, " AND a.status = ?", status);
        else
            hk_pf_q_add(where, " AND a.status = ANY (string_to_array(?, ','))",
                        status);
    }
    if (company != NULL) {
        size_t n = 0;
        like[n++] = '%';
        for (const char *p = company; *p && n + 3 < likelen; p++) {
            if (*p == '%' || *p == '_' || *p == '\\')
                like[n++] = '\\';
            like[n++] = *p;
        }
        like[n++] = '%';
        like[n] = '\0';
        hk_pf_q_add(where, " AND a.company ILIKE ?", like);
    }
    if (term != NULL)
        hk_pf_q_add(where, " AND a.search_term = ?", term);
    int64_t t;
    if (from != NULL) {
        if (hk_pf_parse_time(from, &t) < 0) {
            hk_resp_error(resp, 400, "invalid_parameter", "from",
                          "query parameter 'from' must be a date "
                          "(2025-01-31) or an RFC 3339 date-time");
            return HAWK_EINVAL;
        }
        hk_pf_id(bufs->from, t);
        hk_pf_q_add(where, " AND a.created_at >= to_timestamp(?::bigint)",
                    bufs->from);
    }
    if (to != NULL) {
        if (hk_pf_parse_time(to, &t) < 0) {
            hk_resp_error(resp, 400, "invalid_parameter", "to",
                          "query parameter 'to' must be a date "
                          "(2025-01-31) or an RFC 3339 date-time");
            return HAWK_EINVAL;
        }
        /* A bare date means up to the end of that day (UTC). */
        if (strlen(to) == 10) {
            hk_pf_id(bufs->to, t + 86400);
            hk_pf_q_add(where, " AND a.created_at < to_timestamp(?::bigint)",
                        bufs->to);
        } else {
            hk_pf_id(bufs->to, t);
            hk_pf_q_add(where, " AND a.created_at <= to_timestamp(?::bigint)",
                        bufs->to);
        }
    }
    bool asc = false;
    if (order != NULL) {
        if (strcmp(order, "asc") == 0)
            asc = true;
        else if (strcmp(order, "desc") != 0) {
            hk_resp_error(resp, 400, "invalid_parameter", "order",
                          "query parameter 'order' must be asc or "
                          "desc");
            return HAWK_EINVAL;
        }
    }
    size_t k = 0;
    if (sort != NULL) {
        while (k < sizeof(sorts) / sizeof(sorts[0]) &&
               strcmp(sorts[k].name, sort) != 0)
            k++;
        if (k == sizeof(sorts) / sizeof(sorts[0])) {
            hk_resp_error(resp, 400, "invalid_parameter", "sort",
                          "query parameter 'sort' must be created_at, "
                          "updated_at, company or status");
            return HAWK_EINVAL;
        }
    }
    *inner = asc ? sorts[k].inner_asc : sorts[k].inner_desc;
    *outer = asc ? sorts[k].outer_asc : sorts[k].outer_desc;
    return 0;
}

/* ---------------------------------------------------------------------
 * Routes
 * ------------------------------------------------------------------ */

/* GET /api/v1/job-applications */
static void h_list(struct hk_req *req, struct hk_resp *resp)
{
    int64_t page, per_page, total = 0;
    struct hk_dbconn *c = NULL;
    PGresult *r = NULL;
    char uid[24], lim[24], off[24];
    struct hk_pf_app_bufs bufs;
    const char *inner = NULL, *outer = NULL;
    struct hk_pf_q where, q;
    if (hk_req_page(req, resp, PF_MAX_PER_PAGE, &page, &per_page) < 0)
        return;
    hk_pf_q_init(&where);
    hk_pf_q_init(&q);
    hk_pf_q_add(&where, " WHERE a.user_id = ?::bigint",
                hk_pf_id(uid, req->user_id));
    if (hk_pf_app_filters(req, resp, &where, &bufs, &inner, &outer) < 0)
        goto out;
    int n = where.n;
    where.params[n] = hk_pf_id(lim, per_page);
    where.params[n + 1] = hk_pf_id(off, (page - 1) * per_page);
    hk_pf_q_sql(&q, "SELECT t.total, " APP_LIST_COLS
                    " FROM (SELECT count(*) AS total FROM applications a");
    hk_pf_q_sql(&q, hk_buf_str(&where.sql));
    hk_pf_q_sql(&q, ") t LEFT JOIN LATERAL (SELECT a.id, a.job_id, a.title,"
                    " a.company, a.location, a.board, a.status,"
                    " a.search_term, a.created_at, a.updated_at,"
                    " a.applied_at FROM applications a");
    hk_pf_q_sql(&q, hk_buf_str(&where.sql));
    hk_pf_q_sql(&q, inner);
    hk_pf_q_ref(&q, " LIMIT ?::bigint", n + 1);
    hk_pf_q_ref(&q, " OFFSET ?::bigint", n + 2);
    hk_pf_q_sql(&q, ") p ON true");
    hk_pf_q_sql(&q, outer);
    if (hk_pf_acquire(req, resp, &c) < 0)
        goto out;
    int rc = hk_db_query(c, hk_buf_str(&q.sql), n + 2, where.params, &r);
    hk_pf_release(req, c);
    if (rc < 0) {
        hk_resp_from_status(resp, rc);
        goto out;
    }
    struct hk_buf *b = &resp->body;
    hk_buf_reset(b);
    rc = hk_buf_puts(b, "{\"items\":[");
    int n_items = 0;
    for (int i = 0; i < PQntuples(r) && rc == 0; i++) {
        total = hk_pf_i64(r, i, 0);
        if (PQgetisnull(r, i, 1))
            continue; /* page past the end: only the count row */
        if (n_items++ > 0)
            rc = hk_buf_putc(b, ',');
        if (rc == 0)
            rc = app_json_buf(b, r, i, 1);
    }
    PQclear(r);
    if (rc == 0)
        rc = hk_buf_printf(b,
                           "],\"page\":%" PRId64 ",\"per_page\":%" PRId64
                           ",\"total\":%" PRId64 ",\"pages\":%" PRId64 "}",
                           page, per_page, total,
                           (total + per_page - 1) / per_page);
    if (rc < 0) {
        hk_resp_from_status(resp, rc);
        goto out;
    }
    resp->status = 200;
    resp->content_type = "application/json";
out:
    hk_pf_q_release(&q);
    hk_pf_q_release(&where);
}

static const char sql_one[] =
    "SELECT " APP_LIST_COLS " FROM applications p"
    " WHERE p.id = $1::bigint AND p.user_id = $2::bigint";

static const struct hk_field record_fields[] = {
    HK_FIELD("job_id", HK_F_INT, true, false, 1, INT64_MAX),
    {"status", HK_F_STRING, false, false, 1, 40, .oneof = user_statuses,
     .msg = STATUS_MSG},
    HK_FIELD("search_term", HK_F_STRING, false, true, 0, 200),
    HK_FIELD_END};

/* POST /api/v1/job-applications: records an application for a job found
 * for the user; a second call for the same job returns the first (200). */
static void h_record(struct hk_req *req, struct hk_resp *resp)
{
    json_object *body = NULL, *v = NULL;
    struct hk_dbconn *c = NULL;
    PGresult *r = NULL;
    struct hk_plan_limit lim;
    char actor[32], b0[24], b1[24];
    int64_t app_id = 0;
    bool created = false;
    if (hk_req_json(req, resp, &body) < 0)
        return;
    if (hk_json_check(body, record_fields, resp) < 0)
        goto out;
    const char *status = NULL, *term = NULL;
    if (json_object_object_get_ex(body, "status", &v))
        status = json_object_get_string(v);
    if (json_object_object_get_ex(body, "search_term", &v) && v != NULL)
        term = json_object_get_string(v);
    json_object_object_get_ex(body, "job_id", &v);
    int64_t job_id = json_object_get_int64(v);
    if (hk_pf_acquire(req, resp, &c) < 0)
        goto out;
    int rc = hk_app_record_ex(c, req->user_id, job_id, status, term,
                              hk_pf_actor(actor, req->user_id), &app_id,
                              &created, &lim);
    if (rc == 0) {
        const char *params[] = {hk_pf_id(b0, app_id),
                                hk_pf_id(b1, req->user_id)};
        rc = hk_db_query(c, sql_one, 2, params, &r);
    }
    hk_pf_release(req, c);
    if (rc == HAWK_EQUOTA) {
        hk_plan_limit_resp(resp, &lim);
    } else if (rc == HAWK_ENOTFOUND) {
        hk_resp_error(resp, 404, "not_found", "job_id",
                      "no job with id %" PRId64 " among your jobs; "
                      "add it with POST /api/v1/jobs first",
                      job_id);
    } else if (rc < 0) {
        hk_resp_from_status(resp, rc);
    } else if (PQntuples(r) == 0) {
        hk_resp_from_status(resp, HAWK_EINTERNAL);
    } else {
        json_object *o = app_json(r, 0, 0);
        json_object_object_add(o, "created", json_object_new_boolean(created));
        hk_resp_json(resp, created ? 201 : 200, o);
    }
out:
    if (r != NULL)
        PQclear(r);
    json_object_put(body);
}

/* Columns after APP_LIST_COLS in the detail query. */
static const char sql_detail[] =
    "SELECT " APP_LIST_COLS ", j.description, j.salary, j.workplace,"
    " " PF_TS(
        "j.posted_at") ", p.error,"
                       " (SELECT "
                       "coalesce(json_agg(json_build_object('from', "
                       "h.from_status,"
                       "  'to', h.to_status, 'note', h.note, 'actor', "
                       "h.actor, 'at', " PF_TS(
                           "h.at") ") ORDER BY h.id), '[]') FROM "
                                   "application_status_history h"
                                   "  WHERE h.application_id = "
                                   "p.id)::text,"
                                   " (SELECT "
                                   "coalesce(json_agg(json_build_"
                                   "object('id', q.id, 'question',"
                                   "  q.question, 'type', q.type, "
                                   "'answer', q.answer, 'source', "
                                   "q.source,"
                                   "  'created_at', " PF_TS(
                                       "q.created_at") ") ORDER BY "
                                                       "q.id), '[]')"
                                                       "  FROM "
                                                       "application_"
                                                       "questions q "
                                                       "WHERE "
                                                       "q.application_"
                                                       "id = "
                                                       "p.id)::text,"
                                                       " (SELECT "
                                                       "coalesce(json_"
                                                       "agg(json_build_"
                                                       "object('id', "
                                                       "d.id, 'kind',"
                                                       "  d.kind, "
                                                       "'content', "
                                                       "d.content, "
                                                       "'format', "
                                                       "d.format, "
                                                       "'created_at',"
                                                       " " PF_TS(
                                                           "d.created_"
                                                           "at") ") "
                                                                 "ORDER"
                                                                 " BY "
                                                                 "d.id)"
                                                                 ", "
                                                                 "'[]')"
                                                                 " FROM"
                                                                 " gene"
                                                                 "rated"
                                                                 "_docu"
                                                                 "ments"
                                                                 " d"
                                                                 "  "
                                                                 "WHERE"
                                                                 " d."
                                                                 "appli"
                                                                 "catio"
                                                                 "n_id "
                                                                 "= "
                                                                 "p.id)"
                                                                 "::"
                                                                 "text,"
                                                                 " ("
                                                                 "SELEC"
                                                                 "T "
                                                                 "coale"
                                                                 "sce("
                                                                 "json_"
                                                                 "agg("
                                                                 "json_"
                                                                 "build"
                                                                 "_obje"
                                                                 "ct('"
                                                                 "id', "
                                                                 "n.id,"
                                                                 " '"
                                                                 "conte"
                                                                 "nt',"
                                                                 "  "
                                                                 "n."
                                                                 "conte"
                                                                 "nt, "
                                                                 "'crea"
                                                                 "ted_"
                                                                 "at',"
                                                                 " " PF_TS(
                                                                     "n"
                                                                     "."
                                                                     "c"
                                                                     "r"
                                                                     "e"
                                                                     "a"
                                                                     "t"
                                                                     "e"
                                                                     "d"
                                                                     "_"
                                                                     "a"
                                                                     "t") ") "
                                                                          "ORDE"
                                                                          "R "
                                                                          "BY "
                                                                          "n."
                                                                          "id),"
                                                                          "  "
                                                                          "'[]'"
                                                                          ") "
                                                                          "FROM"
                                                                          " app"
                                                                          "lica"
                                                                          "tion"
                                                                          "_not"
                                                                          "es "
                                                                          "n "
                                                                          "WHER"
                                                                          "E "
                                                                          "n."
                                                                          "appl"
                                                                          "icat"
                                                                          "ion_"
                                                                          "id "
                                                                          "= "
                                                                          "p."
                                                                          "id):"
                                                                          ":tex"
                                                                          "t,"
                                                                          " j."
                                                                          "url "
                                                                          "FROM"
                                                                          " app"
                                                                          "lica"
                                                                          "tion"
                                                                          "s p "
                                                                          "JOIN"
                                                                          " job"
                                                                          "s j "
                                                                          "ON "
                                                                          "j."
                                                                          "id "
                                                                          "= "
                                                                          "p."
                                                                          "job_"
                                                                          "id"
                                                                          " WHE"
                                                                          "RE "
                                                                          "p."
                                                                          "id "
                                                                          "= "
                                                                          "$1::"
                                                                          "bigi"
                                                                          "nt "
                                                                          "AND "
                                                                          "p."
                                                                          "user"
                                                                          "_id "
                                                                          "= "
                                                                          "$2::"
                                                                          "bigi"
                                                                          "nt";

/* GET /api/v1/job-applications/{id}: one round trip for everything. */
static void h_get(struct hk_req *req, struct hk_resp *resp)
{
    int64_t id;
    PGresult *r;
    if (hk_pf_query_by_id(req, resp, sql_detail, &id, &r) < 0)
        return;
    if (PQntuples(r) == 0) {
        not_found(resp, id);
        PQclear(r);
        return;
    }
    json_object *o = app_json(r, 0, 0);
    json_object_object_add(o, "description", hk_pf_text(r, 0, 11));
    json_object_object_add(o, "salary", hk_pf_text(r, 0, 12));
    json_object_object_add(o, "workplace", hk_pf_text(r, 0, 13));
    json_object_object_add(o, "posted_at", hk_pf_text(r, 0, 14));
    json_object_object_add(o, "error", hk_pf_text(r, 0, 15));
    json_object_object_add(o, "history", hk_pf_jsonb(r, 0, 16));
    json_object_object_add(o, "questions", hk_pf_jsonb(r, 0, 17));
    json_object_object_add(o, "documents", hk_pf_jsonb(r, 0, 18));
    json_object_object_add(o, "notes", hk_pf_jsonb(r, 0, 19));
    json_object_object_add(o, "url", hk_pf_text(r, 0, 20));
    PQclear(r);
    hk_resp_json(resp, 200, o);
}

static const struct hk_field status_fields[] = {
    {"status", HK_F_STRING, true, false, 1, 40, .oneof = user_statuses,
     .msg = STATUS_MSG},
    HK_FIELD("note", HK_F_STRING, false, true, 0, STATUS_NOTE_MAX),
    HK_FIELD_END};

/* PUT /api/v1/job-applications/{id}/status */
static void h_status(struct hk_req *req, struct hk_resp *resp)
{
    int64_t id;
    json_object *body = NULL, *v = NULL;
    struct hk_dbconn *c = NULL;
    PGresult *r = NULL;
    char actor[32], b0[24], b1[24];
    if (hk_req_param_id(req, resp, "id", &id) < 0)
        return;
    if (hk_req_json(req, resp, &body) < 0)
        return;
    if (hk_json_check(body, status_fields, resp) < 0)
        goto out;
    json_object_object_get_ex(body, "status", &v);
    const char *status = json_object_get_string(v);
    const char *note = NULL;
    if (json_object_object_get_ex(body, "note", &v) && v != NULL)
        note = json_object_get_string(v);
    if (hk_pf_acquire(req, resp, &c) < 0)
        goto out;
    int rc = hk_app_set_status(c, req->user_id, id, status, note,
                               hk_pf_actor(actor, req->user_id));
    if (rc == 0) {
        const char *params[] = {hk_pf_id(b0, id), hk_pf_id(b1, req->user_id)};
        rc = hk_db_query(c, sql_one, 2, params, &r);
    }
    hk_pf_release(req, c);
    if (rc == HAWK_ENOTFOUND)
        not_found(resp, id);
    else if (rc < 0)
        hk_resp_from_status(resp, rc);
    else if (PQntuples(r) == 0)
        not_found(resp, id);
    else
        hk_resp_json(resp, 200, app_json(r, 0, 0));
out:
    if (r != NULL)
        PQclear(r);
    json_object_put(body);
}

/* DELETE /api/v1/job-applications/{id} */
static void h_delete(struct hk_req *req, struct hk_resp *resp)
{
    hk_pf_delete_by_id(req, resp,
                       "DELETE FROM applications WHERE id = $1::bigint"
                       " AND user_id = $2::bigint RETURNING id",
                       not_found);
}

static json_object *note_json(const PGresult *r, int i, int off)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "id", hk_pf_int(r, i, off));
    json_object_object_add(o, "content", hk_pf_text(r, i, off + 1));
    json_object_object_add(o, "created_at", hk_pf_text(r, i, off + 2));
    return o;
}

static const struct hk_field note_fields[] = {
    HK_FIELD("content", HK_F_STRING, true, false, 1, NOTE_MAX), HK_FIELD_END};

/* POST /api/v1/job-applications/{id}/notes */
static void h_note_add(struct hk_req *req, struct hk_resp *resp)
{
    int64_t id;
    json_object *body = NULL, *v = NULL;
    struct hk_dbconn *c = NULL;
    PGresult *r = NULL;
    char b0[24], b1[24];
    if (hk_req_param_id(req, resp, "id", &id) < 0)
        return;
    if (hk_req_json(req, resp, &body) < 0)
        return;
    if (hk_json_check(body, note_fields, resp) < 0)
        goto out;
    json_object_object_get_ex(body, "content", &v);
    if (hk_pf_acquire(req, resp, &c) < 0)
        goto out;
    const char *params[] = {hk_pf_id(b0, id), hk_pf_id(b1, req->user_id),
                            json_object_get_string(v)};
    int rc = hk_db_query(c,
                         "INSERT INTO application_notes (application_id,"
                         " content) SELECT id, $3 FROM applications WHERE"
                         " id = $1::bigint AND user_id = $2::bigint"
                         " RETURNING id, content, " PF_TS("created_at"),
                         3, params, &r);
    hk_pf_release(req, c);
    if (rc < 0)
        hk_resp_from_status(resp, rc);
    else if (PQntuples(r) == 0)
        not_found(resp, id);
    else
        hk_resp_json(resp, 201, note_json(r, 0, 0));
out:
    if (r != NULL)
        PQclear(r);
    json_object_put(body);
}

/* GET /api/v1/job-applications/{id}/notes */
static void h_note_list(struct hk_req *req, struct hk_resp *resp)
{
    int64_t id, page, per_page, total = 0;
    struct hk_dbconn *c = NULL;
    PGresult *r = NULL;
    char b0[24], b1[24], lim[24], off[24];
    if (hk_req_param_id(req, resp, "id", &id) < 0)
        return;
    if (hk_req_page(req, resp, PF_MAX_PER_PAGE, &page, &per_page) < 0)
        return;
    if (hk_pf_acquire(req, resp, &c) < 0)
        return;
    const char *params[] = {hk_pf_id(b0, id), hk_pf_id(b1, req->user_id),
                            hk_pf_id(lim, per_page),
                            hk_pf_id(off, (page - 1) * per_page)};
    /* No row at all: the application is not this user's. */
    int rc = hk_db_query(
        c,
        "SELECT t.total, n.id, n.content, " PF_TS(
            "n.created_at") " FROM (SELECT a.id, (SELECT count(*) FROM "
                            "application_notes"
                            "  WHERE application_id = a.id) AS total FROM "
                            "applications a"
                            "  WHERE a.id = $1::bigint AND a.user_id = "
                            "$2::bigint) t"
                            " LEFT JOIN LATERAL (SELECT * FROM "
                            "application_notes"
                            "  WHERE application_id = t.id ORDER BY id LIMIT "
                            "$3::bigint"
                            "  OFFSET $4::bigint) n ON true ORDER BY n.id",
        4, params, &r);
    hk_pf_release(req, c);
    if (rc < 0) {
        hk_resp_from_status(resp, rc);
        return;
    }
    if (PQntuples(r) == 0) {
        not_found(resp, id);
        PQclear(r);
        return;
    }
    json_object *items = json_object_new_array();
    for (int i = 0; i < PQntuples(r); i++) {
        total = hk_pf_i64(r, i, 0);
        if (!PQgetisnull(r, i, 1))
            json_object_array_add(items, note_json(r, i, 1));
    }
    PQclear(r);
    hk_resp_json(resp, 200, hk_pf_page(items, page, per_page, total));
}

/* DELETE /api/v1/job-applications/{id}/notes/{note_id} */
static void h_note_delete(struct hk_req *req, struct hk_resp *resp)
{
    int64_t id, note_id;
    struct hk_dbconn *c = NULL;
    PGresult *r = NULL;
    char b0[24], b1[24], b2[24];
    if (hk_req_param_id(req, resp, "id", &id) < 0 ||
        hk_req_param_id(req, resp, "note_id", &note_id) < 0)
        return;
    if (hk_pf_acquire(req, resp, &c) < 0)
        return;
    const char *params[] = {hk_pf_id(b0, id), hk_pf_id(b1, req->user_id),
                            hk_pf_id(b2, note_id)};
    int rc = hk_db_query(c,
                         "DELETE FROM application_notes n USING applications"
                         " a WHERE n.id = $3::bigint AND n.application_id ="
                         " $1::bigint AND a.id = n.application_id AND"
                         " a.user_id = $2::bigint RETURNING n.id",
                         3, params, &r);
    hk_pf_release(req, c);
    if (rc < 0) {
        hk_resp_from_status(resp, rc);
        return;
    }
    if (PQntuples(r) == 0)
        hk_resp_error(resp, 404, "not_found", NULL,
                      "no note %" PRId64 " on job application %" PRId64,
                      note_id, id);
    else
        hk_pf_no_content(resp);
    PQclear(r);
}

/* See pf.h. */
void hk_pf_application_routes(struct hk_router *r)
{
    hk_pf_route(r, "GET", "/api/v1/job-applications", h_list, HK_ROUTE_AUTH, 0);
    hk_pf_route(r, "POST", "/api/v1/job-applications", h_record, HK_ROUTE_AUTH,
                0);
    hk_pf_route(r, "GET", "/api/v1/job-applications/{id}", h_get, HK_ROUTE_AUTH,
                0);
    hk_pf_route(r, "DELETE", "/api/v1/job-applications/{id}", h_delete,
                HK_ROUTE_AUTH, 0);
    hk_pf_route(r, "PUT", "/api/v1/job-applications/{id}/status", h_status,
                HK_ROUTE_AUTH, 0);
    hk_pf_route(r, "GET", "/api/v1/job-applications/{id}/notes", h_note_list,
                HK_ROUTE_AUTH, 0);
    hk_pf_route(r, "POST", "/api/v1/job-applications/{id}/notes", h_note_add,
                HK_ROUTE_AUTH, 0);
    hk_pf_route(r, "DELETE", "/api/v1/job-applications/{id}/notes/{note_id}",
                h_note_delete, HK_ROUTE_AUTH, 0);
}
