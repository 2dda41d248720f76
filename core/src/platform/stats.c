/*
 * platform/stats.c - GET /api/v1/job-applications/stats and
 * GET /api/v1/job-applications/export.csv.
 *
 * The statistics are one statement that builds the JSON in PostgreSQL:
 * one round trip, and the per-user rows never leave the server.
 *
 * Response rate = applications that got an answer (statuses flagged
 * `responded` in application_statuses: interviewing, offered, rejected,
 * accepted) divided by applications that were sent (applied and every
 * status after it: viewed, interviewing, offered, rejected, accepted,
 * withdrawn).  Days are UTC days.
 */
#include <stdio.h>
#include <string.h>

#include "hawk/plugin.h"
#include "platform/csv.h"
#include "platform/pf.h"
#include "platform/platform.h"
#include "util/buf.h"

#define EXPORT_MAX_ROWS 100000

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

/* GET /api/v1/job-applications/stats */
static void h_stats(struct hk_req *req, struct hk_resp *resp)
{
    struct hk_dbconn *c = NULL;
    PGresult *r = NULL;
    char uid[24];
    if (hk_pf_acquire(req, resp, &c) < 0)
        return;
    const char *params[] = {hk_pf_id(uid, req->user_id)};
    int rc = hk_db_query(c, sql_stats, 1, params, &r);
    hk_pf_release(req, c);
    if (rc < 0) {
        hk_resp_from_status(resp, rc);
        return;
    }
    /* PostgreSQL built valid JSON: send it as it is. */
    hk_resp_bytes(resp, 200, "application/json", PQgetvalue(r, 0, 0),
                  (size_t)PQgetlength(r, 0, 0));
    PQclear(r);
}

/* GET /api/v1/job-applications/export.csv: the list's columns and
 * filters, every page. */
static void h_export(struct hk_req *req, struct hk_resp *resp)
{
    static const char *const header[] = {
        "id",         "job_id",     "title",      "company",
        "location",   "board",      "status",     "search_term",
        "created_at", "updated_at", "applied_at", "url"};
    struct hk_dbconn *c = NULL;
    PGresult *r = NULL;
    char uid[24], lim[24];
    struct hk_pf_app_bufs bufs;
    const char *inner = NULL, *outer = NULL;
    struct hk_pf_q where, q;
    struct hk_buf out;
    (void)outer; /* one level: the inner order is the order */
    struct hk_csv w;
    hk_pf_q_init(&where);
    hk_pf_q_init(&q);
    hk_buf_init(&out, 0);
    hk_pf_q_add(&where, " WHERE a.user_id = ?::bigint",
                hk_pf_id(uid, req->user_id));
    if (hk_pf_app_filters(req, resp, &where, &bufs, &inner, &outer) < 0)
        goto out;
    hk_pf_q_sql(
        &q,
        "SELECT a.id, a.job_id, a.title, a.company, a.location,"
        " a.board, a.status, a.search_term, " PF_TS("a.created_at") ", " PF_TS(
            "a.updated_at") ", " PF_TS("a.applied_at") ", j.url"
                                                       " FROM applications a "
                                                       "JOIN jobs j ON j.id = "
                                                       "a.job_id");
    hk_pf_q_sql(&q, hk_buf_str(&where.sql));
    hk_pf_q_sql(&q, inner);
    where.params[where.n] = hk_pf_id(lim, EXPORT_MAX_ROWS);
    hk_pf_q_ref(&q, " LIMIT ?::bigint", where.n + 1);
    if (hk_pf_acquire(req, resp, &c) < 0)
        goto out;
    int rc = hk_db_query(c, hk_buf_str(&q.sql), where.n + 1, where.params, &r);
    hk_pf_release(req, c);
    if (rc < 0) {
        hk_resp_from_status(resp, rc);
        goto out;
    }
    hk_csv_init(&w, &out);
    for (size_t i = 0; i < sizeof(header) / sizeof(header[0]) && rc == 0; i++)
        rc = hk_csv_str(&w, header[i]);
    if (rc == 0)
        rc = hk_csv_end_row(&w);
    for (int i = 0; i < PQntuples(r) && rc == 0; i++) {
        for (int col = 0; col < 12 && rc == 0; col++)
            rc = hk_csv_field(
                &w, PQgetisnull(r, i, col) ? NULL : PQgetvalue(r, i, col),
                (size_t)PQgetlength(r, i, col));
        if (rc == 0)
            rc = hk_csv_end_row(&w);
    }
    if (rc < 0) {
        hk_resp_from_status(resp, rc);
        goto out;
    }
    hk_resp_bytes(resp, 200, "text/csv; charset=utf-8",
                  out.data ? out.data : "", out.len);
    hk_resp_header(resp, "Content-Disposition",
                   "attachment; filename=\"job-applications.csv\"");
out:
    if (r != NULL)
        PQclear(r);
    hk_buf_release(&out);
    hk_pf_q_release(&q);
    hk_pf_q_release(&where);
}

/* See pf.h. */
void hk_pf_stats_routes(struct hk_router *r)
{
    hk_pf_route(r, "GET", "/api/v1/job-applications/stats", h_stats,
                HK_ROUTE_AUTH, 0);
    hk_pf_route(r, "GET", "/api/v1/job-applications/export.csv", h_export,
                HK_ROUTE_AUTH, 0);
}
