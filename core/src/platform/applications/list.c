/*
 * platform/applications/list.c - the list of a user's applications with
 * its filters and order, the CSV export of the same rows, and the
 * statistics (see applications.h).
 *
 * The list answers in one round trip: one statement returns the count
 * and the page (a LATERAL subquery), both served by the
 * (user_id, created_at DESC, id DESC) and (user_id, status) indexes.  The
 * statistics are one statement that builds the JSON in PostgreSQL, so the
 * per-user rows never leave the server.
 *
 * Response rate = applications that got an answer (statuses flagged
 * `responded` in application_statuses: interviewing, offered, rejected,
 * accepted) divided by applications that were sent (applied and every
 * status after it: viewed, interviewing, offered, rejected, accepted,
 * withdrawn).  Days are UTC days.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "db/db.h"
#include "db/params.h"
#include "db/result.h"
#include "hawk/plugin.h"
#include "platform/applications/applications.h"
#include "platform/applications/applications_int.h"
#include "util/buf.h"
#include "util/err.h"

#define EXPORT_MAX_ROWS 100000

const char *const hk_applications_col_names[APP_NCOLS] = {
    "id",     "job_id",      "title",      "company",    "location",  "board",
    "status", "search_term", "created_at", "updated_at", "applied_at"};

const char *const hk_applications_export_columns[HK_APPLICATIONS_EXPORT_COLS] =
    {"id",     "job_id",      "title",      "company",    "location",   "board",
     "status", "search_term", "created_at", "updated_at", "applied_at", "url"};

/* ORDER BY clauses per sort: inside the page (alias a) and around it
 * (alias p), ascending and descending. */
static const struct {
    const char *inner_asc, *inner_desc, *outer_asc, *outer_desc;
} orders[] = {
    [HK_APPLICATIONS_SORT_CREATED] = {" ORDER BY a.created_at, a.id",
                                      " ORDER BY a.created_at DESC, a.id DESC",
                                      " ORDER BY p.created_at, p.id",
                                      " ORDER BY p.created_at DESC, p.id DESC"},
    [HK_APPLICATIONS_SORT_UPDATED] = {" ORDER BY a.updated_at, a.id",
                                      " ORDER BY a.updated_at DESC, a.id DESC",
                                      " ORDER BY p.updated_at, p.id",
                                      " ORDER BY p.updated_at DESC, p.id DESC"},
    [HK_APPLICATIONS_SORT_COMPANY] = {" ORDER BY a.company, a.id",
                                      " ORDER BY a.company DESC, a.id DESC",
                                      " ORDER BY p.company, p.id",
                                      " ORDER BY p.company DESC, p.id DESC"},
    [HK_APPLICATIONS_SORT_STATUS] = {" ORDER BY a.status, a.id",
                                     " ORDER BY a.status DESC, a.id DESC",
                                     " ORDER BY p.status, p.id",
                                     " ORDER BY p.status DESC, p.id DESC"},
};

/* The filter as " WHERE a.user_id = $1 AND ..." on alias a, every value a
 * parameter of w.  like holds the company pattern (w borrows it). */
static void filter_sql(struct hk_db_sql *w, int64_t user_id,
                       const struct hk_applications_filter *f, char *like,
                       size_t likelen)
{
    hk_db_sql_i64(w, " WHERE a.user_id = ?::bigint", user_id);
    if (f->statuses != NULL) {
        if (strchr(f->statuses, ',') == NULL)
            hk_db_sql_text(w, " AND a.status = ?", f->statuses);
        else
            hk_db_sql_text(w, " AND a.status = ANY (string_to_array(?, ','))",
                           f->statuses);
    }
    if (f->company != NULL) {
        /* Substring match: escape LIKE's own wildcards in the input. */
        size_t n = 0;
        like[n++] = '%';
        for (const char *p = f->company; *p && n + 3 < likelen; p++) {
            if (*p == '%' || *p == '_' || *p == '\\')
                like[n++] = '\\';
            like[n++] = *p;
        }
        like[n++] = '%';
        like[n] = '\0';
        hk_db_sql_text(w, " AND a.company ILIKE ?", like);
    }
    if (f->search_term != NULL)
        hk_db_sql_text(w, " AND a.search_term = ?", f->search_term);
    if (f->has_from)
        hk_db_sql_i64(w, " AND a.created_at >= to_timestamp(?::bigint)",
                      f->from);
    if (f->has_to)
        hk_db_sql_i64(w,
                      f->to_exclusive
                          ? " AND a.created_at < to_timestamp(?::bigint)"
                          : " AND a.created_at <= to_timestamp(?::bigint)",
                      f->to);
}

/* The same object as hk_applications_row_json() written straight into b:
 * the list page is the hottest response, and skipping the json-c tree
 * halves its CPU time. */
static int row_json_buf(struct hk_buf *b, const PGresult *r, int i, int off)
{
    int rc = hk_buf_putc(b, '{');
    for (int c = 0; c < APP_NCOLS && rc == 0; c++) {
        rc = hk_buf_printf(b, "%s\"%s\":", c ? "," : "",
                           hk_applications_col_names[c]);
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

/* See applications.h. */
int hk_applications_list(struct hk_applications *am, int64_t user_id,
                         const struct hk_applications_filter *f, int64_t page,
                         int64_t per_page, struct hk_buf *out, int64_t *total,
                         struct hk_err *err)
{
    struct hk_dbconn *c = NULL;
    PGresult *r = NULL;
    struct hk_db_sql w;
    struct hk_buf q;
    char like[820];
    *total = 0;
    hk_db_sql_init(&w);
    hk_buf_init(&q, 0);
    filter_sql(&w, user_id, f, like, sizeof(like));
    int n = w.p.n;
    hk_db_param_i64(&w.p, per_page);
    hk_db_param_i64(&w.p, (page - 1) * per_page);
    const char *where = hk_buf_str(&w.sql);
    (void)hk_buf_printf(
        &q,
        "SELECT t.total, " APP_LIST_COLS
        " FROM (SELECT count(*) AS total FROM applications a%s) t"
        " LEFT JOIN LATERAL (SELECT a.id, a.job_id, a.title, a.company,"
        " a.location, a.board, a.status, a.search_term, a.created_at,"
        " a.updated_at, a.applied_at FROM applications a%s%s"
        " LIMIT $%d::bigint OFFSET $%d::bigint) p ON true%s",
        where, where,
        f->asc ? orders[f->sort].inner_asc : orders[f->sort].inner_desc, n + 1,
        n + 2, f->asc ? orders[f->sort].outer_asc : orders[f->sort].outer_desc);
    int rc = hk_db_borrow(am->db, &c, err);
    if (rc < 0)
        goto out;
    rc = hk_db_params_run(c, hk_buf_str(&q), &w.p, &r);
    hk_db_release(am->db, c);
    if (rc < 0) {
        hk_db_err(err, rc);
        goto out;
    }
    rc = hk_buf_putc(out, '[');
    int n_items = 0;
    for (int i = 0; i < PQntuples(r) && rc == 0; i++) {
        *total = hk_db_col_i64(r, i, 0);
        if (PQgetisnull(r, i, 1))
            continue; /* page past the end: only the count row */
        if (n_items++ > 0)
            rc = hk_buf_putc(out, ',');
        if (rc == 0)
            rc = row_json_buf(out, r, i, 1);
    }
    if (rc == 0)
        rc = hk_buf_putc(out, ']');
    if (rc < 0)
        hk_db_err(err, rc);
out:
    if (r != NULL)
        PQclear(r);
    hk_buf_release(&q);
    hk_db_sql_release(&w);
    return rc;
}

/* clang-format off */
#define EXPORT_HEAD                                                            \
    "SELECT a.id, a.job_id, a.title, a.company, a.location, a.board,"          \
    " a.status, a.search_term, " HK_DB_TS("a.created_at") ", "                 \
    HK_DB_TS("a.updated_at") ", " HK_DB_TS("a.applied_at") ", j.url"           \
    " FROM applications a JOIN jobs j ON j.id = a.job_id"
/* clang-format on */

/* See applications.h. */
int hk_applications_export(struct hk_applications *am, int64_t user_id,
                           const struct hk_applications_filter *f,
                           int (*row)(void *arg, const char *const *vals,
                                      const int *lens),
                           void *arg, struct hk_err *err)
{
    struct hk_dbconn *c = NULL;
    PGresult *r = NULL;
    struct hk_db_sql w;
    struct hk_buf q;
    char like[820];
    hk_db_sql_init(&w);
    hk_buf_init(&q, 0);
    filter_sql(&w, user_id, f, like, sizeof(like));
    int n = w.p.n;
    hk_db_param_i64(&w.p, EXPORT_MAX_ROWS);
    /* one level: the inner order is the order */
    (void)hk_buf_printf(
        &q, "%s%s%s LIMIT $%d::bigint", EXPORT_HEAD, hk_buf_str(&w.sql),
        f->asc ? orders[f->sort].inner_asc : orders[f->sort].inner_desc, n + 1);
    int rc = hk_db_borrow(am->db, &c, err);
    if (rc < 0)
        goto out;
    rc = hk_db_params_run(c, hk_buf_str(&q), &w.p, &r);
    hk_db_release(am->db, c);
    if (rc < 0) {
        hk_db_err(err, rc);
        goto out;
    }
    const char *vals[HK_APPLICATIONS_EXPORT_COLS];
    int lens[HK_APPLICATIONS_EXPORT_COLS];
    for (int i = 0; i < PQntuples(r) && rc == 0; i++) {
        for (int col = 0; col < HK_APPLICATIONS_EXPORT_COLS; col++) {
            vals[col] = PQgetisnull(r, i, col) ? NULL : PQgetvalue(r, i, col);
            lens[col] = PQgetlength(r, i, col);
        }
        rc = row(arg, vals, lens);
    }
    if (rc < 0)
        hk_db_err(err, rc);
out:
    if (r != NULL)
        PQclear(r);
    hk_buf_release(&q);
    hk_db_sql_release(&w);
    return rc;
}

static const char sql_stats[] =
    "WITH a AS (SELECT status, company, search_term, created_at"
    "  FROM applications WHERE user_id = $1::bigint),"
    " today AS (SELECT (now() AT TIME ZONE 'UTC')::date AS d)"
    " SELECT json_build_object("
    "  'total', (SELECT count(*) FROM a),"
    "  'by_status', (SELECT coalesce(json_object_agg(status, n), '{}')"
    "   FROM (SELECT status, count(*) AS n FROM a GROUP BY status"
    "   ORDER BY status) s),"
    "  'top_companies', (SELECT coalesce(json_agg(json_build_object("
    "   'company', company, 'count', n) ORDER BY n DESC, company), '[]')"
    "   FROM (SELECT company, count(*) AS n FROM a WHERE company <> ''"
    "   GROUP BY company ORDER BY n DESC, company LIMIT 10) c),"
    "  'top_search_terms', (SELECT coalesce(json_agg(json_build_object("
    "   'search_term', search_term, 'count', n) ORDER BY n DESC,"
    "   search_term), '[]') FROM (SELECT search_term, count(*) AS n FROM a"
    "   WHERE search_term IS NOT NULL AND search_term <> ''"
    "   GROUP BY search_term ORDER BY n DESC, search_term LIMIT 10) t),"
    "  'per_day', (SELECT json_agg(json_build_object('date', to_char(g.day,"
    "   'YYYY-MM-DD'), 'count', coalesce(x.n, 0)) ORDER BY g.day)"
    "   FROM generate_series((SELECT d FROM today) - 29, (SELECT d FROM"
    "   today), '1 day') AS g(day) LEFT JOIN (SELECT (created_at AT TIME"
    "   ZONE 'UTC')::date AS day, count(*) AS n FROM a WHERE created_at >="
    "   ((SELECT d FROM today) - 29)::timestamp AT TIME ZONE 'UTC'"
    "   GROUP BY 1) x ON x.day = g.day::date),"
    "  'sent', (SELECT count(*) FROM a WHERE status IN ('applied', 'viewed',"
    "   'interviewing', 'offered', 'rejected', 'accepted', 'withdrawn')),"
    "  'responded', (SELECT count(*) FROM a JOIN application_statuses s"
    "   ON s.name = a.status WHERE s.responded),"
    "  'response_rate', (SELECT CASE WHEN sent = 0 THEN 0 ELSE"
    "   round(responded::numeric / sent, 4) END FROM (SELECT"
    "   count(*) FILTER (WHERE a.status IN ('applied', 'viewed',"
    "   'interviewing', 'offered', 'rejected', 'accepted', 'withdrawn'))"
    "   AS sent, count(*) FILTER (WHERE s.responded) AS responded"
    "   FROM a JOIN application_statuses s ON s.name = a.status) rr)"
    " )::text";

/* See applications.h. */
int hk_applications_stats(struct hk_applications *am, int64_t user_id,
                          struct hk_buf *out, struct hk_err *err)
{
    struct hk_dbconn *c = NULL;
    PGresult *r = NULL;
    struct hk_db_params p;
    int rc = hk_db_borrow(am->db, &c, err);
    if (rc < 0)
        return rc;
    hk_db_params_init(&p);
    hk_db_param_i64(&p, user_id);
    rc = hk_db_params_run(c, sql_stats, &p, &r);
    hk_db_release(am->db, c);
    if (rc < 0)
        return hk_db_err(err, rc);
    /* PostgreSQL built valid JSON: pass it on as it is. */
    rc = hk_buf_append(out, PQgetvalue(r, 0, 0), (size_t)PQgetlength(r, 0, 0));
    PQclear(r);
    return rc < 0 ? hk_db_err(err, rc) : 0;
}
